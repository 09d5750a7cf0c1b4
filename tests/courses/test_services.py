"""Write use cases of courses: intake, consent, access without consent, the plan's optimistic
concurrency and versions, measures, conflicts, closing and coordinator changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.core.models import Unit, User
from helhed.courses import selectors, services
from helhed.courses.models import (
    Citizen,
    Consent,
    CoordinatorChange,
    Course,
    CourseStatus,
    Demand,
    DemandConflict,
    GivenBy,
    Goal,
    Plan,
    PlanVersion,
    TeamMember,
    WithoutConsentAccess,
)
from helhed.registry.models import Initiative
from tests.courses import builders as b

pytestmark = pytest.mark.django_db


@dataclass
class World:
    initiative: Initiative
    coordinator_unit: Unit
    jobcenter: Unit
    outsider_unit: Unit
    coordinator: User
    caseworker: User
    outsider: User


@pytest.fixture
def world(db: None) -> World:
    odense, holbaek = b.organisation("461"), b.organisation("316")
    coordinator_unit = b.make_unit(odense, "Koordinerende team")
    jobcenter = b.make_unit(odense, "Jobcenter Odense")
    outsider_unit = b.make_unit(holbaek, "Socialafdelingen", "specialiseret-voksen")
    outsider_unit.may_open_without_consent = True  # a municipal casework authority
    outsider_unit.save()
    return World(
        initiative=b.make_initiative(),
        coordinator_unit=coordinator_unit,
        jobcenter=jobcenter,
        outsider_unit=outsider_unit,
        coordinator=b.make_staff(coordinator_unit, "koordinator", first_name="Karen"),
        caseworker=b.make_staff(jobcenter, "fagperson", first_name="Jonas"),
        outsider=b.make_staff(outsider_unit, "fagperson", first_name="Olga"),
    )


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Citizen, Course, Plan, PlanVersion, TeamMember, Consent)
    )


def intake(world: World, **overrides: Any) -> Course:
    values: dict[str, Any] = {
        "initiative_id": world.initiative.pk,
        "coordinator_unit_id": world.coordinator_unit.pk,
        "cpr": "150385-1234",
        "first_name": " Mette ",
        "last_name": "Hansen",
        "referred_on": b.today() - timedelta(days=3),
    }
    values.update(overrides)
    return services.intake(world.coordinator, **values)


# --------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------


def test_intake_creates_citizen_course_plan_and_first_version(world: World) -> None:
    course = intake(world)
    citizen = course.citizen
    assert citizen.cpr == "1503851234"
    assert citizen.birth_date == date(1985, 3, 15)
    assert citizen.first_name == "Mette"
    assert course.status == CourseStatus.REFERRED
    assert course.coordinator == world.coordinator
    plan = Plan.objects.get(course=course)
    assert plan.version == 1
    version = PlanVersion.objects.get(plan=plan)
    assert version.number == 1
    assert version.changes == ["Forløbet er oprettet"]
    assert version.snapshot["goals"] == []
    member = TeamMember.objects.get(course=course)
    assert member.user == world.coordinator
    assert member.unit == world.coordinator_unit
    assert member.role == "Koordinator"
    assert member.valid_from == course.referred_on
    # the coordinator sees the course without any consent
    assert course in selectors.visible_courses(world.coordinator)


def test_second_intake_reuses_the_citizen_only_with_a_reason_and_the_registered_name(
    world: World,
) -> None:
    first = intake(world)
    # an active course: only that it exists is told, nothing about it
    with pytest.raises(services.DuplicateCourseError) as info:
        intake(world, cpr="1503851234", first_name="mette", last_name="HANSEN")
    assert info.value.visible == [first]  # the coordinator may already open it
    assert "FAMKO" not in str(info.value)
    # another name for a registered CPR number: refused, and the registered name is not told
    with pytest.raises(ValidationError) as refused:
        intake(
            world,
            cpr="1503851234",
            first_name="Anden",
            last_name="Stavning",
            parallel_reason="Særskilt forløb",
        )
    assert "Mette" not in str(refused.value.message_dict)
    second = intake(
        world,
        cpr="1503851234",
        first_name="mette",
        last_name=" hansen ",
        parallel_reason="Et særskilt forløb i psykiatrien",
    )
    assert second.citizen_id == first.citizen_id
    assert second.parallel_reason == "Et særskilt forløb i psykiatrien"
    assert Citizen.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cpr": "1503851"}, "cpr"),
        ({"cpr": "3002851234"}, "cpr"),  # 30 February
        ({"cpr": "150385²234"}, "cpr"),  # isdigit() but not a digit we can read
        ({"cpr": "0101364123"}, "cpr"),  # born in 2036
        ({"referred_on": date.today() + timedelta(days=2)}, "referred_on"),
        ({"first_name": "  "}, "first_name"),
    ],
)
def test_invalid_intake_writes_nothing(world: World, overrides: dict[str, Any], field: str) -> None:
    before = counts()
    with pytest.raises(ValidationError) as info:
        intake(world, **overrides)
    assert field in info.value.message_dict
    assert "1234" not in str(info.value.message_dict.get("cpr", ""))
    assert counts() == before


def test_intake_in_a_unit_you_do_not_belong_to_is_refused(world: World) -> None:
    before = counts()
    with pytest.raises(ValidationError) as info:
        intake(world, coordinator_unit_id=world.jobcenter.pk)
    assert "coordinator_unit_id" in info.value.message_dict
    assert counts() == before


def test_citizen_cannot_intake(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.intake(
            b.make_citizen_user(),
            initiative_id=world.initiative.pk,
            coordinator_unit_id=world.coordinator_unit.pk,
            cpr="1503851234",
            first_name="A",
            last_name="B",
            referred_on=b.today(),
        )


# --------------------------------------------------------------------------------------------
# Consent
# --------------------------------------------------------------------------------------------


def consent_kwargs(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "given_by": GivenBy.CITIZEN,
        "given_by_name": "Mette Hansen",
        "organisations": [],
        "units": [],
        "categories": ["plan"],
        "valid_from": b.today(),
        "valid_to": None,
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({}, "unit_ids"),  # no scope: neither organisation nor unit
        ({"units": "jobcenter", "categories": []}, "categories"),
        ({"units": "jobcenter", "categories": ["plan", "shoe-size"]}, "categories"),
        ({"units": "jobcenter", "valid_to": "yesterday"}, "valid_to"),
        ({"units": "jobcenter", "given_by": GivenBy.CUSTODY_HOLDER}, "given_by"),
        ({"units": "jobcenter", "given_by_name": " "}, "given_by_name"),
    ],
)
def test_invalid_consent_is_refused_and_not_written(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    course = intake(world)
    if overrides.get("units") == "jobcenter":
        overrides["units"] = [world.jobcenter]
    if overrides.get("valid_to") == "yesterday":
        overrides["valid_to"] = b.today() - timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        services.give_consent(world.coordinator, course, **consent_kwargs(**overrides))
    assert field in info.value.message_dict
    assert not Consent.objects.exists()


def test_young_person_from_15_consents_personally(world: World) -> None:
    on = b.today()
    born = b.birthday_years_ago(15, on)
    course = intake(world, cpr=b.cpr_for(born))
    kwargs = consent_kwargs(units=[world.jobcenter], valid_from=on)
    with pytest.raises(ValidationError) as info:
        services.give_consent(
            world.coordinator, course, **{**kwargs, "given_by": GivenBy.CUSTODY_HOLDER}
        )
    assert "15" in info.value.message_dict["given_by"][0]
    consent = services.give_consent(world.coordinator, course, **kwargs)
    assert consent.given_by == GivenBy.CITIZEN


def test_custody_holder_consents_for_a_child_under_15(world: World) -> None:
    on = b.today()
    born = b.birthday_years_ago(15, on) + timedelta(days=1)  # 15 tomorrow
    course = intake(world, cpr=b.cpr_for(born))
    kwargs = consent_kwargs(units=[world.jobcenter], valid_from=on)
    with pytest.raises(ValidationError) as info:
        services.give_consent(world.coordinator, course, **kwargs)
    assert "forældremyndighed" in info.value.message_dict["given_by"][0]
    consent = services.give_consent(
        world.coordinator,
        course,
        **{**kwargs, "given_by": GivenBy.CUSTODY_HOLDER, "given_by_name": "Far Hansen"},
    )
    assert consent.given_by == GivenBy.CUSTODY_HOLDER
    assert consent.categories == {"plan"}


def test_only_the_coordinator_or_the_citizen_records_consent(world: World) -> None:
    course = intake(world)
    with pytest.raises(PermissionDenied):
        services.give_consent(world.caseworker, course, **consent_kwargs(units=[world.jobcenter]))
    other_citizen = b.make_citizen_user()
    with pytest.raises(PermissionDenied):
        services.give_consent(other_citizen, course, **consent_kwargs(units=[world.jobcenter]))
    own = b.make_citizen_user()
    Citizen.objects.filter(pk=course.citizen_id).update(user=own)
    consent = services.give_consent(own, course, **consent_kwargs(units=[world.jobcenter]))
    assert consent.recorded_by == own


def test_withdrawal_takes_effect_immediately(world: World) -> None:
    course = intake(world)
    b.join_team(course, world.coordinator, world.jobcenter, member_user=world.caseworker)
    consent = b.give_consent(
        course, world.coordinator, units=[world.jobcenter], categories=["plan", "economy"]
    )
    assert course in selectors.visible_courses(world.caseworker)
    assert selectors.access_for(world.caseworker, course.pk).categories == {"plan", "economy"}

    services.withdraw_consent(world.coordinator, consent)
    consent.refresh_from_db()
    assert consent.withdrawn_on == b.today()
    assert consent.withdrawn_by_name == world.coordinator.get_full_name()
    assert course not in selectors.visible_courses(world.caseworker)
    with pytest.raises(PermissionDenied):
        selectors.access_for(world.caseworker, course.pk)
    # the day before, the consent still counted
    yesterday = b.today() - timedelta(days=1)
    assert course in selectors.visible_courses(world.caseworker, on=yesterday)
    with pytest.raises(ValidationError):
        services.withdraw_consent(world.coordinator, consent)


def test_citizen_withdraws_own_consent_but_not_others(world: World) -> None:
    course = intake(world)
    consent = b.give_consent(course, world.coordinator, units=[world.jobcenter])
    with pytest.raises(PermissionDenied):
        services.withdraw_consent(b.make_citizen_user(), consent)
    with pytest.raises(PermissionDenied):
        services.withdraw_consent(world.caseworker, consent)
    own = b.make_citizen_user()
    Citizen.objects.filter(pk=course.citizen_id).update(user=own)
    services.withdraw_consent(own, consent)
    consent.refresh_from_db()
    assert consent.withdrawn_on == b.today()
    assert consent.withdrawn_by_name == "Mette Hansen"


def test_outsider_has_no_access_even_with_a_consent_naming_their_unit(world: World) -> None:
    course = intake(world)
    b.give_consent(course, world.coordinator, units=[world.outsider_unit])
    assert course not in selectors.visible_courses(world.outsider)
    with pytest.raises(PermissionDenied):
        selectors.access_for(world.outsider, course.pk)


# --------------------------------------------------------------------------------------------
# Access without consent
# --------------------------------------------------------------------------------------------


def test_access_without_consent_is_explicit_and_flagged(world: World) -> None:
    course = intake(world)
    with pytest.raises(ValidationError) as info:
        services.open_without_consent(
            world.outsider, course_id=course.pk, unit_id=world.jobcenter.pk, basis_id="x"
        )
    assert set(info.value.message_dict) == {"unit_id", "basis_id"}
    assert not WithoutConsentAccess.objects.exists()
    with pytest.raises(PermissionDenied):
        services.open_without_consent(
            b.make_citizen_user(), course_id=course.pk, unit_id=world.jobcenter.pk, basis_id="x"
        )

    grant = services.open_without_consent(
        world.outsider,
        course_id=course.pk,
        unit_id=world.outsider_unit.pk,
        basis_id="rpl-115",
        note="SSP-møde",
    )
    basis = "Retsplejeloven § 115 – Udveksling af oplysninger i SSP-, PSP- og KSP-samarbejdet"
    opened = AccessLogEntry.objects.get(actor=world.outsider)
    assert opened.citizen_id == course.citizen_id
    assert opened.without_consent
    assert opened.legal_basis == basis
    assert opened.purpose == Purpose.LEGAL_OBLIGATION
    assert opened.actor_unit_id == world.outsider_unit.pk
    assert grant.expires_at > timezone.now()
    assert grant.categories == {"plan", "health", "social", "crime"}  # what § 115 opens

    assert course in selectors.visible_courses(world.outsider)
    overview = selectors.course_overview(world.outsider, course.pk)
    assert overview.access.without_consent == grant
    assert not overview.access.may("economy") and overview.access.may("crime")
    read = AccessLogEntry.objects.filter(actor=world.outsider).exclude(pk=opened.pk).get()
    assert read.without_consent
    assert read.legal_basis == basis
    assert read.what == "forløb og plan"
    assert read.actor_unit_id == world.outsider_unit.pk

    # when it expires, the access is gone
    WithoutConsentAccess.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert course not in selectors.visible_courses(world.outsider)
    with pytest.raises(PermissionDenied):
        selectors.access_for(world.outsider, course.pk)
    # ... also when the check runs from SQL compiled before it expired (``core.prepared``: the
    # moment is a value of each use)
    assert selectors._ACCESS_COURSE.kept(
        course.pk, world.outsider.pk, [world.outsider_unit.pk], timezone.now()
    )


def test_access_without_consent_to_an_unknown_course_is_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.open_without_consent(
            world.outsider,
            course_id="00000000-0000-0000-0000-000000000000",
            unit_id=world.outsider_unit.pk,
            basis_id="rsl-11c",
        )


# --------------------------------------------------------------------------------------------
# The plan: optimistic concurrency, versions
# --------------------------------------------------------------------------------------------


def test_two_saves_from_the_same_version_second_is_refused(world: World) -> None:
    course = intake(world)
    b.join_team(course, world.coordinator, world.jobcenter, member_user=world.caseworker)
    b.give_consent(course, world.coordinator, units=[world.jobcenter])
    plan = Plan.objects.get(course=course)
    opened = plan.version  # both open the plan at version 1

    services.save_goal(world.coordinator, plan.pk, opened, text="Få et fritidsjob", priority=1)
    versions_before = PlanVersion.objects.count()
    with pytest.raises(services.StalePlanError) as info:
        services.update_plan_text(
            world.caseworker,
            plan.pk,
            opened,
            citizen_statement="Jeg vil have ro",
            summary="Overskrevet",
        )
    assert info.value.current_version == 2
    assert len(info.value.changes) == 1
    assert "v2" in info.value.changes[0]
    assert "Nyt mål: Få et fritidsjob" in info.value.changes[0]
    assert "ændret af en anden" in str(info.value)
    plan.refresh_from_db()
    assert plan.version == 2
    assert plan.citizen_statement == ""
    assert plan.summary == ""
    assert PlanVersion.objects.count() == versions_before

    # with the current version the save goes through
    services.update_plan_text(
        world.caseworker, plan.pk, 2, citizen_statement="Jeg vil have ro", summary=""
    )
    plan.refresh_from_db()
    assert (plan.version, plan.citizen_statement) == (3, "Jeg vil have ro")
    latest = PlanVersion.objects.get(plan=plan, number=3)
    assert latest.created_by == world.caseworker
    assert latest.changes == ["Ændret borgerens egne ord"]


def test_stale_goal_save_writes_nothing(world: World) -> None:
    course = intake(world)
    plan = Plan.objects.get(course=course)
    services.update_plan_text(world.coordinator, plan.pk, 1, citizen_statement="A", summary="")
    with pytest.raises(services.StalePlanError):
        services.save_goal(world.coordinator, plan.pk, 1, text="Forældet mål")
    assert not Goal.objects.exists()


def test_plan_edits_need_access(world: World) -> None:
    course = intake(world)
    plan = Plan.objects.get(course=course)
    with pytest.raises(PermissionDenied):
        services.update_plan_text(world.outsider, plan.pk, 1, citizen_statement="x", summary="")
    assert Plan.objects.get(pk=plan.pk).version == 1


def test_restore_version_brings_back_an_earlier_plan_as_a_new_version(world: World) -> None:
    course = intake(world)
    plan = Plan.objects.get(course=course)
    goal = services.save_goal(
        world.coordinator, plan.pk, 1, text="Bo i egen lejlighed", priority=2, importance=5
    )
    services.add_subgoal(world.coordinator, plan.pk, 2, goal_id=goal.pk, text="Søg bolig")
    services.update_plan_text(
        world.coordinator, plan.pk, 3, citizen_statement="Ro", summary="Første resumé"
    )
    services.delete_goal(world.coordinator, plan.pk, 4, goal.pk)
    services.update_plan_text(
        world.coordinator, plan.pk, 5, citizen_statement="Ro", summary="Nyt resumé"
    )
    assert not Goal.objects.filter(plan=plan).exists()

    with pytest.raises(ValidationError):
        services.restore_version(world.coordinator, plan.pk, 6, 99)
    with pytest.raises(services.StalePlanError):
        services.restore_version(world.coordinator, plan.pk, 5, 4)

    restored = services.restore_version(world.coordinator, plan.pk, 6, 4)
    assert restored.version == 7
    assert restored.summary == "Første resumé"
    back = Goal.objects.get(plan=plan)
    assert back.pk == goal.pk
    assert (back.text, back.priority, back.importance) == ("Bo i egen lejlighed", 2, 5)
    assert [s.text for s in back.subgoals.all()] == ["Søg bolig"]
    version = PlanVersion.objects.get(plan=plan, number=7)
    assert "Nyt mål: Bo i egen lejlighed" in version.changes
    assert version.snapshot == PlanVersion.objects.get(plan=plan, number=4).snapshot
    assert PlanVersion.objects.filter(plan=plan).count() == 7  # history kept


# --------------------------------------------------------------------------------------------
# Measures, demands, conflicts, appointments
# --------------------------------------------------------------------------------------------


def measure_fields(world: World, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Mentor",
        "welfare_area_id": "beskaeftigelse",
        "legal_basis_id": "lab-187",
        "organisation": world.jobcenter.organisation,
        "budget_area": "beskaeftigelse",
    }
    values.update(overrides)
    return values


def test_measure_without_legal_basis_is_refused(world: World) -> None:
    course = intake(world)
    plan = Plan.objects.get(course=course)
    for missing in ({"legal_basis_id": ""}, {"legal_basis_id": None}):
        with pytest.raises(ValidationError) as info:
            services.save_measure(world.coordinator, plan.pk, 1, **measure_fields(world, **missing))
        assert "legal_basis" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.save_measure(
            world.coordinator, plan.pk, 1, **measure_fields(world, legal_basis_id="no-such-law")
        )
    assert "legal_basis" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.save_measure(
            world.coordinator,
            plan.pk,
            1,
            **measure_fields(world, start_date=date(2026, 5, 1), end_date=date(2026, 4, 1)),
        )
    assert "end_date" in info.value.message_dict
    assert Plan.objects.get(pk=plan.pk).version == 1
    assert not PlanVersion.objects.filter(plan=plan, number=2).exists()

    goal = services.save_goal(world.coordinator, plan.pk, 1, text="Job")
    measure = services.save_measure(
        world.coordinator, plan.pk, 2, goals=[goal], **measure_fields(world)
    )
    assert measure.legal_basis_id == "lab-187"
    assert list(measure.goals.all()) == [goal]
    assert measure.data_category == "employment"  # LAB measures: the jobcenter's category


def demand(world: World, plan: Plan, version: int, title: str, area: str) -> Demand:
    return services.save_demand(
        world.coordinator,
        plan.pk,
        version,
        organisation=world.jobcenter.organisation,
        welfare_area_id=area,
        kind="afholdenhed",
        title=title,
    )


def test_conflict_stays_open_until_resolved_with_a_recorded_decision(world: World) -> None:
    course = intake(world)
    plan = Plan.objects.get(course=course)
    first = demand(world, plan, 1, "Nultolerance over for stoffer", "kriminalitet")
    second = demand(world, plan, 2, "Skadesreduktion", "psykiatri")
    with pytest.raises(ValidationError):
        services.mark_conflict(
            world.coordinator,
            plan.pk,
            first=first,
            second=first,
            description="Samme krav",
        )
    with pytest.raises(ValidationError):
        services.mark_conflict(
            world.coordinator,
            plan.pk,
            first=first,
            second=second,
            description=" ",
        )
    with pytest.raises(PermissionDenied):
        services.mark_conflict(
            world.caseworker,
            plan.pk,
            first=first,
            second=second,
            description="Modstrid",
        )
    conflict = services.mark_conflict(
        world.coordinator,
        plan.pk,
        first=first,
        second=second,
        description="Nultolerance mod skadesreduktion",
    )
    assert conflict.is_open

    # a restore of the plan keeps the flag (the demands come back)
    services.update_plan_text(world.coordinator, plan.pk, 3, citizen_statement="x", summary="")
    services.restore_version(world.coordinator, plan.pk, 4, 3)
    conflict = DemandConflict.objects.get(pk=conflict.pk)
    assert conflict.is_open
    assert selectors.course_overview(world.coordinator, course.pk).conflicts == [conflict]

    with pytest.raises(ValidationError):
        services.resolve_conflict(world.coordinator, conflict, resolution="  ")
    assert DemandConflict.objects.get(pk=conflict.pk).is_open
    services.resolve_conflict(
        world.coordinator,
        conflict,
        resolution="Behandlingen går forud; kriminalforsorgen accepterer.",
    )
    conflict.refresh_from_db()
    assert not conflict.is_open
    assert conflict.resolved_by == world.coordinator
    assert conflict.resolution.startswith("Behandlingen")
    with pytest.raises(ValidationError):
        services.resolve_conflict(world.coordinator, conflict, resolution="Igen")
    # the database refuses a resolved conflict without a decision
    with pytest.raises(IntegrityError), transaction.atomic():
        DemandConflict.objects.filter(pk=conflict.pk).update(resolution="")


def test_appointment_must_end_after_it_starts(world: World) -> None:
    course = intake(world)
    plan = Plan.objects.get(course=course)
    starts = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        services.save_appointment(
            world.coordinator,
            plan.pk,
            1,
            title="Møde",
            organisation=world.jobcenter.organisation,
            starts_at=starts,
            ends_at=starts,
        )
    assert "ends_at" in info.value.message_dict
    services.save_appointment(
        world.coordinator,
        plan.pk,
        1,
        title="Møde",
        organisation=world.jobcenter.organisation,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    assert Plan.objects.get(pk=plan.pk).version == 2


# --------------------------------------------------------------------------------------------
# Team, status, coordinator
# --------------------------------------------------------------------------------------------


def test_team_member_validation_and_ending(world: World) -> None:
    course = intake(world)
    with pytest.raises(ValidationError) as info:
        services.add_team_member(
            world.coordinator,
            course,
            organisation=world.outsider_unit.organisation,
            unit=world.jobcenter,
            name=" ",
            role="",
            valid_from=b.today(),
            valid_to=b.today() - timedelta(days=1),
        )
    assert set(info.value.message_dict) == {"name", "role", "unit_id", "valid_to"}
    with pytest.raises(PermissionDenied):
        b.join_team(course, world.caseworker, world.jobcenter)
    member = b.join_team(course, world.coordinator, world.jobcenter, valid_from=b.today())
    with pytest.raises(ValidationError):
        services.end_team_member(world.coordinator, member, b.today() - timedelta(days=1))
    services.end_team_member(world.coordinator, member, b.today())
    assert TeamMember.objects.get(pk=member.pk).valid_to == b.today()


def test_closing_a_course_requires_a_reason(world: World) -> None:
    course = intake(world)
    with pytest.raises(ValidationError) as info:
        services.change_status(world.coordinator, course, CourseStatus.CLOSED, " ")
    assert "closing_reason" in info.value.message_dict
    assert Course.objects.get(pk=course.pk).status == CourseStatus.REFERRED
    with pytest.raises(ValidationError):
        services.change_status(world.coordinator, course, "ukendt")
    with pytest.raises(PermissionDenied):
        services.change_status(world.caseworker, course, CourseStatus.ACTIVE)
    services.change_status(world.coordinator, course, CourseStatus.ACTIVE)
    assert Course.objects.get(pk=course.pk).start_date == b.today()
    services.change_status(world.coordinator, course, CourseStatus.CLOSED, "Borgeren er i job")
    closed = Course.objects.get(pk=course.pk)
    assert (closed.status, closed.closing_reason, closed.end_date) == (
        CourseStatus.CLOSED,
        "Borgeren er i job",
        b.today(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(closing_reason="")


def test_coordinator_change_is_recorded_in_history(world: World) -> None:
    course = intake(world)
    successor = b.make_staff(world.coordinator_unit, "koordinator", first_name="Sara")
    with pytest.raises(ValidationError) as info:
        services.change_coordinator(
            world.coordinator, course, successor, world.coordinator_unit, reason=" "
        )
    assert "reason" in info.value.message_dict
    with pytest.raises(ValidationError):  # not a member of that unit
        services.change_coordinator(
            world.coordinator, course, successor, world.jobcenter, reason="Barsel"
        )
    with pytest.raises(PermissionDenied):
        services.change_coordinator(
            world.caseworker, course, successor, world.coordinator_unit, reason="Barsel"
        )
    services.change_coordinator(
        world.coordinator,
        course,
        successor,
        world.coordinator_unit,
        reason="Barsel",
        mandate="Op til 5.000 kr.",
    )
    change = CoordinatorChange.objects.get(course=course)
    assert (change.previous, change.new, change.changed_by, change.reason, change.mandate) == (
        world.coordinator,
        successor,
        world.coordinator,
        "Barsel",
        "Op til 5.000 kr.",
    )
    course.refresh_from_db()
    assert course.coordinator == successor
    assert course.mandate == "Op til 5.000 kr."
    old = TeamMember.objects.get(course=course, user=world.coordinator)
    # The previous coordinator stays on the team until the new one ends them (issue 14)
    assert (old.valid_to, old.role) == (None, "Tidligere koordinator")
    new = TeamMember.objects.get(course=course, user=successor)
    assert (new.role, new.valid_from, new.valid_to) == ("Koordinator", b.today(), None)
    # the successor sees the course; the former one no longer does (no consent covers them)
    assert course in selectors.visible_courses(successor)
    assert course not in selectors.visible_courses(world.coordinator)


def test_stale_save_does_not_reveal_what_a_restricted_user_may_not_see(world: World) -> None:
    """A professional whose consent covers only the plan category learns that the plan
    changed meanwhile, not the names of the (possibly health-related) items that changed."""
    course = intake(world)
    b.join_team(course, world.coordinator, world.jobcenter, member_user=world.caseworker)
    b.give_consent(course, world.coordinator, units=[world.jobcenter], categories=("plan",))
    plan = course.plan
    services.save_measure(
        world.coordinator,
        plan.pk,
        plan.version,
        **measure_fields(
            world,
            title="Psykiatrisk udredning",
            welfare_area_id="psykiatri",
            legal_basis_id="psyk-13b",
            budget_area="region",
        ),
    )
    with pytest.raises(services.StalePlanError) as info:
        services.update_plan_text(
            world.caseworker, plan.pk, plan.version, citizen_statement="x", summary=""
        )
    text = " ".join(info.value.changes)
    assert "Andre ændringer i oplysninger, du ikke har adgang til" in text
    assert "Psykiatrisk" not in text
    # The coordinator, who sees everything, is told what changed.
    with pytest.raises(services.StalePlanError) as info:
        services.update_plan_text(
            world.coordinator, plan.pk, plan.version, citizen_statement="x", summary=""
        )
    assert "Ny indsats: Psykiatrisk udredning" in " ".join(info.value.changes)
