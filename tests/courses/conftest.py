"""Fixtures for courses: an initiative, the coordinator's unit, a jobcenter and an outsider, and a
course with a team, a consent and an empty plan.

The builders (``make_initiative``…) are plain functions so that transactional tests (the browser
tests' live server) can call them after the flush, e.g. ``ensure_legal_bases()`` first.

The course's citizen is about 30 years old; the consent covers the coordinator's unit and the
jobcenter unit (plan, economy and social data — not health, not crime), so ``jobcenter_user``
sees the course and ``outsider_user`` (a unit in another municipality, not on the team) does not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from helhed.core.models import Organisation, Unit, User
from helhed.courses import services
from helhed.courses.legal_bases import sync_legal_bases
from helhed.courses.models import Consent, Course, GivenBy, TeamMember
from helhed.registry.models import Initiative

# Born 15.06.1996 (7th digit 1 → 1900s): about 30 years old. Never shown in full in the UI.
CITIZEN_CPR = "1506961234"
# Born 03.02.2016 (7th digit 4, yy ≤ 36 → 2000s): a child in the family.
CHILD_CPR = "0302164321"


def ensure_legal_bases() -> None:
    """The maintained list is loaded by a migration; a transactional test's flush removes it."""
    sync_legal_bases(django_apps)


def make_initiative(name: str = "FAMKO", location: str = "Odense") -> Initiative:
    return Initiative.objects.create(
        name=name,
        location=location,
        target_group="Familier med komplekse problemer",
        objective_criteria=(
            "Mindst to aktive sager i forskellige forvaltninger\nÉn af sagerne er i Børn og Familie"
        ),
        judgement_criteria="Familien ønsker et samlet forløb",
    )


def make_unit(organisation: Organisation, name: str, area: str) -> Unit:
    return Unit.objects.create(organisation=organisation, name=name, welfare_area_id=area)


def make_course(
    coordinator: User,
    coordinator_unit: Unit,
    initiative: Initiative,
    *,
    cpr: str = CITIZEN_CPR,
    first_name: str = "Mette",
    last_name: str = "Sørensen",
) -> Course:
    return services.intake(
        coordinator,
        initiative_id=initiative.pk,
        coordinator_unit_id=coordinator_unit.pk,
        cpr=cpr,
        first_name=first_name,
        last_name=last_name,
        referred_on=timezone.localdate() - timedelta(days=7),
        referral_note="Henvist fra jobcentret",
        mandate="Kan bevilge op til 10.000 kr. uden at spørge",
        checklist={"Mindst to aktive sager i forskellige forvaltninger": "ja"},
    )


@pytest.fixture
def initiative(db: None) -> Initiative:
    return make_initiative()


@pytest.fixture
def coordinator_unit(unit: Unit) -> Unit:
    """The coordinator's unit (``tests/conftest.py``'s ``unit``: Odense Kommune, employment)."""
    return unit


@pytest.fixture
def jobcenter_unit(municipality: Organisation) -> Unit:
    return make_unit(municipality, "Jobcenter Odense", "beskaeftigelse")


@pytest.fixture
def outsider_unit(other_municipality: Organisation) -> Unit:
    """A municipal casework authority, not on the team: it may open a course without consent."""
    unit = make_unit(other_municipality, "Socialafdelingen Holbæk", "specialiseret-voksen")
    unit.may_open_without_consent = True
    unit.save()
    return unit


@pytest.fixture
def jobcenter_user(make_user: Callable[..., User], jobcenter_unit: Unit) -> User:
    return make_user(
        "fagperson", jobcenter_unit, first_name="Jonas", last_name="Jobcenter", phone="65512345"
    )


@pytest.fixture
def outsider_user(make_user: Callable[..., User], outsider_unit: Unit) -> User:
    return make_user("fagperson", outsider_unit, first_name="Olga", last_name="Udenfor")


@pytest.fixture
def course(
    coordinator: User,
    coordinator_unit: Unit,
    initiative: Initiative,
    jobcenter_unit: Unit,
    jobcenter_user: User,
) -> Course:
    """A course coordinated by ``coordinator`` with the jobcenter professional on the team and a
    consent (plan, social, economy) covering the coordinator's and the jobcenter's units."""
    course = make_course(coordinator, coordinator_unit, initiative)
    services.add_team_member(
        coordinator,
        course,
        organisation=jobcenter_unit.organisation,
        unit=jobcenter_unit,
        name=jobcenter_user.get_full_name(),
        role="Sagsbehandler, jobcenter",
        valid_from=course.referred_on,
        member_user=jobcenter_user,
        phone="65512345",
    )
    services.give_consent(
        coordinator,
        course,
        given_by=GivenBy.CITIZEN,
        given_by_name="Mette Sørensen",
        units=[coordinator_unit, jobcenter_unit],
        categories=["plan", "social", "economy"],
        valid_from=course.referred_on,
        valid_to=timezone.localdate() + timedelta(days=365),
    )
    return course


@pytest.fixture
def consent(course: Course) -> Consent:
    return course.consents.get()


@pytest.fixture
def jobcenter_member(course: Course, jobcenter_user: User) -> TeamMember:
    return course.team.get(user=jobcenter_user)
