"""Issue 4, "Done means": no professional ever sees a course without team membership and a valid
consent — across random units, organisations, memberships, team periods, consents (scopes,
categories, validity, withdrawals) and days. Issue 10: the coordinator and an access without
consent count only while the reader is a member of the unit they act from (the coordinating unit;
the unit the access was opened from), and an access without consent opens only the categories
of its legal basis.

Three descriptions of the access rule are compared for every (user, course, day):

* ``selectors.visible_courses`` — the rule in SQL, which every list and search uses;
* ``logic.may_see_course`` / ``selectors.access_for`` — the rule over plain values;
* ``oracle`` below — written again here from the issue's words, independently of both.

Days are drawn from a short window so that boundaries (first and last day of a consent, the day
of a withdrawal, the first and last day on the team or in a unit) coincide with the days checked
all the time. Each example builds its rows inside a savepoint and rolls them back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helhed.core.models import Membership, Organisation, Unit, User
from helhed.courses import logic, selectors
from helhed.courses.models import Citizen, Consent, Course, TeamMember, WithoutConsentAccess
from helhed.registry.models import Initiative
from tests.courses import builders as b

DAY0 = date(2026, 1, 1)
DAYS = 8  # the window: DAY0 … DAY0 + 7
UNIT_ORG = (0, 0, 1)  # three units: two in organisation 0, one in organisation 1
PROFESSIONALS = 3  # users 0-2 are professionals; 3 is a coordinator only; 4 is a citizen login
COORDINATOR, CITIZEN = 3, 4
CATEGORIES = tuple(c for c, _label in logic.DATA_CATEGORIES)

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# --------------------------------------------------------------------------------------------
# Scenarios as plain data (indices into the fixed world)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: int | None  # day index; None = open
    end: int | None

    def active(self, day: int) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class MembershipSpec:
    unit: int
    period: Period


@dataclass(frozen=True)
class TeamSpec:
    unit: int | None  # None: a person outside Helhed's units (name only)
    organisation: int
    period: Period  # start is never None


@dataclass(frozen=True)
class ConsentSpec:
    units: frozenset[int]
    organisations: frozenset[int]
    categories: frozenset[str]
    valid_from: int
    valid_to: int | None
    withdrawn_on: int | None


@dataclass(frozen=True)
class CourseSpec:
    coordinator: int
    team: tuple[TeamSpec, ...]
    consents: tuple[ConsentSpec, ...]
    # (professional, unit it was opened from, still active?, categories besides the plan)
    grant: tuple[int, int, bool, frozenset[str]] | None


@dataclass(frozen=True)
class Scenario:
    memberships: tuple[tuple[MembershipSpec, ...], ...]  # per staff user (0-3)
    courses: tuple[CourseSpec, ...]


day_index = st.integers(0, DAYS - 1)


@st.composite
def periods(draw: st.DrawFn, open_start: bool) -> Period:
    start = draw(st.none() | day_index) if open_start else draw(day_index)
    end = draw(st.none() | st.integers(start or 0, DAYS - 1))
    return Period(start, end)


@st.composite
def team_rows(draw: st.DrawFn) -> TeamSpec:
    unit = draw(st.none() | st.integers(0, len(UNIT_ORG) - 1))
    organisation = UNIT_ORG[unit] if unit is not None else draw(st.integers(0, 1))
    return TeamSpec(unit, organisation, draw(periods(open_start=False)))


@st.composite
def consents(draw: st.DrawFn) -> ConsentSpec:
    valid_from = draw(day_index)
    return ConsentSpec(
        units=draw(st.frozensets(st.integers(0, len(UNIT_ORG) - 1))),
        organisations=draw(st.frozensets(st.integers(0, 1))),
        categories=draw(st.frozensets(st.sampled_from(CATEGORIES))),
        valid_from=valid_from,
        valid_to=draw(st.none() | st.integers(valid_from, DAYS - 1)),
        withdrawn_on=draw(st.none() | day_index),
    )


@st.composite
def courses(draw: st.DrawFn) -> CourseSpec:
    return CourseSpec(
        coordinator=draw(st.integers(0, CITIZEN)),
        team=tuple(draw(st.lists(team_rows(), max_size=4))),
        consents=tuple(draw(st.lists(consents(), max_size=3))),
        grant=draw(
            st.none()
            | st.tuples(
                st.integers(0, PROFESSIONALS - 1),
                st.integers(0, len(UNIT_ORG) - 1),
                st.booleans(),
                st.frozensets(st.sampled_from(CATEGORIES)),
            )
        ),
    )


memberships = st.lists(
    st.builds(MembershipSpec, st.integers(0, len(UNIT_ORG) - 1), periods(open_start=True)),
    max_size=3,
    unique_by=lambda m: m.unit,
)
scenarios = st.builds(
    Scenario,
    st.lists(memberships, min_size=PROFESSIONALS + 1, max_size=PROFESSIONALS + 1).map(tuple),
    st.lists(courses(), min_size=1, max_size=3).map(tuple),
)


# --------------------------------------------------------------------------------------------
# The oracle: the rule, restated over the scenario
# --------------------------------------------------------------------------------------------


def consent_valid(c: ConsentSpec, day: int) -> bool:
    if day < c.valid_from:
        return False
    if c.valid_to is not None and day > c.valid_to:  # the last day still counts
        return False
    return c.withdrawn_on is None or day < c.withdrawn_on  # the withdrawal day does not


def witnesses(s: Scenario, user: int, course: CourseSpec, day: int) -> list[tuple[int, int]]:
    """(team row, consent) pairs that let ``user`` see ``course`` on ``day``: a team row of one
    of the user's units active on the day, and a consent valid on the day covering the unit (or
    its organisation) with the plan."""
    units = {m.unit for m in s.memberships[user] if m.period.active(day)}
    return [
        (ti, ci)
        for ti, t in enumerate(course.team)
        if t.unit is not None and t.unit in units and t.period.active(day)
        for ci, c in enumerate(course.consents)
        if consent_valid(c, day)
        and "plan" in c.categories
        and (t.unit in c.units or UNIT_ORG[t.unit] in c.organisations)
    ]


def oracle_categories(s: Scenario, user: int, course: CourseSpec, day: int) -> set[str]:
    units = {m.unit for m in s.memberships[user] if m.period.active(day)}
    found: set[str] = set()
    for t in course.team:
        if t.unit is None or t.unit not in units or not t.period.active(day):
            continue
        for c in course.consents:
            if consent_valid(c, day) and (t.unit in c.units or UNIT_ORG[t.unit] in c.organisations):
                found |= c.categories
    return found


COORDINATING_UNIT = 0  # every course is coordinated from unit 0


def active_units(s: Scenario, user: int, day: int) -> set[int]:
    return {m.unit for m in s.memberships[user] if m.period.active(day)}


def coordinates(s: Scenario, user: int, course: CourseSpec, day: int) -> bool:
    """The coordinator, while still a member of the coordinating unit."""
    return course.coordinator == user and COORDINATING_UNIT in active_units(s, user, day)


def has_grant(s: Scenario, course: CourseSpec, user: int, day: int) -> bool:
    """An open access without consent, while the user is a member of the unit it came from."""
    if course.grant is None:
        return False
    grantee, unit, active, _categories = course.grant
    return grantee == user and active and unit in active_units(s, user, day)


def grant_categories(course: CourseSpec) -> set[str]:
    assert course.grant is not None
    return {"plan", *course.grant[3]}


def oracle(s: Scenario, user: int, course: CourseSpec, day: int) -> bool:
    return (
        coordinates(s, user, course, day)
        or has_grant(s, course, user, day)
        or bool(witnesses(s, user, course, day))
    )


# --------------------------------------------------------------------------------------------
# The same scenario as plain facts for logic.may_see_course
# --------------------------------------------------------------------------------------------


def to_date(day: int | None) -> date | None:
    return None if day is None else DAY0 + timedelta(days=day)


def plain_may_see(s: Scenario, user: int, course: CourseSpec, day: int) -> bool:
    on = DAY0 + timedelta(days=day)
    user_units = [(m.unit, UNIT_ORG[m.unit]) for m in s.memberships[user] if m.period.active(day)]
    team = [
        logic.TeamFacts(
            t.unit,
            t.organisation,
            DAY0 + timedelta(days=t.period.start or 0),
            to_date(t.period.end),
        )
        for t in course.team
        if t.unit is not None
    ]
    facts = [
        logic.ConsentFacts(
            frozenset(c.organisations),
            frozenset(c.units),
            c.categories,
            DAY0 + timedelta(days=c.valid_from),
            to_date(c.valid_to),
            to_date(c.withdrawn_on),
        )
        for c in course.consents
    ]
    return logic.may_see_course(
        is_coordinator=coordinates(s, user, course, day),
        user_units=user_units,
        team=team,
        consents=facts,
        on=on,
        without_consent_grant=has_grant(s, course, user, day),
    )


# --------------------------------------------------------------------------------------------
# The world in the database
# --------------------------------------------------------------------------------------------


@dataclass
class World:
    organisations: list[Organisation]
    units: list[Unit]
    users: list[User]  # 0-2 professionals, 3 coordinator, 4 citizen login
    initiative: Initiative


@pytest.fixture
def world(db: None) -> World:
    organisations = [b.organisation("461"), b.organisation("316")]
    units = [b.make_unit(organisations[org], f"Enhed {i}") for i, org in enumerate(UNIT_ORG)]
    users = [b.make_staff(None, first_name=f"P{i}") for i in range(PROFESSIONALS)]
    users.append(b.make_staff(None, first_name="Koordinator"))
    users.append(b.make_citizen_user())
    return World(organisations, units, users, b.make_initiative())


@contextmanager
def rolled_back() -> Iterator[None]:
    sid = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(sid)


def build(world: World, s: Scenario) -> list[Course]:
    for user, specs in zip(world.users, s.memberships, strict=False):
        for m in specs:
            Membership.objects.create(
                user=user,
                unit=world.units[m.unit],
                role="fagperson",
                valid_from=to_date(m.period.start),
                valid_to=to_date(m.period.end),
            )
    # the citizen login is (wrongly) made a member of every unit from the start: it must still
    # never see a course
    for unit in world.units:
        Membership.objects.create(user=world.users[CITIZEN], unit=unit, role="fagperson")
    built = []
    for i, spec in enumerate(s.courses):
        citizen = Citizen.objects.create(
            cpr=f"010190{i:04d}", birth_date=date(1990, 1, 1), first_name="B", last_name=str(i)
        )
        course = Course.objects.create(
            initiative=world.initiative,
            citizen=citizen,
            referred_on=DAY0,
            coordinator=world.users[spec.coordinator],
            coordinator_unit=world.units[0],
        )
        for t in spec.team:
            TeamMember.objects.create(
                course=course,
                name="Kontakt",
                role="Kontaktperson",
                organisation=world.organisations[t.organisation],
                unit=world.units[t.unit] if t.unit is not None else None,
                valid_from=DAY0 + timedelta(days=t.period.start or 0),
                valid_to=to_date(t.period.end),
            )
        for c in spec.consents:
            consent = Consent.objects.create(
                course=course,
                given_by="borger",
                given_by_name="B",
                recorded_by=world.users[COORDINATOR],
                valid_from=DAY0 + timedelta(days=c.valid_from),
                valid_to=to_date(c.valid_to),
                withdrawn_on=to_date(c.withdrawn_on),
                **{f"cat_{cat}": cat in c.categories for cat in CATEGORIES},
            )
            consent.units.set([world.units[u] for u in c.units])
            consent.organisations.set([world.organisations[o] for o in c.organisations])
        if spec.grant is not None:
            grantee, unit, active, categories = spec.grant
            WithoutConsentAccess.objects.create(
                course=course,
                user=world.users[grantee],
                unit=world.units[unit],
                legal_basis="Retssikkerhedsloven § 11 c",
                reason="Underretning",
                expires_at=timezone.now() + timedelta(hours=1 if active else -1),
                **WithoutConsentAccess.flags({"plan", *categories}),
            )
        built.append(course)
    return built


def visible(
    world: World, user: int, courses: list[Course], day: int, category: str = "plan"
) -> set[Any]:
    qs = selectors.visible_courses(
        world.users[user], on=DAY0 + timedelta(days=day), category=category
    )
    return set(qs.filter(pk__in=[c.pk for c in courses]).values_list("pk", flat=True))


# --------------------------------------------------------------------------------------------
# The properties
# --------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(
    scenario=scenarios,
    days=st.lists(day_index, min_size=1, max_size=3, unique=True),
    category=st.sampled_from(CATEGORIES),
)
def test_visible_courses_agrees_with_the_rule_and_the_oracle(
    world: World, scenario: Scenario, days: list[int], category: str
) -> None:
    with rolled_back():
        courses = build(world, scenario)
        for day in days:
            for user in range(PROFESSIONALS + 1):
                seen = visible(world, user, courses, day)
                for spec, course in zip(scenario.courses, courses, strict=True):
                    expected = oracle(scenario, user, spec, day)
                    assert (course.pk in seen) == expected, (user, spec, day)
                    assert plain_may_see(scenario, user, spec, day) == expected
                    if coordinates(scenario, user, spec, day):
                        assert course.pk in seen  # the coordinator always sees their course
                    elif course.pk in seen and not has_grant(scenario, spec, user, day):
                        # never without team membership and a valid consent with the plan
                        assert witnesses(scenario, user, spec, day)
            # a citizen login never sees a course through visible_courses — not even one it
            # "coordinates" or one whose team and consent cover units it is a member of
            assert visible(world, CITIZEN, courses, day) == set()
        # access_for (the Python path over the same rows) and the other categories agree too
        for day in days[:1]:
            on = DAY0 + timedelta(days=day)
            for user in range(PROFESSIONALS + 1):
                in_category = visible(world, user, courses, day, category)
                for spec, course in zip(scenario.courses, courses, strict=True):
                    categories = oracle_categories(scenario, user, spec, day)
                    coordinator = coordinates(scenario, user, spec, day)
                    granted = has_grant(scenario, spec, user, day)
                    if granted and not coordinator:
                        categories |= grant_categories(spec)
                    # a category is seen only together with the course (the plan)
                    sees_course = oracle(scenario, user, spec, day)
                    assert (course.pk in in_category) == (
                        coordinator or (sees_course and category in categories)
                    )
                    if oracle(scenario, user, spec, day):
                        access = selectors.access_for(world.users[user], course.pk, on)
                        assert access.categories == categories
                        assert access.is_coordinator == coordinator
                        assert access.may(category) == (coordinator or category in categories)
                    else:
                        with pytest.raises(PermissionDenied):
                            selectors.access_for(world.users[user], course.pk, on)
            for course in courses:
                with pytest.raises(PermissionDenied):
                    selectors.access_for(world.users[CITIZEN], course.pk, on)


@settings(max_examples=150, deadline=None, database=None)
@given(scenario=scenarios, day=day_index, user=st.integers(0, PROFESSIONALS))
def test_plain_rule_agrees_with_the_oracle(scenario: Scenario, day: int, user: int) -> None:
    """The same property without a database, over many more examples."""
    for spec in scenario.courses:
        assert plain_may_see(scenario, user, spec, day) == oracle(scenario, user, spec, day)


@PROPERTY_SETTINGS
@given(consent=consents(), unit=st.integers(0, len(UNIT_ORG) - 1))
def test_withdrawal_and_validity_end_boundaries(
    world: World, consent: ConsentSpec, unit: int
) -> None:
    """A professional on the team from the first day: visible exactly on the days the consent is
    valid — the last day of validity included, the day of the withdrawal excluded."""
    consent = ConsentSpec(
        frozenset({unit}),
        frozenset(),
        frozenset({"plan"}),
        consent.valid_from,
        consent.valid_to,
        consent.withdrawn_on,
    )
    scenario = Scenario(
        memberships=((MembershipSpec(unit, Period(None, None)),), (), (), ()),
        courses=(
            CourseSpec(
                COORDINATOR, (TeamSpec(unit, UNIT_ORG[unit], Period(0, None)),), (consent,), None
            ),
        ),
    )
    with rolled_back():
        courses = build(world, scenario)
        days_seen = [d for d in range(DAYS) if courses[0].pk in visible(world, 0, courses, d)]
        last = DAYS - 1 if consent.valid_to is None else consent.valid_to
        if consent.withdrawn_on is not None:
            last = min(last, consent.withdrawn_on - 1)
        assert days_seen == list(range(consent.valid_from, last + 1))
        if consent.withdrawn_on is not None and consent.withdrawn_on >= consent.valid_from:
            assert consent.withdrawn_on not in days_seen
        if consent.valid_to is not None and (
            consent.withdrawn_on is None or consent.withdrawn_on > consent.valid_to
        ):
            assert consent.valid_to in days_seen
            assert consent.valid_to + 1 not in days_seen
