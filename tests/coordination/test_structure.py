"""The structural network from Helhed's own data (shared courses, handovers with their
acknowledgement times, meetings held together, boundary spanners) and RC beside the timeliness
figures — counts under five shown as "<5", people outside the reader's organisations unnamed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.coordination import selectors
from helhed.core.models import Organisation
from helhed.courses.models import TeamMember
from helhed.handovers.models import Handover
from helhed.meetings.models import Meeting, Participant
from tests.coordination.conftest import World, answers
from tests.courses.builders import join_team, make_staff, make_unit, today

pytestmark = pytest.mark.django_db


def build(world: World) -> None:
    now = timezone.now()
    for i, course in enumerate(world.courses[:5]):
        Handover.objects.create(
            course=course,
            from_unit=world.job_unit,
            to_unit=world.psych_unit,
            mode="ledsaget",
            reason="Behandling",
            status="accepted",
            requested_at=now - timedelta(days=20),
            requested_by=world.jobcenter[i],
            acknowledged_at=now - timedelta(days=20) + timedelta(hours=2 * (i + 1)),
            first_acknowledged_at=now - timedelta(days=20) + timedelta(hours=2 * (i + 1)),
        )
    Handover.objects.create(
        course=world.courses[0],
        from_unit=world.psych_unit,
        to_unit=world.job_unit,
        mode="henvist",
        reason="Job",
        status="requested",
        requested_at=now - timedelta(days=3),
        requested_by=world.psychiatry[0],
    )
    for course in world.courses:
        meeting = Meeting.objects.create(
            course=course,
            kind="netvaerk",
            purpose="Netværksmøde",
            place="Rådhuset",
            status="afholdt",
            starts_at=now - timedelta(days=10),
            created_by=world.coordinator,
        )
        for member in TeamMember.objects.filter(course=course):
            Participant.objects.create(
                meeting=meeting,
                kind="team",
                team_member=member,
                name=member.name,
                present=member.name != "Psyk1",  # absent: does not count as together
            )
    health = make_unit(world.org, "Sundhedsplejen", "kommunalt-sundhed")
    nurse = make_staff(health, first_name="Sundhed")
    region = Organisation.objects.get(org_type_id="region", official_code="1083")
    for course in world.courses[:3]:
        join_team(course, world.coordinator, health, member_user=nurse, name="Sundhed")
        TeamMember.objects.create(
            course=course,
            name="Dr. Ekstern",
            organisation=region,
            welfare_area_id="psykiatri",
            role="Psykiater",
            valid_from=today() - timedelta(days=5),
        )


def test_structural_network(world: World) -> None:
    build(world)
    wave = world.draft_wave()
    s = selectors.structure(world.leader, wave.pk)
    assert s.courses.shown == "6"
    groups = {slug: (courses.shown, people) for slug, _n, courses, people in s.groups}
    assert groups["jobcenter"] == ("6", 6)
    assert groups["psykiatri"] == ("6", 3)  # two nurses and the external psychiatrist
    assert groups["sundhed"] == ("<5", 1)  # three courses: a small cell
    pairs = {(p.a, p.b): p for p in s.pairs}
    job_psych = pairs[("jobcenter", "psykiatri")]
    assert job_psych.courses.shown == "6"
    assert job_psych.handovers_ab.shown == "5" and job_psych.hours_ab == pytest.approx(6.0)
    assert job_psych.handovers_ba.shown == "<5" and job_psych.hours_ba is None
    # Psyk1 was absent from the three meetings of their courses: only Psyk0's three remain
    assert job_psych.meetings.shown == "<5" and job_psych.meetings.n == 3
    assert pairs[("jobcenter", "koordinator")].meetings.shown == "6"
    spanners = {sp.label: sp for sp in s.spanners}
    karen = next(label for label in spanners if label.startswith("Karen"))
    assert spanners[karen].reached == ["jobcenter", "psykiatri", "sundhed"]
    # the region's psychiatrist bridges too, but is not named to a municipal leader
    assert not any("Ekstern" in label for label in spanners)
    assert any(label.startswith("Psykiatri (region) (Region Syddanmark)") for label in spanners)


def test_flow_beside_rc(world: World) -> None:
    build(world)
    wave = world.open_wave()
    for user in world.jobcenter[:5]:
        world.answer(wave, user, {"psykiatri": answers("2")})
    world.close(wave)
    f = selectors.flow(world.leader, wave.pk)
    keys = [m.key for m in f.metrics]
    assert "handover_ack_hours" in keys and "days_referral_to_first_meeting" in keys
    row = next(r for r in f.rows if {r.a, r.b} == {"jobcenter", "psykiatri"})
    ab = row.ab if row.a == "jobcenter" else row.ba
    assert ab.n == 5 and ab.band == "weak"
    ack = row.figures[keys.index("handover_ack_hours")]
    assert ack.n == 5 and ack.shown == "6,0"  # Danish decimal comma
    meeting_days = row.figures[keys.index("days_referral_to_first_meeting")]
    assert meeting_days.n == 6
    overall = f.overall[keys.index("handover_ack_hours")]
    assert overall.n == 5
    assert all(rho is None for _m, rho, _n in f.correlations)  # too few pairs to say anything


def test_structure_is_for_managers_only(world: World) -> None:
    wave = world.draft_wave()
    for user in (world.jobcenter[0], world.other_leader, world.admin):
        with pytest.raises(Exception) as caught:
            selectors.structure(user, wave.pk)
        assert caught.type.__name__ == "PermissionDenied"
