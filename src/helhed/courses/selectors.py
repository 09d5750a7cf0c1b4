"""Reads of courses — the only way views, API and other apps get at citizens' data.

Two rules hold for every function here that returns personal data:

1. **Access**: a professional sees a course only if they are its coordinator, or one of their
   units is on the course's team *and* covered by a consent valid today (by unit or by the
   unit's organisation) that includes the plan, or they have opened an explicit, logged access
   without consent. ``visible_courses`` expresses this in SQL; ``logic.may_see_course`` is the
   same rule over plain values, and a property test keeps the two equal.
2. **Audit**: every read of a citizen's data writes an access-log entry (``log_access``).
   Functions that read personal data take the ``purpose`` and log before returning.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import Organisation, Unit, User, UserKind
from helhed.core.selectors import membership_list
from helhed.courses import logic
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
    TeamMember,
    WithoutConsentAccess,
)


def today() -> date:
    return timezone.localdate()


def _valid_consent_q(on: date, prefix: str = "") -> Q:
    p = prefix
    return (
        Q(**{f"{p}valid_from__lte": on})
        & (Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gte": on}))
        & (Q(**{f"{p}withdrawn_on__isnull": True}) | Q(**{f"{p}withdrawn_on__gt": on}))
    )


def _active_team_q(on: date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def visible_courses(user: User, on: date | None = None, category: str = "plan") -> QuerySet[Course]:
    """The courses ``user`` may see on ``on``: the access rule in one query (no log written —
    callers that show personal data log what they show)."""
    on = on or today()
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return Course.objects.none()
    pairs = _user_units(user, on)
    unit_ids = [unit for unit, _org in pairs]
    org_ids = {org for _unit, org in pairs}
    # The rule as ``pk IN (…)`` semi-joins that start from the consents naming the user's units
    # or their organisations (indexed M2M rows), not from every course or every team row of the
    # user's units (a coordinating unit is on the team of every course it coordinates): at
    # 300,000 citizens that is the difference between a millisecond and half a second.
    active_team = TeamMember.objects.filter(_active_team_q(on))
    valid = _valid_consent_q(on, prefix="consent__") & Q(**{f"consent__cat_{category}": True})
    by_unit = (
        Consent.units.through.objects.filter(valid, unit_id__in=unit_ids)
        .filter(
            Exists(active_team.filter(course=OuterRef("consent__course"), unit=OuterRef("unit_id")))
        )
        .values("consent__course_id")
    )
    by_organisation = (
        Consent.organisations.through.objects.filter(valid, organisation_id__in=org_ids)
        .filter(
            Exists(
                active_team.filter(
                    course=OuterRef("consent__course"),
                    unit_id__in=unit_ids,
                    organisation=OuterRef("organisation_id"),
                )
            )
        )
        .values("consent__course_id")
    )
    granted = WithoutConsentAccess.objects.filter(user=user, expires_at__gt=timezone.now()).values(
        "course_id"
    )
    # One ``pk IN (… UNION …)`` rather than an ``OR`` of four conditions: PostgreSQL cannot use
    # an index for an ``OR`` of semi-joins and scans every course; the union is a short list of
    # ids looked up by primary key (SQLite does well with either).
    coordinated = Course.objects.filter(coordinator=user).order_by().values("pk")
    ids = coordinated.union(by_unit.order_by(), by_organisation.order_by(), granted.order_by())
    return Course.objects.filter(pk__in=ids)


@dataclass(frozen=True)
class Access:
    """What a user may see of one course, and on which terms."""

    course: Course
    categories: frozenset[str]
    is_coordinator: bool
    without_consent: WithoutConsentAccess | None

    def may(self, category: str) -> bool:
        return (
            self.is_coordinator or self.without_consent is not None or (category in self.categories)
        )


def _user_units(user: User, on: date) -> list[tuple[Any, Any]]:
    return [(m.unit_id, m.unit.organisation_id) for m in membership_list(user, on)]


def _set_prefetched(obj: Any, name: str, items: list[Any]) -> None:
    """Fill ``obj.<name>.all()`` with ``items`` as ``prefetch_related`` would (no query)."""
    manager = getattr(obj, name)
    qs = manager.get_queryset()
    qs._result_cache = items
    qs._prefetch_done = True
    cache_name = getattr(manager, "prefetch_cache_name", name)
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = qs


def _partial(model: Any, **values: Any) -> Any:
    """A model instance loaded with some fields (the others are deferred: read on access)."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db("default", fields, [values[name] for name in fields])


def _prefetch_consent_scope(consents: list[Consent]) -> None:
    """Each consent's organisations and units (id and name; the other fields load on access) in
    one query instead of two."""
    from django.db.models import CharField, F, Value

    ids = [c.pk for c in consents]
    if not ids:
        return
    columns = ("cid", "kind", "obj", "name", "org", "org_name")
    orgs = (
        Consent.organisations.through.objects.filter(consent_id__in=ids)
        .annotate(
            cid=F("consent_id"),
            kind=Value("o", output_field=CharField()),
            obj=F("organisation_id"),
            name=F("organisation__name"),
            org=F("organisation_id"),
            org_name=F("organisation__name"),
        )
        .values_list(*columns)
    )
    units = (
        Consent.units.through.objects.filter(consent_id__in=ids)
        .annotate(
            cid=F("consent_id"),
            kind=Value("u", output_field=CharField()),
            obj=F("unit_id"),
            name=F("unit__name"),
            org=F("unit__organisation_id"),
            org_name=F("unit__organisation__name"),
        )
        .values_list(*columns)
    )
    found: dict[Any, tuple[list[Organisation], list[Unit]]] = {c.pk: ([], []) for c in consents}
    # In the models' order (organisations by name, units by organisation and name).
    rows = orgs.union(units, all=True).order_by("org_name", "name")  # type: ignore[misc]
    for consent_id, kind, obj_id, name, org_id, _org_name in rows:
        if kind == "o":
            found[consent_id][0].append(_partial(Organisation, id=obj_id, name=name))
        else:
            found[consent_id][1].append(
                _partial(Unit, id=obj_id, name=name, organisation_id=org_id)
            )
    for consent in consents:
        org_list, unit_list = found[consent.pk]
        _set_prefetched(consent, "organisations", org_list)
        _set_prefetched(consent, "units", unit_list)


def consent_facts(course: Course) -> list[logic.ConsentFacts]:
    facts = []
    for consent in course.consents.all():
        facts.append(
            consent.facts(
                {o.pk for o in consent.organisations.all()}, {u.pk for u in consent.units.all()}
            )
        )
    return facts


def team_facts(course: Course) -> list[logic.TeamFacts]:
    return [
        logic.TeamFacts(t.unit_id, t.organisation_id, t.valid_from, t.valid_to)
        for t in course.team.all()
        if t.unit_id is not None
    ]


def access_for(user: User, course_id: uuid.UUID | str, on: date | None = None) -> Access:
    """The user's access to one course, or ``PermissionDenied`` (also for a course that does not
    exist, so that existence does not leak)."""
    on = on or today()
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied
    # The course with its plan (one row), the user's open grant as an annotation (fetched only
    # when there is one), then consents and team: the query count does not depend on the course.
    open_grant = (
        WithoutConsentAccess.objects.filter(
            course=OuterRef("pk"), user=user, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .values("pk")[:1]
    )
    course = (
        Course.objects.select_related(
            "citizen",
            "initiative",
            "coordinator",
            "coordinator_unit",
            "coordinator_unit__organisation",
            "household",
            "plan",
        )
        .annotate(open_grant_id=Subquery(open_grant))
        .prefetch_related(
            "consents",
            Prefetch("team", queryset=TeamMember.objects.select_related("organisation", "unit")),
        )
        .filter(pk=course_id)
        .first()
    )
    if course is None:
        raise PermissionDenied
    _prefetch_consent_scope(list(course.consents.all()))
    is_coordinator = course.coordinator_id == user.pk
    grant_id = course.open_grant_id
    grant = WithoutConsentAccess.objects.get(pk=grant_id) if grant_id is not None else None
    user_units = _user_units(user, on)
    team, consents = team_facts(course), consent_facts(course)
    categories = logic.consented_categories(user_units, team, consents, on)
    if not logic.may_see_course(
        is_coordinator=is_coordinator,
        user_units=user_units,
        team=team,
        consents=consents,
        on=on,
        without_consent_grant=grant is not None,
    ):
        raise PermissionDenied
    return Access(course, categories, is_coordinator, grant)


def log_course_read(
    user: User,
    access: Access,
    what: str,
    purpose: str,
    citizen_ids: list[uuid.UUID] | None = None,
) -> None:
    """Log a read of the course's citizen (or of ``citizen_ids``, e.g. family members shown on
    the course page). Under an access without consent the entry is flagged with its basis."""
    grant = access.without_consent
    flagged = grant is not None and not access.is_coordinator
    log_access(
        user,
        citizen_ids if citizen_ids is not None else access.course.citizen_id,
        what,
        purpose if grant is None else Purpose.LEGAL_OBLIGATION,
        without_consent=flagged,
        legal_basis=grant.legal_basis if grant is not None and flagged else "",
    )


def log_course_list(user: User, courses: list[Course], what: str = "forløbsliste") -> None:
    """Log a list of courses shown to ``user``: one entry per citizen; a course visible only
    through an access without consent is flagged with its legal basis."""
    if not courses:
        return
    grants = dict(
        WithoutConsentAccess.objects.filter(
            course__in=[c.pk for c in courses if c.coordinator_id != user.pk],
            user=user,
            expires_at__gt=timezone.now(),
        )
        .order_by("expires_at")
        .values_list("course_id", "legal_basis")
    )
    plain = [c.citizen_id for c in courses if c.pk not in grants]
    if plain:
        log_access(user, plain, what, Purpose.CASEWORK)
    for course in courses:
        if course.pk in grants:
            log_access(
                user,
                course.citizen_id,
                what,
                Purpose.LEGAL_OBLIGATION,
                without_consent=True,
                legal_basis=grants[course.pk],
            )


def household_members(
    user: User,
    access: Access,
    what: str,
    purpose: str = Purpose.CASEWORK,
    keep: Callable[[Citizen], bool] | None = None,
) -> list[Citizen]:
    """The other members of the family the course covers (oldest first), or those of them
    ``keep`` selects (e.g. the children, for a child plan), logged as a read of each one shown."""
    household = access.course.household
    if household is None:
        return []
    members = [
        m
        for m in household.members.exclude(pk=access.course.citizen_id).order_by("birth_date", "pk")
        if keep is None or keep(m)
    ]
    if members:
        log_course_read(user, access, what, purpose, citizen_ids=[m.pk for m in members])
    return members


@dataclass
class CourseOverview:
    """Everything the course page shows, filtered by the user's consented categories.

    ``course_overview(..., items=False)`` leaves ``measures``, ``demands``, ``appointments`` and
    ``overlapping`` empty (``items_loaded`` False) until :func:`load_plan_items` fills them: the
    course page renders those parts from a cache per plan version and needs them only when the
    plan has changed."""

    access: Access
    plan: Plan | None
    goals: list[Goal]
    measures: list[Measure]
    demands: list[Demand]
    demands_by_sector: dict[str, list[Demand]]
    conflicts: list[DemandConflict]
    appointments: list[Appointment]
    overlapping: list[tuple[Appointment, Appointment]]
    team_current: list[TeamMember]
    team_past: list[TeamMember]
    team_stats: logic.TeamOverview
    hidden_categories: list[str] = field(default_factory=list)
    items_loaded: bool = True
    hidden_codes: set[str] = field(default_factory=set)

    def allowed(self, item: Any) -> bool:
        """May the reader see this plan item? Records the category if not."""
        ok = self.access.may(item.data_category)
        if not ok:
            self.hidden_codes.add(item.data_category)
            labels = dict(logic.DATA_CATEGORIES)
            self.hidden_categories = sorted(labels[c] for c in self.hidden_codes)
        return ok


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def course_overview(
    user: User,
    course_id: uuid.UUID | str,
    *,
    purpose: str = Purpose.CASEWORK,
    items: bool = True,
    what: str = "forløb og plan",
) -> CourseOverview:
    """The course page: plan, team, demands side by side, conflicts, timeline. Logged.

    The course, consents, team, goals with sub-goals and the conflicts are always read; with
    ``items=False`` the measures, demands and appointments are left for :func:`load_plan_items`.
    """
    on = today()
    access = access_for(user, course_id, on)
    course = access.course
    plan: Plan | None = getattr(course, "plan", None)  # selected with the course
    if plan is not None:
        prefetch_related_objects(
            [plan],
            Prefetch("goals", queryset=Goal.objects.prefetch_related("subgoals")),
            Prefetch(
                "conflicts",
                queryset=DemandConflict.objects.select_related(
                    "first", "second", "marked_by", "resolved_by"
                ),
            ),
        )
    team = list(course.team.all())
    current = [t for t in team if t.valid_from <= on and (t.valid_to is None or t.valid_to >= on)]
    past = [t for t in team if t not in current]
    overview = CourseOverview(
        access=access,
        plan=plan,
        goals=list(plan.goals.all()) if plan and access.may("plan") else [],
        measures=[],
        demands=[],
        demands_by_sector={},
        conflicts=[],
        appointments=[],
        overlapping=[],
        team_current=current,
        team_past=past,
        team_stats=logic.team_overview([(t.valid_from, t.valid_to) for t in team], on),
        items_loaded=False,
    )
    if plan is not None:
        # A conflict is shown only to a reader who may see both of its demands.
        overview.conflicts = [
            c
            for c in plan.conflicts.all()
            if overview.allowed(c.first) and overview.allowed(c.second)
        ]
    log_course_read(user, access, what, purpose)
    if items:
        load_plan_items(overview)
    return overview


def load_plan_items(overview: CourseOverview) -> None:
    """Measures (with their goals, in one query with the link table), demands and appointments
    of the overview's plan, filtered by what the reader may see. Three queries, whatever the size
    of the plan. The read was logged by ``course_overview``."""
    plan = overview.plan
    overview.items_loaded = True
    if plan is None:
        return
    goals = list(plan.goals.all())  # all of the plan's goals (the links point at any of them)
    goal_at = {g.pk: (i, g) for i, g in enumerate(goals)}
    measure_rows = (
        Measure.objects.filter(plan=plan)
        .select_related("welfare_area", "legal_basis", "organisation", "unit", "responsible")
        .annotate(linked_goal_id=F("goals__id"))
    )
    measures: list[Measure] = []
    links: dict[Any, list[tuple[int, Goal]]] = {}
    outside = False
    for row in measure_rows:
        if row.pk not in links:
            links[row.pk] = []
            measures.append(row)
        goal_id = row.linked_goal_id
        if goal_id is not None:
            if goal_id in goal_at:
                links[row.pk].append(goal_at[goal_id])
            else:
                outside = True  # a link not made by the services: let Django fetch it
    by_goal: dict[Any, list[tuple[int, Measure]]] = {g.pk: [] for g in goals}
    for index, measure in enumerate(measures):
        measure.plan = plan
        linked = sorted(links[measure.pk], key=_first)
        _set_prefetched(measure, "goals", [g for _i, g in linked])
        for _i, goal in linked:
            by_goal[goal.pk].append((index, measure))
    if outside:
        prefetch_related_objects(goals, "measures")
        prefetch_related_objects(measures, "goals")
    else:
        for goal in goals:
            _set_prefetched(goal, "measures", [m for _i, m in sorted(by_goal[goal.pk], key=_first)])
    demands = [
        d
        for d in Demand.objects.filter(plan=plan).select_related(
            "welfare_area", "organisation", "legal_basis"
        )
        if overview.allowed(d)
    ]
    appointments = [
        a
        for a in Appointment.objects.filter(plan=plan).select_related(
            "organisation", "with_member", "welfare_area"
        )
        if overview.allowed(a)
    ]
    for demand in demands:
        demand.plan = plan
    for appointment in appointments:
        appointment.plan = plan
    by_sector: dict[str, list[Demand]] = {}
    for demand in demands:
        by_sector.setdefault(demand.welfare_area.name_da, []).append(demand)
    overview.measures = [m for m in measures if overview.allowed(m)]
    overview.demands = demands
    overview.demands_by_sector = by_sector
    overview.appointments = appointments
    overview.overlapping = logic.overlapping(
        [logic.Slot(a, a.starts_at, a.ends_at) for a in appointments]
    )


@dataclass(frozen=True)
class CaseloadRow:
    course: Course
    alerts: tuple[str, ...]


PLAN_STALE_AFTER = timedelta(weeks=8)
CONSENT_EXPIRY_WARNING = timedelta(days=30)


def caseload(user: User, *, include_closed: bool = False) -> list[CaseloadRow]:
    """The coordinator's courses with alerts: no plan yet, plan not updated in 8 weeks, consent
    expiring within 30 days (or none valid), open conflicts. Logged (names are shown)."""
    on = today()
    qs = (
        Course.objects.filter(coordinator=user)
        .select_related("citizen", "initiative", "plan")
        .prefetch_related("consents")
        .annotate(
            open_conflicts=Exists(
                DemandConflict.objects.filter(plan__course=OuterRef("pk"), resolved_at__isnull=True)
            )
        )
        .order_by("citizen__last_name", "citizen__first_name")
    )
    if not include_closed:
        qs = qs.exclude(status=CourseStatus.CLOSED)
    rows = []
    now = timezone.now()
    for course in qs:
        alerts: list[str] = []
        plan = getattr(course, "plan", None)
        if plan is None or (plan.version <= 1 and not plan.citizen_statement):
            alerts.append("Ingen plan endnu")
        elif now - plan.updated_at > PLAN_STALE_AFTER:
            alerts.append("Planen er ikke opdateret i 8 uger")
        valid = [c for c in course.consents.all() if c.valid_on(on)]
        if not valid:
            alerts.append("Intet gyldigt samtykke")
        elif all(
            c.valid_to is not None and c.valid_to - on <= CONSENT_EXPIRY_WARNING for c in valid
        ):
            alerts.append("Samtykket udløber snart")
        if getattr(course, "open_conflicts", False):
            alerts.append("Modstridende krav")
        rows.append(CaseloadRow(course, tuple(alerts)))
    if rows:
        log_access(user, [r.course.citizen_id for r in rows], "sagsoversigt", Purpose.CASEWORK)
    return rows


def search_citizens(user: User, query: str) -> list[Course]:
    """Courses the user may see whose citizen matches a name or a CPR number. Logged as a
    search, one entry per citizen shown; the query itself is never logged (it may be a CPR)."""
    query = query.strip()
    if len(query) < 2:
        return []
    qs = visible_courses(user).select_related("citizen", "initiative")
    try:
        cpr = logic.normalize_cpr(query)
        qs = qs.filter(citizen__cpr=cpr)
    except logic.CprError:
        for word in query.split():
            qs = qs.filter(
                Q(citizen__first_name__icontains=word) | Q(citizen__last_name__icontains=word)
            )
    results = list(qs.order_by("citizen__last_name")[:50])
    if results:
        log_access(user, [c.citizen_id for c in results], "søgeresultat", Purpose.SEARCH)
    return results


def existing_courses_for_cpr(user: User, cpr: str) -> list[Course]:
    """Duplicate detection at intake: open courses for this CPR number, whoever coordinates them.

    Only the fact that a course exists, its initiative and its coordinator are shown, so that the
    new coordinator can ask to join instead of starting a second course. Logged."""
    courses = list(
        Course.objects.filter(citizen__cpr=logic.normalize_cpr(cpr))
        .exclude(status=CourseStatus.CLOSED)
        .select_related("initiative", "coordinator", "coordinator_unit", "citizen")
    )
    if courses:
        log_access(user, courses[0].citizen_id, "dubletkontrol ved visitation", Purpose.CASEWORK)
    return courses


def citizen_for_user(user: User) -> Citizen | None:
    if not user.is_authenticated or user.kind != UserKind.CITIZEN:
        return None
    return Citizen.objects.filter(user=user).first()


def citizen_id_for_user(user: Any) -> uuid.UUID | None:
    if not getattr(user, "is_authenticated", False) or user.kind != UserKind.CITIZEN:
        return None
    return Citizen.objects.filter(user=user).values_list("id", flat=True).first()


@dataclass
class CitizenView:
    citizen: Citizen
    courses: list[Course]
    plans: list[Plan]
    upcoming: list[Appointment]
    team: list[TeamMember]
    consents: list[Consent]


def citizen_view(user: User) -> CitizenView | None:
    """The citizen's own view: everything about them (they always see their own data). The
    read is logged with purpose "egen adgang" so the log is complete."""
    citizen = citizen_for_user(user)
    if citizen is None:
        return None
    on = today()
    courses = list(
        Course.objects.filter(citizen=citizen)
        .exclude(status=CourseStatus.CLOSED)
        .select_related(
            "initiative", "coordinator", "coordinator_unit", "coordinator_unit__organisation"
        )
    )
    plans = list(
        Plan.objects.filter(course__in=courses).prefetch_related(
            "goals",
            Prefetch(
                "measures", queryset=Measure.objects.select_related("organisation", "welfare_area")
            ),
            Prefetch("demands", queryset=Demand.objects.select_related("organisation")),
        )
    )
    now = timezone.now()
    upcoming = list(
        Appointment.objects.filter(plan__course__in=courses, ends_at__gte=now)
        .select_related("organisation", "with_member")
        .order_by("starts_at")[:20]
    )
    team = list(
        TeamMember.objects.filter(course__in=courses)
        .filter(_active_team_q(on))
        .select_related("organisation", "unit")
    )
    consents = list(
        Consent.objects.filter(course__in=courses).prefetch_related("organisations", "units")
    )
    log_access(user, citizen.id, "egen plan", Purpose.CITIZEN_SELF)
    return CitizenView(citizen, courses, plans, upcoming, team, consents)


def upcoming_slots(appointments: list[Appointment], since: datetime) -> list[Appointment]:
    return [a for a in appointments if a.ends_at >= since]


# --------------------------------------------------------------------------------------------
# Plain facts for apps above courses (economics): no access check, no log
# --------------------------------------------------------------------------------------------


def measures_for(access: Access) -> list[Measure]:
    """The measures of the course's plan that the reader may see (their data category), with
    welfare area and organisation. No log: the caller logs what it shows."""
    plan = getattr(access.course, "plan", None)
    if plan is None:
        return []
    rows = Measure.objects.filter(plan=plan).select_related("welfare_area", "organisation")
    return [m for m in rows if access.may(m.data_category)]


@dataclass(frozen=True)
class CourseFacts:
    course_id: Any
    citizen_id: Any
    coordinator_id: Any
    initiative_id: Any
    organisation_id: Any  # of the coordinating unit
    status: str
    start_date: date | None
    referred_on: date


def course_facts(course_ids: list[Any]) -> dict[Any, CourseFacts]:
    """Who coordinates each course, its initiative and dates — for aggregates and daily jobs of
    higher apps. No access check and no log: callers check access before they show anything
    about a citizen."""
    out: dict[Any, CourseFacts] = {}
    for chunk_start in range(0, len(course_ids), 900):
        chunk = course_ids[chunk_start : chunk_start + 900]
        for row in Course.objects.filter(pk__in=chunk).values_list(
            "pk",
            "citizen_id",
            "coordinator_id",
            "initiative_id",
            "coordinator_unit__organisation_id",
            "status",
            "start_date",
            "referred_on",
        ):
            out[row[0]] = CourseFacts(*row)
    return out


@dataclass(frozen=True)
class MeasurePeriod:
    course_id: Any
    measure_id: Any
    start: date | None
    end: date | None
    status: str
    category: str


def measure_periods(course_ids: list[Any]) -> dict[Any, list[MeasurePeriod]]:
    """Each course's measures as periods with their data category (plain values; no access
    check, no log — for aggregates and daily jobs)."""
    out: dict[Any, list[MeasurePeriod]] = {c: [] for c in course_ids}
    for chunk_start in range(0, len(course_ids), 900):
        chunk = course_ids[chunk_start : chunk_start + 900]
        for course_id, pk, start, end, expected, status, area in (
            Measure.objects.filter(plan__course_id__in=chunk)
            .order_by("start_date", "pk")
            .values_list(
                "plan__course_id",
                "pk",
                "start_date",
                "end_date",
                "expected_end",
                "status",
                "welfare_area_id",
            )
        ):
            out[course_id].append(
                MeasurePeriod(
                    course_id,
                    pk,
                    start,
                    end or (expected if status == "afsluttet" else None),
                    status,
                    logic.data_category_for_area(area),
                )
            )
    return out


def citizen_names(citizen_ids: list[Any]) -> dict[Any, str]:
    """Full names of the given citizens (no access check, no log: the caller has checked access
    to their courses and logs what it shows)."""
    return {
        pk: f"{first} {last}"
        for pk, first, last in Citizen.objects.filter(pk__in=citizen_ids).values_list(
            "pk", "first_name", "last_name"
        )
    }
