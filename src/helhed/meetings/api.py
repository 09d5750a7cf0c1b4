"""Meetings API (mounted at /api/meetings): meetings and availability answers, the earliest
common time, minutes, decisions and tasks, recommendations and rulings, timeliness figures.

Same access rules as the pages (reads through ``selectors``, which fetch, check and log in one
step; writes through ``services``, which check the same rights); the bodies and how a read
becomes one are in ``schemas``. What the reader may not see is ``null``: the minutes' texts under
a category their consent does not cover, a decision or task about a measure they may not see, the
name of a team member whose unit reveals such a category. Errors are problem bodies from the
API's handlers (``helhed.api``): 403 for no access (also for something that does not exist or
that the reader may not see — a meeting, a task, a measure or goal named in a request — so
existence does not leak), 422 with field-level errors for bad input, 409 for a repeated
idempotency key.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import ValidationError

from helhed.core.apikit import invalid, user_of
from helhed.core.selectors import today
from helhed.courses.selectors import NoAccessError
from helhed.meetings import logic, selectors, services
from helhed.meetings.schemas import (
    AnswersIn,
    ChooseTimeIn,
    DecisionIn,
    DecisionOut,
    MeetingIn,
    MeetingListItem,
    MeetingOut,
    MinutesIn,
    RecommendationIn,
    RecommendationOut,
    RulingIn,
    TaskIn,
    TaskOut,
    TimelinessOut,
    decision_out,
    list_item,
    meeting_out,
    rec_out,
    task_out,
)

router = Router(tags=["meetings"])


def _by_id(items: dict[uuid.UUID, Any], ids: list[uuid.UUID], field: str, msg: str) -> list[Any]:
    """The objects named by ``ids`` among those the reader may choose (each once), or a 422 on
    ``field``."""
    if any(i not in items for i in ids):
        raise invalid(field, msg)
    return [items[i] for i in dict.fromkeys(ids)]


def _choice(items: list[Any], pk: uuid.UUID | None) -> Any:
    """A goal or measure the reader may choose, by id; one that is not in the plan or that the
    reader may not see is refused alike (403: no existence oracle)."""
    if pk is None:
        return None
    found = next((item for item in items if item.pk == pk), None)
    if found is None:
        raise NoAccessError
    return found


def _member(members: dict[Any, Any], pk: uuid.UUID | None, field: str) -> Any:
    """A team member chosen in the minutes, among those the writer may choose (or a 422)."""
    if pk is not None and pk not in members:
        raise invalid(field, "Personen er ikke på forløbets team.")
    return members.get(pk)


def _task_specs(c: selectors.DecisionChoices, tasks: list[TaskIn]) -> list[dict[str, Any]]:
    """The tasks of a decision as the service takes them: owners among the meeting's
    participants, goals and measures among those the reader may choose."""
    participants = {p.pk: p for p in c.participants}
    specs = []
    for i, t in enumerate(tasks):
        owner = participants.get(t.owner_id) if t.owner_id else None
        if t.owner_id is not None and owner is None:
            raise ValidationError(
                [
                    {
                        "loc": ["body", "tasks", i, "owner_id"],
                        "msg": "Den ansvarlige skal være deltager i mødet.",
                        "type": "value_error",
                    }
                ]
            )
        specs.append(
            {
                "title": t.title,
                "owner": owner,
                "due_date": t.due_date,
                "goal": _choice(c.goals, t.goal_id),
                "measure": _choice(c.measures, t.measure_id),
            }
        )
    return specs


# --------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/meetings", response=list[MeetingListItem])
def meeting_list(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_meetings(user_of(request), course_id)
    return [list_item(m) for m in [*data.upcoming, *data.past]]


@router.post("/courses/{course_id}/meetings", response={201: MeetingOut})
def meeting_create(request: HttpRequest, course_id: uuid.UUID, payload: MeetingIn) -> Any:
    user = user_of(request)
    choices = selectors.planning_choices(user, course_id)
    team = _by_id(  # the team members the user may name
        {t.pk: t for t in choices.team},
        payload.team_member_ids,
        "team_member_ids",
        "Kontaktpersonen er ikke på forløbets team.",
    )
    relatives = _by_id(
        {r.pk: r for r in choices.relatives},
        payload.relative_ids,
        "relative_ids",
        "Den pårørende hører ikke til borgeren.",
    )
    meeting = services.create_meeting(
        user,
        choices.access.course,
        kind=payload.kind,
        purpose=payload.purpose,
        place=payload.place,
        virtual_link=payload.virtual_link,
        team_members=team,
        include_citizen=payload.include_citizen,
        relatives=relatives,
        others=[logic.OtherPerson(o.name, o.role) for o in payload.others],
        proposed_times=payload.proposed_times,
        duration_minutes=payload.duration_minutes,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, meeting_out(selectors.meeting_detail(user, meeting.pk)))


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def meeting_get(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    return meeting_out(selectors.meeting_detail(user_of(request), meeting_id))


@router.put("/meetings/{meeting_id}/availability", response=MeetingOut)
def availability(request: HttpRequest, meeting_id: uuid.UUID, payload: AnswersIn) -> Any:
    user = user_of(request)
    meeting, _access = selectors.check_meeting(user, meeting_id, need_plan=False)
    services.answer_availability(
        user,
        meeting,
        {(a.participant_id, a.proposed_time_id): a.answer for a in payload.answers},
    )
    return meeting_out(selectors.meeting_detail(user, meeting_id))


@router.post("/meetings/{meeting_id}/time", response=MeetingOut)
def choose_time(
    request: HttpRequest, meeting_id: uuid.UUID, payload: ChooseTimeIn | None = None
) -> Any:
    user = user_of(request)
    meeting, _access = selectors.check_meeting(user, meeting_id)
    time_id = payload.proposed_time_id if payload is not None else None
    option = None  # the earliest common time
    if time_id is not None:
        option = selectors.meeting_time(meeting, time_id)
        if option is None:
            raise invalid("proposed_time_id", "Tidspunktet hører ikke til mødet.")
    services.choose_time(user, meeting, option)
    return meeting_out(selectors.meeting_detail(user, meeting_id))


@router.put("/meetings/{meeting_id}/minutes", response=MeetingOut)
def minutes(request: HttpRequest, meeting_id: uuid.UUID, payload: MinutesIn) -> Any:
    user = user_of(request)
    meeting, access = selectors.check_meeting(user, meeting_id)
    members = selectors.minutes_team(access, meeting)
    data = payload.dict()
    services.save_minutes(
        user,
        meeting,
        close=data.pop("close"),
        citizen_present=data.pop("citizen_present"),
        coordinated_by=_member(members, data.pop("coordinated_by_id"), "coordinated_by_id"),
        keeps_in_step=_member(members, data.pop("keeps_in_step_id"), "keeps_in_step_id"),
        next_meeting_date=data.pop("next_meeting_date"),
        present_participant_ids=data.pop("present_participant_ids"),
        minutes_category=data.pop("minutes_category"),
        **data,
    )
    return meeting_out(selectors.meeting_detail(user, meeting_id))


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut})
def decision_create(request: HttpRequest, meeting_id: uuid.UUID, payload: DecisionIn) -> Any:
    user = user_of(request)
    c = selectors.decision_choices(user, meeting_id)
    tasks = _task_specs(c, payload.tasks)
    decision = services.add_decision(
        user,
        c.meeting,
        text=payload.text,
        payer=payload.payer,
        measure=_choice(c.measures, payload.measure_id),
        tasks=tasks,
        idempotency_key=payload.idempotency_key,
    )
    d = selectors.meeting_detail(user, meeting_id)
    return Status(201, decision_out(next(x for x in d.decisions if x.pk == decision.pk), today()))


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


@router.get("/tasks/mine", response=list[TaskOut])
def tasks_mine(request: HttpRequest, include_done: bool = False) -> Any:
    tasks = selectors.my_tasks(user_of(request), include_done=include_done)
    on = today()
    return [task_out(t, on) for t in tasks]


@router.get("/courses/{course_id}/tasks", response=list[TaskOut])
def course_tasks(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_meetings(user_of(request), course_id)
    return [task_out(t, data.today) for t in data.open_tasks]


@router.post("/tasks/{task_id}/done", response=TaskOut)
def task_done(request: HttpRequest, task_id: uuid.UUID) -> Any:
    user = user_of(request)
    task, _access = selectors.check_task(user, task_id)
    services.complete_task(user, task)
    task, _access = selectors.access_task(user, task_id)
    return task_out(task, today())


# --------------------------------------------------------------------------------------------
# Recommendations and rulings
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/recommendations", response=list[RecommendationOut])
def course_recommendations(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_meetings(user_of(request), course_id)
    recs = [*data.open_recommendations, *(r.recommendation for r in data.rulings)]
    recs.sort(key=lambda r: (r.recommended_on, r.created_at))
    return [rec_out(r, data.today) for r in recs]


@router.post("/courses/{course_id}/recommendations", response={201: RecommendationOut})
def recommendation_create(
    request: HttpRequest, course_id: uuid.UUID, payload: RecommendationIn
) -> Any:
    user = user_of(request)
    choices = selectors.recommendation_choices(user, course_id)
    measure = _choice(choices.measures, payload.measure_id)
    unit = None
    if payload.authority_unit_id is not None:
        unit = selectors.unit_or_none(payload.authority_unit_id)
        if unit is None:
            raise invalid("authority_unit", "Enheden findes ikke.")
    rec = services.recommend(
        user,
        choices.access.course,
        measure=measure,
        recommends=payload.recommends,
        reasoning=payload.reasoning,
        authority_unit=unit,
        idempotency_key=payload.idempotency_key,
    )
    rec, _access = selectors.access_recommendation(user, rec.pk)
    return Status(201, rec_out(rec, today()))


@router.get("/recommendations/open", response=list[RecommendationOut])
def recommendations_open(request: HttpRequest) -> Any:
    on = today()
    return [rec_out(r, on) for r in selectors.open_recommendations(user_of(request))]


@router.post("/recommendations/{recommendation_id}/ruling", response={201: RecommendationOut})
def ruling_create(request: HttpRequest, recommendation_id: uuid.UUID, payload: RulingIn) -> Any:
    user = user_of(request)
    rec, _access = selectors.check_recommendation(user, recommendation_id)
    basis = None
    if payload.legal_basis_id:
        basis = selectors.legal_basis_or_none(payload.legal_basis_id)
        if basis is None:
            raise invalid("legal_basis_id", "Hjemlen findes ikke.")
    services.record_ruling(
        user,
        rec,
        outcome=payload.outcome,
        legal_basis=basis,
        justification=payload.justification,
        decided_on=payload.decided_on,
    )
    rec, _access = selectors.access_recommendation(user, recommendation_id)
    return Status(201, rec_out(rec, today()))


# --------------------------------------------------------------------------------------------
# Timeliness
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/timeliness", response=TimelinessOut)
def timeliness(request: HttpRequest, course_id: uuid.UUID) -> Any:
    figures = selectors.course_timeliness(user_of(request), course_id)
    return TimelinessOut(
        course_id=course_id,
        days_referral_to_first_meeting=figures.get(selectors.DAYS_TO_FIRST_MEETING),  # type: ignore[arg-type]
        days_recommendation_to_ruling=figures.get(selectors.DAYS_RECOMMENDATION_TO_RULING),
        open_recommendations=int(figures.get(selectors.OPEN_RECOMMENDATIONS) or 0),
        overdue_tasks=int(figures.get(selectors.OVERDUE_TASKS) or 0),
    )
