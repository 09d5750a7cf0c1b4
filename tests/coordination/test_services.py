"""The write use cases: creating, opening and closing a wave, answering once, the classification
of team members — and the attacks: another organisation's leader, a participant or an
administrator reading results, a guessed id, answering after close, a second response, rating
one's own workgroup as another, out-of-range values, a wave without participants. Every refusal
leaves nothing half-written."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from helhed.coordination import logic, selectors, services
from helhed.coordination.models import (
    Draft,
    Participation,
    Response,
    Source,
    TeamMemberWorkgroup,
    TieAnswer,
    WaveResult,
    WaveStatus,
    WorkgroupDecision,
)
from helhed.notifications.models import Notification
from tests.coordination.conftest import World, answers
from tests.courses.builders import join_team, make_staff, make_unit, today

pytestmark = pytest.mark.django_db


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def counts() -> tuple[int, int, int]:
    return Response.objects.count(), TieAnswer.objects.count(), Draft.objects.count()


# --------------------------------------------------------------------------------------------
# Creating and opening
# --------------------------------------------------------------------------------------------


def test_participants_come_from_the_teams_in_scope_with_their_workgroup(world: World) -> None:
    wave = world.draft_wave()
    got = dict(Participation.objects.filter(wave=wave).values_list("user_id", "workgroup_id"))
    expected = {u.pk: "jobcenter" for u in world.jobcenter}
    expected |= {u.pk: "psykiatri" for u in world.psychiatry}
    expected[world.coordinator.pk] = "koordinator"
    assert got == expected
    assert set(wave.groups.values_list("slug", flat=True)) == {
        "jobcenter",
        "psykiatri",
        "koordinator",
    }
    assert wave.status == WaveStatus.DRAFT
    assert Notification.objects.count() == 0  # nobody is told before it opens


def test_citizen_side_can_be_rated_when_included(world: World) -> None:
    wave = world.draft_wave(include_citizen_side=True)
    assert {"borgeren", "paaroerende"} <= set(wave.groups.values_list("slug", flat=True))


def test_opening_notifies_with_a_link_and_no_personal_data(world: World) -> None:
    wave = world.open_wave()
    notes = list(Notification.objects.filter(recipient__in=world.jobcenter))
    assert len(notes) == 6
    for n in notes:
        assert n.url == f"/samarbejde/svar/{wave.pk}/"
        text = f"{n.title} {n.body}"
        assert "Mette" not in text and "Hansen" not in text and "FAMKO" not in text
    # opening twice is refused, and notifies nobody again
    with pytest.raises(ValidationError):
        services.open_wave(actor=world.leader, wave_id=wave.pk)
    assert Notification.objects.filter(recipient__in=world.jobcenter).count() == 6


def test_a_wave_without_participants_cannot_be_opened(world: World) -> None:
    wave = world.draft_wave(
        period_start=today() - timedelta(days=900), period_end=today() - timedelta(days=800)
    )
    assert wave.participations.count() == 0
    with pytest.raises(ValidationError) as caught:
        services.open_wave(actor=world.leader, wave_id=wave.pk)
    assert "ingen deltagere" in errors(caught)["participants"][0]
    wave.refresh_from_db()
    assert wave.status == WaveStatus.DRAFT


def test_fewer_participants_than_the_threshold_cannot_open(world: World) -> None:
    wave = world.draft_wave(min_respondents=12)
    with pytest.raises(ValidationError) as caught:
        services.open_wave(actor=world.leader, wave_id=wave.pk)
    assert "mindst 12 svar" in errors(caught)["participants"][0]


def test_bad_wave_input_gets_field_errors_and_writes_nothing(world: World) -> None:
    from helhed.coordination.models import Wave

    with pytest.raises(ValidationError) as caught:
        services.create_wave(
            actor=world.leader,
            name="",
            scope_kind="indsats",
            initiative_id=None,
            organisation_ids=[world.other_org.pk],
            period_start=today(),
            period_end=today() - timedelta(days=1),
            answer_by=today() - timedelta(days=1),
            min_respondents=2,
        )
    e = errors(caught)
    assert set(e) >= {
        "name",
        "initiative_id",
        "organisation_ids",
        "period_end",
        "answer_by",
        "min_respondents",
    }
    with pytest.raises(ValidationError) as caught:
        world.draft_wave(scope_kind="netvaerk", unit_ids=[world.job_unit.pk])
    assert "unit_ids" in errors(caught)
    assert Wave.objects.count() == 0


def test_another_organisations_leader_cannot_create_read_or_close(world: World) -> None:
    wave = world.open_wave()
    with pytest.raises(ValidationError) as caught:
        services.create_wave(
            actor=world.other_leader,
            name="Snyd",
            scope_kind="organisation",
            organisation_ids=[world.org.pk],
            period_start=today() - timedelta(days=30),
            period_end=today(),
            answer_by=today() + timedelta(days=3),
        )
    assert "organisation_ids" in errors(caught)
    for call in (
        lambda: selectors.wave_detail(world.other_leader, wave.pk),
        lambda: selectors.structure(world.other_leader, wave.pk),
        lambda: services.close_wave(actor=world.other_leader, wave_id=wave.pk),
        lambda: services.add_participant(
            actor=world.other_leader,
            wave_id=wave.pk,
            user_id=world.other_leader.pk,
            workgroup="jobcenter",
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    # a professional without a leader role cannot create a wave at all
    with pytest.raises(PermissionDenied):
        services.create_wave(
            actor=world.jobcenter[0],
            name="x",
            scope_kind="organisation",
            organisation_ids=[world.org.pk],
            period_start=today(),
            period_end=today(),
            answer_by=today(),
        )


def test_a_guessed_or_malformed_id_is_refused_like_a_forbidden_one(world: World) -> None:
    world.open_wave()
    for wave_id in (uuid.uuid4(), "not-a-uuid", ""):
        with pytest.raises(PermissionDenied):
            selectors.wave_detail(world.leader, wave_id)
        with pytest.raises(PermissionDenied):
            selectors.results(world.leader, wave_id)
        with pytest.raises(PermissionDenied):
            services.submit(actor=world.jobcenter[0], wave_id=wave_id, others={})
        with pytest.raises(PermissionDenied):
            selectors.answer_state(world.jobcenter[0], wave_id)


# --------------------------------------------------------------------------------------------
# Answering
# --------------------------------------------------------------------------------------------


def test_submitting_stores_answers_without_the_person(world: World) -> None:
    wave = world.open_wave()
    user = world.jobcenter[0]
    services.save_draft(actor=user, wave_id=wave.pk, others={"psykiatri": {"hyppig": "2"}})
    assert Draft.objects.count() == 1
    world.answer(wave, user, {"psykiatri": answers("3")}, within=answers("5"))
    participation = Participation.objects.get(wave=wave, user=user)
    assert participation.submitted
    assert Draft.objects.count() == 0  # drafts only until submission
    response = Response.objects.get()
    assert response.workgroup_id == "jobcenter"
    # nothing on the answer rows points back at a person, a participation or a time
    for model in (Response, TieAnswer):
        names = {f.name for f in model._meta.get_fields()}
        assert not names & {"user", "participation", "created_at", "updated_at", "submitted_at"}
    ties = {t.about_workgroup_id: t for t in TieAnswer.objects.all()}
    # "3" on the frequency item is "Tilpas": it scores 5
    assert ties["psykiatri"].mean == pytest.approx((5 + 3 * 6) / 7)
    assert not ties["psykiatri"].within
    # "5" on the frequency item is "Alt for ofte": it scores 2
    assert ties["jobcenter"].within
    assert ties["jobcenter"].mean == pytest.approx((2 + 5 * 6) / 7)


def test_a_second_response_is_refused(world: World) -> None:
    wave = world.open_wave()
    user = world.jobcenter[0]
    world.answer(wave, user, {"psykiatri": answers()})
    before = counts()
    with pytest.raises(ValidationError) as caught:
        world.answer(wave, user, {"psykiatri": answers("1")})
    assert "kun svare én gang" in errors(caught)["others"][0]
    with pytest.raises(ValidationError):
        services.save_draft(actor=user, wave_id=wave.pk, others={})
    assert counts() == before


def test_answering_after_close_is_refused_and_drafts_are_deleted(world: World) -> None:
    wave = world.open_wave()
    services.save_draft(actor=world.jobcenter[1], wave_id=wave.pk, others={"psykiatri": {}})
    world.close(wave)
    assert Draft.objects.count() == 0
    with pytest.raises(ValidationError) as caught:
        world.answer(wave, world.jobcenter[0], {"psykiatri": answers()})
    assert "lukket" in errors(caught)["others"][0]
    assert TieAnswer.objects.count() == 0


def test_rating_ones_own_workgroup_as_another_is_refused(world: World) -> None:
    wave = world.open_wave()
    with pytest.raises(ValidationError) as caught:
        world.answer(wave, world.jobcenter[0], {"jobcenter": answers(), "psykiatri": answers()})
    assert "egen faggruppe" in errors(caught)["jobcenter"][0]
    assert counts() == (0, 0, 0)
    with pytest.raises(ValidationError):
        services.choose_groups(
            actor=world.jobcenter[0], wave_id=wave.pk, groups=["jobcenter"], rate_own=False
        )


def test_out_of_range_unknown_and_missing_answers_get_field_errors(world: World) -> None:
    wave = world.open_wave()
    bad = answers(rettidig="6", respekt="0")
    del bad["hyppig"]
    with pytest.raises(ValidationError) as caught:
        world.answer(wave, world.jobcenter[0], {"psykiatri": bad, "sundhed": answers()})
    e = errors(caught)
    assert "Vælg et af svarene" in e["psykiatri.rettidig"][0]
    assert "psykiatri.respekt" in e
    assert "Besvar spørgsmålet" in e["psykiatri.hyppig"][0]
    assert "ikke med i denne måling" in e["sundhed"][0]
    assert counts() == (0, 0, 0)
    # a draft may be incomplete, but never hold a wrong value
    with pytest.raises(ValidationError):
        services.save_draft(
            actor=world.jobcenter[0], wave_id=wave.pk, others={"psykiatri": {"hyppig": "42"}}
        )
    assert Draft.objects.count() == 0


def test_nothing_rated_cannot_be_submitted(world: World) -> None:
    wave = world.open_wave()
    with pytest.raises(ValidationError) as caught:
        services.submit(actor=world.jobcenter[0], wave_id=wave.pk)
    assert "mindst én faggruppe" in errors(caught)["others"][0]


def test_only_invited_people_answer_and_not_before_opening(world: World) -> None:
    draft = world.draft_wave()
    with pytest.raises(PermissionDenied):
        world.answer(draft, world.jobcenter[0], {"psykiatri": answers()})
    wave = services.open_wave(actor=world.leader, wave_id=draft.pk)
    for outsider in (world.outsider, world.other_leader, world.admin):
        with pytest.raises(PermissionDenied):
            world.answer(wave, outsider, {"psykiatri": answers()})


def test_page_flow_choose_groups_then_one_page_per_group(world: World) -> None:
    wave = world.open_wave()
    user = world.jobcenter[2]
    state = selectors.answer_state(user, wave.pk)
    assert state.suggested == ["koordinator", "psykiatri"]  # they share courses
    services.choose_groups(actor=user, wave_id=wave.pk, groups=["psykiatri"], rate_own=True)
    with pytest.raises(ValidationError) as caught:
        services.save_group_answers(
            actor=user, wave_id=wave.pk, group="psykiatri", answers={"hyppig": "3"}
        )
    assert "psykiatri.rettidig" in errors(caught)
    services.save_group_answers(actor=user, wave_id=wave.pk, group="psykiatri", answers=answers())
    services.save_group_answers(actor=user, wave_id=wave.pk, group="jobcenter", answers=answers())
    with pytest.raises(PermissionDenied):  # not chosen
        services.save_group_answers(
            actor=user, wave_id=wave.pk, group="koordinator", answers=answers()
        )
    state = selectors.answer_state(user, wave.pk)
    assert [g.slug for g in state.steps()] == ["psykiatri", "jobcenter"]
    assert state.complete("psykiatri") and state.complete("jobcenter")
    services.submit(actor=user, wave_id=wave.pk)
    assert TieAnswer.objects.filter(within=True).count() == 1
    assert selectors.answer_state(user, wave.pk).done


def test_a_participant_cannot_read_another_participants_draft(world: World) -> None:
    wave = world.open_wave()
    services.save_draft(
        actor=world.jobcenter[0], wave_id=wave.pk, others={"psykiatri": {"hyppig": "1"}}
    )
    mine = selectors.answer_state(world.jobcenter[1], wave.pk)
    assert mine.others == {}
    with pytest.raises(PermissionDenied):
        selectors.answer_state(world.leader, wave.pk)  # not invited
    with pytest.raises(PermissionDenied):
        selectors.answer_state(world.admin, wave.pk)


# --------------------------------------------------------------------------------------------
# Closing and results
# --------------------------------------------------------------------------------------------


def answered_wave(world: World) -> tuple[object, object]:
    wave = world.open_wave()
    for i, user in enumerate(world.jobcenter):
        world.answer(wave, user, {"psykiatri": answers("2" if i % 2 else "3")})
    world.answer(wave, world.psychiatry[0], {"jobcenter": answers("5")})
    return wave, world.close(wave)


def test_results_only_after_close_and_only_for_managers(world: World) -> None:
    wave = world.open_wave()
    with pytest.raises(PermissionDenied):
        selectors.results(world.leader, wave.pk)  # not closed
    world.close(wave)
    r = selectors.results(world.analyst, wave.pk)
    assert r.threshold == 5
    for attacker in (
        world.jobcenter[0],
        world.psychiatry[0],
        world.admin,
        world.other_leader,
        world.outsider,
    ):
        with pytest.raises(PermissionDenied):
            selectors.results(attacker, wave.pk)
        with pytest.raises(PermissionDenied):
            selectors.export_rows(attacker, wave.pk)


def test_closing_computes_suppressed_results(world: World) -> None:
    _wave, wave = answered_wave(world)
    r = selectors.results(world.leader, wave.pk)  # type: ignore[attr-defined]
    tie = r.cells["tie|jobcenter|psykiatri"]
    # "3" everywhere: (5 + 6·3)/7 ("Tilpas" scores 5); "2" everywhere: (3 + 6·2)/7
    assert tie.n == 6
    assert tie.mean == pytest.approx(((5 + 18) / 7 + (3 + 12) / 7) / 2, abs=1e-4)
    assert tie.band == "weak"
    assert r.cells["tie|psykiatri|jobcenter"].hidden == logic.PRIMARY
    assert r.cells["tie|psykiatri|jobcenter"].mean is None
    stored = WaveResult.objects.get(wave=wave).data  # type: ignore[misc]
    assert stored["cells"]["tie|psykiatri|jobcenter"] == {"hidden": "primary"}
    for value in stored["cells"].values():
        assert "hidden" in value or value["n"] >= 5
    assert r.submitted == {"jobcenter": 6, "psykiatri": 1}
    assert r.invited == {"jobcenter": 6, "psykiatri": 2, "koordinator": 1}


def test_closing_twice_or_a_draft_is_refused(world: World) -> None:
    wave = world.draft_wave()
    with pytest.raises(ValidationError):
        services.close_wave(actor=world.leader, wave_id=wave.pk)
    services.open_wave(actor=world.leader, wave_id=wave.pk)
    world.close(wave)
    with pytest.raises(ValidationError):
        world.close(wave)


def test_change_since_the_previous_wave(world: World) -> None:
    first = world.open_wave(
        period_start=today() - timedelta(days=400), period_end=today() - timedelta(days=10)
    )
    for user in world.jobcenter:
        world.answer(first, user, {"psykiatri": answers("2")})
    world.close(first)
    second = world.open_wave(name="Anden måling")
    for i, user in enumerate(world.jobcenter):
        world.answer(second, user, {"psykiatri": answers("4" if i % 2 else "5")})
    world.close(second)
    second.refresh_from_db()
    assert second.previous_id == first.pk
    r = selectors.results(world.leader, second.pk)
    change = {c.key: c for c in r.changes}["tie|jobcenter|psykiatri"]
    assert change.before < change.after and change.change.clear


def test_removing_and_changing_participants(world: World) -> None:
    wave = world.draft_wave()
    p = Participation.objects.get(wave=wave, user=world.psychiatry[1])
    services.change_participant_workgroup(
        actor=world.leader, wave_id=wave.pk, participation_id=p.pk, workgroup="sundhed"
    )
    assert "sundhed" in set(wave.groups.values_list("slug", flat=True))
    with pytest.raises(ValidationError):
        services.change_participant_workgroup(
            actor=world.leader, wave_id=wave.pk, participation_id=p.pk, workgroup="borgeren"
        )
    services.remove_participant(actor=world.leader, wave_id=wave.pk, participation_id=p.pk)
    assert not Participation.objects.filter(pk=p.pk).exists()
    extra = make_staff(world.job_unit)
    services.add_participant(
        actor=world.leader, wave_id=wave.pk, user_id=extra.pk, workgroup="jobcenter"
    )
    with pytest.raises(ValidationError) as caught:
        services.add_participant(
            actor=world.leader, wave_id=wave.pk, user_id=extra.pk, workgroup="jobcenter"
        )
    assert "deltager allerede" in errors(caught)["user_id"][0]
    with pytest.raises(ValidationError) as caught:
        services.add_participant(
            actor=world.leader, wave_id=wave.pk, user_id=world.outsider.pk, workgroup="jobcenter"
        )
    assert "fra listen" in errors(caught)["user_id"][0]


def test_a_participant_who_answered_cannot_be_removed(world: World) -> None:
    wave = world.open_wave()
    world.answer(wave, world.jobcenter[0], {"psykiatri": answers()})
    p = Participation.objects.get(wave=wave, user=world.jobcenter[0])
    with pytest.raises(ValidationError) as caught:
        services.remove_participant(actor=world.leader, wave_id=wave.pk, participation_id=p.pk)
    assert "ikke er knyttet til personen" in errors(caught)["participation"][0]


# --------------------------------------------------------------------------------------------
# Workgroups of team members
# --------------------------------------------------------------------------------------------


def test_a_team_member_added_later_is_classified_at_once(world: World) -> None:
    unit = make_unit(world.org, "Afdeling 7", None)
    member = join_team(world.courses[0], world.coordinator, unit, name="Ole")
    mapping = TeamMemberWorkgroup.objects.get(team_member_id=member.pk)
    assert mapping.source == Source.UNKNOWN and mapping.workgroup_id is None
    # a leader of the member's organisation decides for the role in that unit
    n = services.decide_workgroup(
        actor=world.leader, signature=mapping.signature, workgroup="sundhed"
    )
    assert n == 1
    mapping.refresh_from_db()
    assert (mapping.workgroup_id, mapping.source) == ("sundhed", Source.PERSON)
    # the next one with the same role in the same unit follows the decision
    later = join_team(world.courses[1], world.coordinator, unit, name="Lise")
    assert TeamMemberWorkgroup.objects.get(team_member_id=later.pk).workgroup_id == "sundhed"
    assert WorkgroupDecision.objects.count() == 1


def test_only_the_organisations_leaders_decide(world: World) -> None:
    unit = make_unit(world.org, "Afdeling 8", None)
    member = join_team(world.courses[0], world.coordinator, unit, name="Ole")
    signature = TeamMemberWorkgroup.objects.get(team_member_id=member.pk).signature
    for actor in (world.other_leader, world.jobcenter[0]):
        with pytest.raises(PermissionDenied):
            services.decide_workgroup(actor=actor, signature=signature, workgroup="sundhed")
    with pytest.raises(PermissionDenied):
        services.decide_workgroup(actor=world.leader, signature="nope", workgroup="sundhed")
    with pytest.raises(ValidationError):
        services.decide_workgroup(actor=world.leader, signature=signature, workgroup="borgeren")
    assert [p.signature for p in selectors.classification(world.leader)] == [signature]
    with pytest.raises(PermissionDenied):
        selectors.classification(world.jobcenter[0])


def test_the_data_migration_classifies_existing_team_members(world: World) -> None:
    import importlib

    from django.apps import apps

    TeamMemberWorkgroup.objects.all().delete()  # as before the migration
    migration = importlib.import_module("helhed.coordination.migrations.0003_classify_team_members")
    migration.forwards(apps, None)
    groups = dict(TeamMemberWorkgroup.objects.values_list("team_member__name", "workgroup_id"))
    assert groups["Job0"] == "jobcenter" and groups["Psyk1"] == "psykiatri"
    assert TeamMemberWorkgroup.objects.filter(workgroup_id="koordinator").count() == 6
    migration.forwards(apps, None)  # idempotent
    assert TeamMemberWorkgroup.objects.count() == 18


def test_classify_pending_maps_every_unmapped_member_once(world: World) -> None:
    """Rows loaded in bulk (the demo, an import) are classified by signature, a statement per
    signature: every member without a mapping gets exactly one, the count returned is the rows
    written, those with one keep theirs (even when it is not what the rules say), a member of a
    restricted course gets none, and a second run adds nothing."""
    from helhed.courses.models import Course, TeamMember

    kept = TeamMemberWorkgroup.objects.order_by("pk").first()
    assert kept is not None
    TeamMemberWorkgroup.objects.filter(pk=kept.pk).update(workgroup_id="sundhed", source="person")
    TeamMemberWorkgroup.objects.exclude(pk=kept.pk).delete()  # as after a bulk load
    restricted = world.courses[-1]
    assert restricted.team.exclude(pk=kept.team_member_id).exists()
    Course.objects.filter(pk=restricted.pk).update(restricted_since=timezone.now())
    members = TeamMember.objects.exclude(course=restricted).exclude(pk=kept.team_member_id)
    assert members.count() > 5
    added = services.classify_pending()
    assert added == members.count()
    mapped = set(TeamMemberWorkgroup.objects.values_list("team_member_id", flat=True))
    assert mapped == {*members.values_list("pk", flat=True), kept.team_member_id}
    assert TeamMemberWorkgroup.objects.get(pk=kept.pk).workgroup_id == "sundhed"
    assert services.classify_pending() == 0


def test_workgroups_are_maintained_by_administrators(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.save_workgroup(actor=world.leader, slug="x", name_da="X", create=True)
    group = services.save_workgroup(
        actor=world.admin, slug="familiebehandling", name_da="Familiebehandling", create=True
    )
    assert group.active
    with pytest.raises(ValidationError) as caught:
        services.save_workgroup(actor=world.admin, slug="Bad Slug", name_da="", create=True)
    assert {"slug", "name_da"} <= set(errors(caught))
    with pytest.raises(ValidationError):
        services.save_workgroup(actor=world.admin, slug="ny", name_da="Jobcenter", create=True)


def test_reminders_go_to_those_who_have_not_answered(world: World) -> None:
    from helhed.notifications.services import run_alerts

    wave = world.open_wave(answer_by=today() + timedelta(days=10))
    world.answer(wave, world.jobcenter[0], {"psykiatri": answers()})
    assert not list(selectors.reminders(today()))  # too early
    later = today() + timedelta(days=selectors.REMINDER_AFTER_DAYS)
    alerts = list(selectors.reminders(later))
    recipients = {a.recipient_id for a in alerts}
    assert world.jobcenter[0].pk not in recipients
    assert world.jobcenter[1].pk in recipients and len(alerts) == 8
    assert all("Påmindelse" in a.title and a.url.endswith(f"{wave.pk}/") for a in alerts)
    run_alerts(later)
    run_alerts(later)  # idempotent
    assert Notification.objects.filter(dedupe_key__startswith="rk-paamindelse").count() == 8
    last = list(selectors.reminders(today() + timedelta(days=9)))
    assert {a.dedupe_key for a in last} == {f"rk-paamindelse:{wave.pk}:sidste"}
    overdue = list(selectors.reminders(today() + timedelta(days=11)))
    assert [a.recipient_id for a in overdue] == [world.leader.pk]


def test_an_emptied_workgroup_list_is_restored_before_it_is_needed(world: World) -> None:
    from helhed.coordination.models import Instrument, Workgroup

    TeamMemberWorkgroup.objects.all().delete()
    WorkgroupDecision.objects.all().delete()
    Participation.objects.all().delete()
    Workgroup.objects.all().delete()
    Instrument.objects.all().delete()
    member = join_team(world.courses[0], world.coordinator, world.job_unit, name="Ny")
    assert TeamMemberWorkgroup.objects.get(team_member_id=member.pk).workgroup_id == "jobcenter"
    assert Workgroup.objects.filter(kind="borger").exists()
    wave = world.draft_wave()
    assert wave.instrument.key == logic.HELHED_V1.key


def test_classify_pending_writes_exactly_what_the_signal_writes_for_varied_members(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``classify_pending`` classifies each combination once and writes the mappings itself (the
    daily job runs it): for members of every kind — several roles per unit, no unit, no welfare
    area, two organisations, an unknown role, ended memberships, a person's decision in force —
    it must write, column for column, what the signal writes for each member one at a time,
    also when the signatures take several statements (three each here)."""
    monkeypatch.setattr(services, "SIGNATURES_PER_STATEMENT", 3)
    import itertools
    from datetime import date

    from helhed.core.models import WelfareArea
    from helhed.courses.models import TeamMember

    columns = ("team_member_id", "workgroup_id", "source", "signature", "organisation_id")

    def mappings() -> list[tuple[object, ...]]:
        return sorted(TeamMemberWorkgroup.objects.values_list(*columns), key=repr)

    areas = [*WelfareArea.objects.values_list("pk", flat=True)[:3], None]
    units = [world.job_unit, world.psych_unit, world.coord_unit, None]
    roles = [
        "sagsbehandler",
        "Sagsbehandler",
        "frivillig",
        "xyz ukendt",
        "skolelærer",
        "koordinator",
    ]
    made = [
        TeamMember(
            course=world.courses[i % len(world.courses)],
            name=f"N{i}-{ended}",
            role=role,
            organisation=org,
            unit=unit,
            welfare_area_id=area,
            valid_from=date(2024, 1, 1),
            valid_to=date(2024, 6, 1) if ended else None,
        )
        for i, (role, unit, area, org) in enumerate(
            itertools.product(roles, units, areas, [world.org, world.other_org])
        )
        for ended in (False, True)
    ]
    TeamMember.objects.bulk_create(made)  # no signal, as a bulk load
    services.classify_pending()
    unknown = TeamMemberWorkgroup.objects.filter(workgroup__isnull=True, organisation=world.org)
    signatures = list(unknown.values_list("signature", flat=True).distinct()[:3])
    for signature in signatures:
        services.decide_workgroup(actor=world.leader, signature=signature, workgroup="sundhed")
    TeamMemberWorkgroup.objects.all().delete()
    for member in TeamMember.objects.all():
        services.team_member_saved(member.pk)
    truth = mappings()
    assert signatures and any(source == "person" for _t, _w, source, _s, _o in truth)
    assert len({(w, source) for _t, w, source, _s, _o in truth}) > 3  # more than a few kinds

    TeamMemberWorkgroup.objects.all().delete()
    assert services.classify_pending() == len(truth)
    assert mappings() == truth
    assert services.classify_pending() == 0
