"""Reads of meetings, tasks, recommendations and rulings — access-checked and logged.

Meetings and minutes are plan data: a professional sees them only when ``courses.selectors``
grants access to the course's plan (team membership with a valid consent, coordinator, or an
explicit access without consent), and every read of them is written to the access log. Lists
across courses (my tasks, open recommendations) are filtered by ``visible_courses`` in SQL.

The timeliness figures and timeline events take course ids that the caller may see and are a
few aggregate queries, whatever the number of courses.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Avg, Count, Min, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import User
from helhed.core.sections import FigureValue, TimelineEvent
from helhed.courses import selectors as course_selectors
from helhed.courses.logic import DATA_CATEGORIES
from helhed.meetings import logic
from helhed.meetings.models import (
    Availability,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    ParticipantKind,
    ProposedTime,
    Recommendation,
    Ruling,
    Task,
)

PLAN = "plan"


def today() -> date:
    return timezone.localdate()


def plan_access(user: User, course_id: Any) -> course_selectors.Access:
    """Access to the course's plan (meetings are plan data), or ``PermissionDenied``."""
    from django.core.exceptions import PermissionDenied

    access = course_selectors.access_for(user, course_id)
    if not access.may(PLAN):
        raise PermissionDenied
    return access


def _meetings_qs() -> QuerySet[Meeting]:
    return Meeting.objects.prefetch_related(
        Prefetch("participants", queryset=Participant.objects.order_by("kind", "name"))
    )


@dataclass
class CourseMeetings:
    access: course_selectors.Access
    upcoming: list[Meeting]
    past: list[Meeting]
    open_tasks: list[Task]
    done_tasks: int
    open_recommendations: list[Recommendation]
    rulings: list[Ruling]
    figures: dict[str, FigureValue] = field(default_factory=dict)
    today: date = field(default_factory=today)

    @property
    def overdue(self) -> list[Task]:
        return [t for t in self.open_tasks if t.due_date < self.today]


def course_meetings(
    user: User, course_id: uuid.UUID | str, *, purpose: str = Purpose.MEETING
) -> CourseMeetings:
    """The course's meetings, open tasks, recommendations and rulings. Logged."""
    access = plan_access(user, course_id)
    course = access.course
    on = today()
    meetings = list(_meetings_qs().filter(course=course).order_by("starts_at", "created_at"))
    upcoming = [
        m for m in meetings if m.status in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED)
    ]
    past = sorted(
        (m for m in meetings if m.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED)),
        key=lambda m: m.starts_at or m.created_at,
        reverse=True,
    )
    tasks = Task.objects.filter(course=course).select_related("owner", "goal", "measure")
    open_tasks = list(tasks.filter(done_at__isnull=True).order_by("due_date"))
    _label_measures(open_tasks, access)
    done = tasks.filter(done_at__isnull=False).count()
    recs = list(
        Recommendation.objects.filter(course=course)
        .select_related("authority_unit", "authority_unit__organisation", "ruling")
        .select_related("ruling__legal_basis", "recommended_by", "ruling__decided_by")
        .order_by("recommended_on")
    )
    open_recs, rulings = [], []
    for rec in recs:
        if not access.may(rec.data_category):
            continue
        ruling = getattr(rec, "ruling", None)
        if ruling is None:
            rec.waiting = logic.waiting_days(rec.recommended_on, on)  # type: ignore[attr-defined]
            open_recs.append(rec)
        else:
            rulings.append(ruling)
    course_selectors.log_course_read(user, access, "møder, opgaver og indstillinger", purpose)
    figures = timeliness([course.pk], categories=allowed_categories(access)).get(course.pk, {})
    return CourseMeetings(access, upcoming, past, open_tasks, done, open_recs, rulings, figures, on)


def _label_measures(items: list[Any], access: course_selectors.Access) -> None:
    """``item.measure_label``: the linked measure's title, or a neutral text when the reader's
    consent does not cover the measure's data category (a title such as "Psykiatrisk udredning"
    is itself health data)."""
    for item in items:
        measure = item.measure
        if measure is None:
            item.measure_label = ""
        elif access.may(measure.data_category):
            item.measure_label = measure.title
        else:
            item.measure_label = gettext("en indsats, dit samtykke ikke omfatter")


@dataclass
class AvailabilityRow:
    participant: Participant
    cells: list[tuple[ProposedTime, str]]


@dataclass
class MeetingDetail:
    access: course_selectors.Access
    meeting: Meeting
    participants: list[Participant]
    times: list[ProposedTime]
    grid: list[AvailabilityRow]
    common: logic.CommonTime
    decisions: list[Decision]
    citizen_invited: bool
    answerable_ids: set[Any]
    team: list[Any]
    goals: list[Any]
    measures: list[Any]


def meeting_detail(
    user: User, meeting_id: uuid.UUID | str, *, purpose: str = Purpose.MEETING
) -> MeetingDetail:
    """One meeting with its participants, the availability grid, the earliest common time and
    the minutes. Logged. ``PermissionDenied`` for a meeting that does not exist or that the
    user may not see (existence does not leak)."""
    from django.core.exceptions import PermissionDenied

    course_id = Meeting.objects.filter(pk=meeting_id).values_list("course_id", flat=True).first()
    if course_id is None:
        raise PermissionDenied
    access = course_selectors.access_for(user, course_id)
    meeting = (
        _meetings_qs()
        .select_related("coordinated_by", "keeps_in_step", "next_meeting", "minutes_closed_by")
        .prefetch_related("proposed_times")
        .get(pk=meeting_id)
    )
    participants = list(meeting.participants.all())
    own = {p.pk for p in participants if p.user_id == user.pk}
    if not access.may(PLAN):
        raise PermissionDenied
    times = list(meeting.proposed_times.all())
    answers: dict[tuple[Hashable, Hashable], str] = {
        (a.participant_id, a.proposed_time_id): a.answer
        for a in Availability.objects.filter(proposed_time__meeting=meeting)
    }
    grid = [
        AvailabilityRow(p, [(t, answers.get((p.pk, t.pk), "")) for t in times])
        for p in participants
    ]
    common = logic.earliest_common_time(
        [logic.TimeOption(t.pk, t.starts_at) for t in times],
        [logic.Person(p.pk, p.name, p.required) for p in participants],
        answers,
        timezone.now(),
    )
    decisions = list(
        Decision.objects.filter(meeting=meeting)
        .select_related("measure")
        .prefetch_related(
            Prefetch("tasks", queryset=Task.objects.select_related("owner", "goal", "measure"))
        )
    )
    _label_measures(decisions, access)
    for decision in decisions:
        _label_measures(list(decision.tasks.all()), access)
    course = access.course
    plan = getattr(course, "plan", None)
    on = today()
    team = [
        t
        for t in course.team.all()
        if t.valid_from <= on and (t.valid_to is None or t.valid_to >= on)
    ]
    goals = list(plan.goals.all()) if plan is not None else []
    measures = (
        [m for m in plan.measures.all() if access.may(m.data_category)] if plan is not None else []
    )
    course_selectors.log_course_read(user, access, "møde og referat", purpose)
    return MeetingDetail(
        access=access,
        meeting=meeting,
        participants=participants,
        times=times,
        grid=grid,
        common=common,
        decisions=decisions,
        citizen_invited=any(p.kind == ParticipantKind.CITIZEN for p in participants),
        answerable_ids=own,
        team=team,
        goals=goals,
        measures=measures,
    )


def my_tasks(user: User, *, include_done: bool = False, limit: int | None = None) -> list[Task]:
    """The user's own tasks in courses they may still see, soonest due first. Logged (the list
    names the citizens)."""
    qs = (
        Task.objects.filter(owner_user=user, course__in=course_selectors.visible_courses(user))
        .select_related("course", "course__citizen", "owner")
        .order_by("due_date", "title")
    )
    if not include_done:
        qs = qs.filter(done_at__isnull=True)
    tasks = list(qs[:limit] if limit else qs)
    if tasks:
        log_access(
            user, sorted({t.course.citizen_id for t in tasks}), "mine opgaver", Purpose.CASEWORK
        )
    return tasks


def open_recommendations(user: User) -> list[Recommendation]:
    """Recommendations without a ruling in the courses the user may see, oldest first, each with
    ``waiting`` (days since the recommendation). Logged."""
    on = today()
    # Each recommendation only where the user's consent covers its measure's category.
    allowed = Q()
    for category, _label in DATA_CATEGORIES:
        allowed |= Q(
            data_category=category,
            course__in=course_selectors.visible_courses(user, category=category),
        )
    recs = list(
        Recommendation.objects.filter(allowed, ruling__isnull=True)
        .select_related(
            "course__citizen",
            "authority_unit",
            "authority_unit__organisation",
        )
        .order_by("recommended_on", "created_at")[:500]
    )
    for rec in recs:
        rec.waiting = logic.waiting_days(rec.recommended_on, on)  # type: ignore[attr-defined]
    if recs:
        log_access(
            user,
            sorted({r.course.citizen_id for r in recs}),
            "åbne indstillinger",
            Purpose.CASEWORK,
        )
    return recs


@dataclass
class CitizenMeetings:
    upcoming: list[Meeting]
    minutes: list[Meeting]
    tasks: list[Task]
    # For meetings whose time is still being found: [(proposed time, the citizen's answer)].
    questions: dict[Any, list[tuple[ProposedTime, str]]] = field(default_factory=dict)


def citizen_meetings(user: User) -> CitizenMeetings | None:
    """The citizen's own meetings: upcoming ones, and the plain-language minutes of held ones
    with the tasks agreed. Logged with the purpose "egen adgang"."""
    citizen_id = course_selectors.citizen_id_for_user(user)
    if citizen_id is None:
        return None
    meetings = list(
        Meeting.objects.filter(course__citizen_id=citizen_id)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("next_meeting")
        .order_by("starts_at", "created_at")
    )
    upcoming = [
        m for m in meetings if m.status in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED)
    ]
    minutes = sorted(
        (m for m in meetings if m.minutes_closed),
        key=lambda m: m.starts_at or m.created_at,
        reverse=True,
    )
    tasks = list(
        Task.objects.filter(decision__meeting__in=minutes, done_at__isnull=True)
        .select_related("owner")
        .order_by("due_date")
    )
    invited = set(
        Participant.objects.filter(
            meeting__in=[m.pk for m in upcoming if m.status == MeetingStatus.PLANNING],
            kind=ParticipantKind.CITIZEN,
        ).values_list("meeting_id", flat=True)
    )
    planning = [m for m in upcoming if m.pk in invited]
    questions: dict[Any, list[tuple[ProposedTime, str]]] = {m.pk: [] for m in planning}
    if planning:
        own = {
            a.proposed_time_id: a.answer
            for a in Availability.objects.filter(
                proposed_time__meeting__in=planning, participant__kind=ParticipantKind.CITIZEN
            )
        }
        for t in ProposedTime.objects.filter(meeting__in=planning).order_by("starts_at"):
            questions[t.meeting_id].append((t, own.get(t.pk, "")))
    log_access(user, citizen_id, "egne møder og referater", Purpose.CITIZEN_SELF)
    return CitizenMeetings(upcoming, minutes, tasks, questions)


# --------------------------------------------------------------------------------------------
# Timeliness figures and timeline events (no access check: callers pass courses they may see)
# --------------------------------------------------------------------------------------------

DAYS_TO_FIRST_MEETING = "days_referral_to_first_meeting"
DAYS_RECOMMENDATION_TO_RULING = "days_recommendation_to_ruling"
OPEN_RECOMMENDATIONS = "open_recommendations"
OVERDUE_TASKS = "overdue_tasks"


def _chunks(ids: Sequence[Any], size: int = 900) -> Iterable[Sequence[Any]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def allowed_categories(access: course_selectors.Access) -> list[str]:
    """The data categories the reader's access covers."""
    return [category for category, _label in DATA_CATEGORIES if access.may(category)]


def course_timeliness(user: User, course_id: uuid.UUID | str) -> dict[str, FigureValue]:
    """One course's timeliness figures for a reader with access to its plan, counting only
    recommendations and rulings in categories the reader may see. Logged."""
    access = plan_access(user, course_id)
    figures = timeliness([access.course.pk], categories=allowed_categories(access))
    course_selectors.log_course_read(user, access, "rettidighed", Purpose.MEETING)
    return figures.get(access.course.pk, {})


def timeliness(
    course_ids: Sequence[Any],
    on: date | None = None,
    *,
    categories: Sequence[str] | None = None,
) -> dict[Any, dict[str, FigureValue]]:
    """Per course: days from referral to the first meeting held, the mean days from
    recommendation to ruling, the number of open recommendations and of overdue tasks. Four
    grouped queries per chunk of 900 courses (SQLite's parameter limit). With ``categories``
    (a reader's allowed data categories), recommendations and rulings about measures in other
    categories are not counted."""
    on = on or today()
    recs = Recommendation.objects.all()
    rulings = Ruling.objects.all()
    if categories is not None:
        recs = recs.filter(data_category__in=list(categories))
        rulings = rulings.filter(recommendation__data_category__in=list(categories))
    result: dict[Any, dict[str, FigureValue]] = defaultdict(dict)
    for chunk in _chunks(list(course_ids)):
        first_held = (
            Meeting.objects.filter(course_id__in=chunk, status=MeetingStatus.HELD)
            .values("course_id", "course__referred_on")
            .annotate(first=Min("starts_at"))
        )
        for row in first_held:
            held_on = timezone.localtime(row["first"]).date()
            result[row["course_id"]][DAYS_TO_FIRST_MEETING] = logic.waiting_days(
                row["course__referred_on"], held_on
            )
        for row_mean in (
            rulings.filter(course_id__in=chunk)
            .values("course_id")
            .annotate(mean=Avg("waiting_days"))
        ):
            result[row_mean["course_id"]][DAYS_RECOMMENDATION_TO_RULING] = round(
                float(row_mean["mean"]), 1
            )
        for row_open in (
            recs.filter(course_id__in=chunk, ruling__isnull=True)
            .values("course_id")
            .annotate(n=Count("pk"))
        ):
            result[row_open["course_id"]][OPEN_RECOMMENDATIONS] = row_open["n"]
        for row_task in (
            Task.objects.filter(course_id__in=chunk, done_at__isnull=True, due_date__lt=on)
            .values("course_id")
            .annotate(n=Count("pk"))
        ):
            result[row_task["course_id"]][OVERDUE_TASKS] = row_task["n"]
    return dict(result)


def meeting_events(course_ids: Sequence[Any]) -> list[TimelineEvent]:
    """Meetings held, for timelines and chart markers."""
    events = []
    for chunk in _chunks(list(course_ids)):
        for meeting_id, course_id, starts_at, kind in Meeting.objects.filter(
            course_id__in=chunk, status=MeetingStatus.HELD
        ).values_list("pk", "course_id", "starts_at", "kind"):
            events.append(
                TimelineEvent(
                    course_id=course_id,
                    on=timezone.localtime(starts_at).date(),
                    kind="meeting",
                    label=str(MeetingKind(kind).label),
                    url=reverse("meetings:meeting_detail", args=[meeting_id]),
                )
            )
    return events


def overdue_tasks_for_alerts(on: date) -> Iterable[tuple[Any, Any, Any, Any]]:
    """``(task id, owner user id, coordinator id, course id)`` of every overdue open task,
    streamed (no personal data)."""
    return (
        Task.objects.filter(done_at__isnull=True, due_date__lt=on)
        .values_list("pk", "owner_user_id", "course__coordinator_id", "course_id")
        .order_by()
        .iterator(chunk_size=2000)
    )


# --------------------------------------------------------------------------------------------
# Who pays: decisions linked to a measure, for the economics app
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayerDecision:
    decision_id: Any
    measure_id: Any
    payer: str  # courses.BudgetArea value
    decided_on: date | None


def payer_decisions(course_ids: Sequence[Any]) -> dict[Any, list[PayerDecision]]:
    """Per measure, the meeting decisions that say who pays for it (oldest first). Plain values;
    no access check, no log: the caller shows them only beside measures the reader may see."""
    out: dict[Any, list[PayerDecision]] = defaultdict(list)
    for pk, measure_id, payer, starts_at, created in (
        Decision.objects.filter(meeting__course_id__in=list(course_ids), measure__isnull=False)
        .exclude(payer="")
        .order_by("created_at")
        .values_list("pk", "measure_id", "payer", "meeting__starts_at", "created_at")
    ):
        when = starts_at or created
        out[measure_id].append(
            PayerDecision(pk, measure_id, payer, timezone.localdate(when) if when else None)
        )
    return dict(out)
