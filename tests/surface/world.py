"""Worlds for the whole-surface test: plain data drawn by hypothesis, then built as rows.

The skeleton is fixed — five organisations (a municipality, a second municipality, a region, a
private company, a civil-society association), nine units whose names reveal different data
categories, and users in every role — and hypothesis draws everything that decides access: the
state of each membership (current, ended yesterday, starting tomorrow), which public units are
casework authorities, and per course the team (current, ended, future rows), the consents
(valid, expired, withdrawn today, withdrawn tomorrow, not yet valid; by unit or by organisation;
category-limited), accesses without consent (live or expired, opened from a unit the user is or is
no longer a member of), who owns each plan item, and the category of each free text.

Every name, item and text carries a unique token (``zq123456q``) so that a response can be
searched for it. Rows are created with the ORM (not through the pages) inside the caller's
savepoint.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from hypothesis import strategies as st

from helhed.core.models import Membership, Organisation, Unit, User, UserKind
from helhed.courses import logic, services
from helhed.courses.models import (
    Appointment,
    Citizen,
    Consent,
    Course,
    CourseStatus,
    Demand,
    DemandConflict,
    Goal,
    Measure,
    Plan,
    PlanVersion,
    SubGoal,
    TeamMember,
    WithoutConsentAccess,
)
from helhed.handovers.models import Handover, InstitutionalStay
from helhed.meetings.models import (
    Decision,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantKind,
    Recommendation,
    Task,
)
from helhed.progress.models import Measurement
from helhed.progress.services import refresh_summary
from helhed.registry.models import Initiative

CATEGORIES: tuple[str, ...] = ("plan", "health", "social", "crime", "employment", "economy")

# --------------------------------------------------------------------------------------------
# The fixed skeleton
# --------------------------------------------------------------------------------------------

# key: (organisation type, official code or "" for an organisation the world creates)
ORGANISATIONS: dict[str, tuple[str, str]] = {
    "m1": ("kommune", "461"),  # Odense Kommune
    "m2": ("kommune", "316"),  # Holbæk Kommune
    "reg": ("region", "1083"),  # Region Syddanmark
    "priv": ("privat", ""),
    "civ": ("civilsamfund", ""),
}
PUBLIC = frozenset({"m1", "m2", "reg"})


@dataclass(frozen=True)
class UnitSpec:
    key: str
    org: str
    name: str
    area: str | None
    category: str  # what naming the unit reveals (Unit.data_category)


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("koord", "m1", "Koordinerende team", None, "plan"),
    UnitSpec("job", "m1", "Jobcenter", "beskaeftigelse", "employment"),
    UnitSpec("rus", "m1", "Rusmiddelcenter", "specialiseret-voksen", "health"),
    UnitSpec("soc", "m1", "Socialafdelingen", "specialiseret-voksen", "social"),
    UnitSpec("ydelse", "m2", "Ydelseskontoret", "beskaeftigelse", "economy"),
    UnitSpec("krim", "m2", "Kriminalforsorgen", "kriminalitet", "crime"),
    UnitSpec("psyk", "reg", "Psykiatrien Vest", "psykiatri", "health"),
    UnitSpec("mentor", "priv", "Mentorhuset", "beskaeftigelse", "employment"),
    UnitSpec("frivillig", "civ", "Frivilligcenter", "kultur-fritid", "plan"),
)
UNIT = {u.key: u for u in UNITS}
UNIT_KEYS = tuple(UNIT)
PUBLIC_UNITS = tuple(u.key for u in UNITS if u.org in PUBLIC)


@dataclass(frozen=True)
class UserSpec:
    key: str
    kind: str  # "staff" | "citizen" | "superuser" | "anonymous"
    memberships: tuple[tuple[str, str], ...] = ()  # (unit, role)
    citizen_of: int | None = None  # the course whose citizen this login is


USERS: tuple[UserSpec, ...] = (
    UserSpec("koordinator", "staff", (("koord", "koordinator"),)),
    UserSpec("kollega", "staff", (("koord", "fagperson"),)),
    UserSpec("jobcenter", "staff", (("job", "fagperson"),)),
    UserSpec("rusmiddel", "staff", (("rus", "fagperson"),)),
    UserSpec("socialraadgiver", "staff", (("soc", "koordinator"),)),
    UserSpec("ydelse", "staff", (("ydelse", "fagperson"),)),
    UserSpec("kriminalforsorg", "staff", (("krim", "fagperson"),)),
    UserSpec("psykiatri", "staff", (("psyk", "fagperson"),)),
    UserSpec("mentor", "staff", (("mentor", "fagperson"),)),
    UserSpec("frivillig", "staff", (("frivillig", "fagperson"),)),
    UserSpec("leder", "staff", (("job", "leder"),)),
    UserSpec("analytiker", "staff", (("soc", "analytiker"),)),
    UserSpec("administrator", "staff", (("koord", "administrator"),)),
    UserSpec("to-enheder", "staff", (("job", "fagperson"), ("psyk", "fagperson"))),
    UserSpec("borger", "citizen", citizen_of=0),
    UserSpec("anden-borger", "citizen", citizen_of=1),
    UserSpec("superbruger", "superuser"),
    UserSpec("anonym", "anonymous"),
)
USER = {u.key: u for u in USERS}
STAFF_KEYS = tuple(u.key for u in USERS if u.kind == "staff")
# Who may coordinate a course, from which unit.
COORDINATORS: tuple[tuple[str, str], ...] = (("koordinator", "koord"), ("socialraadgiver", "soc"))

# Each category as (legal basis or None, fagområde) for a measure and a demand; appointments and
# sub-goals take their category from the fagområde alone (none means plan; none is economy).
MEASURE_CLASS: dict[str, tuple[tuple[str, str], ...]] = {
    "plan": (("kui-2", "uddannelse"), ("kui-2", "kultur-fritid")),
    # Drug treatment is health whichever act it is given under (docs/security.md).
    "health": (("sel-101", "specialiseret-voksen"), ("sul-142", "psykiatri")),
    "social": (("sel-85", "specialiseret-voksen"), ("bl-32", "specialiseret-boern-unge")),
    "crime": (("strfl-57", "kriminalitet"), ("sfl-52", "kriminalitet")),
    "employment": (("lab-187", "beskaeftigelse"), ("sdp-13e", "kommunalt-sundhed")),
    "economy": (("akl-kontanthjaelp", "beskaeftigelse"),),
}
DEMAND_CLASS: dict[str, tuple[tuple[str | None, str], ...]] = {
    "plan": ((None, "skole"), (None, "dagtilbud")),
    "health": ((None, "psykiatri"), ("sul-141", "specialiseret-voksen")),
    "social": ((None, "boligsocial"), (None, "specialiseret-voksen")),
    "crime": ((None, "kriminalitet"), ("strfl-56-2", "kriminalitet")),
    "employment": ((None, "beskaeftigelse"),),
    "economy": (("akl-kontanthjaelp", "beskaeftigelse"),),
}
AREA_CLASS: dict[str, tuple[str | None, ...]] = {
    "plan": (None, "kultur-fritid", "uddannelse"),
    "health": ("somatik", "psykiatri", "almen-praksis"),
    "social": ("specialiseret-boern-unge", "boligsocial"),
    "crime": ("kriminalitet",),
    "employment": ("beskaeftigelse",),
}
AREA_CATEGORIES = tuple(AREA_CLASS)

# The maintained bases for access without consent and the categories each opens.
GRANT_BASES: dict[str, frozenset[str]] = {
    "rsl-11c": frozenset({"plan", "health", "social", "employment", "economy"}),
    "fvl-31": frozenset({"plan", "social", "employment", "economy"}),
    "rpl-115": frozenset({"plan", "health", "social", "crime"}),
    "dbl-8-2-3": frozenset({"plan", "crime"}),
    "sul-43-2": frozenset({"plan", "health"}),
}

FREE_TEXTS = ("referral_note", "mandate", "citizen_statement", "summary")
# The kinds of institutional stay and their categories (docs/handovers.md: custody is crime,
# psychiatric admission health, placement social).
STAYS: dict[str, str] = {
    "varetaegt": "crime",
    "faengsel": "crime",
    "psykiatri": "health",
    "doegnbehandling": "health",
    "anbringelse": "social",
}
# The life areas a professional or the citizen rates, each with the category it reveals
# (docs/progress.md); the world writes a comment in each.
LIFE_AREAS: dict[str, str] = {
    "bolig": "social",
    "oekonomi": "economy",
    "fysisk": "health",
    "psykisk": "health",
    "rusmidler": "health",
    "arbejde": "employment",
    "netvaerk": "social",
    "familie": "social",
    "kriminalitet": "crime",
    "hverdag": "social",
}
MEASURES_PER_CATEGORY = 1
DEMANDS = 3
APPOINTMENTS = 3
SUBGOALS = 3
GOALS = 2
COURSES = 2

# --------------------------------------------------------------------------------------------
# Plain data
# --------------------------------------------------------------------------------------------

# A membership, a team row or a consent, relative to today.
CURRENT, ENDED, FUTURE = "current", "ended", "future"
PERIODS = (CURRENT, ENDED, FUTURE)
# Consents: valid; valid and withdrawn from tomorrow; expired yesterday; withdrawn today; from
# tomorrow.
VALID, WITHDRAWN_TOMORROW, EXPIRED, WITHDRAWN_TODAY, NOT_YET = (
    "valid",
    "withdrawn-tomorrow",
    "expired",
    "withdrawn-today",
    "not-yet",
)
CONSENT_STATES = (VALID, WITHDRAWN_TOMORROW, EXPIRED, WITHDRAWN_TODAY, NOT_YET)


@dataclass(frozen=True)
class TeamSpec:
    unit: str | None  # None: a contact person outside Helhed's units (name only)
    period: str
    area: str | None = None  # an external contact person's fagområde
    coordinator: bool = False  # the coordinator's own row (added at intake)


@dataclass(frozen=True)
class ConsentSpec:
    units: frozenset[str]
    organisations: frozenset[str]
    categories: frozenset[str]
    state: str

    def valid_today(self) -> bool:
        return self.state in (VALID, WITHDRAWN_TOMORROW)


@dataclass(frozen=True)
class GrantSpec:
    user: str
    unit: str
    live: bool
    basis: str

    @property
    def categories(self) -> frozenset[str]:
        return GRANT_BASES[self.basis]


@dataclass(frozen=True)
class ItemSpec:
    """A measure, demand, appointment or sub-goal. ``unit`` is the measure's or demand's own
    unit; ``member`` the team row responsible for it (a measure's responsible person, an
    appointment's contact person, a sub-goal's owner)."""

    kind: str
    category: str
    variant: int
    unit: str | None
    member: int | None
    goal: int


@dataclass(frozen=True)
class MeetingSpec:
    """A held network meeting: its minutes filed under a category, a decision about a measure
    (with a task owned by a team member) and one that is not (with a task owned by the
    coordinator), and a recommendation about a measure to a unit on the team."""

    minutes_category: str
    decision_measure: int  # an item index (a measure)
    task_owner: int  # a team index
    recommendation_measure: int  # an item index (a measure)
    authority_unit: str


@dataclass(frozen=True)
class HandoverSpec:
    from_unit: str
    to_unit: str
    measure: int | None  # an item index (a measure), or the whole course
    open: bool


@dataclass(frozen=True)
class CourseSpec:
    coordinator: str
    coordinator_unit: str
    team: tuple[TeamSpec, ...]
    consents: tuple[ConsentSpec, ...]
    grants: tuple[GrantSpec, ...]
    items: tuple[ItemSpec, ...]
    texts: tuple[tuple[str, str], ...]  # (free text, its category)
    conflict: bool  # demands 0 and 1 are marked as contradictory
    meeting: MeetingSpec
    handover: HandoverSpec
    stay: str  # the kind of institutional stay (custody, psychiatric admission, placement …)

    @property
    def text_category(self) -> dict[str, str]:
        return dict(self.texts)


@dataclass(frozen=True)
class WorldSpec:
    # (user, unit, role) → period of that membership
    memberships: tuple[tuple[tuple[str, str, str], str], ...]
    casework_units: frozenset[str]  # public units marked may_open_without_consent
    courses: tuple[CourseSpec, ...]

    @property
    def membership(self) -> dict[tuple[str, str, str], str]:
        return dict(self.memberships)


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

periods = st.sampled_from((CURRENT, CURRENT, CURRENT, CURRENT, ENDED, FUTURE))


@st.composite
def consents(draw: st.DrawFn, team_units: list[str]) -> ConsentSpec:
    """A consent names some of the team's units (now and then one that is not on the team) or
    whole organisations, and categories — most often with the plan. (Hypothesis's simplest
    world, which it tries first, is a plan-only consent naming the whole team.)"""
    units = {u for u in sorted(set(team_units)) if not draw(st.booleans())}
    units |= draw(st.frozensets(st.sampled_from(UNIT_KEYS), max_size=1))
    categories = {c for c in CATEGORIES[1:] if draw(st.booleans())}
    if draw(st.integers(0, 5)) < 5:
        categories.add("plan")
    return ConsentSpec(
        units=frozenset(units),
        organisations=draw(st.frozensets(st.sampled_from(tuple(ORGANISATIONS)), max_size=2)),
        categories=frozenset(categories),
        state=draw(st.sampled_from((VALID, VALID, VALID, *CONSENT_STATES[1:]))),
    )


@st.composite
def items(draw: st.DrawFn, team_size: int) -> tuple[ItemSpec, ...]:
    member = st.none() | st.integers(0, team_size - 1)
    owner = st.none() | st.sampled_from(UNIT_KEYS)
    found: list[ItemSpec] = []
    for category in CATEGORIES:
        for _ in range(MEASURES_PER_CATEGORY):
            found.append(
                ItemSpec(
                    "measure",
                    category,
                    draw(st.integers(0, len(MEASURE_CLASS[category]) - 1)),
                    draw(owner),
                    draw(member),
                    draw(st.integers(0, GOALS - 1)),
                )
            )
    for _ in range(DEMANDS):
        category = draw(st.sampled_from(CATEGORIES))
        variant = draw(st.integers(0, len(DEMAND_CLASS[category]) - 1))
        found.append(ItemSpec("demand", category, variant, draw(owner), None, 0))
    for kind, count in (("appointment", APPOINTMENTS), ("subgoal", SUBGOALS)):
        for _ in range(count):
            category = draw(st.sampled_from(AREA_CATEGORIES))
            variant = draw(st.integers(0, len(AREA_CLASS[category]) - 1))
            found.append(
                ItemSpec(kind, category, variant, None, draw(member), draw(st.integers(0, 1)))
            )
    return tuple(found)


@st.composite
def courses(draw: st.DrawFn) -> CourseSpec:
    coordinator, coordinator_unit = draw(st.sampled_from(COORDINATORS))
    team = [TeamSpec(coordinator_unit, CURRENT, coordinator=True)]
    for unit in UNIT_KEYS:
        period = draw(
            st.sampled_from((CURRENT, CURRENT, CURRENT, CURRENT, None, None, ENDED, FUTURE))
        )
        if period is not None:
            team.append(TeamSpec(unit, period))
    team.append(TeamSpec(None, CURRENT, area=draw(st.sampled_from(("psykiatri", "kriminalitet")))))
    team_units = [t.unit for t in team if t.unit is not None]
    grant_users = st.sampled_from(STAFF_KEYS)
    grants = []
    for user in draw(st.lists(grant_users, max_size=2, unique=True)):
        own = [unit for unit, _role in next(u for u in USERS if u.key == user).memberships]
        unit = draw(st.sampled_from(own) | st.sampled_from(UNIT_KEYS))
        grants.append(
            GrantSpec(user, unit, draw(st.booleans()), draw(st.sampled_from(tuple(GRANT_BASES))))
        )
    course_items = draw(items(len(team)))
    measure = st.integers(0, len(CATEGORIES) * MEASURES_PER_CATEGORY - 1)
    meeting = MeetingSpec(
        minutes_category=draw(st.sampled_from(CATEGORIES)),
        decision_measure=draw(measure),
        task_owner=draw(st.integers(0, len(team) - 1)),
        recommendation_measure=draw(measure),
        authority_unit=draw(st.sampled_from(sorted(set(team_units)))),
    )
    from_unit = draw(st.sampled_from(sorted(set(team_units))))
    handover = HandoverSpec(
        from_unit=from_unit,
        to_unit=draw(st.sampled_from([u for u in UNIT_KEYS if u != from_unit])),
        measure=draw(st.none() | measure),
        open=draw(st.booleans()),
    )
    return CourseSpec(
        coordinator=coordinator,
        coordinator_unit=coordinator_unit,
        team=tuple(team),
        consents=tuple(draw(st.lists(consents(team_units), min_size=1, max_size=4))),
        grants=tuple(grants),
        items=course_items,
        texts=tuple((name, draw(st.sampled_from(CATEGORIES))) for name in FREE_TEXTS),
        conflict=draw(st.booleans()),
        meeting=meeting,
        handover=handover,
        stay=draw(st.sampled_from(tuple(STAYS))),
    )


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    memberships = tuple(
        ((u.key, unit, role), draw(periods)) for u in USERS for unit, role in u.memberships
    )
    return WorldSpec(
        memberships=memberships,
        casework_units=draw(st.frozensets(st.sampled_from(PUBLIC_UNITS))),
        courses=tuple(draw(courses()) for _ in range(COURSES)),
    )


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A unique marker in one name, item or text, and what it stands for."""

    value: str
    kind: str  # citizen, goal, measure, demand, appointment, subgoal, member, text, conflict, unit
    course: int | None  # None for a unit's name
    ref: Any  # the item index, team index, text name or unit key
    describe: str


class Tokens:
    def __init__(self) -> None:
        self._serial = itertools.count(100_000)
        self.all: list[Token] = []
        self.by_value: dict[str, Token] = {}

    def new(self, kind: str, course: int | None, ref: Any, describe: str) -> str:
        value = f"zq{next(self._serial)}q"
        token = Token(value, kind, course, ref, describe)
        self.all.append(token)
        self.by_value[value] = token
        return value

    def __iter__(self) -> Iterator[Token]:
        return iter(self.all)


# --------------------------------------------------------------------------------------------
# The rows
# --------------------------------------------------------------------------------------------


@dataclass
class BuiltMeeting:
    meeting: Any
    recommendation: Any


@dataclass
class BuiltCourse:
    spec: CourseSpec
    course: Course
    plan: Plan
    goals: list[Goal]
    team: list[TeamMember]
    items: list[Any]  # in the order of spec.items
    consents: list[Consent]
    grants: list[WithoutConsentAccess]
    conflict: DemandConflict | None
    citizen_token: str
    meeting: BuiltMeeting
    handover: Any


@dataclass
class Built:
    spec: WorldSpec
    tokens: Tokens
    organisations: dict[str, Organisation]
    units: dict[str, Unit]
    users: dict[str, User | None]
    initiative: Initiative
    courses: list[BuiltCourse] = field(default_factory=list)
    unit_token: dict[str, str] = field(default_factory=dict)


def today() -> date:
    return timezone.localdate()


def staff(world: Built, key: str) -> User:
    """The world's account for a user of the skeleton (only the anonymous user has none)."""
    user = world.users[key]
    assert user is not None, key
    return user


def _period(period: str) -> tuple[date | None, date | None]:
    on = today()
    if period == ENDED:
        return on - timedelta(days=40), on - timedelta(days=1)
    if period == FUTURE:
        return on + timedelta(days=1), None
    return on - timedelta(days=30), None


def _consent_dates(state: str) -> dict[str, Any]:
    on = today()
    start = on - timedelta(days=20)
    return {
        VALID: {"valid_from": start, "valid_to": on + timedelta(days=200)},
        WITHDRAWN_TOMORROW: {"valid_from": start, "withdrawn_on": on + timedelta(days=1)},
        EXPIRED: {"valid_from": start, "valid_to": on - timedelta(days=1)},
        WITHDRAWN_TODAY: {"valid_from": start, "withdrawn_on": on},
        NOT_YET: {"valid_from": on + timedelta(days=1)},
    }[state]


def skeleton(tokens: Tokens) -> tuple[dict[str, Organisation], dict[str, Unit]]:
    organisations: dict[str, Organisation] = {}
    for key, (org_type, code) in ORGANISATIONS.items():
        if code:
            organisations[key] = Organisation.objects.get(org_type_id=org_type, official_code=code)
        else:
            name = {"priv": "Mentorhuset ApS", "civ": "Foreningen Frivilligcentret"}[key]
            organisations[key] = Organisation.objects.create(name=name, org_type_id=org_type)
    units = {}
    for spec in UNITS:
        token = tokens.new("unit", None, spec.key, f"the name of the unit {spec.name}")
        units[spec.key] = Unit.objects.create(
            organisation=organisations[spec.org],
            name=f"{spec.name} {token}",
            welfare_area_id=spec.area,
            data_category=spec.category,
        )
    return organisations, units


def build(spec: WorldSpec) -> Built:
    tokens = Tokens()
    organisations, units = skeleton(tokens)
    unit_token = {key: tokens.by_value[u.name.split()[-1]].value for key, u in units.items()}
    Unit.objects.filter(pk__in=[units[k].pk for k in spec.casework_units]).update(
        may_open_without_consent=True
    )
    users: dict[str, User | None] = {}
    for u in USERS:
        if u.kind == "anonymous":
            users[u.key] = None
            continue
        users[u.key] = User.objects.create(
            username=f"surface-{u.key}",
            first_name=u.key.capitalize(),
            last_name="Testesen",
            kind=UserKind.CITIZEN if u.kind == "citizen" else UserKind.STAFF,
            is_superuser=u.kind == "superuser",
            is_staff=u.kind == "superuser",
        )
    for (user, unit, role), period in spec.memberships:
        valid_from, valid_to = _period(period)
        member = users[user]
        assert member is not None  # memberships are the staff's
        Membership.objects.create(
            user=member,
            unit=units[unit],
            role=role,
            valid_from=valid_from,
            valid_to=valid_to,
        )
    world = Built(
        spec,
        tokens,
        organisations,
        units,
        users,
        Initiative.objects.create(name="Helhed for alle", location="Odense"),
        unit_token=unit_token,
    )
    for index, course_spec in enumerate(spec.courses):
        world.courses.append(_build_course(world, index, course_spec))
    return world


def _at(days: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(today() + timedelta(days=days), time(hour, 0)))


def _build_course(world: Built, index: int, spec: CourseSpec) -> BuiltCourse:
    tokens, units = world.tokens, world.units
    citizen_token = tokens.new("citizen", index, None, f"the name of course {index}'s citizen")
    login = next((u.key for u in USERS if u.citizen_of == index), None)
    citizen = Citizen.objects.create(
        cpr=f"1506961{index:03d}",
        birth_date=date(1996, 6, 15),
        first_name="Borger",
        last_name=citizen_token,
        user=world.users[login] if login else None,
    )
    texts = spec.text_category
    text_token = {
        name: tokens.new("text", index, name, f"course {index}'s {name} ({texts[name]})")
        for name in FREE_TEXTS
    }
    coordinator = staff(world, spec.coordinator)
    course = Course.objects.create(
        initiative=world.initiative,
        citizen=citizen,
        status=CourseStatus.ACTIVE,
        referred_on=today() - timedelta(days=60),
        start_date=today() - timedelta(days=50),
        coordinator=coordinator,
        coordinator_unit=units[spec.coordinator_unit],
        referral_note=f"Henvist {text_token['referral_note']}",
        referral_note_category=texts["referral_note"],
        mandate=f"Mandat {text_token['mandate']}",
        mandate_category=texts["mandate"],
    )
    plan = Plan.objects.create(
        course=course,
        updated_by=coordinator,
        citizen_statement=f"Mine ord {text_token['citizen_statement']}",
        citizen_statement_category=texts["citizen_statement"],
        summary=f"Resumé {text_token['summary']}",
        summary_category=texts["summary"],
    )
    PlanVersion.objects.create(
        plan=plan, number=1, created_by=coordinator, changes=["Forløbet er oprettet"], snapshot={}
    )
    team = []
    for t_index, t in enumerate(spec.team):
        token = tokens.new("member", index, t_index, f"course {index}'s team member {t_index}")
        valid_from, valid_to = _period(t.period)
        unit = units[t.unit] if t.unit else None
        team.append(
            TeamMember.objects.create(
                course=course,
                user=coordinator if t.coordinator else None,
                name=f"Kontakt {token}",
                organisation=unit.organisation if unit else world.organisations["m2"],
                unit=unit,
                welfare_area_id=t.area if unit is None else unit.welfare_area_id,
                role="Koordinator" if t.coordinator else "Kontaktperson",
                phone="12345678",
                valid_from=valid_from or today() - timedelta(days=30),
                valid_to=valid_to,
            )
        )
    goals = []
    for g in range(GOALS):
        token = tokens.new("goal", index, g, f"course {index}'s goal {g}")
        goals.append(Goal.objects.create(plan=plan, text=f"{token} mit mål", priority=g + 1))
    built_items: list[Any] = []
    for i, item in enumerate(spec.items):
        token = tokens.new(
            item.kind, index, i, f"course {index}'s {item.kind} {i} ({item.category})"
        )
        built_items.append(_build_item(world, plan, course, item, token, team, goals))
    conflict = None
    if spec.conflict:
        demands = [
            row for row, it in zip(built_items, spec.items, strict=True) if it.kind == "demand"
        ]
        token = tokens.new("conflict", index, None, f"course {index}'s conflict description")
        conflict = DemandConflict.objects.create(
            plan=plan,
            first=demands[0],
            second=demands[1],
            description=f"{token} modstrid",
            marked_by=coordinator,
        )
    consents = []
    for c in spec.consents:
        consent = Consent.objects.create(
            course=course,
            given_by="borger",
            given_by_name="Borgeren selv",
            recorded_by=coordinator,
            **_consent_dates(c.state),
            **Consent.flags(set(c.categories)),
        )
        consent.units.set([units[u] for u in sorted(c.units)])
        consent.organisations.set([world.organisations[o] for o in sorted(c.organisations)])
        consents.append(consent)
    grants = []
    for grant in spec.grants:
        grants.append(
            WithoutConsentAccess.objects.create(
                course=course,
                user=staff(world, grant.user),
                unit=units[grant.unit],
                basis_id=grant.basis,
                legal_basis=f"Hjemmel {grant.basis}",
                reason="Akut behov",
                expires_at=timezone.now() + timedelta(hours=12 if grant.live else -1),
                **WithoutConsentAccess.flags(set(grant.categories)),
            )
        )
    meeting = _build_meeting(world, index, spec, course, team, built_items, coordinator)
    handover = _build_handover(world, index, spec, course, built_items, coordinator)
    token = tokens.new("stay", index, spec.stay, f"course {index}'s stay ({STAYS[spec.stay]})")
    InstitutionalStay.objects.create(
        course=course,
        kind=spec.stay,
        institution=f"Institution {token}",
        start_date=today() - timedelta(days=20),
        expected_end=today() + timedelta(days=40),
        recorded_by=coordinator,
    )
    _build_progress(world, index, course, coordinator)
    plan.version = 2
    plan.save()
    snapshot = services.plan_snapshot(plan)
    PlanVersion.objects.create(
        plan=plan,
        number=2,
        created_by=coordinator,
        changes=logic.diff_snapshots({}, snapshot),
        snapshot=snapshot,
    )
    return BuiltCourse(
        spec,
        course,
        plan,
        goals,
        team,
        built_items,
        consents,
        grants,
        conflict,
        citizen_token,
        meeting,
        handover,
    )


def _build_meeting(
    world: Built,
    index: int,
    spec: CourseSpec,
    course: Course,
    team: list[TeamMember],
    built_items: list[Any],
    coordinator: User,
) -> BuiltMeeting:
    tokens, m = world.tokens, spec.meeting
    purpose = tokens.new("meeting", index, None, f"course {index}'s meeting's purpose")
    minutes = tokens.new("minutes", index, None, f"course {index}'s minutes ({m.minutes_category})")
    meeting = Meeting.objects.create(
        course=course,
        purpose=f"{purpose} formål",
        place="Borgerservice",
        status=MeetingStatus.HELD,
        starts_at=_at(-3, 10),
        created_by=coordinator,
        problem_focus=f"Referat {minutes}",
        minutes_category=m.minutes_category,
        citizen_present=True,
    )
    participants = {}
    for t_index, member in enumerate(team):
        if spec.team[t_index].period != CURRENT:
            continue
        participants[t_index] = Participant.objects.create(
            meeting=meeting,
            kind=ParticipantKind.TEAM,
            team_member=member,
            user=member.user,
            name=member.name,  # the team member's token: named by the same rule
            role=member.role,
        )
    Participant.objects.create(
        meeting=meeting, kind=ParticipantKind.CITIZEN, name=course.citizen.full_name
    )
    owner = participants.get(m.task_owner, participants[0])
    measure = built_items[m.decision_measure]
    about = tokens.new("decision", index, True, f"course {index}'s decision about a measure")
    other = tokens.new("decision", index, False, f"course {index}'s decision in the minutes")
    decision = Decision.objects.create(
        meeting=meeting, text=f"{about} beslutning", measure=measure, created_by=coordinator
    )
    plain = Decision.objects.create(
        meeting=meeting, text=f"{other} beslutning", created_by=coordinator
    )
    task = tokens.new("task", index, True, f"course {index}'s task about a measure")
    Task.objects.create(
        course=course,
        decision=decision,
        title=f"{task} opgave",
        owner=owner,
        owner_user=owner.user,
        due_date=today() + timedelta(days=7),
        measure=measure,
    )
    task = tokens.new("task", index, False, f"course {index}'s task from the minutes")
    Task.objects.create(
        course=course,
        decision=plain,
        title=f"{task} opgave",
        owner=participants[0],
        owner_user=participants[0].user,
        due_date=today() + timedelta(days=7),
    )
    reasoning = tokens.new("recommendation", index, None, f"course {index}'s recommendation")
    recommended = built_items[m.recommendation_measure]
    recommendation = Recommendation.objects.create(
        course=course,
        measure=recommended,
        measure_title=recommended.title,
        data_category=recommended.data_category,
        reasoning=f"{reasoning} begrundelse",
        authority_unit=world.units[m.authority_unit],
        recommended_on=today() - timedelta(days=2),
        recommended_by=coordinator,
    )
    return BuiltMeeting(meeting, recommendation)


def _build_handover(
    world: Built,
    index: int,
    spec: CourseSpec,
    course: Course,
    built_items: list[Any],
    coordinator: User,
) -> Handover:
    h = spec.handover
    reason = world.tokens.new("handover", index, None, f"course {index}'s handover's reason")
    measure = built_items[h.measure] if h.measure is not None else None
    return Handover.objects.create(
        course=course,
        measure=measure,
        measure_title=measure.title if measure else "",
        measure_category=measure.data_category if measure else "",
        from_unit=world.units[h.from_unit],
        to_unit=world.units[h.to_unit],
        mode="henvist",
        reason=f"{reason} begrundelse",
        status="requested" if h.open else "completed",
        requested_at=timezone.now() - timedelta(days=2),
        requested_by=coordinator,
        closed_at=None if h.open else timezone.now() - timedelta(days=1),
    )


def _build_progress(world: Built, index: int, course: Course, coordinator: User) -> None:
    """A WHO-5 and a rating of the life areas with a comment on each (its area's category)."""
    comments = {
        key: "Kommentar "
        + world.tokens.new("comment", index, key, f"course {index}'s comment on {key} ({category})")
        for key, category in LIFE_AREAS.items()
    }
    on = today() - timedelta(days=5)
    Measurement.objects.create(
        course=course,
        instrument="livsomraader",
        measured_on=on,
        answers=dict.fromkeys(LIFE_AREAS, 6),
        comments=comments,
        score=6.0,
        entered_by=coordinator,
        entered_as="fagperson",
    )
    Measurement.objects.create(
        course=course,
        instrument="who5",
        measured_on=on,
        answers={f"who5_{i}": 3 for i in range(1, 6)},
        score=60.0,
        entered_by=coordinator,
        entered_as="fagperson",
    )
    refresh_summary(course_id=course.pk)


def _build_item(
    world: Built,
    plan: Plan,
    course: Course,
    item: ItemSpec,
    token: str,
    team: list[TeamMember],
    goals: list[Goal],
) -> Any:
    member = team[item.member] if item.member is not None else None
    unit = world.units[item.unit] if item.unit else None
    organisation = unit.organisation if unit else course.coordinator_unit.organisation
    row: Any
    basis: str | None
    area: str | None
    if item.kind == "measure":
        basis, area = MEASURE_CLASS[item.category][item.variant]
        row = Measure.objects.create(
            plan=plan,
            title=f"{token} indsats",
            welfare_area_id=area,
            legal_basis_id=basis,
            organisation=organisation,
            unit=unit,
            responsible=member,
            status="aktiv",
            start_date=today() - timedelta(days=10),
            budget_area="andet",
            description=f"Beskrivelse {token}",
        )
        row.goals.set([goals[item.goal]])
    elif item.kind == "demand":
        basis, area = DEMAND_CLASS[item.category][item.variant]
        row = Demand.objects.create(
            plan=plan,
            organisation=organisation,
            unit=unit,
            welfare_area_id=area,
            kind="andet",
            title=f"{token} krav",
            details=f"Uddybning {token}",
            legal_basis_id=basis,
        )
    elif item.kind == "appointment":
        area = AREA_CLASS[item.category][item.variant]
        day = 3 + item.variant
        row = Appointment.objects.create(
            plan=plan,
            title=f"{token} aftale",
            organisation=organisation,
            welfare_area_id=area,
            with_member=member,
            place=f"Sted {token}",
            starts_at=_at(day, 9 + item.goal),
            ends_at=_at(day, 10 + item.goal),
            note=f"Note {token}",
        )
    else:
        area = AREA_CLASS[item.category][item.variant]
        row = SubGoal.objects.create(
            goal=goals[item.goal], text=f"{token} delmål", owner=member, welfare_area_id=area
        )
    # The world's own statement of the category (the oracle's) against the models' rule.
    assert row.data_category == item.category, (item, row.data_category)
    return row
