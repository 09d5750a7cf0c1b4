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

from helhed.core.apikit import user_of
from helhed.meetings import logic, selectors, services
from helhed.meetings.schemas import (
    AnswersIn,
    ChooseTimeIn,
    DecisionIn,
    DecisionOut,
    HeldMeetingIn,
    HeldMeetingOut,
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
    meeting_out,
)

router = Router(tags=["meetings"])


def _tasks(tasks: list[TaskIn]) -> list[logic.TaskSpec]:
    return [logic.TaskSpec(t.title, t.owner_id, t.due_date, t.goal_id, t.measure_id) for t in tasks]


# --------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/meetings", response=list[MeetingListItem])
def meeting_list(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_meetings(user_of(request), course_id)
    return [*data.upcoming, *data.past]


@router.post("/courses/{course_id}/meetings", response={201: MeetingOut})
def meeting_create(request: HttpRequest, course_id: uuid.UUID, payload: MeetingIn) -> Any:
    user = user_of(request)
    meeting = services.create_meeting(
        user,
        course_id=course_id,
        kind=payload.kind,
        purpose=payload.purpose,
        place=payload.place,
        virtual_link=payload.virtual_link,
        team_member_ids=payload.team_member_ids,
        include_citizen=payload.include_citizen,
        relative_ids=payload.relative_ids,
        household_members=[
            logic.FamilyInvite(h.citizen_id, h.required) for h in payload.household_members
        ],
        others=[logic.OtherPerson(o.name, o.role) for o in payload.others],
        proposed_times=payload.proposed_times,
        duration_minutes=payload.duration_minutes,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, meeting_out(selectors.meeting_detail(user, meeting.pk)))


@router.post("/courses/{course_id}/meetings/held", response={201: HeldMeetingOut})
def meeting_register(request: HttpRequest, course_id: uuid.UUID, payload: HeldMeetingIn) -> Any:
    """Register a meeting that took place (its time in the past), with who took part and the
    minutes, closed at once; ``warnings`` says when the next meeting falls on a weekend or a
    Danish public holiday."""
    user = user_of(request)
    data = payload.dict()
    held = services.register_held_meeting(
        user,
        course_id=course_id,
        household_members=[
            logic.FamilyInvite(h["citizen_id"], h["required"])
            for h in data.pop("household_members")
        ],
        others=[logic.OtherPerson(o["name"], o["role"]) for o in data.pop("others")],
        **data,
    )
    return Status(
        201, meeting_out(selectors.meeting_detail(user, held.meeting.pk), warnings=held.warnings)
    )


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def meeting_get(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    return meeting_out(selectors.meeting_detail(user_of(request), meeting_id))


@router.put("/meetings/{meeting_id}/availability", response=MeetingOut)
def availability(request: HttpRequest, meeting_id: uuid.UUID, payload: AnswersIn) -> Any:
    user = user_of(request)
    services.answer_availability(
        user,
        meeting_id=meeting_id,
        answers={(a.participant_id, a.proposed_time_id): a.answer for a in payload.answers},
    )
    return meeting_out(selectors.meeting_detail(user, meeting_id))


@router.post("/meetings/{meeting_id}/time", response=MeetingOut)
def choose_time(
    request: HttpRequest, meeting_id: uuid.UUID, payload: ChooseTimeIn | None = None
) -> Any:
    user = user_of(request)
    time_id = payload.proposed_time_id if payload is not None else None  # None: the earliest
    services.choose_time(user, meeting_id=meeting_id, proposed_time_id=time_id)
    return meeting_out(selectors.meeting_detail(user, meeting_id))


@router.put("/meetings/{meeting_id}/minutes", response=HeldMeetingOut)
def minutes(request: HttpRequest, meeting_id: uuid.UUID, payload: MinutesIn) -> Any:
    """Save the minutes; with ``close`` they are closed and ``warnings`` says when the next
    meeting falls on a weekend or a Danish public holiday (empty otherwise)."""
    user = user_of(request)
    saved = services.save_minutes(user, meeting_id=meeting_id, **payload.dict())
    warnings = services.day_warnings(saved.next_meeting_date) if payload.close else []
    return meeting_out(selectors.meeting_detail(user, meeting_id), warnings=warnings)


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut})
def decision_create(request: HttpRequest, meeting_id: uuid.UUID, payload: DecisionIn) -> Any:
    user = user_of(request)
    decision = services.add_decision(
        user,
        meeting_id=meeting_id,
        text=payload.text,
        payer=payload.payer,
        measure_id=payload.measure_id,
        tasks=_tasks(payload.tasks),
        idempotency_key=payload.idempotency_key,
    )
    d = selectors.meeting_detail(user, meeting_id)
    return Status(201, next(x for x in d.decisions if x.pk == decision.pk))


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


@router.get("/tasks/mine", response=list[TaskOut])
def tasks_mine(request: HttpRequest, include_done: bool = False) -> Any:
    return selectors.my_tasks(user_of(request), include_done=include_done)


@router.get("/courses/{course_id}/tasks", response=list[TaskOut])
def course_tasks(request: HttpRequest, course_id: uuid.UUID) -> Any:
    return selectors.course_meetings(user_of(request), course_id).open_tasks


@router.post("/tasks/{task_id}/done", response=TaskOut)
def task_done(request: HttpRequest, task_id: uuid.UUID) -> Any:
    user = user_of(request)
    services.complete_task(user, task_id=task_id)
    task, _access = selectors.access_task(user, task_id)
    return task


# --------------------------------------------------------------------------------------------
# Recommendations and rulings
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/recommendations", response=list[RecommendationOut])
def course_recommendations(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_meetings(user_of(request), course_id)
    recs = [*data.open_recommendations, *(r.recommendation for r in data.rulings)]
    recs.sort(key=lambda r: (r.recommended_on, r.created_at))
    return recs


@router.post("/courses/{course_id}/recommendations", response={201: RecommendationOut})
def recommendation_create(
    request: HttpRequest, course_id: uuid.UUID, payload: RecommendationIn
) -> Any:
    user = user_of(request)
    rec = services.recommend(user, course_id=course_id, **payload.dict())
    rec, _access = selectors.access_recommendation(user, rec.pk)
    return Status(201, rec)


@router.get("/recommendations/open", response=list[RecommendationOut])
def recommendations_open(request: HttpRequest) -> Any:
    return selectors.open_recommendations(user_of(request))


@router.post("/recommendations/{recommendation_id}/ruling", response={201: RecommendationOut})
def ruling_create(request: HttpRequest, recommendation_id: uuid.UUID, payload: RulingIn) -> Any:
    user = user_of(request)
    services.record_ruling(user, recommendation_id=recommendation_id, **payload.dict())
    rec, _access = selectors.access_recommendation(user, recommendation_id)
    return Status(201, rec)


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
