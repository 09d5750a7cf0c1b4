"""Meetings API (mounted at /api/meetings): meetings and availability answers, the earliest
common time, minutes, decisions and tasks, recommendations and rulings, timeliness figures.

Same access rules as the pages (reads through ``selectors``, which fetch, check and log in one
step; writes through ``services``, which check the same rights). What the reader may not see is
``null``: the minutes' texts under a category their consent does not cover, a decision or task
about a measure they may not see, the name of a team member whose unit reveals such a category.
Errors are problem bodies: 403 for no access (also for something that does not exist or that the
reader may not see — a meeting, a task, a measure or goal named in a request — so existence does
not leak), 422 with field-level errors for bad input.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import StringConstraints

from helhed.core.apikit import (
    Moment,
    Str20,
    Str200,
    Str300,
    Text,
    field_errors,
    invalid,
    problem,
    user_of,
)
from helhed.core.apikit import Str64 as Key
from helhed.core.models import Unit
from helhed.courses.models import LegalBasis
from helhed.meetings import logic, selectors, services
from helhed.meetings.models import Decision, Meeting, Recommendation, Ruling, Task

router = Router(tags=["meetings"])

NO_ACCESS = "Du har ikke adgang til dette forløb."


KEY_HELP = (
    "Valgfri nøgle for denne indsendelse: sendes samme nøgle igen (af samme bruger), svares 409 "
    "med id på det, der allerede er oprettet."
)


def _problems(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PermissionDenied as exc:
            raise HttpError(403, str(exc) or NO_ACCESS) from None
        except services.DuplicateSubmissionError as exc:
            existing = exc.existing
            return problem(
                409,
                "Allerede modtaget",
                exc.messages[0],
                existing_id=str(existing.pk) if existing is not None else None,
            )
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from None
        except ObjectDoesNotExist:
            raise HttpError(403, NO_ACCESS) from None

    return wrapper


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class ParticipantOut(Schema):
    id: uuid.UUID
    kind: str
    name: str  # a neutral text for a team member whose unit the reader may not see
    role: str
    required: bool
    present: bool | None
    team_member_id: uuid.UUID | None
    user_id: uuid.UUID | None


class ProposedTimeOut(Schema):
    id: uuid.UUID
    starts_at: datetime


class AnswerOut(Schema):
    participant_id: uuid.UUID
    proposed_time_id: uuid.UUID
    answer: str


class BlockerOut(Schema):
    proposed_time_id: uuid.UUID
    starts_at: datetime
    unavailable: list[str]
    maybe: list[str]
    unanswered: list[str]


class CommonTimeOut(Schema):
    found: bool
    proposed_time_id: uuid.UUID | None
    starts_at: datetime | None
    tentative_time_id: uuid.UUID | None
    maybe: list[str]
    no_future_times: bool
    explanation: list[BlockerOut]


class TaskOut(Schema):
    id: uuid.UUID
    course_id: uuid.UUID
    decision_id: uuid.UUID
    title: str | None  # null: about something the reader's consent does not cover
    owner_id: uuid.UUID
    owner: str
    due_date: date
    overdue: bool
    goal_id: uuid.UUID | None
    measure_id: uuid.UUID | None
    done_at: datetime | None


class DecisionOut(Schema):
    id: uuid.UUID
    text: str | None  # null: about something the reader's consent does not cover
    payer: str
    measure_id: uuid.UUID | None
    tasks: list[TaskOut]


class MinutesOut(Schema):
    # Who may read the minutes (a data category). When the reader may not, ``withheld`` is true
    # and the texts are null: the reader learns that minutes exist, not what they say.
    category: str
    withheld: bool
    problem_focus: str | None
    what_works: str | None
    what_worries: str | None
    exceptions: str | None
    legal_options: str | None
    motivation: str | None
    organisational_options: str | None
    plain_summary: str | None
    citizen_present: bool | None
    citizen_absence_reason: str | None
    coordinated_by_id: uuid.UUID | None
    keeps_in_step_id: uuid.UUID | None
    next_meeting_date: date | None
    closed_at: datetime | None
    next_meeting_id: uuid.UUID | None


class MeetingListItem(Schema):
    id: uuid.UUID
    course_id: uuid.UUID
    kind: str
    purpose: str
    status: str
    starts_at: datetime | None
    place: str
    virtual_link: str
    minutes_closed: bool


class MeetingOut(MeetingListItem):
    duration_minutes: int
    citizen_invited: bool
    participants: list[ParticipantOut]
    proposed_times: list[ProposedTimeOut]
    answers: list[AnswerOut]
    common_time: CommonTimeOut
    minutes: MinutesOut
    decisions: list[DecisionOut]


class OtherIn(Schema):
    name: Str200
    role: Str200 = ""


class MeetingIn(Schema):
    kind: Str20 = "netvaerk"
    purpose: Str300
    place: Str200 = ""
    virtual_link: Str200 = ""
    team_member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    include_citizen: bool = True
    relative_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    others: list[OtherIn] = Field(default_factory=list, max_length=50)
    proposed_times: list[Moment] = Field(default_factory=list, max_length=20)
    duration_minutes: int = Field(60, ge=1, le=24 * 60)
    idempotency_key: Key | None = Field(None, description=KEY_HELP)


class AnswerIn(Schema):
    participant_id: uuid.UUID
    proposed_time_id: uuid.UUID
    answer: Str20


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(max_length=2000)


class ChooseTimeIn(Schema):
    proposed_time_id: uuid.UUID | None = Field(
        None, description="Udelades for at vælge det tidligste fælles tidspunkt."
    )


class MinutesIn(Schema):
    problem_focus: Text = ""
    what_works: Text = ""
    what_worries: Text = ""
    exceptions: Text = ""
    legal_options: Text = ""
    motivation: Text = ""
    organisational_options: Text = ""
    plain_summary: Text = ""
    citizen_present: bool | None = None
    citizen_absence_reason: Text = ""
    coordinated_by_id: uuid.UUID | None = None
    keeps_in_step_id: uuid.UUID | None = None
    next_meeting_date: date | None = None
    present_participant_ids: list[uuid.UUID] | None = None
    minutes_category: Str20 | None = Field(
        None,
        description=(
            "Hvem må læse referatet: en kategori (plan, health, social, crime, employment, "
            "economy), som du selv har adgang til. Udelades: uændret."
        ),
    )
    close: bool = False


class TaskIn(Schema):
    title: Str300
    owner_id: uuid.UUID | None = Field(None, description="En deltager i mødet (påkrævet).")
    due_date: date | None = None
    goal_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None


class DecisionIn(Schema):
    text: Text
    payer: Str20 = ""
    measure_id: uuid.UUID | None = None
    tasks: list[TaskIn] = Field(default_factory=list, max_length=50)
    idempotency_key: Key | None = Field(None, description=KEY_HELP)


class RecommendationIn(Schema):
    measure_id: uuid.UUID | None = None
    recommends: Str20 = "bevilling"
    reasoning: Text
    authority_unit_id: uuid.UUID | None = None
    idempotency_key: Key | None = Field(None, description=KEY_HELP)


class RulingOut(Schema):
    id: uuid.UUID
    outcome: str
    legal_basis_id: str
    legal_basis: str
    justification: str
    deviates: bool
    decided_on: date
    waiting_days: int


class RecommendationOut(Schema):
    id: uuid.UUID
    course_id: uuid.UUID
    measure_id: uuid.UUID | None
    measure: str
    recommends: str
    reasoning: str
    authority_unit_id: uuid.UUID
    authority_unit: str
    recommended_on: date
    waiting_days: int
    ruling: RulingOut | None


class RulingIn(Schema):
    outcome: Str20
    legal_basis_id: Annotated[str, StringConstraints(max_length=60)] | None = None
    justification: Text = ""
    decided_on: date | None = None


class TimelinessOut(Schema):
    course_id: uuid.UUID
    days_referral_to_first_meeting: int | None
    days_recommendation_to_ruling: float | None
    open_recommendations: int
    overdue_tasks: int


# --------------------------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------------------------


def _list_item(m: Meeting) -> MeetingListItem:
    return MeetingListItem(
        id=m.pk,
        course_id=m.course_id,
        kind=m.kind,
        purpose=m.purpose,
        status=m.status,
        starts_at=m.starts_at,
        place=m.place,
        virtual_link=m.safe_virtual_link,
        minutes_closed=m.minutes_closed,
    )


def _task_out(t: Task, today: date) -> TaskOut:
    """A task as the selectors labelled it (``label_tasks``, ``my_tasks``)."""
    shown = getattr(t, "shown", False)
    return TaskOut(
        id=t.pk,
        course_id=t.course_id,
        decision_id=t.decision_id,
        title=t.title if shown else None,
        owner_id=t.owner_id,
        owner=getattr(t, "owner_label", ""),
        due_date=t.due_date,
        overdue=logic.is_overdue(t.due_date, t.done_at is not None, today),
        goal_id=t.goal_id if shown else None,
        measure_id=t.measure_id if shown and getattr(t, "measure_label", "") else None,
        done_at=t.done_at,
    )


def _common_out(c: logic.CommonTime) -> CommonTimeOut:
    return CommonTimeOut(
        found=c.found,
        proposed_time_id=c.time.key if c.time else None,  # type: ignore[arg-type]
        starts_at=c.time.starts_at if c.time else None,
        tentative_time_id=c.tentative.key if c.tentative else None,  # type: ignore[arg-type]
        maybe=list(c.maybe),
        no_future_times=c.no_future_times,
        explanation=[
            BlockerOut(
                proposed_time_id=b.time.key,  # type: ignore[arg-type]
                starts_at=b.time.starts_at,
                unavailable=list(b.unavailable),
                maybe=list(b.maybe),
                unanswered=list(b.unanswered),
            )
            for b in c.blockers
        ],
    )


def _decision_out(dec: Decision, today: date) -> DecisionOut:
    shown = getattr(dec, "shown", False)
    measure_shown = shown and bool(getattr(dec, "measure_label", ""))
    return DecisionOut(
        id=dec.pk,
        text=dec.text if shown else None,
        payer=dec.payer if shown else "",
        measure_id=dec.measure_id if measure_shown else None,
        tasks=[_task_out(t, today) for t in getattr(dec, "task_list", [])],
    )


def _meeting_out(d: selectors.MeetingDetail) -> MeetingOut:
    m = d.meeting
    today = selectors.today()
    shown = d.minutes_shown

    def text(value: str) -> str | None:
        return value if shown else None

    team_ids = {t.pk for t in d.team}
    return MeetingOut(
        **_list_item(m).dict(),
        duration_minutes=m.duration_minutes,
        citizen_invited=d.citizen_invited,
        participants=[
            ParticipantOut(
                id=p.pk,
                kind=p.kind,
                name=p.label,  # type: ignore[attr-defined]
                role=p.role_label,  # type: ignore[attr-defined]
                required=p.required,
                present=p.present,
                team_member_id=p.team_member_id if p.shown else None,  # type: ignore[attr-defined]
                user_id=p.user_id if p.shown else None,  # type: ignore[attr-defined]
            )
            for p in d.participants
        ],
        proposed_times=[ProposedTimeOut(id=t.pk, starts_at=t.starts_at) for t in d.times],
        answers=[
            AnswerOut(participant_id=row.participant.pk, proposed_time_id=t.pk, answer=value)
            for row in d.grid
            for t, value in row.cells
            if value
        ],
        common_time=_common_out(d.common),
        minutes=MinutesOut(
            category=m.minutes_category,
            withheld=not shown,
            problem_focus=text(m.problem_focus),
            what_works=text(m.what_works),
            what_worries=text(m.what_worries),
            exceptions=text(m.exceptions),
            legal_options=text(m.legal_options),
            motivation=text(m.motivation),
            organisational_options=text(m.organisational_options),
            plain_summary=text(m.plain_summary),
            citizen_present=m.citizen_present,
            citizen_absence_reason=text(m.citizen_absence_reason),
            coordinated_by_id=m.coordinated_by_id if m.coordinated_by_id in team_ids else None,
            keeps_in_step_id=m.keeps_in_step_id if m.keeps_in_step_id in team_ids else None,
            next_meeting_date=m.next_meeting_date,
            closed_at=m.minutes_closed_at,
            next_meeting_id=m.next_meeting_id,
        ),
        decisions=[_decision_out(dec, today) for dec in d.decisions],
    )


def _rec_out(r: Recommendation, today: date) -> RecommendationOut:
    ruling: Ruling | None = getattr(r, "ruling", None)
    return RecommendationOut(
        id=r.pk,
        course_id=r.course_id,
        measure_id=r.measure_id,
        measure=r.measure_title,
        recommends=r.recommends,
        reasoning=r.reasoning,
        authority_unit_id=r.authority_unit_id,
        authority_unit=getattr(r, "authority_label", ""),
        recommended_on=r.recommended_on,
        waiting_days=(
            ruling.waiting_days
            if ruling is not None
            else logic.waiting_days(r.recommended_on, today)
        ),
        ruling=(
            RulingOut(
                id=ruling.pk,
                outcome=ruling.outcome,
                legal_basis_id=ruling.legal_basis_id,
                legal_basis=str(ruling.legal_basis),
                justification=ruling.justification,
                deviates=ruling.deviates,
                decided_on=ruling.decided_on,
                waiting_days=ruling.waiting_days,
            )
            if ruling is not None
            else None
        ),
    )


# --------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/meetings", response=list[MeetingListItem])
@_problems
def meeting_list(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_meetings(user_of(request), course_id)
    return [_list_item(m) for m in [*data.upcoming, *data.past]]


@router.post("/courses/{course_id}/meetings", response={201: MeetingOut})
@_problems
def meeting_create(request: HttpRequest, course_id: uuid.UUID, payload: MeetingIn) -> Any:
    user = user_of(request)
    choices = selectors.planning_choices(user, course_id)
    team_by_id = {t.pk: t for t in choices.team}  # the team members the user may name
    relatives_by_id = {r.pk: r for r in choices.relatives}
    if any(i not in team_by_id for i in payload.team_member_ids):
        raise invalid("team_member_ids", "Kontaktpersonen er ikke på forløbets team.")
    if any(i not in relatives_by_id for i in payload.relative_ids):
        raise invalid("relative_ids", "Den pårørende hører ikke til borgeren.")
    meeting = services.create_meeting(
        user,
        choices.access.course,
        kind=payload.kind,
        purpose=payload.purpose,
        place=payload.place,
        virtual_link=payload.virtual_link,
        team_members=[team_by_id[i] for i in dict.fromkeys(payload.team_member_ids)],
        include_citizen=payload.include_citizen,
        relatives=[relatives_by_id[i] for i in dict.fromkeys(payload.relative_ids)],
        others=[logic.OtherPerson(o.name, o.role) for o in payload.others],
        proposed_times=payload.proposed_times,
        duration_minutes=payload.duration_minutes,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, _meeting_out(selectors.meeting_detail(user, meeting.pk)))


@router.get("/meetings/{meeting_id}", response=MeetingOut)
@_problems
def meeting_get(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    return _meeting_out(selectors.meeting_detail(user_of(request), meeting_id))


@router.put("/meetings/{meeting_id}/availability", response=MeetingOut)
@_problems
def availability(request: HttpRequest, meeting_id: uuid.UUID, payload: AnswersIn) -> Any:
    user = user_of(request)
    meeting, _access = selectors.check_meeting(user, meeting_id, need_plan=False)
    services.answer_availability(
        user,
        meeting,
        {(a.participant_id, a.proposed_time_id): a.answer for a in payload.answers},
    )
    return _meeting_out(selectors.meeting_detail(user, meeting_id))


@router.post("/meetings/{meeting_id}/time", response=MeetingOut)
@_problems
def choose_time(
    request: HttpRequest, meeting_id: uuid.UUID, payload: ChooseTimeIn | None = None
) -> Any:
    user = user_of(request)
    meeting, _access = selectors.check_meeting(user, meeting_id)
    time_id = payload.proposed_time_id if payload is not None else None
    if time_id is None:
        common = selectors.common_time(meeting)
        if common.time is None:
            raise invalid(
                "proposed_time_id",
                "Der er intet tidspunkt, hvor alle, der skal deltage, har svaret ja.",
            )
        time_id = cast(uuid.UUID, common.time.key)
    option = selectors.meeting_time(meeting, time_id)
    if option is None:
        raise invalid("proposed_time_id", "Tidspunktet hører ikke til mødet.")
    services.choose_time(user, meeting, option)
    return _meeting_out(selectors.meeting_detail(user, meeting_id))


@router.put("/meetings/{meeting_id}/minutes", response=MeetingOut)
@_problems
def minutes(request: HttpRequest, meeting_id: uuid.UUID, payload: MinutesIn) -> Any:
    user = user_of(request)
    meeting, access = selectors.check_meeting(user, meeting_id)
    members = selectors.minutes_team(access, meeting)
    for name in ("coordinated_by_id", "keeps_in_step_id"):
        value = getattr(payload, name)
        if value is not None and value not in members:
            raise invalid(name, "Personen er ikke på forløbets team.")
    data = payload.dict()
    services.save_minutes(
        user,
        meeting,
        close=data.pop("close"),
        citizen_present=data.pop("citizen_present"),
        coordinated_by=members.get(data.pop("coordinated_by_id")),
        keeps_in_step=members.get(data.pop("keeps_in_step_id")),
        next_meeting_date=data.pop("next_meeting_date"),
        present_participant_ids=data.pop("present_participant_ids"),
        minutes_category=data.pop("minutes_category"),
        **data,
    )
    return _meeting_out(selectors.meeting_detail(user, meeting_id))


def _choice(items: list[Any], pk: uuid.UUID | None) -> Any:
    """A goal or measure the reader may choose, by id; one that is not in the plan or that the
    reader may not see is refused alike (403: no existence oracle)."""
    if pk is None:
        return None
    found = next((item for item in items if item.pk == pk), None)
    if found is None:
        raise PermissionDenied
    return found


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut})
@_problems
def decision_create(request: HttpRequest, meeting_id: uuid.UUID, payload: DecisionIn) -> Any:
    user = user_of(request)
    c = selectors.decision_choices(user, meeting_id)
    participants = {p.pk: p for p in c.participants}
    tasks = []
    for i, t in enumerate(payload.tasks):
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
        tasks.append(
            {
                "title": t.title,
                "owner": owner,
                "due_date": t.due_date,
                "goal": _choice(c.goals, t.goal_id),
                "measure": _choice(c.measures, t.measure_id),
            }
        )
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
    today = selectors.today()
    return Status(201, _decision_out(next(x for x in d.decisions if x.pk == decision.pk), today))


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


@router.get("/tasks/mine", response=list[TaskOut])
@_problems
def tasks_mine(request: HttpRequest, include_done: bool = False) -> Any:
    today = selectors.today()
    tasks = selectors.my_tasks(user_of(request), include_done=include_done)
    return [_task_out(t, today) for t in tasks]


@router.get("/courses/{course_id}/tasks", response=list[TaskOut])
@_problems
def course_tasks(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_meetings(user_of(request), course_id)
    return [_task_out(t, data.today) for t in data.open_tasks]


@router.post("/tasks/{task_id}/done", response=TaskOut)
@_problems
def task_done(request: HttpRequest, task_id: uuid.UUID) -> Any:
    user = user_of(request)
    task, _access = selectors.check_task(user, task_id)
    services.complete_task(user, task)
    task, _access = selectors.access_task(user, task_id)
    return _task_out(task, selectors.today())


# --------------------------------------------------------------------------------------------
# Recommendations and rulings
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/recommendations", response=list[RecommendationOut])
@_problems
def course_recommendations(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_meetings(user_of(request), course_id)
    recs = [*data.open_recommendations, *(r.recommendation for r in data.rulings)]
    recs.sort(key=lambda r: (r.recommended_on, r.created_at))
    return [_rec_out(r, data.today) for r in recs]


@router.post("/courses/{course_id}/recommendations", response={201: RecommendationOut})
@_problems
def recommendation_create(
    request: HttpRequest, course_id: uuid.UUID, payload: RecommendationIn
) -> Any:
    user = user_of(request)
    choices = selectors.recommendation_choices(user, course_id)
    measure = _choice(choices.measures, payload.measure_id)
    unit = None
    if payload.authority_unit_id is not None:
        unit = Unit.objects.filter(pk=payload.authority_unit_id).first()
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
    return Status(201, _rec_out(rec, selectors.today()))


@router.get("/recommendations/open", response=list[RecommendationOut])
@_problems
def recommendations_open(request: HttpRequest) -> Any:
    today = selectors.today()
    return [_rec_out(r, today) for r in selectors.open_recommendations(user_of(request))]


@router.post("/recommendations/{recommendation_id}/ruling", response={201: RecommendationOut})
@_problems
def ruling_create(request: HttpRequest, recommendation_id: uuid.UUID, payload: RulingIn) -> Any:
    user = user_of(request)
    rec, _access = selectors.check_recommendation(user, recommendation_id)
    basis = None
    if payload.legal_basis_id:
        basis = LegalBasis.objects.filter(pk=payload.legal_basis_id).first()
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
    return Status(201, _rec_out(rec, selectors.today()))


# --------------------------------------------------------------------------------------------
# Timeliness
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/timeliness", response=TimelinessOut)
@_problems
def timeliness(request: HttpRequest, course_id: uuid.UUID) -> Any:
    figures = selectors.course_timeliness(user_of(request), course_id)
    return TimelinessOut(
        course_id=course_id,
        days_referral_to_first_meeting=figures.get(selectors.DAYS_TO_FIRST_MEETING),  # type: ignore[arg-type]
        days_recommendation_to_ruling=figures.get(selectors.DAYS_RECOMMENDATION_TO_RULING),
        open_recommendations=int(figures.get(selectors.OPEN_RECOMMENDATIONS) or 0),
        overdue_tasks=int(figures.get(selectors.OVERDUE_TASKS) or 0),
    )
