"""The courses part of ``helhed demo``: the research's cases; deterministic, idempotent, scales."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from helhed.core.models import User
from helhed.courses import logic, selectors
from helhed.courses.models import (
    Appointment,
    Citizen,
    Consent,
    Course,
    Demand,
    DemandConflict,
    Goal,
    Household,
    HouseholdRelation,
    Measure,
    Plan,
    PlanVersion,
    TeamMember,
)
from helhed.devtools.demo.courses import case_layout, expected_courses
from helhed.devtools.factories import CprAllocator, passes_modulus_11

pytestmark = pytest.mark.django_db

TABLES = (
    Citizen,
    Household,
    HouseholdRelation,
    Course,
    Consent,
    TeamMember,
    Plan,
    PlanVersion,
    Goal,
    Measure,
    Demand,
    DemandConflict,
    Appointment,
)


def run(seed: int = 1, citizens: int = 60) -> str:
    out = StringIO()
    call_command(
        "demo", seed=seed, citizens=citizens, no_progress=True, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in TABLES}


def test_demo_creates_the_research_cases() -> None:
    output = run()
    assert "forløb" in output and "rækker/s" in output
    assert Citizen.objects.count() == 60
    assert Course.objects.count() == expected_courses(1, 60)
    assert Plan.objects.count() == Course.objects.count()
    assert Goal.objects.filter(text__startswith="Jeg vil").exists()  # the citizen's own words
    assert Measure.objects.exclude(legal_basis_id="").count() == Measure.objects.count()
    # Young person on probation: the zero-tolerance vs harm-reduction pair, marked as a conflict
    conflict = (
        DemandConflict.objects.select_related("first", "second")
        .filter(first__title__contains="nultolerance")
        .first()
    )
    assert conflict is not None
    assert "Skadesreduktion" in conflict.second.title
    assert {conflict.first.organisation.name} == {"Kriminalforsorgen"}
    # Families with a complex household
    assert HouseholdRelation.objects.filter(kind="ekspartner").exists()
    assert Household.objects.filter(courses__isnull=False).exists()
    # Consents: valid, expiring within 30 days, withdrawn
    today = timezone.localdate()
    assert Consent.objects.filter(withdrawn_on__isnull=False).exists()
    valid = [c for c in Consent.objects.all() if c.valid_on(today)]
    assert valid
    assert any(c.valid_to and (c.valid_to - today).days <= 30 for c in valid)
    # Turnover on teams, appointments around today, versions with snapshots
    assert TeamMember.objects.filter(valid_to__lt=today).exists()
    assert Appointment.objects.filter(starts_at__lt=timezone.now()).exists()
    assert Appointment.objects.filter(starts_at__gt=timezone.now()).exists()
    version = PlanVersion.objects.filter(number=2).first()
    assert version is not None and version.snapshot["goals"]


def test_every_cpr_is_valid_and_matches_the_birth_date() -> None:
    run()
    today = timezone.localdate()
    for cpr, born in Citizen.objects.values_list("cpr", "birth_date"):
        assert logic.validate_cpr(cpr, today) == cpr
        assert logic.cpr_birth_date(cpr) == born
        assert not passes_modulus_11(cpr)  # never a possible pre-2007 real number


def test_demo_is_idempotent() -> None:
    run()
    before = counts()
    second = run()
    assert counts() == before
    assert "forløbsdata i alt (med opbygning)         0 nye rækker" in second


def test_demo_is_deterministic_for_a_seed() -> None:
    run(seed=3)
    people = sorted(Citizen.objects.values_list("id", "first_name", "last_name", "cpr"))
    goals = sorted(Goal.objects.values_list("id", "text"))
    for model in reversed(TABLES):
        model.objects.all().delete()
    run(seed=3)
    assert sorted(Citizen.objects.values_list("id", "first_name", "last_name", "cpr")) == people
    assert sorted(Goal.objects.values_list("id", "text")) == goals


def test_the_borger_login_sees_their_plan() -> None:
    run()
    borger = User.objects.get(username="borger")
    view = selectors.citizen_view(borger)
    assert view is not None
    assert view.citizen.user_id == borger.pk
    assert view.courses and view.plans
    assert "Jeg vil have min egen lejlighed" in [g.text for p in view.plans for g in p.goals.all()]
    assert view.courses[0].coordinator.username == "koordinator"
    assert view.upcoming and view.team


def test_the_fagperson_login_sees_the_linked_course() -> None:
    run()
    course = Course.objects.get(citizen__user__username="borger")
    fagperson = User.objects.get(username="fagperson")
    assert selectors.visible_courses(fagperson).filter(pk=course.pk).exists()
    overview = selectors.course_overview(fagperson, course.pk)
    assert overview.conflicts  # the open zero-tolerance vs harm-reduction conflict
    assert overview.overlapping  # two sectors booked the young person at the same time


def test_the_coordinators_caseload_is_realistic() -> None:
    run(citizens=400)
    koordinator = User.objects.get(username="koordinator")
    assert 26 <= Course.objects.filter(coordinator=koordinator).count() <= 38


def test_citizens_scale_with_the_argument() -> None:
    run(citizens=200)
    assert Citizen.objects.count() == 200
    assert Course.objects.count() == expected_courses(1, 200)


def test_layout_is_a_prefix_of_a_larger_run() -> None:
    small, large = case_layout(5, 300), case_layout(5, 3000)
    assert sum(c.size for c in small) == 300
    assert [(c.kind, c.muni) for c in small] == [(c.kind, c.muni) for c in large[: len(small)]]
    assert [c.size for c in small[:-1]] == [c.size for c in large[: len(small) - 1]]


def test_cpr_allocator_moves_to_the_next_day_when_a_date_is_full() -> None:
    allocator = CprAllocator(seed=1)
    born = date(2001, 5, 17)
    numbers = [allocator.allocate(born, male=True) for _ in range(60)]
    assert len({cpr for cpr, _b in numbers}) == 60
    assert {b for _cpr, b in numbers} == {date(2001, 5, 17), date(2001, 5, 18)}
    assert all(int(cpr[-1]) % 2 == 1 for cpr, _b in numbers)  # odd: male


def test_a_larger_run_extends_a_smaller_one() -> None:
    run(citizens=60)
    first = set(Citizen.objects.values_list("id", "cpr"))
    run(citizens=200)
    assert Citizen.objects.count() == 200
    assert Course.objects.count() == expected_courses(1, 200)
    assert first <= set(Citizen.objects.values_list("id", "cpr"))


def test_sector_logins_are_on_teams_with_their_sectors_data() -> None:
    """Issue 14: a region psychiatry unit, Kriminalforsorgen and a municipal drug treatment unit
    each have a login on the teams of demo courses, with a consent for their sector's data — so
    every sector's view can be tried — and the demo prints the logins."""
    output = run(citizens=200)
    expected = {
        "psykiatri": ("health", "crime"),
        "kriminalforsorg": ("crime", "health"),
        "rusbehandler": ("health", "crime"),
    }
    for username, (sees, not_seen) in expected.items():
        assert f"  {username} " in output, username
        user = User.objects.get(username=username)
        courses = list(
            selectors.visible_courses(user)
            .filter(team__user=user, status__in=["henvist", "afklaring", "aktiv", "pause"])
            .values_list("pk", flat=True)
        )
        assert 2 <= len(courses) <= 12, (username, len(courses))
        access = selectors.access_for(user, courses[-1])
        assert not access.is_coordinator
        assert access.may("plan") and access.may(sees) and not access.may(not_seen), username
        # Not the coordinator anywhere: the municipality coordinates
        assert not Course.objects.filter(coordinator=user).exists()
    region = User.objects.get(username="psykiatri").memberships.get().unit
    assert region.organisation.org_type_id == "region"
    rus = User.objects.get(username="rusbehandler").memberships.get().unit
    assert rus.organisation.org_type_id == "kommune" and rus.data_category == "health"
    # The showcase (the borger login's course) has the drug treatment login on its team
    showcase = Course.objects.get(citizen__user__username="borger")
    assert showcase.team.filter(user__username="rusbehandler").exists()
