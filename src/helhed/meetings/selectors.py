"""Reads of meetings, tasks, recommendations and rulings — fetched, checked and logged in one step.

Every function here that returns personal data goes through the course guard
(``courses.selectors.access_for``) and writes the access log, attributed to the unit the reader
acts from. Views, forms and the API get meetings, tasks and recommendations only from here:

* ``access_meeting``, ``access_task``, ``access_recommendation`` fetch one object and check it in
  the same step; an id that does not exist and one the reader may not see give the same
  ``PermissionDenied`` (no existence oracle). ``check_meeting``, ``check_task`` and
  ``check_recommendation`` are the same checks without the log entry, for the services (a write
  shows nothing) and for the adapters that hand an object to a service.
* **Meetings are plan data**: a reader needs the plan category. **The minutes are free text** and
  carry the category their writer chose (``Meeting.minutes_category``); a reader who may not see
  it learns that minutes exist, not what they say. A decision or task about a measure follows the
  measure (``Access.sees``: its category, or one of the reader's own units owns it); the others
  follow the minutes. The owner of a task always sees it.
* **People**: a participant from the team is named only to a reader who may know who that team
  member is (``Access.sees_member``: naming a "Rusmiddelcenter" reveals health data); others see
  "en kontaktperson fra et område, du ikke har adgang til".
* Lists across courses (my tasks, open recommendations) are filtered in SQL by
  ``visible_courses`` and logged per course with the unit the reader sees it through
  (``log_course_list``).

The timeliness figures and timeline events take course ids that the caller may see and are a
few aggregate queries, whatever the number of courses.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, F, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core import idsets
from helhed.core.models import Membership, Unit, User, UserKind
from helhed.core.prepared import Fixed, Prepared
from helhed.core.selectors import membership_list, today
from helhed.courses import logic as course_logic
from helhed.courses import selectors as course_selectors
from helhed.courses.logic import DATA_CATEGORIES
from helhed.courses.models import Goal, LegalBasis, Measure, Relative, TeamMember
from helhed.courses.sections import FigureValue, TimelineEvent
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
CATEGORY_LABELS = dict(DATA_CATEGORIES)


def hidden_member() -> str:
    return gettext("en kontaktperson fra et område, du ikke har adgang til")


def hidden_measure() -> str:
    return gettext("en indsats, dit samtykke ikke omfatter")


def hidden_unit() -> str:
    return gettext("en enhed fra et område, du ikke har adgang til")


# --------------------------------------------------------------------------------------------
# The guard for one course, meeting, task or recommendation
# --------------------------------------------------------------------------------------------


def plan_access(user: User, course_id: Any) -> course_selectors.Access:
    """Access to the course's plan (meetings are plan data), or ``PermissionDenied``. Not
    logged: for the services; a read goes through :func:`access_course`."""
    access = course_selectors.access_for(user, course_id)
    if not access.may(PLAN):
        raise course_selectors.NoAccessError
    return access


def access_course(
    user: User, course_id: Any, *, purpose: str = Purpose.MEETING, what: str
) -> course_selectors.Access:
    """Access to the course's plan for a page that shows some of it (a form with the team, the
    measures …). Logged as ``what``."""
    access = plan_access(user, course_id)
    course_selectors.log_course_read(user, access, what, purpose)
    return access


def _pk(value: Any) -> Any:
    """An id as it came (a UUID, or text from a URL or a form); anything that is not a UUID is as
    unknown as an id that does not exist."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise course_selectors.NoAccessError from None


def check_meeting(
    user: User, meeting_id: Any, *, need_plan: bool = True
) -> tuple[Meeting, course_selectors.Access]:
    """The meeting and the reader's access to its course, or ``PermissionDenied`` — the same for
    a meeting that does not exist. Not logged (for writes; a read uses :func:`access_meeting`).
    ``need_plan=False`` is for a participant answering for themself under an access that does
    not open the plan."""
    meeting = (
        Meeting.objects.select_related("coordinated_by", "keeps_in_step", "next_meeting")
        .filter(pk=_pk(meeting_id))
        .first()
    )
    if meeting is None:
        raise course_selectors.NoAccessError
    access = course_selectors.access_for(user, meeting.course_id)
    if need_plan and not access.may(PLAN):
        raise course_selectors.NoAccessError
    meeting.course = access.course
    return meeting, access


def access_meeting(
    user: User, meeting_id: Any, *, purpose: str = Purpose.MEETING, what: str = "møde"
) -> tuple[Meeting, course_selectors.Access]:
    """One meeting (no minutes, no people) and the reader's access, checked and logged."""
    meeting, access = check_meeting(user, meeting_id)
    course_selectors.log_course_read(user, access, what, purpose)
    return meeting, access


def citizen_meeting(user: User, meeting_id: Any) -> Meeting:
    """A meeting of the logged-in citizen's own course (for their answers), else
    ``PermissionDenied`` — also for a meeting that does not exist."""
    citizen_id = course_selectors.citizen_id_for_user(user)
    if citizen_id is None:
        raise course_selectors.NoAccessError
    meeting = (
        Meeting.objects.select_related("course__citizen")
        .filter(pk=_pk(meeting_id), course__citizen_id=citizen_id)
        .first()
    )
    if meeting is None:
        raise course_selectors.NoAccessError
    return meeting


def meeting_time(meeting: Meeting, time_id: Any) -> ProposedTime | None:
    """One of the meeting's proposed times (the caller has checked the meeting), or None."""
    try:
        pk = _pk(time_id)
    except PermissionDenied:
        return None
    return ProposedTime.objects.filter(pk=pk, meeting=meeting).first()


def _team(access: course_selectors.Access) -> dict[Any, TeamMember]:
    return {t.pk: t for t in access.course.team.all()}  # prefetched by the guard


def _current(member: TeamMember, on: date) -> bool:
    return member.valid_from <= on and (member.valid_to is None or member.valid_to >= on)


def current_team(access: course_selectors.Access, on: date | None = None) -> list[TeamMember]:
    """The team members on the team today whom the reader may name (for choices)."""
    on = on or today()
    return [t for t in access.course.team.all() if _current(t, on) and access.sees_member(t)]


def sees_unit(access: course_selectors.Access, unit: Unit) -> bool:
    """May the reader see that this unit is involved (its name reveals its category)?"""
    return course_logic.sees_item(
        category=unit.data_category,
        owner_units=[unit.pk],
        may=access.categories,
        own_units=access.own_units,
        is_coordinator=access.is_coordinator,
    )


def sees_participant(
    user: User, access: course_selectors.Access, team: dict[Any, TeamMember], p: Participant
) -> bool:
    """Relatives, others and the citizen are named to every reader of the meeting; a team member
    only to readers who may know who they are (and always to themselves)."""
    if p.kind != ParticipantKind.TEAM or (p.user_id is not None and p.user_id == user.pk):
        return True
    member = team.get(p.team_member_id)
    if member is None:  # no longer on the team: what their unit reveals is unknown
        return access.may_all()
    return access.sees_member(member)


def label_participants(
    user: User, access: course_selectors.Access, participants: Iterable[Participant]
) -> list[Participant]:
    """``p.label`` and ``p.role_label`` on each participant: name and role, or a neutral text."""
    team = _team(access)
    result = []
    for p in participants:
        shown = sees_participant(user, access, team, p)
        p.label = p.name if shown else hidden_member()  # type: ignore[attr-defined]
        p.role_label = (  # type: ignore[attr-defined]
            (p.role or str(p.get_kind_display())) if shown else str(p.get_kind_display())
        )
        p.shown = shown  # type: ignore[attr-defined]
        result.append(p)
    return result


def _member_label(access: course_selectors.Access, member: TeamMember | None) -> str:
    if member is None:
        return ""
    return member.name if access.sees_member(member) else hidden_member()


def sees_minutes(access: course_selectors.Access, meeting: Meeting) -> bool:
    return access.sees_text(meeting.minutes_category)


def _sees_decision(
    access: course_selectors.Access, decision: Decision, minutes_shown: bool
) -> bool:
    """A decision about a measure follows the measure; the others are part of the minutes."""
    measure = decision.measure if decision.measure_id else None
    if measure is not None:
        return access.sees(measure)
    return minutes_shown


def sees_decision(access: course_selectors.Access, decision: Decision) -> bool:
    """May the reader see this decision's text (its measure's category, else its minutes')?
    ``decision`` needs ``measure`` and ``meeting`` selected."""
    return _sees_decision(access, decision, sees_minutes(access, decision.meeting))


def _owned_by_reader(
    user: User, access: course_selectors.Access, team: dict[Any, TeamMember], task: Task
) -> bool:
    """The task's owner is the reader, or a colleague in one of the reader's units."""
    if task.owner_user_id is not None and task.owner_user_id == user.pk:
        return True
    member = team.get(task.owner.team_member_id) if task.owner_id else None
    return member is not None and member.unit_id in access.own_units


def _sees_task(
    user: User,
    access: course_selectors.Access,
    team: dict[Any, TeamMember],
    task: Task,
    decision_shown: bool,
) -> bool:
    if _owned_by_reader(user, access, team, task):
        return True
    measure = task.measure if task.measure_id else None
    if measure is not None:
        return access.sees(measure)
    return decision_shown


def _measure_label(access: course_selectors.Access, item: Any) -> str:
    """The linked measure's title, or a neutral text when the reader may not see it (a title such
    as "Psykiatrisk udredning" is itself health data)."""
    measure = item.measure if item.measure_id else None
    if measure is None:
        return ""
    return measure.title if access.sees(measure) else hidden_measure()


def label_tasks(
    user: User,
    access: course_selectors.Access,
    tasks: Iterable[Task],
    *,
    minutes_shown: dict[Any, bool] | None = None,
    decisions_shown: dict[Any, bool] | None = None,
) -> list[Task]:
    """``t.shown``, ``t.label`` (title or a neutral text), ``t.measure_label`` and
    ``t.owner_label`` on each task. Tasks need ``decision``, ``decision__measure``,
    ``decision__meeting``, ``measure`` and ``owner`` selected."""
    team = _team(access)
    result = []
    for t in tasks:
        if decisions_shown is not None and t.decision_id in decisions_shown:
            decision_shown = decisions_shown[t.decision_id]
        else:
            meeting = t.decision.meeting
            shown_minutes = (
                minutes_shown[meeting.pk]
                if minutes_shown is not None and meeting.pk in minutes_shown
                else sees_minutes(access, meeting)
            )
            decision_shown = _sees_decision(access, t.decision, shown_minutes)
        shown = _sees_task(user, access, team, t, decision_shown)
        t.shown = shown  # type: ignore[attr-defined]
        t.label = (  # type: ignore[attr-defined]
            t.title if shown else gettext("En opgave, dit samtykke ikke omfatter")
        )
        t.measure_label = _measure_label(access, t) if shown else ""  # type: ignore[attr-defined]
        t.goal_label = (  # type: ignore[attr-defined]
            t.goal.text if shown and t.goal_id and t.goal is not None else ""
        )
        t.owner_label = (  # type: ignore[attr-defined]
            t.owner.name if sees_participant(user, access, team, t.owner) else hidden_member()
        )
        result.append(t)
    return result


def _tasks_qs() -> QuerySet[Task]:
    return Task.objects.select_related(
        "owner", "goal", "measure", "decision", "decision__measure", "decision__meeting"
    )


def sees_recommendation(access: course_selectors.Access, rec: Recommendation) -> bool:
    """A recommendation follows its measure (``Access.sees``: its category, or one of the
    reader's units owns it; the category kept on the recommendation once the measure is gone)."""
    measure = rec.measure if rec.measure_id else None
    if measure is not None:
        return access.sees(measure)
    return access.may(rec.data_category)


def unit_sees_measure(access: course_selectors.Access, unit: Unit, measure: Measure) -> bool:
    """May the members of ``unit`` see ``measure`` in this course (to decide a recommendation
    about it)? The coordinating unit, a unit that owns the measure, or a unit on the team whose
    consent covers the plan and the measure's category."""
    course = access.course
    if unit.pk == course.coordinator_unit_id or unit.pk in access.owner_units(measure):
        return True
    covered = course_logic.categories_by_unit(
        [(unit.pk, unit.organisation_id)],
        course_selectors.team_facts(course),
        course_selectors.consent_facts(course),
        today(),
    ).get(unit.pk, frozenset())
    return PLAN in covered and measure.data_category in covered


def _recs_qs() -> QuerySet[Recommendation]:
    return Recommendation.objects.select_related(
        "measure",
        "authority_unit",
        "authority_unit__organisation",
        "ruling",
        "ruling__legal_basis",
        "recommended_by",
        "ruling__decided_by",
    )


def label_recommendation(access: course_selectors.Access, rec: Recommendation) -> Recommendation:
    """``rec.authority_label``: the deciding unit's name, or a neutral text when the unit's name
    reveals a category the reader may not see."""
    rec.authority_label = (  # type: ignore[attr-defined]
        rec.authority_unit.name if sees_unit(access, rec.authority_unit) else hidden_unit()
    )
    return rec


def check_recommendation(
    user: User, recommendation_id: Any
) -> tuple[Recommendation, course_selectors.Access]:
    """The recommendation and the reader's access, or ``PermissionDenied`` (also when it does not
    exist). Not logged: for the services."""
    rec = _recs_qs().filter(pk=_pk(recommendation_id)).first()
    if rec is None:
        raise course_selectors.NoAccessError
    access = plan_access(user, rec.course_id)
    if not sees_recommendation(access, rec):
        raise course_selectors.NoAccessError
    rec.course = access.course
    return label_recommendation(access, rec), access


def access_recommendation(
    user: User,
    recommendation_id: Any,
    *,
    purpose: str = Purpose.CASEWORK,
    what: str = "indstilling",
) -> tuple[Recommendation, course_selectors.Access]:
    """One recommendation (with its ruling), checked and logged."""
    rec, access = check_recommendation(user, recommendation_id)
    course_selectors.log_course_read(user, access, what, purpose)
    return rec, access


def check_task(user: User, task_id: Any) -> tuple[Task, course_selectors.Access]:
    """The task and the reader's access, or ``PermissionDenied`` (also when it does not exist).
    Its owner, and whoever may see it in the course, may see it. Not logged: for the services."""
    task = _tasks_qs().filter(pk=_pk(task_id)).first()
    if task is None:
        raise course_selectors.NoAccessError
    access = course_selectors.access_for(user, task.course_id)
    owner = task.owner_user_id is not None and task.owner_user_id == user.pk
    if not owner and not access.may(PLAN):
        raise course_selectors.NoAccessError
    (task,) = label_tasks(user, access, [task])
    if not task.shown:  # type: ignore[attr-defined]
        raise course_selectors.NoAccessError
    return task, access


def access_task(
    user: User, task_id: Any, *, purpose: str = Purpose.MEETING, what: str = "opgave"
) -> tuple[Task, course_selectors.Access]:
    """One task, checked and logged."""
    task, access = check_task(user, task_id)
    course_selectors.log_course_read(user, access, what, purpose)
    return task, access


# --------------------------------------------------------------------------------------------
# Facts the services decide on (no personal data leaves them; not logged)
# --------------------------------------------------------------------------------------------


def common_time(meeting: Meeting, now: datetime | None = None) -> logic.CommonTime:
    """The earliest time at which every required participant has said yes (by name, as stored:
    for the services, which fix the time; pages label people through ``meeting_detail``)."""
    times = list(meeting.proposed_times.all())
    people = list(meeting.participants.all())
    answers: dict[tuple[Hashable, Hashable], str] = {
        (a.participant_id, a.proposed_time_id): a.answer
        for a in Availability.objects.filter(proposed_time__meeting=meeting)
    }
    return logic.earliest_common_time(
        [logic.TimeOption(t.pk, t.starts_at) for t in times],
        [logic.Person(p.pk, p.name, p.required) for p in people],
        answers,
        now or timezone.now(),
    )


def meeting_day(meeting: Meeting) -> date:
    """The meeting's date; while its time is not fixed, the date of the earliest proposed time
    (or today, if none is proposed)."""
    if meeting.starts_at is not None:
        return timezone.localtime(meeting.starts_at).date()
    first = meeting.proposed_times.order_by("starts_at").values_list("starts_at", flat=True).first()
    return timezone.localtime(first).date() if first is not None else today()


def team_units(course_id: Any, on: date | None = None) -> set[Any]:
    """The units on the course's team today: the units a recommendation may be sent to."""
    return set(
        TeamMember.objects.valid_on(on or today())
        .filter(course_id=course_id, unit__isnull=False)
        .values_list("unit_id", flat=True)
    )


def current_team_user_ids(course_id: Any, on: date | None = None) -> list[Any]:
    """The user ids of the team members who are on the team today and use Helhed."""
    return list(
        TeamMember.objects.valid_on(on or today())
        .filter(course_id=course_id, user__isnull=False)
        .values_list("user_id", flat=True)
    )


def unit_staff_ids(unit_id: Any, *, exclude_user_id: Any = None) -> list[Any]:
    """The users who are members of the unit today (but ``exclude_user_id``): who is told about
    a recommendation the unit is to decide on."""
    return list(
        Membership.objects.valid_on(today())
        .filter(unit_id=unit_id)
        .exclude(user_id=exclude_user_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


def unit_or_none(unit_id: Any) -> Unit | None:
    """A unit by id (units are not personal data): the one a recommendation is sent to."""
    return Unit.objects.filter(pk=unit_id).first()


def legal_basis_or_none(basis_id: str) -> LegalBasis | None:
    return LegalBasis.objects.filter(pk=basis_id).first()


def team_today(access: course_selectors.Access, on: date | None = None) -> list[TeamMember]:
    """Everyone on the course's team today, whether or not the reader may name them (the
    services refuse those they may not with a 403)."""
    on = on or today()
    return [t for t in access.course.team.all() if _current(t, on)]


def relatives_of(access: course_selectors.Access) -> list[Relative]:
    """The citizen's relatives (who may be invited to a meeting)."""
    return list(Relative.objects.filter(citizen_id=access.course.citizen_id).order_by("name"))


def plan_measure(access: course_selectors.Access, measure_id: Any) -> Measure | None:
    """A measure of the course's plan by id (None if it is not in the plan or does not exist);
    the caller decides whether the reader may see it (``Access.sees``)."""
    plan = getattr(access.course, "plan", None)
    if plan is None or measure_id is None:
        return None
    return Measure.objects.select_related("unit").filter(pk=measure_id, plan=plan).first()


def plan_goal(access: course_selectors.Access, goal_id: Any) -> Goal | None:
    """A goal of the course's plan by id (goals are plan data), or None."""
    plan = getattr(access.course, "plan", None)
    if plan is None or goal_id is None:
        return None
    return Goal.objects.filter(pk=goal_id, plan=plan).first()


def meeting_participant(meeting: Meeting, participant_id: Any) -> Participant | None:
    """One of the meeting's participants by id, or None."""
    if participant_id is None:
        return None
    return Participant.objects.filter(pk=participant_id, meeting=meeting).first()


def decision_or_none(decision_id: Any) -> Decision | None:
    """A decision by id, for a service that then checks its meeting like a read."""
    if decision_id is None:
        return None
    return Decision.objects.filter(pk=decision_id).first()


def may_rule(user: User, recommendation: Recommendation, on: date | None = None) -> bool:
    """Only a member of the unit the recommendation was sent to decides on it."""
    return any(
        m.unit_id == recommendation.authority_unit_id for m in membership_list(user, on or today())
    )


# --------------------------------------------------------------------------------------------
# A course's meetings (the course page's section)
# --------------------------------------------------------------------------------------------


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


def _recommendations(
    access: course_selectors.Access, on: date
) -> tuple[list[Recommendation], list[Ruling]]:
    """The course's open recommendations (each with ``waiting`` days) and rulings the reader may
    see, oldest first."""
    open_recs, rulings = [], []
    for rec in _recs_qs().filter(course=access.course).order_by("recommended_on", "created_at"):
        if not sees_recommendation(access, rec):
            continue
        label_recommendation(access, rec)
        ruling = getattr(rec, "ruling", None)
        if ruling is None:
            rec.waiting = logic.waiting_days(rec.recommended_on, on)  # type: ignore[attr-defined]
            open_recs.append(rec)
        else:
            ruling.recommendation = rec
            rulings.append(ruling)
    return open_recs, rulings


def _visible_figures(
    course_id: Any, open_recs: list[Recommendation], rulings: list[Ruling], on: date
) -> dict[str, FigureValue]:
    """The course's timeliness figures, the recommendation figures counted over what the reader
    may see (the other figures reveal no category)."""
    figures = dict(timeliness([course_id], on, categories=()).get(course_id, {}))
    if open_recs:
        figures[OPEN_RECOMMENDATIONS] = len(open_recs)
    if rulings:
        figures[DAYS_RECOMMENDATION_TO_RULING] = round(
            sum(r.waiting_days for r in rulings) / len(rulings), 1
        )
    return figures


def course_meetings(
    user: User, course_id: uuid.UUID | str, *, purpose: str = Purpose.MEETING
) -> CourseMeetings:
    """The course's meetings, open tasks, recommendations and rulings. Logged."""
    access = plan_access(user, course_id)
    course = access.course
    on = today()
    meetings = list(Meeting.objects.filter(course=course).order_by("starts_at", "created_at"))
    upcoming = [
        m for m in meetings if m.status in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED)
    ]
    past = sorted(
        (m for m in meetings if m.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED)),
        key=lambda m: m.starts_at or m.created_at,
        reverse=True,
    )
    minutes_shown = {m.pk: sees_minutes(access, m) for m in meetings}
    tasks = Task.objects.filter(course=course)
    open_tasks = label_tasks(
        user,
        access,
        _tasks_qs().filter(course=course, done_at__isnull=True).order_by("due_date"),
        minutes_shown=minutes_shown,
    )
    done = tasks.filter(done_at__isnull=False).count()
    open_recs, rulings = _recommendations(access, on)
    course_selectors.log_course_read(user, access, "møder, opgaver og indstillinger", purpose)
    figures = _visible_figures(course.pk, open_recs, rulings, on)
    return CourseMeetings(access, upcoming, past, open_tasks, done, open_recs, rulings, figures, on)


# --------------------------------------------------------------------------------------------
# One meeting
# --------------------------------------------------------------------------------------------


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
    team: list[TeamMember]
    goals: list[Goal]
    measures: list[Measure]
    # The minutes' texts are shown only to a reader who may see the category they were filed
    # under; everyone with the meeting learns that minutes exist and under which category.
    minutes_shown: bool = True
    coordinated_by: str = ""
    keeps_in_step: str = ""
    # Team members already chosen in the minutes whom the reader may not name: kept as they are
    # when the reader saves the minutes (shown as a neutral text).
    kept_members: list[TeamMember] = field(default_factory=list)

    @property
    def minutes_category_label(self) -> str:
        return CATEGORY_LABELS.get(self.meeting.minutes_category, "")

    @property
    def may_write_minutes(self) -> bool:
        return self.minutes_shown and self.meeting.status in (
            MeetingStatus.PLANNING,
            MeetingStatus.SCHEDULED,
        )

    @property
    def minutes_categories(self) -> list[tuple[str, str]]:
        """The categories the reader may file minutes under (those they may see)."""
        return [(c, label) for c, label in DATA_CATEGORIES if self.access.sees_text(c)]


def _plan_items(access: course_selectors.Access) -> tuple[list[Goal], list[Measure]]:
    """The plan's goals (plan data) and the measures the reader may see."""
    plan = getattr(access.course, "plan", None)
    if plan is None:
        return [], []
    goals = list(Goal.objects.filter(plan=plan).order_by("priority", "pk"))
    measures = [
        m
        for m in Measure.objects.filter(plan=plan).select_related("unit", "responsible")
        if access.sees(m)
    ]
    return goals, measures


def meeting_detail(
    user: User, meeting_id: uuid.UUID | str, *, purpose: str = Purpose.MEETING
) -> MeetingDetail:
    """One meeting with its participants, the availability grid, the earliest common time, the
    minutes (if the reader may see their category) and the decisions with their tasks. Logged.
    ``PermissionDenied`` for a meeting that does not exist or that the user may not see
    (existence does not leak)."""
    meeting, access = check_meeting(user, meeting_id)
    participants = label_participants(
        user, access, Participant.objects.filter(meeting=meeting).order_by("kind", "name")
    )
    own = {p.pk for p in participants if p.user_id == user.pk}
    times = list(ProposedTime.objects.filter(meeting=meeting).order_by("starts_at"))
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
        [logic.Person(p.pk, p.label, p.required) for p in participants],  # type: ignore[attr-defined]
        answers,
        timezone.now(),
    )
    minutes_shown = sees_minutes(access, meeting)
    decisions = list(Decision.objects.filter(meeting=meeting).select_related("measure"))
    shown: dict[Any, bool] = {}
    for decision in decisions:
        decision.meeting = meeting
        ok = _sees_decision(access, decision, minutes_shown)
        shown[decision.pk] = ok
        decision.shown = ok  # type: ignore[attr-defined]
        decision.label = (  # type: ignore[attr-defined]
            decision.text if ok else gettext("En beslutning, dit samtykke ikke omfatter")
        )
        decision.measure_label = _measure_label(access, decision) if ok else ""  # type: ignore[attr-defined]
        decision.task_list = []  # type: ignore[attr-defined]
    by_decision = {d.pk: d for d in decisions}
    for task in label_tasks(
        user,
        access,
        _tasks_qs().filter(decision__meeting=meeting).order_by("due_date", "title"),
        decisions_shown=shown,
    ):
        by_decision[task.decision_id].task_list.append(task)  # type: ignore[attr-defined]
    goals, measures = _plan_items(access)
    team = current_team(access)
    members = _team(access)

    def label(member_id: Any) -> str:
        if member_id is None:
            return ""
        member = members.get(member_id)
        return _member_label(access, member) if member is not None else hidden_member()

    shown_ids = {t.pk for t in team}
    kept = [
        members[pk]
        for pk in dict.fromkeys((meeting.coordinated_by_id, meeting.keeps_in_step_id))
        if pk is not None and pk in members and pk not in shown_ids
    ]
    course_selectors.log_course_read(user, access, "møde og referat", purpose)
    _log_family(user, access, participants, purpose)
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
        minutes_shown=minutes_shown,
        coordinated_by=label(meeting.coordinated_by_id),
        keeps_in_step=label(meeting.keeps_in_step_id),
        kept_members=kept,
    )


def _log_family(
    user: User, access: course_selectors.Access, participants: list[Participant], purpose: str
) -> None:
    """Household members named among the participants are read too: one log entry each."""
    ids = [p.household_member_id for p in participants if p.household_member_id is not None]
    if ids:
        course_selectors.log_course_read(
            user, access, "familiemedlem som mødedeltager", purpose, citizen_ids=ids
        )


def minutes_team(access: course_selectors.Access, meeting: Meeting) -> dict[Any, TeamMember]:
    """The team members the minutes may name as coordinator and "keeps everyone in step": those
    on the team today whom the reader may name, and the ones already chosen (kept as they are)."""
    members = _team(access)
    chosen = {
        pk: members[pk]
        for pk in (meeting.coordinated_by_id, meeting.keeps_in_step_id)
        if pk is not None and pk in members
    }
    return {t.pk: t for t in current_team(access)} | chosen


@dataclass
class DecisionChoices:
    """What a decision and its task may name: the meeting's participants (labelled), the plan's
    goals and the measures the reader may see."""

    meeting: Meeting
    access: course_selectors.Access
    participants: list[Participant]
    goals: list[Goal]
    measures: list[Measure]
    minutes_shown: bool


def decision_choices(
    user: User, meeting_id: Any, *, purpose: str = Purpose.MEETING
) -> DecisionChoices:
    """The choices of a new decision (page and API). Logged (names and titles are read)."""
    meeting, access = check_meeting(user, meeting_id)
    participants = label_participants(
        user, access, Participant.objects.filter(meeting=meeting).order_by("kind", "name")
    )
    goals, measures = _plan_items(access)
    course_selectors.log_course_read(user, access, "beslutning og opgave", purpose)
    _log_family(user, access, participants, purpose)
    return DecisionChoices(
        meeting, access, participants, goals, measures, sees_minutes(access, meeting)
    )


@dataclass
class PlanningChoices:
    """What the reader may choose from when planning a meeting: the team members on the team
    today whom they may name, and the citizen's relatives."""

    access: course_selectors.Access
    team: list[TeamMember]
    relatives: list[Relative]
    # The other members of the course's household (a family course), read through the courses
    # selector, which logs each one shown.
    family: list[course_selectors.HouseholdMember] = field(default_factory=list)
    minutes_categories: list[tuple[str, str]] = field(default_factory=list)


def planning_choices(
    user: User, course_id: Any, *, purpose: str = Purpose.MEETING
) -> PlanningChoices:
    """The choices of the "plan a meeting" and "register a meeting that took place" forms.
    Logged (names are shown)."""
    access = access_course(user, course_id, purpose=purpose, what="planlægning af møde")
    relatives = relatives_of(access)
    family = course_selectors.household_members(
        user, access, "familiemedlem ved planlægning af møde", purpose
    )
    categories = [(c, label) for c, label in DATA_CATEGORIES if access.sees_text(c)]
    return PlanningChoices(access, current_team(access), relatives, family, categories)


@dataclass
class RecommendationChoices:
    access: course_selectors.Access
    measures: list[Measure]
    units: list[Unit]


def recommendation_choices(
    user: User, course_id: Any, *, purpose: str = Purpose.PLANNING
) -> RecommendationChoices:
    """The measures the reader may see and the team's units today whose names they may see: the
    choices of a new recommendation. Logged."""
    access = access_course(user, course_id, purpose=purpose, what="indstilling")
    _goals, measures = _plan_items(access)
    on = today()
    units = {t.unit_id: t.unit for t in access.course.team.all() if t.unit and _current(t, on)}
    shown = sorted((u for u in units.values() if sees_unit(access, u)), key=lambda u: u.name)
    return RecommendationChoices(access, measures, shown)


# --------------------------------------------------------------------------------------------
# Lists across courses
# --------------------------------------------------------------------------------------------


def _my_task_rows(ids: str, user_id: Any, include_done: bool, limit: int | None) -> QuerySet[Task]:
    qs = (
        Task.objects.filter(idsets.InIds(F("course_id"), ids), owner_user_id=user_id)
        .select_related("course", "course__citizen", "owner")
        .order_by("due_date", "title")
    )
    if not include_done:
        qs = qs.filter(done_at__isnull=True)
    return qs[:limit] if limit else qs


# My tasks (the start page, the tasks page and the API): compiled once per process
# (``core.prepared``), on the ids of the courses the reader may see, read once per request.
_MY_TASKS: Prepared[Task] = Prepared(Task, _my_task_rows)


def _open_task_rows(course_id: Any, first: int) -> QuerySet[Task]:
    return (
        _tasks_qs()
        .filter(course_id=course_id, done_at__isnull=True)
        .order_by("due_date", "pk")[:first]
    )


# The course page's open tasks (every opening of a course): compiled once per process.
_OPEN_TASKS: Prepared[Task] = Prepared(Task, _open_task_rows)


def open_tasks(user: User, access: course_selectors.Access, first: int) -> list[Task]:
    """The first open tasks of the course ``access`` opened (the caller checked the access and
    logged the read), by due date, labelled as the reader may see them (``label_tasks``)."""
    return label_tasks(user, access, _OPEN_TASKS(access.course.pk, Fixed(first)))


def my_tasks(user: User, *, include_done: bool = False, limit: int | None = None) -> list[Task]:
    """The user's own tasks in courses they may still see, soonest due first. Logged per course
    (the list names the citizens)."""
    ids = course_selectors.listed_ids(user)
    if ids is not None:
        tasks = _MY_TASKS(ids, user.pk, Fixed(include_done), Fixed(limit))
    else:  # more courses than are read at once: the rule as a subquery, built each time
        qs = (
            Task.objects.filter(owner_user=user, course__in=course_selectors.listed_courses(user))
            .select_related("course", "course__citizen", "owner")
            .order_by("due_date", "title")
        )
        if not include_done:
            qs = qs.filter(done_at__isnull=True)
        tasks = list(qs[:limit] if limit else qs)
    for t in tasks:  # the owner sees their own tasks
        t.shown = True  # type: ignore[attr-defined]
        t.label = t.title  # type: ignore[attr-defined]
        t.owner_label = t.owner.name  # type: ignore[attr-defined]
    courses = list({t.course_id: t.course for t in tasks}.values())
    course_selectors.log_course_list(user, courses, "mine opgaver")
    return tasks


def open_recommendations(user: User) -> list[Recommendation]:
    """Recommendations without a ruling in the courses the user may see, oldest first, each with
    ``waiting`` (days since the recommendation): those whose measure's category the user may see
    in that course, and those about measures that belong to one of the user's units (the rule of
    ``sees_recommendation`` in SQL). Logged per course."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return []
    on = today()
    own = [m.unit_id for m in membership_list(user, on)]
    visible = course_selectors.visible_courses(user)
    allowed = (Q(measure__unit_id__in=own) | Q(measure__responsible__unit_id__in=own)) & Q(
        course__in=visible
    )
    for category, _label in DATA_CATEGORIES:
        allowed |= Q(
            category=category,
            course__in=course_selectors.visible_courses(user, category=category),
        )
    recs: list[Recommendation] = list(
        Recommendation.objects.annotate(
            category=Coalesce(F("measure__data_category"), F("data_category"))
        )
        .filter(allowed, ruling__isnull=True)
        .select_related(
            "course",
            "course__citizen",
            "authority_unit",
            "authority_unit__organisation",
        )
        .order_by("recommended_on", "created_at")[:500]
    )
    my_units = set(own)
    course_ids = {r.course_id for r in recs}
    # The deciding unit is named where the reader may see the category its name reveals.
    named_in: dict[str, set[Any]] = {}
    for category in {r.authority_unit.data_category for r in recs} - {PLAN}:
        named_in[category] = set(
            course_selectors.visible_courses(user, category=category)
            .filter(pk__in=course_ids)
            .values_list("pk", flat=True)
        )
    for rec in recs:
        rec.waiting = logic.waiting_days(rec.recommended_on, on)  # type: ignore[attr-defined]
        rec.may_rule = rec.authority_unit_id in my_units  # type: ignore[attr-defined]
        category = rec.authority_unit.data_category
        named = (
            rec.authority_unit_id in my_units
            or category == PLAN
            or rec.course_id in named_in.get(category, set())
        )
        rec.authority_label = rec.authority_unit.name if named else hidden_unit()  # type: ignore[attr-defined]
    course_selectors.log_course_list(
        user, list({r.course_id: r.course for r in recs}.values()), "åbne indstillinger"
    )
    return recs


@dataclass
class CitizenMeetings:
    upcoming: list[Meeting]
    minutes: list[Meeting]
    tasks: list[Task]
    # For meetings whose time is still being found: [(proposed time, the citizen's answer)].
    questions: dict[Any, list[tuple[ProposedTime, str]]] = field(default_factory=dict)
    # The household members taking part, per meeting (required: "skal deltage").
    family: dict[Any, list[Participant]] = field(default_factory=dict)


def citizen_meetings(user: User) -> CitizenMeetings | None:
    """The citizen's own meetings: upcoming ones, and the plain-language minutes of held ones
    with the tasks agreed (the citizen sees everything about themself). Logged with the purpose
    "egen adgang"."""
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
    family: dict[Any, list[Participant]] = {}
    for p in Participant.objects.filter(
        meeting__in=[m.pk for m in [*upcoming, *minutes]], kind=ParticipantKind.FAMILY
    ).order_by("name"):
        family.setdefault(p.meeting_id, []).append(p)
    log_access(user, citizen_id, "egne møder og referater", Purpose.CITIZEN_SELF)
    return CitizenMeetings(upcoming, minutes, tasks, questions, family)


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
    """One course's timeliness figures for a reader with access to its plan, counting only the
    recommendations and rulings the reader may see. Logged."""
    access = plan_access(user, course_id)
    on = today()
    open_recs, rulings = _recommendations(access, on)
    course_selectors.log_course_read(user, access, "rettidighed", Purpose.MEETING)
    return _visible_figures(access.course.pk, open_recs, rulings, on)


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


def attendance(
    course_ids: Sequence[Any], start: date, end: date
) -> list[tuple[Any, Any, str, Any]]:
    """``(meeting id, course id, participant kind, team member id or None)`` for everyone who
    took part in a meeting held in ``start``…``end`` in the given courses (a participant counts
    unless the minutes say they were absent). For aggregate figures (which workgroups meet);
    no access check and nothing logged."""
    out: list[tuple[Any, Any, str, Any]] = []
    ids = list(course_ids)
    for chunk in _chunks(ids):
        out.extend(
            Participant.objects.filter(
                meeting__course_id__in=chunk,
                meeting__status=MeetingStatus.HELD,
                meeting__starts_at__date__gte=start,
                meeting__starts_at__date__lte=end,
            )
            .exclude(present=False)
            .order_by()
            .values_list("meeting_id", "meeting__course_id", "kind", "team_member_id")
        )
    return out


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
