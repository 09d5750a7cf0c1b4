"""Reads of the progress app.

* **One course** (:func:`course_progress`): through ``courses.selectors.access_for``; each
  instrument is shown only if the professional may see all its data categories (WHO-5: health;
  life areas: health and social; goal attainment: plan; hard outcomes: economy or social). The read
  is logged once per page.
* **The citizen's own** (:func:`citizen_progress`): only the courses of the logged-in citizen,
  logged with purpose "egen adgang".
* **The course page's summary** (:func:`latest_summary`): one query (the course page's budget).
* **The initiative dashboard** (:func:`dashboard`, :func:`comparison`): aggregate SQL
  (``annotate``/``values``) over the courses a leader may count — those whose coordinating unit
  belongs to one of the organisations where the user is *leder* or *analytiker* — and never
  individual citizens; cells resting on fewer than 5 citizens are suppressed (``logic.show_*``).
* **The evaluation export rows** (:func:`export_rows`): pseudonymised; only citizens whose
  consent valid today names evaluation and the analyst's organisation
  (:func:`evaluation_consents`), only the categories it covers, and nothing at all below 5 such
  citizens (:class:`TooFewCitizensError`); one access-log entry per citizen with purpose
  "evaluering", attributed to the analyst's unit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, ExtractQuarter, ExtractYear, Substr
from django.utils.translation import gettext as _

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core import idsets
from helhed.core.domain import DomainError
from helhed.core.models import Role, User, UserKind
from helhed.core.numbers import decimal
from helhed.core.periods import valid_on_q
from helhed.core.prepared import Prepared
from helhed.core.selectors import membership_list, today
from helhed.courses.logic import DATA_CATEGORIES
from helhed.courses.models import Course, CourseStatus, Goal, GoalStatus
from helhed.courses.sections import (
    TimelineEvent,
    events_for_courses,
    timeliness_for_courses,
    timeliness_metrics,
)
from helhed.courses.selectors import Access, access_for, log_course_read
from helhed.progress import logic
from helhed.progress.models import (
    Measurement,
    MeasurementSchedule,
    OutcomeState,
)
from helhed.registry.models import Initiative

DASHBOARD_ROLES = frozenset({Role.LEDER, Role.ANALYTIKER})
EXPORT_ROLES = frozenset({Role.ANALYTIKER})  # the pseudonymised export: analysts only
HELD_MEETING = "afholdt"  # meetings.MeetingStatus.HELD

# --------------------------------------------------------------------------------------------
# One course
# --------------------------------------------------------------------------------------------


@dataclass
class CourseProgress:
    course: Course
    who5: list[Measurement] | None  # None: not allowed to see
    life_areas: list[Measurement] | None
    goals: list[Goal] | None
    ratings: dict[Any, list[Measurement]]
    gas_t: list[Measurement]
    outcomes: dict[str, list[OutcomeState]]
    events: list[TimelineEvent]  # those on the charts' time axis
    axis: tuple[date, date]  # the charts' time axis (logic.chart_axis)
    hidden: list[str] = field(default_factory=list)
    access: Access | None = None
    # The life areas the reader may see (each item has its own data category).
    life_items: tuple[logic.Item, ...] = ()
    # The measurement plans of the instruments the reader may see, with their points.
    schedules: list[PlannedSchedule] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedSchedule:
    """A course's measurement plan with the state of each of its points up to a year ahead."""

    id: uuid.UUID
    instrument: str
    name: str
    first_on: date
    every_weeks: int | None
    until: date | None
    points: list[logic.PointState]

    @property
    def open_points(self) -> list[logic.PointState]:
        """What the team must do: the latest overdue point and the first due one (not one notice
        per week of a weekly plan)."""
        overdue = [p for p in self.points if p.status == logic.PointStatus.OVERDUE]
        due = [p for p in self.points if p.status == logic.PointStatus.DUE]
        return overdue[-1:] + due[:1]

    @property
    def missed(self) -> int:
        return sum(1 for p in self.points if p.status == logic.PointStatus.OVERDUE)

    @property
    def next_point(self) -> logic.PointState | None:
        return next((p for p in self.points if p.status == logic.PointStatus.UPCOMING), None)

    @property
    def taken(self) -> int:
        return sum(1 for p in self.points if p.status == logic.PointStatus.TAKEN)


def _instrument_visible(instrument: str, may: Any) -> bool:
    return all(may(c) for c in logic.instrument(instrument).categories)


def _planned(
    course: Course,
    may: Any,
    measured: dict[str, list[date]] | None = None,
    stored: list[MeasurementSchedule] | None = None,
) -> list[PlannedSchedule]:
    """The course's measurement plans the reader may see (one query unless ``stored`` holds the
    course's plans; a second for the measured dates unless ``measured`` holds them), their points
    until a year ahead or the course's end."""
    on = today()
    if stored is None:
        stored = list(MeasurementSchedule.objects.filter(course_id=course.pk))
    schedules = [s for s in stored if _instrument_visible(s.instrument, may)]
    if not schedules:
        return []
    if measured is None:
        measured = defaultdict(list)
        for instrument, day in Measurement.objects.filter(
            course_id=course.pk, instrument__in=[s.instrument for s in schedules]
        ).values_list("instrument", "measured_on"):
            measured[instrument].append(day)
    horizon = on + timedelta(days=365)
    if course.end_date is not None:
        horizon = min(horizon, course.end_date)
    return [
        PlannedSchedule(
            id=s.pk,
            instrument=s.instrument,
            name=str(logic.SCHEDULE_LABELS[s.instrument]),
            first_on=s.first_on,
            every_weeks=s.every_weeks,
            until=s.until,
            points=logic.point_states(
                logic.schedule_dates(s.first_on, s.every_weeks, s.until, horizon=horizon),
                measured.get(s.instrument, []),
                on,
            ),
        )
        for s in schedules
    ]


def measurement_plan(user: User, course_id: uuid.UUID | str) -> list[PlannedSchedule]:
    """A course's measurement plans for the API (``PermissionDenied`` without access). Logged."""
    access = access_for(user, course_id)
    plans = _planned(access.course, access.may)
    log_course_read(user, access, "planlagte målinger", Purpose.CASEWORK)
    return plans


def open_points(access: Access) -> list[tuple[PlannedSchedule, logic.PointState]]:
    """Due and overdue points of the course for its page's progress section (the page checked
    access and logged the read): one query without plans, two with."""
    return [(s, p) for s in _planned(access.course, access.may) for p in s.open_points]


def schedule_alerts(on: date) -> list[tuple[Any, Any, PlannedSchedule, logic.PointState]]:
    """(coordinator id, course id, plan, point) for every point of an open course that is due,
    or overdue for at most four weeks, and not taken — for the daily alerts (ids only)."""
    rows = list(
        MeasurementSchedule.objects.exclude(course__status=CourseStatus.CLOSED)
        .filter(first_on__lte=on + timedelta(days=logic.POINT_WINDOW_DAYS))
        .select_related("course")
        .only(
            "id",
            "instrument",
            "first_on",
            "every_weeks",
            "until",
            "course__coordinator_id",
            "course__end_date",
            "course__referred_on",
        )
    )
    if not rows:
        return []
    measured: dict[tuple[Any, str], list[date]] = defaultdict(list)
    for course_id, instrument, day in Measurement.objects.filter(
        course_id__in={r.course_id for r in rows}, instrument__in=logic.SCHEDULABLE
    ).values_list("course_id", "instrument", "measured_on"):
        measured[(course_id, instrument)].append(day)
    recent = on - timedelta(days=28)
    out = []
    for s in rows:
        horizon = on + timedelta(days=logic.POINT_WINDOW_DAYS)
        if s.course.end_date is not None:
            horizon = min(horizon, s.course.end_date)
        plan = PlannedSchedule(
            id=s.pk,
            instrument=s.instrument,
            name=str(logic.SCHEDULE_LABELS[s.instrument]),
            first_on=s.first_on,
            every_weeks=s.every_weeks,
            until=s.until,
            points=logic.point_states(
                logic.schedule_dates(s.first_on, s.every_weeks, s.until, horizon=horizon),
                measured[(s.course_id, s.instrument)],
                on,
            ),
        )
        for point in plan.points:
            if point.status not in (logic.PointStatus.DUE, logic.PointStatus.OVERDUE):
                continue
            if point.window_ends >= recent and s.course.coordinator_id is not None:
                out.append((s.course.coordinator_id, s.course_id, plan, point))
    return out


def _measurements(course_ids: Sequence[Any], instruments: Iterable[str]) -> list[Measurement]:
    return list(
        Measurement.objects.filter(course_id__in=course_ids, instrument__in=list(instruments))
        .select_related("entered_by")
        .order_by("measured_on", "created_at")
    )


def _outcomes_and_schedules(
    course_id: Any, kinds: Sequence[str]
) -> tuple[list[OutcomeState], list[MeasurementSchedule]]:
    """The course's hard-outcome states of the given kinds (by date) and its measurement plans,
    in one query (a sub-page's budget is 15 statements, the access log's append takes two): both
    are a handful of rows per course, read as one ``UNION ALL`` and split again. Every column is
    an annotation, so both halves list them in the same order."""
    columns: tuple[str, ...] = ("u_src", "u_pk", "u_kind", "u_value", "u_pct", "u_day")
    columns += ("u_note", "u_until", "u_weeks", "u_at", "u_by", "u_as")
    no_text = Value("", output_field=CharField())
    states = (
        OutcomeState.objects.filter(course_id=course_id, kind__in=list(kinds))
        .annotate(
            u_src=Value("o", output_field=CharField()),
            u_pk=F("id"),
            u_kind=F("kind"),
            u_value=F("value"),
            u_pct=F("percent"),
            u_day=F("valid_from"),
            u_note=F("note"),
            u_until=Value(None, output_field=DateField()),
            u_weeks=Value(None, output_field=IntegerField()),
            u_at=F("created_at"),
            u_by=F("entered_by_id"),
            u_as=F("entered_as"),
        )
        .order_by()
        .values_list(*columns)
    )
    plans = (
        MeasurementSchedule.objects.filter(course_id=course_id)
        .annotate(
            u_src=Value("s", output_field=CharField()),
            u_pk=F("id"),
            u_kind=F("instrument"),
            u_value=no_text,
            u_pct=Value(None, output_field=FloatField()),
            u_day=F("first_on"),
            u_note=no_text,
            u_until=F("until"),
            u_weeks=F("every_weeks"),
            u_at=F("created_at"),
            u_by=F("created_by_id"),
            u_as=no_text,
        )
        .order_by()
        .values_list(*columns)
    )
    found: list[OutcomeState] = []
    schedules: list[MeasurementSchedule] = []
    for src, pk, kind, value, pct, day, note, until, weeks, at, by, entered_as in states.union(
        plans, all=True
    ):
        if src == "o":
            found.append(
                OutcomeState(
                    id=pk,
                    course_id=course_id,
                    kind=kind,
                    value=value,
                    percent=pct,
                    valid_from=day,
                    note=note,
                    entered_by_id=by,
                    entered_as=entered_as,
                    created_at=at,
                )
            )
        else:
            schedules.append(
                MeasurementSchedule(
                    id=pk,
                    course_id=course_id,
                    instrument=kind,
                    first_on=day,
                    every_weeks=weeks,
                    until=until,
                    created_by_id=by,
                    created_at=at,
                )
            )
    found.sort(key=lambda st: (st.valid_from, st.created_at))
    schedules.sort(key=lambda sc: (sc.first_on, sc.instrument))
    return found, schedules


def _build(
    course: Course,
    *,
    may: Any,
    goals: list[Goal],
) -> CourseProgress:
    life_items = logic.visible_items(logic.LIFE_AREAS_INSTRUMENT, may)
    allowed = {
        "who5": all(may(c) for c in logic.WHO5.categories),
        "livsomraader": bool(life_items),
        "gas": all(may(c) for c in logic.GOAL_ATTAINMENT.categories),
    }
    wanted = []
    if allowed["who5"]:
        wanted.append("who5")
    if allowed["livsomraader"]:
        wanted.append("livsomraader")
    if allowed["gas"]:
        wanted += [logic.GOAL_ATTAINMENT.key, logic.GAS_T_KEY]
    rows = _measurements([course.pk], wanted)
    ratings: dict[Any, list[Measurement]] = defaultdict(list)
    for m in rows:
        if m.instrument == logic.GOAL_ATTAINMENT.key:
            ratings[m.goal_id].append(m)
    kinds = [k for k, (_l, _c, cat) in logic.OUTCOME_KINDS.items() if may(cat)]
    outcomes: dict[str, list[OutcomeState]] = {k: [] for k in kinds}
    states, stored_schedules = _outcomes_and_schedules(course.pk, kinds)
    for state in states:
        outcomes[state.kind].append(state)
    hidden = [str(logic.WHO5.name)] if not allowed["who5"] else []
    if not allowed["livsomraader"]:
        hidden.append(str(logic.LIFE_AREAS_INSTRUMENT.name))
    elif len(life_items) < len(logic.LIFE_AREAS):
        hidden.append(
            _("%(name)s: %(n)s af %(total)s områder")
            % {
                "name": logic.LIFE_AREAS_INSTRUMENT.name,
                "n": len(logic.LIFE_AREAS) - len(life_items),
                "total": len(logic.LIFE_AREAS),
            }
        )
    life = [m for m in rows if m.instrument == "livsomraader"]
    _limit_life_areas(life, life_items)
    axis = logic.chart_axis(
        start=course.start_date,
        referred_on=course.referred_on,
        end=course.end_date,
        measured=[m.measured_on for m in rows],
        on=today(),
    )
    events = events_for_courses([course.pk], may=may)
    measured: dict[str, list[date]] = defaultdict(list)
    for m in rows:
        measured[m.instrument].append(m.measured_on)
    schedules = _planned(course, may, measured, stored_schedules)
    return CourseProgress(
        course=course,
        who5=[m for m in rows if m.instrument == "who5"] if allowed["who5"] else None,
        life_areas=life if allowed["livsomraader"] else None,
        goals=goals if allowed["gas"] else None,
        ratings=dict(ratings),
        gas_t=[m for m in rows if m.instrument == logic.GAS_T_KEY],
        outcomes=outcomes,
        events=[e for e in events if axis[0] <= e.on <= axis[1]],
        axis=axis,
        schedules=schedules,
        hidden=hidden,
        life_items=life_items,
    )


def _limit_life_areas(rows: list[Measurement], items: Sequence[logic.Item]) -> None:
    """Keep only the answers and comments of the items the reader may see (in memory: the rows
    are never saved). The mean rests on every item, so it is dropped when any item is hidden."""
    if len(items) == len(logic.LIFE_AREAS):
        return
    keys = {i.key for i in items}
    for m in rows:
        m.answers = {k: v for k, v in m.answers.items() if k in keys}
        m.comments = {k: v for k, v in (m.comments or {}).items() if k in keys}
        m.score = None


def rating_goals(user: User, course_id: uuid.UUID | str) -> list[Goal]:
    """The goals a professional may rate (for binding the GAS form): access checked, not logged
    — the page that shows them logs the read once."""
    access = access_for(user, course_id)
    if not all(access.may(c) for c in logic.GOAL_ATTAINMENT.categories):
        return []
    return list(Goal.objects.filter(plan__course=access.course).exclude(status=GoalStatus.DROPPED))


def course_progress(user: User, course_id: uuid.UUID | str) -> CourseProgress:
    """A course's measurements for a professional (``PermissionDenied`` without access). Logged."""
    access = access_for(user, course_id)
    course = access.course
    goals = list(Goal.objects.filter(plan__course=course).exclude(status=GoalStatus.DROPPED))
    result = _build(course, may=access.may, goals=goals)
    result.access = access
    log_course_read(user, access, "progression og målinger", Purpose.CASEWORK)
    return result


def citizen_courses(user: User) -> list[Course]:
    if not user.is_authenticated or user.kind != UserKind.CITIZEN:
        return []
    return list(
        Course.objects.filter(citizen__user=user)
        .exclude(status=CourseStatus.CLOSED)
        .select_related("initiative")
        .order_by("-referred_on")
    )


def citizen_progress(user: User) -> list[CourseProgress]:
    """The citizen's own courses and measurements (they see everything about themselves)."""
    courses = citizen_courses(user)
    if not courses:
        return []
    result = []
    for course in courses:
        goals = list(Goal.objects.filter(plan__course=course).exclude(status=GoalStatus.DROPPED))
        result.append(_build(course, may=lambda _c: True, goals=goals))  # their own: everything
    log_access(user, courses[0].citizen_id, "egen progression", Purpose.CITIZEN_SELF)
    return result


def course_measurements(user: User, course_id: uuid.UUID) -> list[Measurement]:
    """A course's measurements the user may see, by date and instrument: a citizen's own course
    (everything; ``PermissionDenied`` for another), a professional's through the guard and per
    data category (life areas per area). Logged like the pages."""
    if user.is_citizen:
        own = [p for p in citizen_progress(user) if p.course.pk == course_id]
        if not own:
            raise PermissionDenied
        p = own[0]
    else:
        p = course_progress(user, course_id)
    rows: list[Measurement] = [*(p.who5 or []), *(p.life_areas or [])]
    if p.goals is not None:
        rows += [m for ms in p.ratings.values() for m in ms] + p.gas_t
    rows.sort(key=lambda m: (m.measured_on, m.instrument))
    return rows


# --------------------------------------------------------------------------------------------
# The course page's summary: one query
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatestSummary:
    who5_score: float | None
    who5_on: date | None
    who5_interpretation: logic.Interpretation | None
    gas_t: float | None
    gas_on: date | None
    shows_who5: bool
    shows_gas: bool
    has_plan: bool = False  # the course has a measurement plan (``open_points`` reads it)


def _summary_fields(who5: bool, gas: bool) -> list[str]:
    """The ``CourseSummary`` fields a reader is shown: WHO-5 with health data, GAS with the plan."""
    return (["who5_last", "who5_last_on"] if who5 else []) + (
        ["gas_t_last", "gas_t_on"] if gas else []
    )


def _summary_row(course_id: Any, who5: bool, gas: bool) -> QuerySet[Any]:
    fields = _summary_fields(who5, gas)
    return (
        Course.objects.filter(pk=course_id)
        .annotate(has_plan=Exists(MeasurementSchedule.objects.filter(course_id=OuterRef("pk"))))
        # the annotation last: the order Django's SQL has (a kept query reads the row as is)
        .values_list(*(f"progress_summary__{f}" for f in fields), "has_plan")
        .order_by()[:1]
    )


# On every opening of a course page: compiled once per process and choice of fields.
_SUMMARY: Prepared[tuple[Any, ...]] = Prepared(Course, _summary_row)


def latest_summary(access: Access) -> LatestSummary | None:
    """Latest WHO-5 (if the user may see health data) and latest GAS T-score (plan data) in one
    query (the course's ``CourseSummary`` row, and whether the course has a measurement plan).
    ``None`` if the user may see neither."""
    shows_who5 = all(access.may(c) for c in logic.WHO5.categories)
    shows_gas = access.may("plan")
    if not (shows_who5 or shows_gas):
        return None
    # the course's row with its summary (if any) and whether it has a measurement plan
    rows = _SUMMARY(access.course.pk, shows_who5, shows_gas)
    names = [*_summary_fields(shows_who5, shows_gas), "has_plan"]
    found: dict[str, Any] = dict(zip(names, rows[0], strict=True)) if rows else {}
    w = found.get("who5_last")
    return LatestSummary(
        who5_score=w,
        who5_on=found.get("who5_last_on"),
        who5_interpretation=logic.who5_interpret(w) if w is not None else None,
        gas_t=found.get("gas_t_last"),
        gas_on=found.get("gas_t_on"),
        shows_who5=shows_who5,
        shows_gas=shows_gas,
        has_plan=bool(found.get("has_plan")),
    )


# --------------------------------------------------------------------------------------------
# The initiative dashboard
# --------------------------------------------------------------------------------------------


def dashboard_organisations(user: User) -> set[Any]:
    """The organisations whose courses the user may count: where they are leder or analytiker."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return set()
    return {m.unit.organisation_id for m in membership_list(user) if m.role in DASHBOARD_ROLES}


def counted_courses(user: User, initiative_id: Any | None = None) -> QuerySet[Course]:
    orgs = dashboard_organisations(user)
    if not orgs:
        raise PermissionDenied
    qs = Course.objects.filter(coordinator_unit__organisation_id__in=orgs)
    if initiative_id is not None:
        qs = qs.filter(initiative_id=initiative_id)
    return qs


def visible_initiatives(user: User) -> list[Initiative]:
    ids = counted_courses(user).values("initiative_id")
    return list(Initiative.objects.filter(pk__in=ids).order_by("name", "location"))


def _cohort_fields(prefix: str = "") -> dict[str, Any]:
    """The start cohort as year and quarter. On SQLite from the ISO text of the date with
    built-in functions (Django's ``Extract*`` calls a Python function per row there: a third of
    the dashboard's time at 20,000 courses); on PostgreSQL with ``EXTRACT``."""
    start = Coalesce(f"{prefix}start_date", f"{prefix}referred_on")
    if connection.vendor == "sqlite":
        month = Cast(Substr(start, 6, 2), IntegerField())
        return {
            "cy": Cast(Substr(start, 1, 4), IntegerField()),
            "cq": ExpressionWrapper((month + 2) / 3, output_field=IntegerField()),
        }
    return {"cy": ExtractYear(start), "cq": ExtractQuarter(start)}


def outcome_figures(courses: QuerySet[Course], group: Sequence[str]) -> list[dict[str, Any]]:
    """The dashboard's figures for ``courses`` grouped by ``group`` (the cohort ``cy``/``cq`` or
    ``initiative_id``) in one query over the courses and their ``CourseSummary``: courses,
    citizens, WHO-5 first→latest (courses with at least two), the share with a meaningful
    improvement, the mean latest GAS T-score, cash/sickness benefit → job/education and
    placements avoided. Then one counting join each for measures, contact persons and (when
    the meetings app has a ``Meeting`` with a course) meetings."""
    s = "progress_summary__"
    paired = Q(**{f"{s}who5_n__gte": 2})
    passive = Q(**{f"{s}employment_first__in": sorted(logic.PASSIVE)})
    tracked = Q(**{f"{s}placement_tracked": True})
    rows = list(
        courses.annotate(**_cohort_fields())
        .order_by()
        .values(*group)
        .annotate(
            courses=Count("pk"),
            citizens=Count("citizen_id", distinct=True),
            who5_paired=Count("pk", filter=paired),
            who5_better=Count(
                "pk",
                filter=paired
                & Q(**{f"{s}who5_last__gte": F(f"{s}who5_first") + logic.WHO5_MEANINGFUL_CHANGE}),
            ),
            who5_first_sum=Sum(f"{s}who5_first", filter=paired),
            who5_last_sum=Sum(f"{s}who5_last", filter=paired),
            gas_n=Count(f"{s}gas_t_last"),
            gas_sum=Sum(f"{s}gas_t_last"),
            passive_n=Count("pk", filter=passive),
            to_job=Count(
                "pk",
                filter=passive & Q(**{f"{s}employment_last__in": sorted(logic.JOB_OR_EDUCATION)}),
            ),
            placement_tracked=Count("pk", filter=tracked),
            placement_avoided=Count("pk", filter=tracked & Q(**{f"{s}placement_ever": False})),
        )
        .order_by(*group)
    )
    joins: dict[str, Any] = {"measures": Count("plan__measures"), "contacts": Count("team")}
    meeting = _meeting_model()
    if meeting is not None:
        path = meeting._meta.get_field("course").related_query_name()
        # only meetings that were held (not cancelled, not still being planned)
        joins["meetings"] = Count(path, filter=Q(**{f"{path}__status": HELD_MEETING}))
    by_group = {tuple(r[g] for g in group): r for r in rows}
    for name, count in joins.items():
        for r in courses.annotate(**_cohort_fields()).order_by().values(*group).annotate(n=count):
            target = by_group.get(tuple(r[g] for g in group))
            if target is not None:
                target[name] = r["n"]
    return rows


def _meeting_model() -> Any:
    """The meetings app's ``Meeting`` if it is installed and linked to a course (it is built in
    parallel; the dashboard shows meetings once it exists)."""
    try:
        model = apps.get_model("meetings", "Meeting")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    return model if "course" in names else None


# Display columns of the figures: counts (raw key), and shares/means (numerator or sum, base).
COUNT_COLUMNS = {
    "courses": "courses",
    "citizens": "citizens",
    "who5_paired": "who5_paired",
    "measures": "measures",
    "contacts": "contacts",
    "meetings": "meetings",
}
SHARE_COLUMNS = {
    "who5_share": ("who5_better", "who5_paired"),
    "to_job": ("to_job", "passive_n"),
    "placements_avoided": ("placement_avoided", "placement_tracked"),
}
MEAN_COLUMNS = {
    "who5_first": ("who5_first_sum", "who5_paired"),
    "who5_last": ("who5_last_sum", "who5_paired"),
    "gas_mean": ("gas_sum", "gas_n"),
}


@dataclass
class CohortRow:
    label: str
    raw: dict[str, Any]
    timeliness: dict[str, tuple[float | None, int]] = field(default_factory=dict)
    timely_cells: list[str] = field(default_factory=list)
    # The same cells by metric key (``dashboard_with_timeliness``).
    timely_figures: dict[str, str] = field(default_factory=dict)
    # Columns hidden by secondary suppression (``logic.secondary_suppression``).
    hidden: set[str] = field(default_factory=set)

    def _int(self, key: str) -> int:
        return int(self.raw.get(key) or 0)

    def base(self, column: str) -> int:
        """The number of citizens/courses (or items) the column's figure rests on."""
        if column in COUNT_COLUMNS:
            return self._int(COUNT_COLUMNS[column])
        if column in SHARE_COLUMNS:
            return self._int(SHARE_COLUMNS[column][1])
        return self._int(MEAN_COLUMNS[column][1])

    def primary(self, column: str) -> bool:
        """Whether the figure is suppressed on its own (small cell)."""
        if column in SHARE_COLUMNS:
            num, base = SHARE_COLUMNS[column]
            return logic.share_suppressed(self._int(num), self._int(base))
        return logic.suppressed(self.base(column))

    def cell(self, column: str) -> str:
        if column in self.hidden:
            return logic.SECONDARY
        if column in COUNT_COLUMNS:
            return logic.show_count(self._int(COUNT_COLUMNS[column]))
        if column in SHARE_COLUMNS:
            num, base = SHARE_COLUMNS[column]
            return logic.show_share(self._int(num), self._int(base))
        total, base = MEAN_COLUMNS[column]
        return logic.show_mean(self.raw.get(total) or 0, self._int(base))

    meetings = property(lambda self: self.cell("meetings"))
    measures = property(lambda self: self.cell("measures"))
    contacts = property(lambda self: self.cell("contacts"))
    citizens = property(lambda self: self.cell("citizens"))
    courses = property(lambda self: self.cell("courses"))
    who5_paired = property(lambda self: self.cell("who5_paired"))
    who5_share = property(lambda self: self.cell("who5_share"))
    who5_first = property(lambda self: self.cell("who5_first"))
    who5_last = property(lambda self: self.cell("who5_last"))
    gas_mean = property(lambda self: self.cell("gas_mean"))
    to_job = property(lambda self: self.cell("to_job"))
    placements_avoided = property(lambda self: self.cell("placements_avoided"))

    def output(self, key: str) -> str:
        return self.cell(key)

    def timely(self, key: str) -> str:
        if f"timely:{key}" in self.hidden:
            return logic.SECONDARY
        mean, n = self.timeliness.get(key, (None, 0))
        if n == 0 or mean is None:
            return "–"
        if logic.suppressed(n):
            return "<5"
        return decimal(mean)


def secondary_suppress(
    members: Sequence[CohortRow], total: CohortRow, *, hide_total: bool = False
) -> None:
    """Hide, per column, a second cell wherever a single suppressed cell could be derived as the
    total minus the other rows (``logic.secondary_suppression``): cohorts and "I alt" on the
    dashboard; initiatives and their category in the comparison — there with ``hide_total``,
    because an initiative's row is also its dashboard's "I alt" (shown there), so the category
    cell is the one to hide."""
    for column in [*COUNT_COLUMNS, *SHARE_COLUMNS, *MEAN_COLUMNS]:
        hide, hide_the_total = logic.secondary_suppression(
            [(r.base(column), r.primary(column)) for r in members],
            (total.base(column), total.primary(column)),
        )
        if hide and hide_total:
            hide, hide_the_total = set(), True
        for i in hide:
            members[i].hidden.add(column)
        if hide_the_total:
            total.hidden.add(column)


def _secondary_timeliness(members: Sequence[CohortRow], total: CohortRow, keys: list[str]) -> None:
    for key in keys:
        n = [r.timeliness.get(key, (None, 0))[1] for r in members]
        hide, hide_total = logic.secondary_suppression(
            [(x, logic.suppressed(x)) for x in n],
            (
                total.timeliness.get(key, (None, 0))[1],
                logic.suppressed(total.timeliness.get(key, (None, 0))[1]),
            ),
        )
        for i in hide:
            members[i].hidden.add(f"timely:{key}")
        if hide_total:
            total.hidden.add(f"timely:{key}")


@dataclass
class Dashboard:
    initiative: Initiative
    rows: list[CohortRow]
    total: CohortRow
    has_meetings: bool
    metrics: list[Any]


def _combine(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = defaultdict(float)
    for r in rows:
        for k, v in r.items():
            if isinstance(v, (int, float)) and k not in ("cy", "cq"):
                total[k] += v or 0
    for k in list(total):
        if k not in ("who5_first_sum", "who5_last_sum", "gas_sum"):
            total[k] = int(total[k])
    for key in (
        "courses",
        "citizens",
        "who5_paired",
        "who5_better",
        "gas_n",
        "passive_n",
        "to_job",
        "placement_tracked",
        "placement_avoided",
    ):
        total.setdefault(key, 0)
    return dict(total)


def _timeliness(
    cohort_of: dict[Any, tuple[int, int]], metric_keys: list[str]
) -> dict[tuple[int, int], dict[str, tuple[float | None, int]]]:
    """Mean of each timeliness figure per cohort (and the number of courses with a value)."""
    sums: dict[tuple[int, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    if not metric_keys or not cohort_of:
        return {}
    for course_id, values in timeliness_for_courses(list(cohort_of)).items():
        cohort = cohort_of.get(course_id)
        if cohort is None:
            continue
        for key, value in values.items():
            if value is not None:
                sums[cohort][key].append(float(value))
                sums[(0, 0)][key].append(float(value))
    return {
        cohort: {k: (sum(v) / len(v) if v else None, len(v)) for k, v in per.items()}
        for cohort, per in sums.items()
    }


def dashboard(user: User, initiative_id: uuid.UUID | str) -> Dashboard:
    """The initiative's outputs and outcomes by start cohort, for a leader or analyst: one
    aggregate query. Aggregates only: no citizen is shown, so no access-log entry is written."""
    courses = counted_courses(user, initiative_id)
    initiative = Initiative.objects.filter(pk=initiative_id).first()
    if initiative is None or not courses.exists():
        raise PermissionDenied
    raw = outcome_figures(courses, ["cy", "cq"])
    rows = [CohortRow(logic.cohort_label(r["cy"], r["cq"]), r) for r in raw]
    combined = _combine(raw)
    # a citizen with courses in two cohorts is one citizen in the total
    combined["citizens"] = courses.aggregate(n=Count("citizen_id", distinct=True))["n"]
    total = CohortRow("I alt", combined)
    secondary_suppress(rows, total)
    return Dashboard(initiative, rows, total, _meeting_model() is not None, timeliness_metrics())


def dashboard_timeliness(user: User, initiative_id: uuid.UUID | str) -> Dashboard:
    """The timeliness figures (``courses.sections.timeliness_for_courses``, registered by the
    meetings and handovers apps) averaged per start cohort. Loaded as its own fragment: the
    sources' cost is theirs and grows with the number of courses, not with measurements."""
    courses = counted_courses(user, initiative_id)
    initiative = Initiative.objects.filter(pk=initiative_id).first()
    if initiative is None:
        raise PermissionDenied
    metrics = timeliness_metrics()
    cohort_of = {
        pk: (y, q)
        for pk, y, q in courses.annotate(**_cohort_fields()).values_list(  # type: ignore[misc]
            "pk", "cy", "cq"
        )
    }
    if not cohort_of:
        raise PermissionDenied
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for cohort in cohort_of.values():
        counts[cohort] += 1
    timely = _timeliness(cohort_of, [m.key for m in metrics]) if metrics else {}
    rows = [
        CohortRow(logic.cohort_label(y, q), {"courses": counts[(y, q)]}, timely.get((y, q), {}))
        for y, q in sorted(counts)
    ]
    total = CohortRow("I alt", {"courses": len(cohort_of)}, timely.get((0, 0), {}))
    _secondary_timeliness(rows, total, [m.key for m in metrics])
    for row in [*rows, total]:
        row.timely_cells = [row.timely(m.key) for m in metrics]
    return Dashboard(initiative, rows, total, False, metrics)


def dashboard_with_timeliness(user: User, initiative_id: uuid.UUID | str) -> Dashboard:
    """The dashboard with each cohort's timeliness cells (``timely_cells``, and by metric key in
    ``timely_figures``): the page loads them as a fragment, the API answers both at once."""
    d = dashboard(user, initiative_id)
    t = dashboard_timeliness(user, initiative_id)
    keys = [m.key for m in t.metrics]
    timely = {r.label: r for r in [*t.rows, t.total]}
    for r in [*d.rows, d.total]:
        r.timely_cells = timely[r.label].timely_cells if r.label in timely else ["–"] * len(keys)
        r.timely_figures = dict(zip(keys, r.timely_cells, strict=True))
    return d


@dataclass
class ComparisonRow:
    label: str
    row: CohortRow
    category: int | None = None
    initiative_id: Any = None


def comparison(user: User) -> tuple[list[ComparisonRow], list[ComparisonRow]]:
    """The headline figures per initiative and per registry category (1-9) for the initiatives
    the user may count."""
    from helhed.registry.selectors import evaluate, initiatives

    courses = counted_courses(user)
    raw = {r["initiative_id"]: r for r in outcome_figures(courses, ["initiative_id"])}
    inits = list(initiatives().filter(pk__in=list(raw)).order_by("name", "location"))
    by_initiative = []
    by_category: dict[int | None, list[ComparisonRow]] = defaultdict(list)
    for initiative in inits:
        category = evaluate(initiative).category
        row = ComparisonRow(
            str(initiative), CohortRow(str(initiative), raw[initiative.pk]), category, initiative.pk
        )
        by_initiative.append(row)
        by_category[category].append(row)
    ordered = sorted(by_category.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    # distinct citizens per category (a citizen in two initiatives of a category counts once)
    citizens = courses.aggregate(
        **{
            f"c{i}": Count(
                "citizen_id",
                distinct=True,
                filter=Q(initiative_id__in=[r.initiative_id for r in members]),
            )
            for i, (_c, members) in enumerate(ordered)
        }
    )
    categories = []
    for i, (c, members) in enumerate(ordered):
        combined = _combine(r.row.raw for r in members)
        combined["citizens"] = citizens[f"c{i}"]
        total = CohortRow(str(c), combined)
        secondary_suppress([r.row for r in members], total, hide_total=True)
        categories.append(
            ComparisonRow(_("Kategori %(n)s") % {"n": c} if c else _("Uden kategori"), total, c)
        )
    return by_initiative, categories


# --------------------------------------------------------------------------------------------
# The evaluation export
# --------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "pseudonym",
    "forloeb",
    "kohorte",
    "raekke",
    "maaleredskab",
    "version",
    "dato",
    "score",
    "svar",
    "udfyldt_af",
)


def export_organisations(user: User) -> set[Any]:
    """The organisations whose courses the user may export: where they are *analytiker*."""
    return {org for _unit, org in _analyst_units(user)}


def _analyst_units(user: User) -> list[tuple[Any, Any]]:
    """(unit id, organisation id) of the user's current *analytiker* memberships."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return []
    return [
        (m.unit_id, m.unit.organisation_id) for m in membership_list(user) if m.role in EXPORT_ROLES
    ]


EXPORT_MIN_CITIZENS = logic.SMALL_CELL  # the dashboard's threshold


class TooFewCitizensError(DomainError):
    """Fewer than ``EXPORT_MIN_CITIZENS`` citizens of the initiative may be exported: rows on so
    few people could single them out (the dashboard suppresses the same cells). The API answers
    422 "For få borgere" with the ``minimum``; the page says why."""

    status = 422
    title = "For få borgere"

    def __init__(self) -> None:
        super().__init__(
            _(
                "Udtrækket kan ikke laves: færre end %(n)s borgere i indsatsen har et gyldigt "
                "samtykke til, at deres oplysninger bruges pseudonymiseret til evaluering hos "
                "jer. Så få rækker kan pege på den enkelte borger."
            )
            % {"n": EXPORT_MIN_CITIZENS},
            minimum=EXPORT_MIN_CITIZENS,
        )


def evaluation_consents(user: User, course_ids: Sequence[Any]) -> dict[Any, tuple[set[str], Any]]:
    """Per course: the data categories covered by the consents valid today (not expired, not
    withdrawn) that name evaluation as a purpose (``Consent.for_evaluation``) and whose
    recipients include the analyst's organisation — the organisation as a whole, or one of its
    units (the organisation is the data controller that evaluates) — and the analyst's unit the
    export is attributed to. A course without such a consent is absent: a consent for the
    casework only, or given to another organisation, does not count."""
    from helhed.courses.models import Consent

    pairs = _analyst_units(user)
    if not pairs or not course_ids:
        return {}
    unit_of_org: dict[Any, Any] = {}
    for unit, org in pairs:
        unit_of_org.setdefault(org, unit)
    orgs = list(unit_of_org)
    # A course whose processing is restricted (GDPR art. 18) is not shared, not even pseudonymised.
    valid = valid_on_q(today(), "consent__", withdrawable=True) & Q(
        consent__for_evaluation=True,
        consent__course_id__in=list(course_ids),
        consent__course__restricted_since__isnull=True,
    )
    recipient: dict[Any, Any] = {}  # consent id -> the analyst's unit in the organisation named
    for consent_id, org in Consent.units.through.objects.filter(
        valid, unit__organisation_id__in=orgs
    ).values_list("consent_id", "unit__organisation_id"):
        recipient.setdefault(consent_id, unit_of_org[org])
    for consent_id, org in Consent.organisations.through.objects.filter(
        valid, organisation_id__in=orgs
    ).values_list("consent_id", "organisation_id"):
        recipient.setdefault(consent_id, unit_of_org[org])
    names = tuple(c for c, _label in DATA_CATEGORIES)
    out: dict[Any, tuple[set[str], Any]] = {}
    for consent_id, course_id, *flags in (
        Consent.objects.filter(pk__in=list(recipient))
        .order_by("pk")
        .values_list("pk", "course_id", *(f"cat_{n}" for n in names))
    ):
        categories, unit = out.get(course_id, (set(), recipient[consent_id]))
        categories |= {n for n, flag in zip(names, flags, strict=True) if flag}
        out[course_id] = (categories, unit)
    return out


@dataclass(frozen=True)
class ExportScope:
    """What an analyst may export of one initiative: per course the categories its evaluation
    consents cover, the citizen and cohort, and the analyst's unit each read is attributed to."""

    allowed: dict[Any, set[str]]
    meta: dict[Any, tuple[str, str]]
    units: dict[Any, Any]

    @property
    def citizens(self) -> set[str]:
        return {citizen for citizen, _cohort in self.meta.values()}


def export_scope(user: User, initiative_id: uuid.UUID | str) -> ExportScope:
    """The courses of the initiative the analyst may export (access checked, nothing logged):
    counted courses coordinated by an organisation where the user is *analytiker*, with a
    consent valid today for evaluation whose recipients include that organisation.
    ``PermissionDenied`` for anyone else (also for an initiative without courses to count);
    ``TooFewCitizensError`` below the threshold."""
    orgs = export_organisations(user)
    if not orgs:
        raise PermissionDenied
    courses = counted_courses(user, initiative_id).filter(
        coordinator_unit__organisation_id__in=orgs
    )
    course_rows = list(courses.values_list("pk", "citizen_id", "start_date", "referred_on"))
    if not course_rows:
        raise PermissionDenied
    consents = evaluation_consents(user, [pk for pk, *_rest in course_rows])
    meta = {
        pk: (str(citizen), logic.cohort_of(start or referred))
        for pk, citizen, start, referred in course_rows
        if pk in consents
    }
    scope = ExportScope(
        allowed={pk: consents[pk][0] for pk in meta},
        meta=meta,
        units={pk: consents[pk][1] for pk in meta},
    )
    if len(scope.citizens) < EXPORT_MIN_CITIZENS:
        raise TooFewCitizensError
    return scope


def export_rows(
    user: User, initiative_id: uuid.UUID | str, *, purpose_salt: str, date_mode: str
) -> Iterator[dict[str, Any]]:
    """One row per measurement and per outcome state of the initiative's courses the analyst may
    export (``export_scope``), pseudonymised: a stable HMAC pseudonym per citizen (and per
    course), no names, no CPR, no free text; dates shifted per citizen (by a purpose-independent
    key) or coarsened to month/quarter.

    Only for *analytiker* (in the organisation coordinating the course), only citizens whose
    consent valid today names evaluation and the analyst's organisation (or one of its units) as
    a recipient, only the categories
    that consent covers (a life-area answer of another category is left out), and only when at
    least ``EXPORT_MIN_CITIZENS`` citizens qualify (else ``TooFewCitizensError``: no rows). One
    access-log entry per citizen exported (purpose "evaluering"), attributed to the analyst's unit
    in the organisation the consent names, is written here, before the rows are produced; the
    rows are a generator, streamed from the database in chunks."""
    if date_mode not in logic.DATE_MODES:
        raise ValueError(date_mode)
    scope = export_scope(user, initiative_id)
    by_unit: dict[Any, set[uuid.UUID]] = defaultdict(set)
    for pk, (citizen, _cohort) in scope.meta.items():
        by_unit[scope.units[pk]].add(uuid.UUID(citizen))
    for unit_id, citizens in by_unit.items():
        log_access(
            user,
            sorted(citizens, key=str),
            "pseudonymiseret evalueringsudtræk",
            Purpose.EVALUATION,
            unit_id=unit_id,
        )
    key = logic.export_key(settings.SECRET_KEY, purpose_salt)
    shift = logic.shift_key(settings.SECRET_KEY)
    return _export_rows(key, shift, date_mode, scope.meta, scope.allowed)


def _export_rows(
    key: bytes,
    shift: bytes,
    date_mode: str,
    meta: dict[Any, tuple[str, str]],
    allowed: dict[Any, set[str]],
) -> Iterator[dict[str, Any]]:
    def when(citizen: str, on: date) -> str:
        return logic.coarsen_date(on, date_mode, logic.date_shift_days(shift, citizen))

    ids = list(meta)
    life = logic.LIFE_AREAS_INSTRUMENT
    for chunk_start in range(0, len(ids), 1000):
        chunk = ids[chunk_start : chunk_start + 1000]
        for m in (
            Measurement.objects.filter(course_id__in=chunk)
            .order_by("course_id", "measured_on", "instrument")
            .values_list(
                "course_id",
                "instrument",
                "version",
                "measured_on",
                "score",
                "answers",
                "entered_as",
            )
            .iterator(chunk_size=5000)
        ):
            course_id, instrument, version, on, score, answers, entered_as = m
            citizen, cohort = meta[course_id]
            may = allowed[course_id].__contains__
            if instrument == logic.GAS_T_KEY:
                if not may("plan"):
                    continue
                answers = {"niveauer": [g["niveau"] for g in answers.get("goals", {}).values()]}
            elif instrument == life.key:
                keys = {i.key for i in logic.visible_items(life, may)}
                if not keys:
                    continue
                if len(keys) < len(life.items):
                    answers = {k: v for k, v in answers.items() if k in keys}
                    score = None
            else:
                try:
                    categories = logic.instrument(instrument, version).categories
                except ValueError:
                    continue
                if not all(may(c) for c in categories):
                    continue
            yield {
                "pseudonym": logic.pseudonym(key, citizen),
                "forloeb": logic.pseudonym(key, f"course:{course_id}"),
                "kohorte": cohort,
                "raekke": "maaling",
                "maaleredskab": instrument,
                "version": version,
                "dato": when(citizen, on),
                "score": score,
                "svar": answers,
                "udfyldt_af": entered_as,
            }
        for course_id, kind, value, percent, on, entered_as in (
            OutcomeState.objects.filter(course_id__in=chunk)
            .order_by("course_id", "valid_from", "kind")
            .values_list("course_id", "kind", "value", "percent", "valid_from", "entered_as")
        ):
            if kind not in logic.OUTCOME_KINDS:
                continue
            if logic.OUTCOME_KINDS[kind][2] not in allowed[course_id]:
                continue
            citizen, cohort = meta[course_id]
            yield {
                "pseudonym": logic.pseudonym(key, citizen),
                "forloeb": logic.pseudonym(key, f"course:{course_id}"),
                "kohorte": cohort,
                "raekke": "resultat",
                "maaleredskab": kind,
                "version": 1,
                "dato": when(citizen, on),
                "score": percent,
                "svar": value,
                "udfyldt_af": entered_as,
            }


# --------------------------------------------------------------------------------------------
# Dated series for apps above progress (economics' contract indicators)
# --------------------------------------------------------------------------------------------


@dataclass
class OutcomeSeries:
    """A course's scored WHO-5s, employment states (in entry order), school attendance and
    goal-attainment levels, as dated plain values."""

    who5: list[tuple[date, float]] = field(default_factory=list)
    employment: list[tuple[date, str]] = field(default_factory=list)
    school: list[tuple[date, float]] = field(default_factory=list)
    goal_ratings: list[tuple[str, date, int]] = field(default_factory=list)
    measured: dict[str, list[date]] = field(default_factory=dict)  # instrument/kind → dates


def outcome_series(course_ids: Sequence[Any]) -> dict[Any, OutcomeSeries]:
    """The series of the given courses in two queries (the ids as one parameter,
    ``core.idsets``). No access check and no log: callers (the daily contract evaluation, the
    coordinator's due measurements) check access before they show a result."""
    out: dict[Any, OutcomeSeries] = {c: OutcomeSeries() for c in course_ids}
    if not out:
        return out
    ids = idsets.of(out, connection.vendor)
    for course_id, instrument, goal_id, on, score in _SERIES_MEASUREMENTS(ids):
        series = out[course_id]
        series.measured.setdefault(instrument, []).append(on)
        if score is None:
            continue
        if instrument == "who5":
            series.who5.append((on, score))
        elif goal_id is not None:
            series.goal_ratings.append((str(goal_id), on, int(score)))
    for course_id, kind, value, percent, on in _SERIES_STATES(ids):
        series = out[course_id]
        series.measured.setdefault(kind, []).append(on)
        if kind == "beskaeftigelse":
            series.employment.append((on, value))
        elif percent is not None:
            series.school.append((on, percent))
    return out


def _series_measurements(ids: str) -> QuerySet[Any, tuple[Any, ...]]:
    return (
        Measurement.objects.filter(
            idsets.InIds(F("course_id"), ids), instrument__in=["who5", logic.GOAL_ATTAINMENT.key]
        )
        .order_by("measured_on", "created_at")
        .values_list("course_id", "instrument", "goal_id", "measured_on", "score")
    )


def _series_states(ids: str) -> QuerySet[Any, tuple[Any, ...]]:
    return (
        OutcomeState.objects.filter(
            idsets.InIds(F("course_id"), ids), kind__in=["beskaeftigelse", "skolefremmoede"]
        )
        .order_by("valid_from", "created_at")
        .values_list("course_id", "kind", "value", "percent", "valid_from")
    )


# Read for the coordinator's start page (due measurements) and the daily evaluation: compiled
# once per process.
_SERIES_MEASUREMENTS: Prepared[tuple[Any, ...]] = Prepared(Measurement, _series_measurements)
_SERIES_STATES: Prepared[tuple[Any, ...]] = Prepared(OutcomeState, _series_states)
