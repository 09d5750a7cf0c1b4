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

import functools
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core import idsets
from helhed.core.domain import DomainError
from helhed.core.models import Membership, Organisation, Role, Unit, User, UserKind
from helhed.core.periods import overlaps_q, valid_on_q
from helhed.core.prepared import Fixed, Prepared, set_prefetched
from helhed.core.selectors import membership_list, request_cache
from helhed.core.selectors import today as today  # one today(); views_print calls it from here
from helhed.courses import logic
from helhed.courses.models import (
    Appointment,
    Citizen,
    Consent,
    ConsentDocument,
    ConsentEvent,
    Course,
    CourseStatus,
    Demand,
    DemandConflict,
    Goal,
    HouseholdRelation,
    JoinRequest,
    JoinStatus,
    Measure,
    Plan,
    PlanVersion,
    SubGoal,
    TeamMember,
    WithoutConsentAccess,
    WithoutConsentBasis,
)
from helhed.registry.models import Initiative

NO_ACCESS = "Du har ikke adgang til dette forløb."


class NoAccessError(DomainError, PermissionDenied):
    """The guard's refusal, the same for a course (or item) that does not exist and one the
    reader may not see. A ``PermissionDenied`` without a message, so a page shows the general
    403 text; the API answers 403 naming only that there is no access (``NO_ACCESS``)."""

    status = 403
    title = NO_ACCESS

    def __init__(self) -> None:
        PermissionDenied.__init__(self)
        self.detail = NO_ACCESS
        self.members = {}


def _valid_consent_q(on: date, prefix: str = "") -> Q:
    return valid_on_q(on, prefix, withdrawable=True)


def _active_team_q(on: date) -> Q:
    return valid_on_q(on)


def _consented_ids(pairs: list[tuple[Any, Any]], on: date, category: str) -> Any:
    """Ids of the courses on whose team one of ``pairs`` (unit id, organisation id) is on ``on``,
    covered by a consent valid that day for ``category`` (by unit or by organisation)."""
    unit_ids = [unit for unit, _org in pairs]
    org_ids = {org for _unit, org in pairs}
    # ``pk IN (…)`` semi-joins that start from the consents naming the units or their
    # organisations (indexed M2M rows), not from every course or every team row of the units (a
    # coordinating unit is on the team of every course it coordinates): see docs/performance.md.
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
    return by_unit.order_by(), by_organisation.order_by()


def visible_courses(user: User, on: date | None = None, category: str = "plan") -> QuerySet[Course]:
    """The courses ``user`` may see on ``on``: the access rule in one query (no log written —
    callers that show personal data log what they show). With another ``category`` than the
    plan: those of them in which the user may also see that category (a consent that covers
    health but not the plan opens nothing)."""
    on = on or today()
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return Course.objects.none()
    # The query is built once per request (building it costs more than running it); each caller
    # gets a fresh copy, evaluated when it is used, so nothing read is kept.
    cache = request_cache.get()
    key = ("courses:visible", user.pk, on, category)
    built: QuerySet[Course] | None = cache.get(key) if cache is not None else None
    if built is None:
        built = _visible_courses(user, on, category)
        if cache is not None:
            cache[key] = built
    return built.all()


def _visible_courses(
    user: User, on: date, category: str, moment: datetime | None = None
) -> QuerySet[Course]:
    """``moment``: the time an access without consent must not have expired by (now unless
    given: ``_listed`` compiles its query with a stand-in)."""
    # A course whose processing is restricted (GDPR art. 18) is its coordinator's only.
    unit_ids = [unit for unit, _org in _user_units(user, on)]
    unrestricted = Q(restricted_since__isnull=True) | Q(
        coordinator=user, coordinator_unit_id__in=unit_ids
    )
    if category != "plan":
        seen = _visible_ids(user, on, "plan", moment)
        return (
            Course.objects.filter(pk__in=seen)
            .filter(pk__in=_visible_ids(user, on, category, moment))
            .filter(unrestricted)
        )
    return Course.objects.filter(pk__in=_visible_ids(user, on, "plan", moment)).filter(unrestricted)


# The rule's query costs about 3.5 ms of Python to build and compile, on every page that lists
# courses — more than the database takes to run it. Its SQL is a function of the reader, their
# current units and organisations, the day and the category (and the moment, for an access
# without consent: one parameter, put in at each use), so each process keeps the compiled SQL
# for the readers it served last, and every request runs it with that request's parameters.
# Nothing read is kept: a change to a consent, a team or a grant is seen by the next query.
_RULE_SQL: OrderedDict[tuple[Any, ...], tuple[str, tuple[Any, ...], int]] = OrderedDict()
_RULE_SQL_KEPT = 512
_RULE_SQL_LOCK = threading.Lock()
_RULE_MOMENT = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)  # stands in for now()


def _visible_ids(user: User, on: date, category: str, moment: datetime | None = None) -> Any:
    """Ids of the courses whose ``category`` the user may see on ``on``, plan or not (a
    subquery); ``moment`` as ``_visible_courses``'."""
    pairs = _user_units(user, on)
    key = (connection.vendor, user.pk, tuple(pairs), on, category)
    with _RULE_SQL_LOCK:
        kept = _RULE_SQL.get(key)
        if kept is not None:
            _RULE_SQL.move_to_end(key)
    if kept is None:
        query = _visible_ids_query(user, pairs, on, category, _RULE_MOMENT).query
        try:
            sql, params = query.sql_with_params()
        except EmptyResultSet:  # no unit at all: the ORM knows how to say "nothing"
            return _visible_ids_query(user, pairs, on, category, moment or timezone.now())
        found = [i for i, p in enumerate(params) if p in _moment_forms(_RULE_MOMENT)]
        if len(found) != 1:  # not the shape this expects: build it each time
            return _visible_ids_query(user, pairs, on, category, moment or timezone.now())
        kept = (sql, tuple(params), found[0])
        with _RULE_SQL_LOCK:
            _RULE_SQL[key] = kept
            while len(_RULE_SQL) > _RULE_SQL_KEPT:
                _RULE_SQL.popitem(last=False)
    return RawSQL(kept[0], _with_moment(kept, moment or timezone.now()))


def _with_moment(kept: tuple[str, tuple[Any, ...], int], moment: datetime) -> tuple[Any, ...]:
    """A kept statement's parameters with ``moment`` in the stand-in's place, in the form the
    statement carries it."""
    _sql, params, at = kept
    carried = moment if isinstance(params[at], datetime) else _moment_forms(moment)[1]
    return (*params[:at], carried, *params[at + 1 :])


def _moment_forms(moment: datetime) -> tuple[Any, Any]:
    """A moment as a compiled query carries it: the datetime (PostgreSQL) or the text SQLite's
    backend makes of it."""
    return moment, connection.ops.adapt_datetimefield_value(moment)


def _visible_ids_query(
    user: User, pairs: list[tuple[Any, Any]], on: date, category: str, now: datetime
) -> Any:
    unit_ids = [unit for unit, _org in pairs]
    by_unit, by_organisation = _consented_ids(pairs, on, category)
    # An access without consent counts only while the reader is still a member of the unit it
    # was opened from, and only for the categories its legal basis opens.
    granted = WithoutConsentAccess.objects.filter(
        user=user, unit_id__in=unit_ids, expires_at__gt=now
    )
    granted = granted.filter(**{f"cat_{category}": True})
    # The coordinator sees the course while still a member of the coordinating unit.
    coordinated = Course.objects.filter(coordinator=user, coordinator_unit_id__in=unit_ids)
    # One ``pk IN (… UNION …)`` rather than an ``OR`` of four conditions: PostgreSQL cannot use
    # an index for an ``OR`` of semi-joins and scans every course; the union is a short list of
    # ids looked up by primary key (SQLite does well with either).
    return (
        coordinated.order_by()
        .values("pk")
        .union(by_unit, by_organisation, granted.order_by().values("course_id"))
    )


# A list page reads the visible courses several times in one request (the caseload: the page, its
# count and the two filter choices; the API's list: the page and its count). ``listed_courses``
# reads their ids once — one evaluation of the access rule, kept for the request as one text each
# (``core.idsets``: no Python work per id) — and the queries look the ids up by primary key; a
# reader who sees more than this many courses (a whole organisation's) keeps the rule as a
# subquery in each query (docs/performance.md, "Load").
LISTED_IDS_AT_MOST = 2000


@dataclass(frozen=True)
class _Listed:
    """The courses a reader may see, read once per request: their ids, initiatives and
    coordinators, each an ``idsets.IdArray`` text (None: more than ``LISTED_IDS_AT_MOST``)."""

    ids: str | None
    initiatives: str | None
    coordinators: str | None


def _listed_key(user: User, on: date) -> tuple[str, Any, date]:
    """The request cache's key for what ``_listed`` read (and ``_listed_ids_read`` looks up
    without reading)."""
    return ("courses:listed", user.pk, on)


def _listed(user: User, on: date) -> _Listed:
    """The ids (with their initiatives and coordinators) of the courses ``user`` may see on
    ``on``, read once per request in one query (one evaluation of the access rule)."""
    cache = request_cache.get()
    key = _listed_key(user, on)
    listed: _Listed | None = cache.get(key) if cache is not None else None
    if listed is None:
        read = _listed_read(user, on)
        if read["n"] > LISTED_IDS_AT_MOST:
            listed = _Listed(None, None, None)
        else:
            vendor = connection.vendor
            listed = _Listed(
                read["ids"] or idsets.empty(vendor),
                read["initiatives"] or idsets.empty(vendor),
                read["coordinators"] or idsets.empty(vendor),
            )
        if cache is not None:
            cache[key] = listed
    return listed


def _listed_aggregate(courses: QuerySet[Course]) -> dict[str, Any]:
    """What ``_listed`` reads of ``courses`` (the rule's courses), in one query: how many (up to
    one more than are read at once) and their ids, initiatives and coordinators."""
    return (
        courses.order_by()
        .values("pk", "initiative_id", "coordinator_id")[: LISTED_IDS_AT_MOST + 1]
        .aggregate(
            n=Count("pk"),
            ids=idsets.IdArray("pk"),
            initiatives=idsets.IdArray("initiative_id", distinct=True),
            coordinators=idsets.IdArray("coordinator_id", distinct=True),
        )
    )


_LISTED_COLUMNS = ("n", "ids", "initiatives", "coordinators")


class _Captured(Exception):  # noqa: N818 - not an error: how the SQL is taken out
    """Raised by ``_capture`` with the statement the ORM was about to run."""


def _capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise _Captured(sql, params)


# The aggregate around the rule is built and compiled by the ORM on every list page (about as
# much Python as the rule's own query, ``_RULE_SQL``): it is kept the same way, per reader,
# units and day, with the moment put in at each use.
_LISTED_SQL: OrderedDict[tuple[Any, ...], tuple[str, tuple[Any, ...], int] | None] = OrderedDict()


def _listed_read(user: User, on: date) -> dict[str, Any]:
    """``_listed_aggregate(visible_courses(user, on))``, from kept SQL after its first use."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return _listed_aggregate(Course.objects.none())
    key = (connection.vendor, user.pk, tuple(_user_units(user, on)), on)
    with _RULE_SQL_LOCK:
        known = key in _LISTED_SQL
        kept = _LISTED_SQL.get(key)
        if known:
            _LISTED_SQL.move_to_end(key)
    if not known:
        kept = _listed_sql(user, on)
        with _RULE_SQL_LOCK:
            _LISTED_SQL[key] = kept  # None: not the shape this expects (a reader without units)
            while len(_LISTED_SQL) > _RULE_SQL_KEPT:
                _LISTED_SQL.popitem(last=False)
    if kept is None:  # built by the ORM each time
        return _listed_aggregate(visible_courses(user, on))
    with connection.cursor() as cursor:
        cursor.execute(kept[0], _with_moment(kept, timezone.now()))
        row = cursor.fetchone()
    return dict(zip(_LISTED_COLUMNS, row, strict=True))


def _listed_sql(user: User, on: date) -> tuple[str, tuple[Any, ...], int] | None:
    """The statement ``_listed_aggregate`` runs for the reader's courses, compiled with a
    stand-in moment (nothing is run): its SQL, parameters and the moment's place among them —
    None when it is not one statement with one moment."""
    courses = _visible_courses(user, on, "plan", _RULE_MOMENT)
    captured: list[tuple[str, Any]] = []
    with connection.execute_wrapper(_capture):
        try:
            _listed_aggregate(courses)
        except _Captured as taken:
            captured.append(taken.args)
            if connection.queries_logged:
                # The debug cursor logs a statement also when its execution raises: this one
                # never ran (connection.queries and CaptureQueriesContext stay true).
                connection.queries_log.pop()
        except EmptyResultSet:
            return None
    if len(captured) != 1:
        return None
    sql, params = captured[0]
    if not sql.upper().startswith("SELECT COUNT("):
        return None
    found = [i for i, p in enumerate(params) if p in _moment_forms(_RULE_MOMENT)]
    if len(found) != 1:
        return None
    return sql, tuple(params), found[0]


def _listed_ids_read(user: User, on: date) -> set[str]:
    """The ids (as hex, ``idsets.hex_of``) ``listed_courses`` has read for ``user`` in this
    request (none when it has not, or when the reader sees too many courses for them to be
    read)."""
    cache = request_cache.get()
    listed: _Listed | None = cache.get(_listed_key(user, on)) if cache is not None else None
    if listed is None or listed.ids is None:
        return set()
    return idsets.hexes(listed.ids)


def coordinated_courses(user: User, on: date | None = None) -> QuerySet[Course]:
    """The courses ``user`` coordinates from one of their current units — the part of the
    access rule that opens every category (no log: callers log what they show)."""
    on = on or today()
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return Course.objects.none()
    unit_ids = [unit for unit, _org in _user_units(user, on)]
    return coordinated_by(user.pk, unit_ids, include_closed=True)


def coordinated_by(user_id: Any, unit_ids: list[Any], *, include_closed: bool) -> QuerySet[Course]:
    """``coordinated_courses`` from plain values — the reader's id and current units — for a
    query compiled once (``core.prepared``) in this app or another; the closed courses only when
    asked."""
    qs = Course.objects.filter(coordinator_id=user_id, coordinator_unit_id__in=unit_ids)
    return qs if include_closed else qs.exclude(status=CourseStatus.CLOSED)


def visible_count(user: User, at_most: int) -> int:
    """How many courses ``user`` may see today, counted up to ``at_most`` + 1 (a number: nothing
    to log): from the ids ``listed_courses`` reads once per request, or counted by the rule."""
    listed = _listed(user, today())
    if listed.ids is not None:
        return min(len(idsets.texts(listed.ids)), at_most + 1)
    if at_most < LISTED_IDS_AT_MOST:  # more than were read at once: more than ``at_most``
        return at_most + 1
    return visible_courses(user).values("pk")[: at_most + 1].count()


def listed_ids(user: User, on: date | None = None) -> str | None:
    """The ids ``listed_courses`` looks up, as the one text ``core.idsets.InIds`` takes (for a
    query of another app that is compiled once, ``core.prepared``); None when the reader sees
    more courses than are read at once (then use ``listed_courses``)."""
    return _listed(user, on or today()).ids


def listed_courses(user: User, on: date | None = None) -> QuerySet[Course]:
    """``visible_courses(user, on)`` (the same courses), its ids read once per request: the
    query for a page that shows a reader's courses (a list, tasks, due measurements), so the
    access rule is evaluated once per request and the page's log entries are attributed from
    those ids (``log_course_list``)."""
    on = on or today()
    listed = _listed(user, on)
    if listed.ids is None:
        return visible_courses(user, on)
    return Course.objects.filter(idsets.InIds(F("pk"), listed.ids))


@dataclass(frozen=True)
class Access:
    """What one reader may see of one course, and on which terms — the guard's answer.

    ``categories`` are the data categories the consents (and an open access without consent)
    cover for the reader's units; the coordinator sees every category. ``own_units`` are the
    reader's current units: what one of them owns or is responsible for, the reader always sees.
    ``unit_id`` is the unit every read is attributed to in the access log."""

    course: Course
    categories: frozenset[str]
    is_coordinator: bool
    without_consent: WithoutConsentAccess | None
    own_units: frozenset[Any] = frozenset()
    unit_id: Any = None
    member_units: dict[Any, Any] = field(default_factory=dict)
    user: Any = None  # the reader

    def may(self, category: str) -> bool:
        """May the reader see data of ``category`` in this course (whoever owns it)?"""
        return self.is_coordinator or category in self.categories

    def may_all(self) -> bool:
        """Every category: what the plan's version history and a restore need."""
        return self.is_coordinator or self.categories >= logic.CATEGORY_KEYS

    @property
    def visible_categories(self) -> frozenset[str]:
        return frozenset(c for c in logic.CATEGORY_KEYS if self.may(c))

    def owner_units(self, item: Any) -> list[Any]:
        """The units that own or are responsible for a plan item: its own ``unit`` and the unit of
        the team member responsible for it (``responsible``, ``owner``, ``with_member``)."""
        units = [getattr(item, "unit_id", None)]
        for attr in ("responsible_id", "owner_id", "with_member_id"):
            member_id = getattr(item, attr, None)
            if member_id is not None:
                units.append(self.member_units.get(member_id))
        return [u for u in units if u is not None]

    def sees(self, item: Any) -> bool:
        """May the reader see this item (measure, demand, appointment, sub-goal)?"""
        return logic.sees_item(
            category=item.data_category,
            owner_units=self.owner_units(item),
            may=self.categories,
            own_units=self.own_units,
            is_coordinator=self.is_coordinator,
        )

    def sees_member(self, member: TeamMember) -> bool:
        """May the reader see who this team member is (name, role, unit, organisation)? Naming a
        unit can reveal a category ("Rusmiddelcenter"): the unit's own category decides. One's
        own unit's people, and the coordinating unit's (the course's one entry point, named on
        every course page), are always shown."""
        if member.unit_id is not None and member.unit_id == self.course.coordinator_unit_id:
            return True
        return logic.sees_item(
            category=member_category(member),
            owner_units=[member.unit_id],
            may=self.categories,
            own_units=self.own_units,
            is_coordinator=self.is_coordinator,
        )

    def sees_text(self, category: str) -> bool:
        """May the reader read a free text its writer filed under ``category``?"""
        return self.may(category)

    @property
    def restricted(self) -> bool:
        """Is the course's processing restricted (GDPR art. 18)? Then only the coordinator has
        an ``Access`` at all, and every write is refused (``courses.restriction``)."""
        return self.course.is_restricted


def member_category(member: TeamMember) -> str:
    """What naming a team member reveals: their unit's category, else their fagområde's."""
    if member.unit is not None:
        return member.unit.data_category
    return logic.data_category_for_area(member.welfare_area_id)


def _user_units(user: User, on: date) -> list[tuple[Any, Any]]:
    return [(m.unit_id, m.unit.organisation_id) for m in membership_list(user, on)]


def _cache_related(obj: Any, name: str, related: Any) -> None:
    """``obj.<name>`` set to ``related`` without a query, as a prefetch sets the reverse side."""
    obj._meta.get_field(name).set_cached_value(obj, related)


def _partial(model: Any, **values: Any) -> Any:
    """A model instance loaded with some fields (the others are deferred: read on access)."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db("default", fields, [values[name] for name in fields])


def _consent_scope_rows(ids: list[Any]) -> QuerySet[Any]:
    """The organisations and units of the consents ``ids`` as one list of rows (``columns``), in
    the models' order (organisations by name, units by organisation and name)."""
    from django.db.models import CharField, F, Value

    columns = ("cid", "kind", "obj", "name", "org", "org_name", "cat")
    orgs = (
        Consent.organisations.through.objects.filter(consent_id__in=ids)
        .annotate(
            cid=F("consent_id"),
            kind=Value("o", output_field=CharField()),
            obj=F("organisation_id"),
            name=F("organisation__name"),
            org=F("organisation_id"),
            org_name=F("organisation__name"),
            cat=Value("", output_field=CharField()),
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
            cat=F("unit__data_category"),
        )
        .values_list(*columns)
    )
    return orgs.union(units, all=True).order_by("org_name", "name")  # type: ignore[misc]


# Read with every access check (``access_for``): compiled once per process and number of
# consents (``core.prepared``).
_CONSENT_SCOPE: Prepared[tuple[Any, ...]] = Prepared(Consent, _consent_scope_rows)


def _prefetch_consent_scope(consents: list[Consent]) -> None:
    """Each consent's organisations and units (id, name, and a unit's category; the other fields
    load on access) in one query instead of two."""
    ids = [c.pk for c in consents]
    if not ids:
        return
    found: dict[Any, tuple[list[Organisation], list[Unit]]] = {c.pk: ([], []) for c in consents}
    for consent_id, kind, obj_id, name, org_id, _org_name, category in _CONSENT_SCOPE(ids):
        if kind == "o":
            found[consent_id][0].append(_partial(Organisation, id=obj_id, name=name))
        else:
            found[consent_id][1].append(
                _partial(Unit, id=obj_id, name=name, organisation_id=org_id, data_category=category)
            )
    for consent in consents:
        org_list, unit_list = found[consent.pk]
        set_prefetched(consent, "organisations", org_list)
        set_prefetched(consent, "units", unit_list)


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


def _access_course(course_id: Any, user_id: Any, unit_ids: list[Any], now: Any) -> Any:
    open_grant = (
        WithoutConsentAccess.objects.filter(
            course=OuterRef("pk"), user_id=user_id, unit_id__in=unit_ids, expires_at__gt=now
        )
        .order_by("-expires_at")
        .values("pk")[:1]
    )
    return (
        Course.objects.select_related(
            "citizen",
            "initiative",
            "coordinator",
            "coordinator_unit",
            "coordinator_unit__organisation",
            "household",
            "plan",
        )
        .annotate(
            open_grant_id=Subquery(open_grant),
            # the coordinator's pending join requests, loaded only when there are some
            has_join_requests=Exists(
                JoinRequest.objects.filter(course=OuterRef("pk"), status=JoinStatus.PENDING)
            ),
        )
        .filter(pk=course_id)
        .order_by()[:1]
    )


def _access_consents(course_id: Any) -> Any:
    return (
        Consent.objects.filter(course_id=course_id)
        .select_related("person")
        .annotate(has_document=Exists(ConsentDocument.objects.filter(consent=OuterRef("pk"))))
    )


def _access_team(course_id: Any) -> Any:
    return TeamMember.objects.filter(course_id=course_id).select_related("organisation", "unit")


@functools.cache
def _read_as(name: str) -> QuerySet[Any]:
    """The querysets the course page reads a course's parts as (``_set_prefetched``'s
    ``base``), built once: each use filters a copy."""
    bases: dict[str, Callable[[], QuerySet[Any]]] = {
        "consents": lambda: Consent.objects.select_related("person").annotate(
            has_document=Exists(ConsentDocument.objects.filter(consent=OuterRef("pk")))
        ),
        "team": lambda: TeamMember.objects.select_related("organisation", "unit"),
        "goals": lambda: Goal.objects.select_related("person").prefetch_related("subgoals"),
        "conflicts": lambda: DemandConflict.objects.select_related(
            "first", "second", "marked_by", "resolved_by"
        ),
    }
    return bases[name]()


# ``access_for`` runs on every course page, tab and API read: its queries are compiled once per
# process (``core.prepared``), a reader without units (no ``IN``) by the ORM each time.
_ACCESS_COURSE: Prepared[Course] = Prepared(Course, _access_course)
_ACCESS_CONSENTS: Prepared[Consent] = Prepared(Consent, _access_consents)
_ACCESS_TEAM: Prepared[TeamMember] = Prepared(TeamMember, _access_team)


def access_for(user: User, course_id: uuid.UUID | str, on: date | None = None) -> Access:
    """The user's access to one course, or ``PermissionDenied`` (also for a course that does not
    exist, so that existence does not leak)."""
    on = on or today()
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise NoAccessError
    memberships = membership_list(user, on)
    unit_ids = [m.unit_id for m in memberships]
    # The course with its plan (one row), the user's open grant as an annotation (fetched only
    # when there is one), then consents and team: the query count does not depend on the course.
    # Each query's SQL is compiled once per process (``core.prepared``); every call reads afresh.
    try:
        course_uuid = course_id if isinstance(course_id, uuid.UUID) else uuid.UUID(str(course_id))
    except ValueError:  # not a UUID: as unknown as a course that is not there
        raise NoAccessError from None
    found = _ACCESS_COURSE(course_uuid, user.pk, unit_ids, timezone.now())
    if not found:
        raise NoAccessError
    course = found[0]
    # each consent's evidence (issue 15) with it: whose it is and whether a signed document is
    # attached, in the same query
    consent_rows = _ACCESS_CONSENTS(course_uuid)
    team_rows = _ACCESS_TEAM(course_uuid)
    for item in (*consent_rows, *team_rows):
        _cache_related(item, "course", course)
    set_prefetched(course, "consents", consent_rows, _read_as("consents"))
    set_prefetched(course, "team", team_rows, _read_as("team"))
    _prefetch_consent_scope(list(course.consents.all()))
    is_coordinator = course.coordinator_id == user.pk and course.coordinator_unit_id in unit_ids
    grant_id = course.open_grant_id  # type: ignore[attr-defined]
    grant = WithoutConsentAccess.objects.get(pk=grant_id) if grant_id is not None else None
    user_units = [(m.unit_id, m.unit.organisation_id) for m in memberships]
    team, consents = team_facts(course), consent_facts(course)
    by_unit = logic.categories_by_unit(user_units, team, consents, on)
    categories = frozenset().union(*by_unit.values()) if by_unit else frozenset()
    if not logic.may_see_course(
        is_coordinator=is_coordinator,
        user_units=user_units,
        team=team,
        consents=consents,
        on=on,
        without_consent_grant=grant is not None,
        restricted=course.is_restricted,
    ):
        raise NoAccessError
    unit_id: Any
    if is_coordinator:
        unit_id = course.coordinator_unit_id
    elif grant is not None:
        unit_id = grant.unit_id
    else:
        unit_id = logic.acting_unit(by_unit, unit_ids)
    if grant is not None and not is_coordinator:
        categories |= grant.categories
    return Access(
        course,
        categories,
        is_coordinator,
        grant,
        own_units=frozenset(unit_ids),
        unit_id=unit_id,
        member_units={t.pk: t.unit_id for t in course.team.all() if t.unit_id is not None},
        user=user,
    )


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
    # While an access without consent is open, every read by the reader is flagged with it.
    flagged = grant is not None and not access.is_coordinator
    log_access(
        user,
        citizen_ids if citizen_ids is not None else access.course.citizen_id,
        what,
        Purpose.LEGAL_OBLIGATION if flagged else purpose,
        without_consent=flagged,
        legal_basis=grant.legal_basis if grant is not None and flagged else "",
        unit_id=access.unit_id,
    )


def log_course_list(
    user: User,
    courses: list[Course],
    what: str = "forløbsliste",
    purpose: str = Purpose.CASEWORK,
) -> None:
    """Log a list of courses shown to ``user``: one entry per citizen, attributed to the unit
    through which the user sees that course; a course visible only through an access without
    consent is flagged with its legal basis."""
    if not courses:
        return
    on = today()
    pairs = _user_units(user, on)
    unit_ids = [unit for unit, _org in pairs]
    units: dict[Any, Any] = {}
    for course in courses:
        if course.coordinator_id == user.pk and course.coordinator_unit_id in unit_ids:
            units[course.pk] = course.coordinator_unit_id
    rest = [c.pk for c in courses if c.pk not in units]
    # The accesses without consent the reader opened from one of their units, expired ones too:
    # the list was read a moment ago, and a grant that ran out since is still what let the
    # course through (logged as plain, or not at all, it would hide a read without consent).
    grants = (
        {
            g.course_id: g
            for g in _GRANTS_LISTED(idsets.of(rest, connection.vendor), user.pk, unit_ids)
        }
        if rest and unit_ids
        else {}
    )
    if len(pairs) == 1:
        # One unit: a course the access rule let through in this request (``listed_courses``)
        # that the reader neither coordinates nor ever held an access without consent to is open
        # to them through a consent, so through this unit — what the query below would find,
        # without it.
        listed = _listed_ids_read(user, on)
        through = {pk for pk in rest if pk not in grants and idsets.hex_of(pk) in listed}
        for course_id in through:
            units[course_id] = pairs[0][0]
        rest = [pk for pk in rest if pk not in through]
    # Through a consent: the first of the user's units (in membership order) that lets them in.
    for pair in pairs:
        if not rest:
            break
        by_unit, by_organisation = _consented_ids([pair], on, "plan")
        through = set(
            Course.objects.filter(pk__in=rest)
            .filter(Q(pk__in=by_unit) | Q(pk__in=by_organisation))
            .values_list("pk", flat=True)
        )
        for course_id in through:
            units[course_id] = pair[0]
        rest = [pk for pk in rest if pk not in through]
    grants = {pk: grant for pk, grant in grants.items() if pk in rest}
    plain: dict[Any, list[uuid.UUID]] = {}
    for course in courses:
        if course.pk in units:
            plain.setdefault(units[course.pk], []).append(course.citizen_id)
    for unit_id, citizen_ids in plain.items():
        log_access(user, citizen_ids, what, purpose, unit_id=unit_id, listing=True)
    for course in courses:
        grant = grants.get(course.pk)
        if grant is not None:
            log_access(
                user,
                course.citizen_id,
                what,
                Purpose.LEGAL_OBLIGATION,
                without_consent=True,
                legal_basis=grant.legal_basis,
                unit_id=grant.unit_id,
                listing=True,
            )


def _grants_listed(ids: str, user_id: Any, unit_ids: list[Any]) -> QuerySet[WithoutConsentAccess]:
    return WithoutConsentAccess.objects.filter(
        idsets.InIds(F("course_id"), ids), user_id=user_id, unit_id__in=unit_ids
    ).order_by("expires_at")


# Every list page logs its rows (``log_course_list``): compiled once per process.
_GRANTS_LISTED: Prepared[WithoutConsentAccess] = Prepared(WithoutConsentAccess, _grants_listed)


@dataclass(frozen=True)
class HouseholdMember:
    citizen: Citizen
    age: int
    relation: str  # "Mette er forælder til Noah", or ""


def household_members(
    user: User,
    access: Access,
    what: str,
    purpose: str = Purpose.CASEWORK,
    keep: Callable[[Citizen], bool] | None = None,
) -> list[HouseholdMember]:
    """The other members of the family the course covers (oldest first) with their relation to
    the course's citizen, or those of them ``keep`` selects (e.g. the children, for a child
    plan), logged as a read of each one shown."""
    course = access.course
    household = course.household
    if household is None:
        return []
    on = today()
    members = [
        m
        for m in household.members.exclude(pk=course.citizen_id).order_by("birth_date", "pk")
        if keep is None or keep(m)
    ]
    if not members:
        return []
    relations = {
        (r.from_citizen_id, r.to_citizen_id): r
        for r in HouseholdRelation.objects.filter(household=household)
    }
    main = course.citizen
    found = []
    for member in members:
        to_member = relations.get((main.pk, member.pk))
        from_member = relations.get((member.pk, main.pk))
        relation = ""
        if to_member is not None:
            kind = to_member.get_kind_display().lower()
            relation = f"{main.first_name} er {kind} {member.first_name}"
        elif from_member is not None:
            kind = from_member.get_kind_display().lower()
            relation = f"{member.first_name} er {kind} {main.first_name}"
        found.append(HouseholdMember(member, member.age(on), relation))
    log_course_read(user, access, what, purpose, citizen_ids=[m.pk for m in members])
    return found


@dataclass(frozen=True)
class FreeText:
    """A free text as one reader may see it: the text, or only that there is one."""

    text: str  # empty when not shown
    category: str
    shown: bool
    present: bool  # there is a text, shown or not

    @property
    def hidden(self) -> bool:
        return self.present and not self.shown

    @property
    def category_label(self) -> str:
        return dict(logic.DATA_CATEGORIES).get(self.category, self.category)


def free_text(access: Access, text: str, category: str) -> FreeText:
    shown = access.sees_text(category)
    return FreeText(text if shown else "", category, shown, bool(text.strip()))


@dataclass
class CourseOverview:
    """Everything the course page shows, filtered by what the reader may see.

    ``course_overview(..., items=False)`` leaves ``measures``, ``demands``, ``appointments`` and
    ``overlapping`` empty (``items_loaded`` False) until :func:`load_plan_items` fills them (or
    the parts a sub-page shows); with ``goals=False`` the goals are not read either (the first
    screen shows none). :func:`load_upcoming` fills ``upcoming`` (the next appointments).

    Team members whose unit reveals a category the reader may not see are left out of
    ``team_current`` and ``team_past`` and counted in ``team_hidden``; each goal's
    ``visible_subgoals`` holds the sub-goals the reader may see; ``texts`` holds the course's
    and the plan's free texts (``FreeText``)."""

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
    consents: list[Consent] = field(default_factory=list)
    texts: dict[str, FreeText] = field(default_factory=dict)
    team_hidden: int = 0
    hidden_categories: list[str] = field(default_factory=list)
    items_loaded: bool = True
    hidden_codes: set[str] = field(default_factory=set)
    upcoming: list[Appointment] = field(default_factory=list)

    def allowed(self, item: Any) -> bool:
        """May the reader see this plan item? Records the category if not."""
        ok = self.access.sees(item)
        if not ok:
            self._hide(item.data_category)
        return ok

    def _hide(self, category: str) -> None:
        self.hidden_codes.add(category)
        labels = dict(logic.DATA_CATEGORIES)
        self.hidden_categories = sorted(labels[c] for c in self.hidden_codes)

    def member(self, member: TeamMember | None) -> TeamMember | None:
        """The team member if the reader may know who they are, else None."""
        if member is None or not self.access.sees_member(member):
            return None
        return member

    def member_by_id(self, members: dict[Any, TeamMember], member_id: Any) -> TeamMember | None:
        return self.member(members.get(member_id)) if member_id is not None else None


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def course_overview(
    user: User,
    course_id: uuid.UUID | str,
    *,
    purpose: str = Purpose.CASEWORK,
    items: bool = True,
    goals: bool = True,
    what: str = "forløb og plan",
) -> CourseOverview:
    """The course page: plan, team, demands side by side, conflicts, timeline. Logged.

    The course, consents, team and the conflicts are always read, the goals with sub-goals unless
    ``goals=False``; with ``items=False`` the measures, demands and appointments are left for
    :func:`load_plan_items`.
    """
    on = today()
    access = access_for(user, course_id, on)
    course = access.course
    plan: Plan | None = getattr(course, "plan", None)  # selected with the course
    if plan is not None:
        # whose goal it is (a child's, in a family course) with the goal: no extra query
        _prefetch_plan(plan, goals=goals)
    team = list(course.team.all())
    members = {t.pk: t for t in team}
    current = [t for t in team if t.valid_from <= on and (t.valid_to is None or t.valid_to >= on)]
    past = [t for t in team if t not in current]
    shown_current = [t for t in current if access.sees_member(t)]
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
        team_current=shown_current,
        team_past=[t for t in past if access.sees_member(t)],
        team_stats=logic.team_overview([(t.valid_from, t.valid_to) for t in team], on),
        consents=list(course.consents.all()),
        team_hidden=len(current) - len(shown_current),
        items_loaded=False,
    )
    overview.texts = {
        "referral_note": free_text(access, course.referral_note, course.referral_note_category),
        "mandate": free_text(access, course.mandate, course.mandate_category),
    }
    if plan is not None:
        overview.texts["citizen_statement"] = free_text(
            access, plan.citizen_statement, plan.citizen_statement_category
        )
        overview.texts["summary"] = free_text(access, plan.summary, plan.summary_category)
        for goal in overview.goals:
            subgoals = [s for s in goal.subgoals.all() if overview.allowed(s)]
            for sub in subgoals:
                sub.owner_shown = overview.member_by_id(members, sub.owner_id)  # type: ignore[attr-defined]
            goal.visible_subgoals = subgoals  # type: ignore[attr-defined]
        # A conflict is shown only to a reader who may see both of its demands.
        overview.conflicts = [
            c
            for c in plan.conflicts.all()
            if overview.allowed(c.first) and overview.allowed(c.second)
        ]
    for text in overview.texts.values():
        if text.hidden:
            overview._hide(text.category)
    log_course_read(user, access, what, purpose)
    if items:
        load_plan_items(overview)
    return overview


PLAN_PARTS = frozenset({"measures", "demands", "appointments"})


# The course page's coming appointments: compiled once per process (``core.prepared``).
_UPCOMING: Prepared[Appointment] = Prepared(
    Appointment,
    lambda plan_id, since: (
        Appointment.objects.filter(plan_id=plan_id, ends_at__gt=since)
        .select_related("organisation", "with_member", "welfare_area")
        .order_by("starts_at", "pk")
    ),
)


def load_upcoming(overview: CourseOverview, since: datetime, limit: int = 5) -> None:
    """The next ``limit`` appointments from ``since`` that the reader may see (``upcoming``), and
    the overlaps among all of the coming ones (``overlapping``): one query, for the first screen.
    The read was logged by ``course_overview``."""
    plan = overview.plan
    if plan is None:
        return
    members = {t.pk: t for t in overview.access.course.team.all()}
    coming = [a for a in _UPCOMING(plan.pk, since) if overview.allowed(a)]
    for appointment in coming:
        appointment.plan = plan
        appointment.member_shown = overview.member_by_id(members, appointment.with_member_id)  # type: ignore[attr-defined]
    overview.upcoming = coming[:limit]
    overview.overlapping = logic.overlapping(
        [logic.Slot(a, a.starts_at, a.ends_at) for a in coming]
    )


# The plan's parts as the course page and its tabs read them, compiled once per process
# (``core.prepared``; each read is a read of the plan just checked by ``access_for``).
_PLAN_MEASURES: Prepared[Measure] = Prepared(
    Measure,
    lambda plan_id: (
        Measure.objects.filter(plan_id=plan_id)
        .select_related("welfare_area", "legal_basis", "organisation", "unit", "responsible")
        .annotate(linked_goal_id=F("goals__id"))
    ),
)
_PLAN_DEMANDS: Prepared[Demand] = Prepared(
    Demand,
    lambda plan_id: Demand.objects.filter(plan_id=plan_id).select_related(
        "welfare_area", "organisation", "legal_basis"
    ),
)
_PLAN_APPOINTMENTS: Prepared[Appointment] = Prepared(
    Appointment,
    lambda plan_id: Appointment.objects.filter(plan_id=plan_id).select_related(
        "organisation", "with_member", "welfare_area"
    ),
)
_PLAN_GOALS: Prepared[Goal] = Prepared(
    Goal, lambda plan_id: Goal.objects.filter(plan_id=plan_id).select_related("person")
)
# (by the goals' ids, as Django's prefetch asks: sub-goals have no order of their own, so they
# come in the order that query gives)
_PLAN_SUBGOALS: Prepared[SubGoal] = Prepared(
    SubGoal, lambda goal_ids: SubGoal.objects.filter(goal__in=goal_ids)
)
_PLAN_CONFLICTS: Prepared[DemandConflict] = Prepared(
    DemandConflict,
    lambda plan_id: DemandConflict.objects.filter(plan_id=plan_id).select_related(
        "first", "second", "marked_by", "resolved_by"
    ),
)


def _prefetch_plan(plan: Plan, *, goals: bool) -> None:
    """``plan.goals`` (with each goal's person and sub-goals; none unless ``goals``) and
    ``plan.conflicts`` filled as ``prefetch_related`` would, from the kept queries."""
    goal_list = _PLAN_GOALS(plan.pk) if goals else []
    if goal_list:
        subgoals: dict[Any, list[SubGoal]] = {g.pk: [] for g in goal_list}
        by_pk = {g.pk: g for g in goal_list}
        for sub in _PLAN_SUBGOALS([g.pk for g in goal_list]):
            if sub.goal_id in subgoals:
                _cache_related(sub, "goal", by_pk[sub.goal_id])
                subgoals[sub.goal_id].append(sub)
        for goal in goal_list:
            _cache_related(goal, "plan", plan)
            set_prefetched(goal, "subgoals", subgoals[goal.pk])
    set_prefetched(plan, "goals", goal_list, _read_as("goals") if goals else Goal.objects.none())
    conflicts = _PLAN_CONFLICTS(plan.pk)
    for conflict in conflicts:
        _cache_related(conflict, "plan", plan)
    set_prefetched(plan, "conflicts", conflicts, _read_as("conflicts"))


def load_plan_items(overview: CourseOverview, parts: frozenset[str] = PLAN_PARTS) -> None:
    """Measures (with their goals, in one query with the link table), demands and appointments
    of the overview's plan (or the ``parts`` of them a sub-page shows), filtered by what the
    reader may see. At most three queries, whatever the size of the plan. The read was logged by
    ``course_overview``."""
    plan = overview.plan
    overview.items_loaded = True
    if plan is None:
        return
    if "measures" in parts:
        _load_measures(overview, plan)
    if "demands" in parts:
        _load_demands(overview, plan)
    if "appointments" in parts:
        _load_appointments(overview, plan)


def _load_measures(overview: CourseOverview, plan: Plan) -> None:
    members = {t.pk: t for t in overview.access.course.team.all()}
    goals = list(plan.goals.all())  # all of the plan's goals (the links point at any of them)
    goal_at = {g.pk: (i, g) for i, g in enumerate(goals)}
    measure_rows = _PLAN_MEASURES(plan.pk)
    measures: list[Measure] = []
    links: dict[Any, list[tuple[int, Goal]]] = {}
    outside = False
    for row in measure_rows:
        if row.pk not in links:
            links[row.pk] = []
            measures.append(row)
        goal_id = row.linked_goal_id  # type: ignore[attr-defined]
        if goal_id is not None:
            if goal_id in goal_at:
                links[row.pk].append(goal_at[goal_id])
            else:
                outside = True  # a link not made by the services: let Django fetch it
    by_goal: dict[Any, list[tuple[int, Measure]]] = {g.pk: [] for g in goals}
    for index, measure in enumerate(measures):
        measure.plan = plan
        linked = sorted(links[measure.pk], key=_first)
        set_prefetched(measure, "goals", [g for _i, g in linked])
        measure.linked_goals = [g for _i, g in linked]  # type: ignore[attr-defined]
        for _i, goal in linked:
            by_goal[goal.pk].append((index, measure))
    if outside:
        prefetch_related_objects(goals, "measures")
        prefetch_related_objects(measures, "goals")
    else:
        for goal in goals:
            set_prefetched(goal, "measures", [m for _i, m in sorted(by_goal[goal.pk], key=_first)])
    for goal in goals:
        goal.visible_measures = [  # type: ignore[attr-defined]
            m for m in goal.measures.all() if overview.access.sees(m)
        ]
    overview.measures = [m for m in measures if overview.allowed(m)]
    for measure in overview.measures:
        measure.member_shown = overview.member_by_id(members, measure.responsible_id)  # type: ignore[attr-defined]


def _load_demands(overview: CourseOverview, plan: Plan) -> None:
    demands = [d for d in _PLAN_DEMANDS(plan.pk) if overview.allowed(d)]
    for demand in demands:
        demand.plan = plan
    by_sector: dict[str, list[Demand]] = {}
    for demand in demands:
        by_sector.setdefault(demand.welfare_area.name_da, []).append(demand)
    overview.demands = demands
    overview.demands_by_sector = by_sector


def _load_appointments(overview: CourseOverview, plan: Plan) -> None:
    members = {t.pk: t for t in overview.access.course.team.all()}
    appointments = [a for a in _PLAN_APPOINTMENTS(plan.pk) if overview.allowed(a)]
    for appointment in appointments:
        appointment.plan = plan
        appointment.member_shown = overview.member_by_id(members, appointment.with_member_id)  # type: ignore[attr-defined]
    overview.appointments = appointments
    overview.overlapping = logic.overlapping(
        [logic.Slot(a, a.starts_at, a.ends_at) for a in appointments]
    )


# --------------------------------------------------------------------------------------------
# Editing the plan: one item at a time, and the choices a form may offer
# --------------------------------------------------------------------------------------------


def access_plan(user: User, course_id: uuid.UUID | str) -> tuple[Access, Plan]:
    """The course's plan for a reader who may see it (the plan category), or PermissionDenied."""
    access = access_for(user, course_id)
    plan = getattr(access.course, "plan", None)
    if plan is None or not access.may("plan"):
        raise NoAccessError
    return access, plan


PLAN_ITEM_RELATED: dict[type[Any], tuple[str, ...]] = {
    Goal: (),
    Measure: ("welfare_area", "legal_basis", "organisation", "unit", "responsible"),
    Demand: ("welfare_area", "organisation", "legal_basis"),
    Appointment: ("organisation", "with_member", "welfare_area"),
    DemandConflict: ("first", "second", "marked_by", "resolved_by"),
}


ITEM_NOT_SEEN = "Punktet findes ikke i forløbets plan, eller du har ikke adgang til det."


def plan_item(access: Access, model: type[Any], item_id: uuid.UUID | str) -> Any:
    """One item of the course's plan that the reader may see, or PermissionDenied — the same
    for an item that is not there, belongs to another plan or is hidden from the reader."""
    plan = getattr(access.course, "plan", None)
    if plan is None:
        raise NoAccessError
    try:
        item = (
            model.objects.filter(pk=item_id, plan=plan)
            .select_related(*PLAN_ITEM_RELATED[model])
            .first()
        )
    except (ValueError, ValidationError):
        item = None
    if item is None:
        raise PermissionDenied(ITEM_NOT_SEEN)
    visible = (
        access.sees(item.first) and access.sees(item.second)
        if model is DemandConflict
        else (model is Goal or access.sees(item))
    )
    if not visible:
        raise PermissionDenied(ITEM_NOT_SEEN)
    item.plan = plan
    if model is Measure:
        item.linked_goals = list(item.goals.all())
    return item


def current_plan_item(access: Access, model: type[Any], item_id: Any) -> Any:
    """The item as stored now (after someone else's save), or None if it is gone or hidden."""
    try:
        return plan_item(access, model, item_id)
    except PermissionDenied:
        return None


def plan_goals(access: Access, goal_ids: list[Any]) -> list[Goal]:
    """The plan's goals with these ids, in the given order; a missing one: ValidationError."""
    plan = getattr(access.course, "plan", None)
    found = {g.pk: g for g in Goal.objects.filter(plan=plan, pk__in=goal_ids)}
    if len(found) != len(set(goal_ids)):
        raise ValidationError({"goal_ids": "Målene skal høre til forløbets plan."})
    return [found[g] for g in dict.fromkeys(goal_ids)]


def version_changes(plan_id: Any, number: int) -> list[str]:
    """What one saved version changed (for the answer to the save that wrote it)."""
    return list(
        PlanVersion.objects.filter(plan_id=plan_id, number=number)
        .values_list("changes", flat=True)
        .first()
        or []
    )


@dataclass
class PlanChoices:
    """What a plan form may offer this reader: lists, never querysets."""

    team: list[TeamMember]  # current contact persons the reader may name
    units: list[Unit]  # units on the team the reader may name
    goals: list[Goal]
    demands: list[Demand]  # demands the reader may see
    categories: list[tuple[str, str]]  # categories the reader may file a free text under


def plan_choices(access: Access) -> PlanChoices:
    on = today()
    plan = getattr(access.course, "plan", None)
    team = sorted(
        (
            t
            for t in access.course.team.all()
            if t.valid_from <= on
            and (t.valid_to is None or t.valid_to >= on)
            and access.sees_member(t)
        ),
        key=lambda t: (t.name, str(t.pk)),
    )
    units: dict[Any, Unit] = {}
    for member in access.course.team.all():
        if member.unit is not None and access.sees_member(member):
            units.setdefault(member.unit_id, member.unit)
    goals = list(Goal.objects.filter(plan=plan)) if plan is not None else []
    demands = (
        [
            d
            for d in Demand.objects.filter(plan=plan).select_related("organisation")
            if access.sees(d)
        ]
        if plan is not None
        else []
    )
    return PlanChoices(
        team=team,
        units=sorted(units.values(), key=lambda u: (u.organisation.name, u.name)),
        goals=goals,
        demands=demands,
        categories=[(c, label) for c, label in logic.DATA_CATEGORIES if access.may(c)],
    )


def consent_scope_choices(access: Access) -> tuple[list[Organisation], list[Unit]]:
    """The organisations and units a consent can name: those on the course's team and the
    coordinating unit (for the coordinator, who sees the whole team)."""
    course = access.course
    orgs: dict[Any, Organisation] = {
        course.coordinator_unit.organisation_id: course.coordinator_unit.organisation
    }
    units: dict[Any, Unit] = {course.coordinator_unit_id: course.coordinator_unit}
    for member in course.team.all():
        if not access.sees_member(member):
            continue
        orgs.setdefault(member.organisation_id, member.organisation)
        if member.unit is not None:
            units.setdefault(member.unit_id, member.unit)
    return (
        sorted(orgs.values(), key=lambda o: o.name),
        sorted(units.values(), key=lambda u: (u.organisation.name, u.name)),
    )


@dataclass(frozen=True)
class ConsentScope:
    """Whom a consent covers, as one reader may see it: naming a unit reveals what its category
    reveals ("Rusmiddelcenter"), so a unit is named only where a team member of it would be;
    an organisation only where the reader sees someone of it, or it is their own or the
    coordinator's. The rest is counted."""

    organisations: list[Organisation]
    units: list[Unit]
    hidden: int
    note: str  # the coordinator's note on the consent: for the coordinator only


def consent_scope(access: Access, consent: Consent) -> ConsentScope:
    course = access.course
    own_orgs = {m.unit.organisation_id for m in membership_list(access.user)}
    named_orgs = {course.coordinator_unit.organisation_id} | own_orgs
    named_orgs |= {t.organisation_id for t in course.team.all() if access.sees_member(t)}

    def unit_named(unit: Unit) -> bool:
        return (
            access.is_coordinator
            or unit.pk in access.own_units
            or unit.pk == course.coordinator_unit_id
            or access.may(unit.data_category)
        )

    orgs = [o for o in consent.organisations.all() if access.is_coordinator or o.pk in named_orgs]
    units = [u for u in consent.units.all() if unit_named(u)]
    hidden = len(consent.organisations.all()) - len(orgs) + len(consent.units.all()) - len(units)
    return ConsentScope(orgs, units, hidden, consent.note if access.is_coordinator else "")


def consents_of(access: Access) -> list[Consent]:
    """The course's consents (read with the course by ``access_for``)."""
    return list(access.course.consents.all())


def consent_of(access: Access, consent_id: uuid.UUID | str) -> Consent:
    for consent in access.course.consents.all():
        if str(consent.pk) == str(consent_id):
            return consent
    raise PermissionDenied(ITEM_NOT_SEEN)


def linkable_users(unit_id: Any, on: date | None = None) -> QuerySet[User]:
    """The Helhed users a team member in ``unit_id`` may be linked to: active staff (no
    integration client's system user) with a membership of that unit valid on ``on`` (today).
    The one rule for the team form's choices, ``services.add_team_member`` and the FHIR import
    (linking a user tells them about the course: never someone outside the unit named)."""
    on = on or today()
    if unit_id is None:
        return User.objects.none()
    valid = Membership.objects.filter(unit_id=unit_id).valid_on(on)
    return User.objects.filter(
        kind=UserKind.STAFF,
        is_active=True,
        is_system=False,
        pk__in=valid.values("user_id"),
    ).order_by("first_name", "last_name", "pk")


def team_member_of(access: Access, member_id: uuid.UUID | str) -> TeamMember:
    for member in access.course.team.all():
        if str(member.pk) == str(member_id) and access.sees_member(member):
            return member
    raise PermissionDenied(ITEM_NOT_SEEN)


def plan_versions(access: Access) -> list[PlanVersion]:
    """The plan's versions: every category is in them, so only for a reader who sees all."""
    if not access.may_all():
        raise PermissionDenied(
            "Versionshistorikken viser hele planen. Borgerens samtykke "
            "omfatter ikke alle oplysninger for din enhed."
        )
    plan = getattr(access.course, "plan", None)
    if plan is None:
        return []
    return list(PlanVersion.objects.filter(plan=plan).select_related("created_by"))


# --------------------------------------------------------------------------------------------
# Leaders' review of accesses without consent
# --------------------------------------------------------------------------------------------


def without_consent_bases() -> list[WithoutConsentBasis]:
    """The maintained list's active legal bases for access without consent."""
    return list(WithoutConsentBasis.objects.filter(active=True).order_by("law", "id"))


def review_organisations(user: User) -> set[Any]:
    """The organisations whose accesses without consent ``user`` reviews: those in which they
    hold the leder role today."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return set()
    return {m.unit.organisation_id for m in membership_list(user) if m.role == Role.LEDER}


def without_consent_reviews(user: User, *, pending_only: bool = False) -> QuerySet[Any]:
    """Every access without consent opened from a unit of the leader's organisations, newest
    first, with the number of reads made under it. Names no citizen: the leader judges the
    access (who, from where, on what basis, why); the access log shows the reads."""
    from django.db.models import Count, IntegerField

    from helhed.audit.models import AccessLogEntry

    orgs = review_organisations(user)
    if not orgs:
        raise NoAccessError
    reads = (
        AccessLogEntry.objects.filter(
            actor_id=OuterRef("user_id"),
            citizen_id=OuterRef("course__citizen_id"),
            without_consent=True,
            at__gte=OuterRef("opened_at"),
            at__lte=OuterRef("expires_at"),
        )
        .order_by()
        .values("actor_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        WithoutConsentAccess.objects.filter(unit__organisation_id__in=orgs)
        .select_related("user", "unit", "unit__organisation", "reviewed_by")
        .annotate(reads=Subquery(reads, output_field=IntegerField()))
        .order_by("-opened_at")
    )
    if pending_only:
        qs = qs.filter(reviewed_at__isnull=True)
    return qs


@dataclass(frozen=True)
class CaseloadRow:
    course: Course
    alerts: tuple[str, ...]


PLAN_STALE_AFTER = timedelta(weeks=8)
CONSENT_EXPIRY_WARNING = timedelta(days=30)


def caseload(
    user: User, *, include_closed: bool = False, first: int | None = None
) -> list[CaseloadRow]:
    """The coordinator's courses with alerts: no plan yet, plan not updated in 8 weeks, consent
    expiring within 30 days (or none valid), open conflicts; by name, the ``first`` of them only
    when given. Logged (names are shown): the courses returned, no more."""
    on = today()
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return []
    unit_ids = [unit for unit, _org in _user_units(user, on)]
    if not unit_ids:
        return []
    courses = _CASELOAD(user.pk, unit_ids, include_closed, None if first is None else Fixed(first))
    consents: dict[Any, list[Consent]] = {course.pk: [] for course in courses}
    if courses:
        # The consents of the courses read: by their ids for the first few (a list of up to
        # ``first``: a shape per length), of the whole caseload by the same condition.
        found = (
            _CASELOAD_CONSENTS([course.pk for course in courses])
            if first is not None
            else _CASELOAD_ALL_CONSENTS(user.pk, unit_ids, include_closed)
        )
        for consent in found:
            consents[consent.course_id].append(consent)
    rows = []
    now = timezone.now()
    for course in courses:
        alerts: list[str] = []
        plan = getattr(course, "plan", None)
        if plan is None or (plan.version <= 1 and not plan.citizen_statement):
            alerts.append("Ingen plan endnu")
        elif now - plan.updated_at > PLAN_STALE_AFTER:
            alerts.append("Planen er ikke opdateret i 8 uger")
        valid = [c for c in consents[course.pk] if c.valid_on(on)]
        if not valid:
            alerts.append("Intet gyldigt samtykke")
        elif all(
            c.valid_to is not None and c.valid_to - on <= CONSENT_EXPIRY_WARNING for c in valid
        ):
            alerts.append("Samtykket udløber snart")
        if getattr(course, "open_conflicts", False):
            alerts.append("Modstridende krav")
        rows.append(CaseloadRow(course, tuple(alerts)))
    by_unit: dict[Any, list[uuid.UUID]] = {}
    for row in rows:
        by_unit.setdefault(row.course.coordinator_unit_id, []).append(row.course.citizen_id)
    for unit_id, citizen_ids in by_unit.items():
        log_access(
            user, citizen_ids, "sagsoversigt", Purpose.CASEWORK, unit_id=unit_id, listing=True
        )
    return rows


def caseload_count(user: User, *, include_closed: bool = False) -> int:
    """How many courses ``caseload`` would list (a number: nothing to log)."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return 0
    unit_ids = [unit for unit, _org in _user_units(user, today())]
    if not unit_ids:
        return 0
    found = _CASELOAD_COUNT(user.pk, unit_ids, include_closed)
    return found[0][0] if found else 0


def _caseload_rows(
    user_id: Any, unit_ids: list[Any], include_closed: bool, first: int | None
) -> QuerySet[Course]:
    qs = (
        coordinated_by(user_id, unit_ids, include_closed=include_closed)
        .select_related("citizen", "initiative", "plan")
        .annotate(
            open_conflicts=Exists(
                DemandConflict.objects.filter(plan__course=OuterRef("pk"), resolved_at__isnull=True)
            )
        )
        .order_by("citizen__last_name", "citizen__first_name", "pk")
    )
    return qs if first is None else qs[:first]


def _caseload_count(user_id: Any, unit_ids: list[Any], include_closed: bool) -> Any:
    """The count as one row (none when there are no courses), as the list's count."""
    from django.db.models import Window

    return (
        coordinated_by(user_id, unit_ids, include_closed=include_closed)
        .order_by()
        .annotate(total=Window(Count("pk")))
        .values_list("total")[:1]
    )


def _caseload_consents(course_ids: list[Any]) -> QuerySet[Consent]:
    return Consent.objects.filter(course_id__in=course_ids)


def _caseload_all_consents(
    user_id: Any, unit_ids: list[Any], include_closed: bool
) -> QuerySet[Consent]:
    return Consent.objects.filter(
        course_id__in=coordinated_by(user_id, unit_ids, include_closed=include_closed).values("pk")
    )


# The coordinator's start page shows the first ten of the caseload and the number of them all:
# compiled once per process (``core.prepared``).
_CASELOAD: Prepared[Course] = Prepared(Course, _caseload_rows)
_CASELOAD_COUNT: Prepared[tuple[int]] = Prepared(Course, _caseload_count)
_CASELOAD_CONSENTS: Prepared[Consent] = Prepared(Consent, _caseload_consents)
_CASELOAD_ALL_CONSENTS: Prepared[Consent] = Prepared(Consent, _caseload_all_consents)


def other_courses_page(user: User, page_number: Any, per_page: int = 50) -> Any:
    """One page of the open courses the user sees without coordinating them (as a team member
    with consent, or under an access without consent), by name; the citizens shown are logged."""
    from django.core.paginator import Paginator

    on = today()
    unit_ids = [unit for unit, _org in _user_units(user, on)]
    others = (
        visible_courses(user, on)
        .exclude(coordinator=user, coordinator_unit_id__in=unit_ids)
        .exclude(status=CourseStatus.CLOSED)
        .select_related("citizen", "initiative", "coordinator")
        .order_by("citizen__last_name", "citizen__first_name", "pk")
    )
    page = Paginator(others, per_page).get_page(page_number)
    log_course_list(user, list(page.object_list))
    return page


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
    log_course_list(user, results, "søgeresultat", Purpose.SEARCH)
    return results


@dataclass(frozen=True)
class DuplicateCheck:
    """What intake may tell about a CPR number: only what the caller needs to act. Whether the
    citizen already has an active course (then: ask its coordinator to join, or give a reason
    for a second course), and which of those courses the caller may already open — nothing about
    the others (no id, initiative or coordinator: an initiative such as IPS reveals a diagnosis).
    """

    citizen_known: bool
    active: bool
    visible: list[Course]


def duplicate_check(user: User, cpr: str, *, unit_id: Any = None) -> DuplicateCheck:
    """Duplicate detection at intake. The lookup of a registered citizen is logged as a read of
    that citizen (purpose: search), attributed to the unit the caller does intake for."""
    normalized = logic.normalize_cpr(cpr)
    citizen_id = Citizen.objects.filter(cpr=normalized).values_list("pk", flat=True).first()
    if citizen_id is None:
        return DuplicateCheck(False, False, [])
    active_ids = list(
        Course.objects.filter(citizen_id=citizen_id)
        .exclude(status=CourseStatus.CLOSED)
        .values_list("pk", flat=True)
    )
    visible = list(
        visible_courses(user)
        .filter(pk__in=active_ids)
        .select_related("initiative", "citizen")
        .order_by("referred_on")
    )
    log_access(
        user, citizen_id, "opslag på CPR-nummer ved visitation", Purpose.SEARCH, unit_id=unit_id
    )
    return DuplicateCheck(True, bool(active_ids), visible)


def active_course_ids_for_cpr(cpr: str) -> list[uuid.UUID]:
    """For the join-request service only (it never returns these ids to the caller)."""
    return list(
        Course.objects.filter(citizen__cpr=logic.normalize_cpr(cpr))
        .exclude(status=CourseStatus.CLOSED)
        .values_list("pk", flat=True)
    )


def join_requests_for_course(access: Access) -> list[JoinRequest]:
    """The pending requests to join the course's team: for its coordinator only (no query when
    ``access_for`` found none)."""
    if not access.is_coordinator or not getattr(access.course, "has_join_requests", True):
        return []
    return list(
        JoinRequest.objects.filter(course=access.course, status=JoinStatus.PENDING)
        .select_related("requested_by", "unit", "unit__organisation")
        .order_by("created_at")
    )


def my_join_requests(user: User) -> list[JoinRequest]:
    """The caller's own requests with their status — nothing about the course until accepted
    (and then only a link, which the guard decides on)."""
    return _JOIN_REQUESTS(user.pk)


def _join_requests(user_id: Any) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(requested_by_id=user_id)
        .select_related("unit", "unit__organisation")
        .order_by("-created_at")[:20]
    )


# The caseload shows them on every view: compiled once per process.
_JOIN_REQUESTS: Prepared[JoinRequest] = Prepared(JoinRequest, _join_requests)


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
    plans: Sequence[Plan]
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
            Prefetch("goals", to_attr="goal_list"),
            Prefetch(
                "measures",
                queryset=Measure.objects.select_related(
                    "organisation", "welfare_area", "responsible", "unit"
                ),
                to_attr="measure_list",
            ),
            Prefetch(
                "demands",
                queryset=Demand.objects.select_related("organisation", "welfare_area"),
                to_attr="demand_list",
            ),
            Prefetch(
                "conflicts",
                queryset=DemandConflict.objects.filter(resolved_at__isnull=True).select_related(
                    "first", "second"
                ),
                to_attr="open_conflicts",
            ),
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
# Aggregate reads for higher apps (relational coordination): plain values about teams, never a
# citizen's name. No access check and no access-log entry here: the callers only show counts
# and means over many courses, suppressed below their small-cell threshold.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseScope:
    """Courses coordinated by a unit of one of ``organisation_ids``, running at some point in
    ``start``…``end``; optionally only one initiative's, or only those with one of ``unit_ids``
    on the team in the period (then only those units' team members count)."""

    organisation_ids: tuple[Any, ...]
    start: date
    end: date
    initiative_id: Any = None
    unit_ids: tuple[Any, ...] = ()


@dataclass(frozen=True)
class TeamRow:
    """One team member (a professional around a citizen) without anything about the citizen."""

    id: Any
    course_id: Any
    user_id: Any
    name: str
    role: str
    organisation_id: Any
    organisation_name: str
    org_type: str
    unit_id: Any
    unit_name: str
    welfare_area_id: str | None
    valid_from: date
    valid_to: date | None


_TEAM_ROW_FIELDS = (
    "id",
    "course_id",
    "user_id",
    "name",
    "role",
    "organisation_id",
    "organisation__name",
    "organisation__org_type_id",
    "unit_id",
    "unit__name",
    "welfare_area_id",
    "valid_from",
    "valid_to",
)


def _team_row(values: tuple[Any, ...]) -> TeamRow:
    (tid, cid, uid, name, role, org, org_name, org_type, unit, unit_name, area, vf, vt) = values
    return TeamRow(
        tid,
        cid,
        uid,
        name,
        role,
        org,
        org_name,
        org_type or "",
        unit,
        unit_name or "",
        area,
        vf,
        vt,
    )


def _period_team_q(start: date, end: date) -> Q:
    return overlaps_q(start, end)


def _scope_courses(scope: CourseScope) -> QuerySet[Course]:
    qs = Course.objects.filter(
        coordinator_unit__organisation_id__in=list(scope.organisation_ids),
        referred_on__lte=scope.end,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=scope.start))
    qs = qs.filter(Q(start_date__isnull=True) | Q(start_date__lte=scope.end))
    if scope.initiative_id is not None:
        qs = qs.filter(initiative_id=scope.initiative_id)
    if scope.unit_ids:
        qs = qs.filter(
            pk__in=TeamMember.objects.filter(
                _period_team_q(scope.start, scope.end), unit_id__in=list(scope.unit_ids)
            ).values("course_id")
        )
    return qs


def course_ids_in_scope(scope: CourseScope) -> list[Any]:
    """The ids of the courses in ``scope`` (for aggregate figures only)."""
    return list(_scope_courses(scope).order_by().values_list("pk", flat=True))


def team_rows_in_scope(scope: CourseScope) -> list[TeamRow]:
    """The team members of the courses in ``scope`` who were on the team in the period (for a
    network of units: only those in its units), in one query."""
    qs = TeamMember.objects.filter(
        _period_team_q(scope.start, scope.end), course__in=_scope_courses(scope).values("pk")
    )
    if scope.unit_ids:
        qs = qs.filter(unit_id__in=list(scope.unit_ids))
    return [_team_row(v) for v in qs.order_by().values_list(*_TEAM_ROW_FIELDS)]


def team_member_ids_in_scope(scope: CourseScope) -> Any:
    """The ids of ``team_rows_in_scope`` as a subquery (a ``values("pk")`` queryset), for a
    higher app to join its own rows keyed by team member in one query."""
    qs = TeamMember.objects.filter(
        _period_team_q(scope.start, scope.end), course__in=_scope_courses(scope).values("pk")
    )
    if scope.unit_ids:
        qs = qs.filter(unit_id__in=list(scope.unit_ids))
    return qs.order_by().values("pk")


def team_rows(*, ids: Sequence[Any]) -> list[TeamRow]:
    """Team members by id, in one query."""
    qs = TeamMember.objects.filter(pk__in=list(ids)).order_by("pk")
    return [_team_row(v) for v in qs.values_list(*_TEAM_ROW_FIELDS)]


@dataclass(frozen=True)
class TeamSignature:
    """What a team member's workgroup is decided from — role, organisation, unit and welfare
    area — with the unit's name and the organisation's type, which follow from them. ``key``:
    the four as the database writes them as text (``team_members_by_signature`` gives each
    member's), so a higher app can join its own rows to them in SQL."""

    role: str
    organisation_id: Any
    org_type: str
    unit_id: Any
    unit_name: str
    welfare_area_id: str | None
    key: tuple[str, ...]


def _signature_key() -> dict[str, Any]:
    """A team member's signature as four texts (no NULL: an empty text for no unit or area)."""
    from django.db.models import TextField, Value
    from django.db.models.functions import Cast, Coalesce

    return {
        "key_role": F("role"),
        "key_organisation": Cast("organisation_id", TextField()),
        "key_unit": Coalesce(Cast("unit_id", TextField()), Value(""), output_field=TextField()),
        "key_area": Coalesce(
            Cast("welfare_area_id", TextField()), Value(""), output_field=TextField()
        ),
    }


SIGNATURE_KEY = ("key_role", "key_organisation", "key_unit", "key_area")


def _bulk_team(exclude: Any, unrestricted: bool) -> QuerySet[TeamMember]:
    qs = TeamMember.objects.all()
    if unrestricted:
        qs = qs.filter(course__restricted_since__isnull=True)
    if exclude is not None:
        qs = qs.filter(~Exists(exclude))
    return qs


def team_signatures(*, exclude: Any = None, unrestricted: bool = False) -> list[TeamSignature]:
    """The distinct signatures of all team members but those ``exclude`` names, in one query;
    ``unrestricted``: without the teams of courses whose processing is restricted (art. 18),
    for a job that writes from them.

    ``exclude`` is a correlated subquery (``OuterRef("pk")`` is the team member): a member it
    finds a row for is left out, as ``NOT EXISTS`` — ``NOT IN (subquery)`` was quadratic on
    PostgreSQL once the subquery outgrew ``work_mem`` (816,529 team members in the
    300,000-citizen demo: one FETCH ran for more than 25 minutes)."""
    rows = (
        _bulk_team(exclude, unrestricted)
        .annotate(**_signature_key())
        .order_by()
        .values_list(
            "role",
            "organisation_id",
            "organisation__org_type_id",
            "unit_id",
            "unit__name",
            "welfare_area_id",
            *SIGNATURE_KEY,
        )
        .distinct()
    )
    return [
        TeamSignature(role, org, org_type or "", unit, unit_name or "", area, tuple(key))
        for role, org, org_type, unit, unit_name, area, *key in rows
    ]


def team_members_by_signature(*, exclude: Any = None, unrestricted: bool = False) -> Any:
    """The team members ``team_signatures`` reads, as a subquery (a ``values()`` queryset) of
    ``member`` (the id), ``member_organisation`` (its organisation's id) and the signature's
    ``key_…`` texts, for a higher app to write a row per team member in one statement, joined
    to its signatures by key."""
    return (
        _bulk_team(exclude, unrestricted)
        .annotate(**_signature_key())
        .order_by()
        .values(*SIGNATURE_KEY, member=F("pk"), member_organisation=F("organisation_id"))
    )


# Plain facts for apps above courses (economics): no access check, no log
# --------------------------------------------------------------------------------------------


def measures_for(access: Access) -> list[Measure]:
    """The measures of the course's plan that the reader may see (``Access.sees``: the category,
    or the reader's own unit's measure), with welfare area and organisation. No log: the caller
    logs what it shows."""
    plan = getattr(access.course, "plan", None)
    if plan is None:
        return []
    rows = Measure.objects.filter(plan=plan).select_related("welfare_area", "organisation")
    return [m for m in rows if access.sees(m)]


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
    coordinator_unit_id: Any = None


def course_facts(course_ids: list[Any]) -> dict[Any, CourseFacts]:
    """Who coordinates each course, its initiative and dates — for aggregates and daily jobs of
    higher apps. No access check and no log: callers check access before they show anything
    about a citizen."""
    if not course_ids:
        return {}
    return {
        row[0]: CourseFacts(*row)
        for row in _COURSE_FACTS(idsets.of(dict.fromkeys(course_ids), connection.vendor))
    }


def _course_facts(ids: str) -> QuerySet[Any, tuple[Any, ...]]:
    return Course.objects.filter(idsets.InIds(F("pk"), ids)).values_list(
        "pk",
        "citizen_id",
        "coordinator_id",
        "initiative_id",
        "coordinator_unit__organisation_id",
        "status",
        "start_date",
        "referred_on",
        "coordinator_unit_id",
    )


# Asked by start-page panels and daily jobs with any number of courses: the ids as one
# parameter (``core.idsets``), the query compiled once per process.
_COURSE_FACTS: Prepared[tuple[Any, ...]] = Prepared(Course, _course_facts)


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
        for course_id, pk, start, end, expected, status, category in (
            Measure.objects.filter(plan__course_id__in=chunk)
            .order_by("start_date", "pk")
            .values_list(
                "plan__course_id",
                "pk",
                "start_date",
                "end_date",
                "expected_end",
                "status",
                "data_category",
            )
        ):
            out[course_id].append(
                MeasurePeriod(
                    course_id,
                    pk,
                    start,
                    end or (expected if status == "afsluttet" else None),
                    status,
                    category,
                )
            )
    return out


def citizen_names(citizen_ids: list[Any]) -> dict[Any, str]:
    """Full names of the given citizens (no access check, no log: the caller has checked access
    to their courses and logs what it shows)."""
    if not citizen_ids:
        return {}
    return {
        pk: f"{first} {last}"
        for pk, first, last in _CITIZEN_NAMES(
            idsets.of(dict.fromkeys(citizen_ids), connection.vendor)
        )
    }


def _citizen_names(ids: str) -> QuerySet[Any, tuple[Any, str, str]]:
    return Citizen.objects.filter(idsets.InIds(F("pk"), ids)).values_list(
        "pk", "first_name", "last_name"
    )


_CITIZEN_NAMES: Prepared[tuple[Any, str, str]] = Prepared(Citizen, _citizen_names)


# --------------------------------------------------------------------------------------------
# The course list: filters, sorting, a family member found by name (issue 14)
# --------------------------------------------------------------------------------------------

# Warnings on a course the reader coordinates (the caseload's alerts, as SQL): key → label.
LIST_WARNINGS: dict[str, str] = {
    "plan": "Ingen plan endnu",
    "stale": "Planen er ikke opdateret i 8 uger",
    "no-consent": "Intet gyldigt samtykke",
    "expiring": "Samtykket udløber snart",
    "conflict": "Modstridende krav",
}
LIST_SORTS = ("navn", "start", "aktivitet", "advarsler", "henvist")
LIST_PER_PAGE = 50


@dataclass(frozen=True)
class CourseListFilter:
    """What the course list shows: plain values parsed from the query string (never a CPR)."""

    q: str = ""  # words of a name: the citizen's or a family member's
    status: str = ""  # "" open courses, a CourseStatus value, or "alle"
    initiative_id: Any = None
    warning: str = ""  # "" , "any" or a key of LIST_WARNINGS (courses the reader coordinates)
    coordinator_id: Any = None  # a user id, or "mig"
    sort: str = "navn"


@dataclass(frozen=True)
class CourseListRow:
    course: Course
    mine: bool  # the reader coordinates it
    alerts: tuple[str, ...]  # shown on the reader's own courses only
    family_matches: tuple[Citizen, ...] = ()  # family members whose name matched the search


@dataclass(frozen=True)
class CourseListChoices:
    """The filter form's lists (never querysets): initiatives and coordinators of the courses
    the reader may see."""

    initiatives: list[tuple[Any, str]]
    coordinators: list[tuple[Any, str]]


def _list_warning_q(on: date, lasting_from: date, stale_before: datetime) -> dict[str, Any]:
    """Each warning as a condition on a course (as ``caseload`` computes them in Python): a
    consent lasting past ``lasting_from`` does not expire soon, a plan last changed before
    ``stale_before`` is stale."""
    valid = Consent.objects.filter(course=OuterRef("pk")).filter(_valid_consent_q(on))
    lasting = valid.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=lasting_from))
    no_plan = Q(plan__isnull=True) | Q(plan__version__lte=1, plan__citizen_statement="")
    return {
        "plan": no_plan,
        "stale": ~no_plan & Q(plan__updated_at__lt=stale_before),
        "no-consent": ~Exists(valid),
        "expiring": Exists(valid) & ~Exists(lasting),
        "conflict": Exists(
            DemandConflict.objects.filter(plan__course=OuterRef("pk"), resolved_at__isnull=True)
        ),
    }


def _name_words_q(words: list[str], prefix: str) -> Q:
    q = Q()
    for word in words:
        q &= Q(**{f"{prefix}first_name__icontains": word}) | Q(
            **{f"{prefix}last_name__icontains": word}
        )
    return q


def _filtered_courses(user: User, filters: CourseListFilter, on: date) -> QuerySet[Course]:
    unit_ids = [unit for unit, _org in _user_units(user, on)]
    mine_only = filters.coordinator_id == "mig"
    return _list_query(
        listed_courses(user, on),
        user.pk,
        unit_ids,
        on,
        on + CONSENT_EXPIRY_WARNING,
        timezone.now() - PLAN_STALE_AFTER,
        filters.initiative_id,
        None if mine_only else filters.coordinator_id,
        status=filters.status,
        mine_only=mine_only,
        warning=filters.warning,
        words=filters.q.split(),
    )


def _list_query(
    base: QuerySet[Course],
    user_id: Any,
    unit_ids: list[Any],
    on: date,
    lasting_from: date,
    stale_before: datetime,
    initiative_id: Any,
    coordinator_id: Any,
    *,
    status: str,
    mine_only: bool,
    warning: str,
    words: list[str],
) -> QuerySet[Course]:
    """The list's courses among ``base`` (the ones the reader may see), filtered, each with
    ``mine`` and its warnings (on the reader's own courses) annotated. Every value the SQL
    depends on is an argument (``_LIST_PAGE`` compiles it once per shape)."""
    from django.db.models import BooleanField, Case, IntegerField, Value, When

    from helhed.courses.models import Household

    mine = Q(coordinator_id=user_id, coordinator_unit_id__in=unit_ids)
    warnings = _list_warning_q(on, lasting_from, stale_before)
    qs = base.annotate(
        mine=Case(When(mine, then=Value(True)), default=Value(False), output_field=BooleanField()),
        **{
            f"warn_{key.replace('-', '_')}": Case(
                When(mine & cond, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
            for key, cond in warnings.items()
        },
    )
    if status == "alle":
        pass
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=CourseStatus.CLOSED)
    if initiative_id is not None:
        qs = qs.filter(initiative_id=initiative_id)
    if mine_only:
        qs = qs.filter(mine)
    elif coordinator_id is not None:
        qs = qs.filter(coordinator_id=coordinator_id)
    if warning == "any":
        any_warning = Q()
        for cond in warnings.values():
            any_warning |= cond
        qs = qs.filter(mine & any_warning)
    elif warning in warnings:
        qs = qs.filter(mine & warnings[warning])
    if words:
        in_family = Household.members.through.objects.filter(
            _name_words_q(words, "citizen__"), household_id=OuterRef("household_id")
        )
        qs = qs.filter(_name_words_q(words, "citizen__") | Exists(in_family))
    return qs


def _list_order(sort: str) -> list[Any]:
    from django.db.models import Value

    name = ["citizen__last_name", "citizen__first_name", "pk"]
    if sort == "start":
        return [F("start_date").desc(nulls_last=True), "-referred_on", *name]
    if sort == "aktivitet":
        return [F("plan__updated_at").desc(nulls_last=True), *name]
    if sort == "henvist":
        return ["-referred_on", *name]
    if sort == "advarsler":
        warned = sum(
            (F(f"warn_{key.replace('-', '_')}") for key in LIST_WARNINGS),
            start=Value(0),
        )
        return [warned.desc(), *name]
    return name


# What a row of the list shows (``courses/course_list.html``) and what its log entry and a name
# search need: the list reads these columns only (a row of every field of five tables cost
# more than the rest of the page; tests/courses/test_course_list.py counts the queries).
_LIST_COLUMNS = (
    "id",
    "status",
    "start_date",
    "referred_on",
    "citizen_id",
    "coordinator_id",
    "coordinator_unit_id",
    "household_id",
    "initiative_id",
    "citizen__first_name",
    "citizen__last_name",
    "initiative__name",
    "coordinator__first_name",
    "coordinator__last_name",
    "coordinator__username",
    "plan__updated_at",
)


def _list_rows(ids: str, *values: Any) -> QuerySet[Course]:
    """The list's courses from the visible ids (``_listed``), filtered (no name search):
    ``values`` are ``_list_query``'s, from ``user_id`` to ``warning``, in its order (a kept
    query's build takes its values by position)."""
    *plain, status, mine_only, warning = values
    return _list_query(
        Course.objects.filter(idsets.InIds(F("pk"), ids)),
        *plain,
        status=status,
        mine_only=mine_only,
        warning=warning,
        words=[],
    )


def _list_page_rows(*args: Any, sort: str, offset: int) -> QuerySet[Course]:
    return (
        _list_rows(*args)
        .select_related("citizen", "initiative", "coordinator", "plan")
        .only(*_LIST_COLUMNS)
        .order_by(*_list_order(sort))[offset : offset + LIST_PER_PAGE]
    )


def _list_count_rows(*args: Any) -> QuerySet[Any, tuple[int]]:
    """The length of the list, as one row (a count over the filtered ids: no join, no sort)."""
    from django.db.models import Window

    return _list_rows(*args).annotate(total=Window(Count("pk"))).values_list("total")[:1]


# The caseload's page and its count, the most frequent read of the mix: compiled once per
# process and shape (filters, sort order, page) — ``core.prepared``.
_LIST_PAGE: Prepared[Course] = Prepared(
    Course, lambda *args: _list_page_rows(*args[:-2], sort=args[-2], offset=args[-1]), kept=256
)
# The count leaves out the rows' "mine" and warning annotations unless a filter uses them: the
# reader, their units and the three days (values 1-5) may then be in no parameter.
_LIST_COUNT: Prepared[tuple[int]] = Prepared(
    Course, _list_count_rows, kept=256, unused=(1, 2, 3, 4, 5)
)


def _list_page(user: User, filters: CourseListFilter, on: date, ids: str, page_number: Any) -> Any:
    """The page ``Paginator.get_page`` gives (a number that is none: the first page; before the
    first or after the last: the last), from the kept queries."""
    from django.core.paginator import EmptyPage, Page, Paginator

    mine_only = filters.coordinator_id == "mig"
    values = (
        ids,
        user.pk,
        [unit for unit, _org in _user_units(user, on)],
        on,
        on + CONSENT_EXPIRY_WARNING,
        timezone.now() - PLAN_STALE_AFTER,
        filters.initiative_id,
        None if mine_only else filters.coordinator_id,
        Fixed(filters.status),
        Fixed(mine_only),
        Fixed(filters.warning),
    )
    counted = _LIST_COUNT(*values)
    paginator: Paginator[Course] = Paginator([], LIST_PER_PAGE)
    paginator.count = counted[0][0] if counted else 0
    try:
        number = paginator.validate_number(_page_number(page_number))
    except EmptyPage:
        number = paginator.num_pages
    rows = _LIST_PAGE(*values, Fixed(filters.sort), Fixed((number - 1) * LIST_PER_PAGE))
    return Page(rows, number, paginator)


def _page_number(raw: Any) -> int:
    """A page number as Django's ``Paginator.get_page`` reads it (not a whole number: 1)."""
    try:
        if isinstance(raw, float) and not raw.is_integer():
            raise ValueError
        return int(raw)
    except (TypeError, ValueError):
        return 1


def _api_page_rows(ids: str, status: str, offset: int, limit: int) -> QuerySet[Course]:
    """A page of the API's course list from the visible ids."""
    qs = Course.objects.filter(idsets.InIds(F("pk"), ids))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("citizen", "initiative", "coordinator").order_by("-referred_on", "id")[
        offset : offset + limit
    ]


def _api_count_rows(ids: str, status: str) -> QuerySet[Any, tuple[int]]:
    """How many of the visible ids have ``status``, as one row."""
    from django.db.models import Window

    return (
        Course.objects.filter(idsets.InIds(F("pk"), ids), status=status)
        .annotate(total=Window(Count("pk")))
        .values_list("total")[:1]
    )


# (a page is a shape: a client paging through 2,000 courses 20 at a time makes 100 of them)
_API_PAGE: Prepared[Course] = Prepared(Course, _api_page_rows, kept=512)
_API_COUNT: Prepared[tuple[int]] = Prepared(Course, _api_count_rows)


def course_api_page(
    user: User, *, status: str = "", offset: int = 0, limit: int = 20
) -> tuple[int, list[Course]]:
    """The API's course list: how many courses the reader may see (of ``status``, if given),
    and those from ``offset`` (newest referral first), logged."""
    listed = _listed(user, today())
    if listed.ids is not None:
        if status:
            counted = _API_COUNT(listed.ids, status)
            count = counted[0][0] if counted else 0
        else:
            count = len(idsets.texts(listed.ids))
        if offset >= count:
            page = []
        elif offset % limit == 0:  # a page: one kept query per page (at most 2,000 / limit)
            page = _API_PAGE(listed.ids, Fixed(status), Fixed(offset), Fixed(limit))
        else:
            page = list(_api_page_rows(listed.ids, status, offset, limit))
    else:  # more courses than are read at once: the rule as a subquery, built each time
        qs = listed_courses(user).select_related("citizen", "initiative", "coordinator")
        if status:
            qs = qs.filter(status=status)
        qs = qs.order_by("-referred_on", "id")
        count = qs.count()
        page = list(qs[offset : offset + limit])
    log_course_list(user, page)
    return count, page


def course_list_page(user: User, filters: CourseListFilter, page_number: Any) -> Any:
    """One page (50) of the courses the reader may see, filtered and sorted, each with its
    warnings (on the reader's own courses) and the family members whose name matched a search.
    The citizens shown are logged, and so are the family members named. The number of queries
    does not depend on the length of the list."""
    from django.core.paginator import Paginator

    on = today()
    listed = _listed(user, on)
    if listed.ids is not None and not filters.q.split():
        page = _list_page(user, filters, on, listed.ids, page_number)
    else:  # a name search, or a reader who sees more than are read at once: built each time
        qs = (
            _filtered_courses(user, filters, on)
            .select_related("citizen", "initiative", "coordinator", "plan")
            .only(*_LIST_COLUMNS)
            .order_by(*_list_order(filters.sort))
        )
        page = Paginator(qs, LIST_PER_PAGE).get_page(page_number)
    courses = list(page.object_list)
    matches = _family_matches(courses, filters.q.split())
    shown: list[Any] = [
        CourseListRow(
            course,
            bool(getattr(course, "mine")),  # noqa: B009 - an annotation
            tuple(
                label
                for key, label in LIST_WARNINGS.items()
                if getattr(course, f"warn_{key.replace('-', '_')}")
            ),
            tuple(matches.get(course.pk, ())),
        )
        for course in courses
    ]
    page.object_list = shown
    log_course_list(user, courses)
    named = [
        _as_course_of(course, member) for course in courses for member in matches.get(course.pk, ())
    ]
    if named:
        log_course_list(user, named, "forløbsliste: familiemedlem fundet ved søgning")
    return page


def _as_course_of(course: Course, member: Citizen) -> Course:
    """The course as seen from a family member: the same course, the member as its citizen —
    so the log entry is attributed (and flagged) exactly as the course's own."""
    stand_in = Course(
        id=course.pk,
        citizen_id=member.pk,
        coordinator_id=course.coordinator_id,
        coordinator_unit_id=course.coordinator_unit_id,
    )
    return stand_in


def _family_matches(courses: list[Course], words: list[str]) -> dict[Any, list[Citizen]]:
    """For a name search: per course, the other household members whose name matched (one
    query, whatever the number of courses)."""
    from helhed.courses.models import Household

    households = {c.household_id: c for c in courses if c.household_id is not None}
    if not words or not households:
        return {}
    found: dict[Any, list[Citizen]] = {}
    rows = (
        Household.members.through.objects.filter(
            _name_words_q(words, "citizen__"), household_id__in=list(households)
        )
        .select_related("citizen")
        .order_by("citizen__birth_date", "citizen_id")
    )
    by_household: dict[Any, list[Citizen]] = {}
    for row in rows:
        by_household.setdefault(row.household_id, []).append(row.citizen)
    for course in courses:
        members = by_household.get(course.household_id, [])
        others = [m for m in members if m.pk != course.citizen_id]
        if others:
            found[course.pk] = others
    return found


def course_list_choices(user: User) -> CourseListChoices:
    """The initiatives and coordinators of the courses the reader may see (two queries, on the
    ids the list reads once per request)."""
    listed = _listed(user, today())
    if listed.initiatives is None or listed.coordinators is None:
        visible = visible_courses(user)
        initiative_rows = list(_initiative_names(visible.values("initiative_id")))
        coordinator_rows = list(_coordinator_names(visible.values("coordinator_id")))
    else:
        initiative_rows = _INITIATIVE_NAMES(listed.initiatives)
        coordinator_rows = _COORDINATOR_NAMES(listed.coordinators)
    initiatives = [
        (pk, name if not location else f"{name} ({location})")
        for pk, name, location in initiative_rows
    ]
    coordinators = [
        (pk, f"{first} {last}".strip() or username)  # as ``User.get_full_name``
        for pk, first, last, username in coordinator_rows
    ]
    return CourseListChoices(initiatives, coordinators)


def _initiative_names(ids: Any) -> QuerySet[Any, tuple[Any, str, str]]:
    """Id, name and place of the initiatives ``ids`` names (an ``idsets`` text or a
    subquery), by name."""
    chosen = (
        Initiative.objects.filter(idsets.InIds(F("pk"), ids))
        if isinstance(ids, str)
        else Initiative.objects.filter(pk__in=ids)
    )
    return chosen.order_by("name", "location").values_list("pk", "name", "location")


def _coordinator_names(ids: Any) -> QuerySet[Any, tuple[Any, str, str, str]]:
    """Id and names of the users ``ids`` names (an ``idsets`` text or a subquery), by name."""
    chosen = (
        User.objects.filter(idsets.InIds(F("pk"), ids))
        if isinstance(ids, str)
        else User.objects.filter(pk__in=ids)
    )
    return chosen.order_by("first_name", "last_name", "username").values_list(
        "pk", "first_name", "last_name", "username"
    )


# The caseload's two filter lists, on the ids the list reads once per request: compiled once
# per process (``core.prepared``).
_INITIATIVE_NAMES: Prepared[tuple[Any, str, str]] = Prepared(Initiative, _initiative_names)
_COORDINATOR_NAMES: Prepared[tuple[Any, str, str, str]] = Prepared(User, _coordinator_names)


# --------------------------------------------------------------------------------------------
# Coordinators a course can be handed over or referred to (issue 14): staff, not citizens
# --------------------------------------------------------------------------------------------

CANDIDATES_SHOWN = 300


def coordinating_organisations() -> list[Organisation]:
    """Organisations with someone who holds the koordinator role today (one query)."""
    from helhed.core.models import Membership

    current = Membership.objects.valid_on(today()).filter(
        role=Role.KOORDINATOR,
        user__is_active=True,
        user__kind=UserKind.STAFF,
        user__is_system=False,  # an integration client's account is no person
    )
    found = Organisation.objects.filter(pk__in=current.values("unit__organisation_id"))
    return list(found.order_by("name"))


def coordinator_candidates(
    organisation_id: Any, *, exclude_user_id: Any = None, unit_id: Any = None
) -> list[tuple[User, Unit]]:
    """The (person, unit) pairs of an organisation (or one unit) whose holder has the
    koordinator role there today, by unit and name; at most ``CANDIDATES_SHOWN``."""
    from helhed.core.models import Membership

    if organisation_id is None and unit_id is None:
        return []
    rows = Membership.objects.valid_on(today()).filter(
        role=Role.KOORDINATOR,
        user__is_active=True,
        user__kind=UserKind.STAFF,
        user__is_system=False,  # an integration client's account is no person
    )
    try:
        if organisation_id is not None:
            rows = rows.filter(unit__organisation_id=organisation_id)
        if unit_id is not None:
            rows = rows.filter(unit_id=unit_id)
        if exclude_user_id is not None:
            rows = rows.exclude(user_id=exclude_user_id)
        found = list(
            rows.select_related("user", "unit", "unit__organisation").order_by(
                "unit__name", "user__first_name", "user__last_name", "pk"
            )[:CANDIDATES_SHOWN]
        )
    except (ValueError, ValidationError):  # not an id
        return []
    return [(m.user, m.unit) for m in found]


def referral_units(user: User) -> list[Unit]:
    """The municipal units a citizen can be referred to: with someone who holds the koordinator
    role today, outside the caller's own organisations (one query)."""
    from helhed.core.models import Membership

    own = {m.unit.organisation_id for m in membership_list(user)}
    current = Membership.objects.valid_on(today()).filter(
        role=Role.KOORDINATOR,
        user__is_active=True,
        user__kind=UserKind.STAFF,
        user__is_system=False,  # an integration client's account is no person
    )
    units = (
        Unit.objects.filter(pk__in=current.values("unit_id"), organisation__org_type_id="kommune")
        .exclude(organisation_id__in=own)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
    return list(units)


# --------------------------------------------------------------------------------------------
# Families (issue 14): the children a parent consents for, children's goals and own perspective
# --------------------------------------------------------------------------------------------


def custody_children(user: User, access: Access, what: str) -> list[Citizen]:
    """The children under 15 in the course's family of whom the course's citizen holds custody
    (registered at intake): those a consent can cover in the same step. Logged."""
    from helhed.courses.models import RelationKind

    course = access.course
    if course.household_id is None:
        return []
    on = today()
    ids = HouseholdRelation.objects.filter(
        household_id=course.household_id,
        from_citizen_id=course.citizen_id,
        kind__in=[RelationKind.PARENT, RelationKind.STEP_PARENT],
        custody=True,
    ).values("to_citizen_id")
    children = [
        c
        for c in Citizen.objects.filter(pk__in=ids, households=course.household_id).order_by(
            "birth_date", "pk"
        )
        if logic.who_consents(c.birth_date, on) == "custody_holder"
    ]
    if children:
        log_course_read(user, access, what, Purpose.CASEWORK, citizen_ids=[c.pk for c in children])
    return children


@dataclass(frozen=True)
class ChildSection:
    """One child of a child plan: the child, the child's own perspective (as this reader may see
    it) and the goals that are the child's own."""

    child: Citizen
    perspective: FreeText
    goals: list[Goal]


def child_sections(
    access: Access, children: list[Citizen], goals: list[Goal]
) -> list[ChildSection]:
    """Per child (already read through the guard, e.g. ``household_members``): the own
    perspective and own goals. A goal without a person is the course's citizen's."""
    from helhed.courses.models import ChildPerspective

    perspectives = {
        p.child_id: p
        for p in ChildPerspective.objects.filter(
            plan__course_id=access.course.pk, child__in=[c.pk for c in children]
        )
    }
    citizen_id = access.course.citizen_id
    sections = []
    for child in children:
        found = perspectives.get(child.pk)
        text = free_text(access, found.text, found.text_category) if found else None
        own = [g for g in goals if (g.person_id or citizen_id) == child.pk]
        sections.append(ChildSection(child, text or FreeText("", "plan", True, False), own))
    return sections


def consent_child_ids(consent_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """For consents the caller already read through the guard: the ids of the children each
    one also covers (``Consent.children``), in one query."""
    found: dict[uuid.UUID, list[uuid.UUID]] = {pk: [] for pk in consent_ids}
    rows = Consent.children.through.objects.filter(consent_id__in=consent_ids).values_list(
        "consent_id", "citizen_id"
    )
    for consent_id, citizen_id in rows:
        found[consent_id].append(citizen_id)
    return found


# --------------------------------------------------------------------------------------------
# Consent with evidence (issue 15): confirmation, the signed document, the history
# --------------------------------------------------------------------------------------------


def custody_holder_ids(course: Course) -> list[uuid.UUID]:
    """The citizens registered (at intake) with custody of the course's citizen in its family:
    who may confirm a consent given by the custody holder for a child under 15."""
    from helhed.courses.models import RelationKind

    if course.household_id is None:
        return []
    return list(
        HouseholdRelation.objects.filter(
            household_id=course.household_id,
            to_citizen_id=course.citizen_id,
            kind__in=[RelationKind.PARENT, RelationKind.STEP_PARENT],
            custody=True,
        ).values_list("from_citizen_id", flat=True)
    )


def consent_has_document(consent: Consent) -> bool:
    """Whether a signed document is attached: annotated by ``access_for`` and
    ``consents_to_confirm``, else one query."""
    has_document = getattr(consent, "has_document", None)
    if has_document is None:
        has_document = consent.documents.exists()
    return bool(has_document)


def consent_confirmation(consent: Consent) -> str:
    """``logic.confirmation`` for a consent read through the guard (or a service's answer)."""
    return logic.confirmation(
        confirmed=consent.confirmed_at is not None, has_document=consent_has_document(consent)
    )


def consent_children_names(access: Access, consents: list[Consent]) -> dict[Any, list[str]]:
    """Which children each consent also covers (a parent's consent as custody holder), by name,
    in one query — only for a family course; the children are the course's family, read (and
    logged) with the course page's family members."""
    found: dict[Any, list[str]] = {c.pk: [] for c in consents}
    if access.course.household_id is None or not consents:
        return found
    rows = (
        Consent.children.through.objects.filter(consent_id__in=list(found))
        .order_by("citizen__birth_date", "citizen_id")
        .values_list("consent_id", "citizen__first_name", "citizen__last_name")
    )
    for consent_id, first, last in rows:
        found[consent_id].append(f"{first} {last}")
    return found


def consent_document(access: Access, consent_id: Any) -> ConsentDocument:
    """The latest signed document of a consent of this course, for a reader who may see every
    category (the coordinator, or a unit whose consent covers all): a document names every unit
    the consent covers and what it is for, which a reader on a narrower consent may not see.
    Anyone else, another course's consent or a guessed id: ``NoAccessError``. Logged."""
    if not access.may_all():
        raise NoAccessError
    consent = next((c for c in access.course.consents.all() if str(c.pk) == str(consent_id)), None)
    if consent is None:
        raise NoAccessError
    document = ConsentDocument.objects.filter(consent=consent).order_by("-uploaded_at").first()
    if document is None:
        raise NoAccessError
    log_course_read(access.user, access, "underskrevet samtykkeerklæring", Purpose.CASEWORK)
    return document


@dataclass(frozen=True)
class ConsentHistoryLine:
    consent_id: uuid.UUID
    kind: str
    label: str
    at: datetime
    by_name: str
    detail: str  # empty for a reader who may not see every category (it names units)


# Read on every opening of a course page: compiled once per process (``core.prepared``).
_CONSENT_EVENTS: Prepared[ConsentEvent] = Prepared(
    ConsentEvent,
    lambda course_id: ConsentEvent.objects.filter(course_id=course_id).order_by("at", "id"),
)


def consent_history(access: Access) -> list[ConsentHistoryLine]:
    """Every change to the course's consents, oldest first. The details name units and
    categories; a reader who may not see every category gets what happened and when, not the
    detail (as the consent scope hides unit names from them)."""
    full = access.may_all()
    events = _CONSENT_EVENTS(access.course.pk)
    return [
        ConsentHistoryLine(
            consent_id=e.consent_id,
            kind=e.kind,
            label=str(e.get_kind_display()),
            at=e.at,
            by_name=e.by_name,
            detail=e.detail if full else "",
        )
        for e in events
    ]


@dataclass(frozen=True)
class ConfirmableConsent:
    consent: Consent
    course: Course
    for_name: str  # whose consent: the citizen's own, or the child's name (custody)
    own: bool


def consents_to_confirm(user: User) -> list[ConfirmableConsent]:
    """The consents this citizen may see on their own page as theirs to confirm: their own
    (as the course's citizen or as a household member aged 15+), and those they gave as custody
    holder for a child under 15. Logged as the citizen's own read."""
    citizen = citizen_for_user(user)
    if citizen is None:
        return []
    from helhed.courses.models import GivenBy, RelationKind

    custody_of = HouseholdRelation.objects.filter(
        from_citizen=citizen,
        kind__in=[RelationKind.PARENT, RelationKind.STEP_PARENT],
        custody=True,
    ).values_list("household_id", "to_citizen_id")
    pairs = list(custody_of)
    q = Q(course__citizen=citizen, person__isnull=True, given_by=GivenBy.CITIZEN) | Q(
        person=citizen
    )
    for household_id, child_id in pairs:
        q |= Q(
            course__household_id=household_id,
            course__citizen_id=child_id,
            given_by=GivenBy.CUSTODY_HOLDER,
        )
    consents = list(
        Consent.objects.filter(q)
        .exclude(course__status=CourseStatus.CLOSED)
        .select_related("course", "course__citizen", "course__initiative")
        .prefetch_related("organisations", "units__organisation")
        .annotate(has_document=Exists(ConsentDocument.objects.filter(consent=OuterRef("pk"))))
        .order_by("-valid_from")
    )
    about = {c.course.citizen_id for c in consents if c.given_by == GivenBy.CUSTODY_HOLDER}
    if consents:
        log_access(user, citizen.pk, "egne samtykker", Purpose.CITIZEN_SELF)
    if about:
        log_access(
            user, sorted(about, key=str), "barns samtykke (forældremyndighed)", Purpose.CITIZEN_SELF
        )
    rows = []
    for consent in consents:
        own = consent.given_by != GivenBy.CUSTODY_HOLDER
        name = citizen.full_name if own else consent.course.citizen.full_name
        rows.append(ConfirmableConsent(consent, consent.course, name, own))
    return rows


@dataclass(frozen=True)
class GoalGroup:
    """The goals of one person in a family course's plan (issue 14): the course's citizen's
    (``person_id`` is the citizen's) or a family member's own."""

    person_id: Any
    name: str
    goals: list[Goal]


def goal_groups(user: User, access: Access, goals: list[Goal]) -> list[GoalGroup]:
    """The plan's goals grouped by whose they are, the course's citizen first. Family members
    named here are logged as read."""
    course = access.course
    groups: dict[Any, GoalGroup] = {
        course.citizen_id: GoalGroup(course.citizen_id, course.citizen.full_name, [])
    }
    for goal in goals:
        owner = goal.person if goal.person_id is not None else None
        key = owner.pk if owner is not None else course.citizen_id
        if key not in groups:
            groups[key] = GoalGroup(key, owner.full_name if owner else "", [])
        groups[key].goals.append(goal)
    others = [k for k in groups if k != course.citizen_id]
    if others:
        log_course_read(user, access, "plan: familiemedlems mål", Purpose.PLANNING, others)
    return list(groups.values())
