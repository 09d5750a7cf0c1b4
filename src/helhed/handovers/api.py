"""API of the handovers app (mounted at /api/handovers by helhed.api).

The same access rules as the pages (reads through ``selectors``, writes through ``services``).
Errors are problem bodies: 403 for no access or the wrong party, 404 for an unknown handover the
user could not see anyway is also 403 (existence does not leak), 409 for a step the handover's
state does not allow (acknowledging twice, revoking after the receiver took over …), 422 with
field-level errors for bad input (a handover to the same unit, a decline without a reason).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError, ValidationError

from helhed.core.apikit import Day, Str200, field_errors, invalid, user_of
from helhed.core.apikit import Text5000 as Text
from helhed.core.models import Unit, User
from helhed.handovers import logic, selectors, services
from helhed.handovers.models import Handover, InstitutionalStay

router = Router(tags=["handovers"])

NO_ACCESS = "Du har ikke adgang til denne overdragelse eller dette forløb."


def _problems(func: Callable[..., Any]) -> Callable[..., Any]:
    """PermissionDenied → 403, HandoverError → its status (409/403), ValidationError → 422."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PermissionDenied as exc:
            raise HttpError(403, str(exc) or NO_ACCESS) from None
        except logic.HandoverError as exc:
            raise HttpError(exc.status, exc.message) from None
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc, _api_name)) from None

    return wrapper


def _api_name(field: str) -> str:
    return {"to_unit": "to_unit_id", "from_unit": "from_unit_id", "measure": "measure_id"}.get(
        field, field
    )


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class HandoverIn(Schema):
    to_unit_id: uuid.UUID | None = None
    external_organisation: Str200 = ""
    external_contact: Str200 = ""
    from_unit_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None
    mode: Str200
    reason: Text
    expected_start: Day | None = None


class AnswerIn(Schema):
    reason: Text = ""
    note: Text = ""
    answered_by: Str200 = ""


class ArrivalIn(Schema):
    arrived: bool
    note: Text = ""


class WaitingOut(Schema):
    """A handover waiting for my unit: no citizen, course, measure or free text."""

    id: uuid.UUID
    from_unit: str
    to_unit: str
    status: str
    status_label: str
    days_waiting: int
    overdue: bool


class HandoverOut(Schema):
    id: uuid.UUID
    course_id: uuid.UUID
    measure_id: uuid.UUID | None  # null: the whole course, or a measure the reader may not see
    measure_title: str | None
    from_unit_id: uuid.UUID
    from_unit: str
    to_unit_id: uuid.UUID | None
    receiver: str
    external: bool
    mode: str
    status: str  # FHIR Task.status
    status_label: str
    responsible: str  # "sender" or "receiver"
    responsible_unit: str
    reason: str | None  # null: withheld (the reader's categories do not cover it)
    requested_at: datetime
    acknowledged_at: datetime | None
    knows_situation_at: datetime | None
    decline_reason: str | None
    arrival: str
    reopened_count: int
    expected_start: date | None


class WithheldOut(Schema):
    category: str
    reason: str


class SummaryOut(Schema):
    categories: list[str]
    withheld: list[WithheldOut]
    citizen_name: str | None
    citizen_age: int | None
    goals: list[str]
    measures: list[str]
    demands: list[str]
    stays: list[str]


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    at: datetime
    actor: str
    note: str | None


class HandoverDetailOut(Schema):
    handover: HandoverOut
    roles: list[str]
    allowed_actions: list[str]
    summary: SummaryOut
    events: list[EventOut]


class TransitionOut(Schema):
    kind: str
    label: str
    on: date
    alert_from: date
    days_until: int
    alerting: bool


class GapOut(Schema):
    first_day: date
    last_day: date
    days: int
    open: bool
    after_measure_id: uuid.UUID
    before_measure_id: uuid.UUID | None


class GapsOut(Schema):
    total_days: int
    longest_days: int
    gaps: list[GapOut]


class StayIn(Schema):
    kind: Str200
    institution: Str200 = ""
    start_date: Day
    expected_end: Day
    note: Text = ""


class StayOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    institution: str
    start_date: date
    expected_end: date
    actual_end: date | None


def _out(h: Handover, *, show_measure: bool, show_text: bool) -> HandoverOut:
    side = logic.responsible_side(h.status)
    return HandoverOut(
        id=h.pk,
        course_id=h.course_id,
        measure_id=h.measure_id if show_measure else None,
        measure_title=(h.measure_title or None) if show_measure else None,
        from_unit_id=h.from_unit_id,
        from_unit=h.from_unit.name,
        to_unit_id=h.to_unit_id,
        receiver=h.receiver_name,
        external=h.is_external,
        mode=h.mode,
        status=h.status,
        status_label=str(h.get_status_display()),
        responsible=side,
        responsible_unit=h.receiver_name if side == logic.RECEIVER else h.from_unit.name,
        reason=h.reason if show_text else None,
        requested_at=h.requested_at,
        acknowledged_at=h.acknowledged_at,
        knows_situation_at=h.knows_situation_at,
        decline_reason=h.decline_reason if show_text else None,
        arrival=h.arrival,
        reopened_count=h.reopened_count,
        expected_start=h.expected_start,
    )


def _stay_out(s: InstitutionalStay) -> StayOut:
    return StayOut(
        id=s.pk,
        kind=s.kind,
        kind_label=str(s.get_kind_display()),
        institution=s.institution,
        start_date=s.start_date,
        expected_end=s.expected_end,
        actual_end=s.actual_end,
    )


def _detail(user: User, handover_id: uuid.UUID) -> HandoverDetailOut:
    v = selectors.handover_detail(user, handover_id)
    s = v.summary
    return HandoverDetailOut(
        handover=_out(v.handover, show_measure=v.show_measure, show_text=v.show_text),
        roles=sorted(v.roles),
        allowed_actions=v.actions,
        summary=SummaryOut(
            categories=s.categories,
            withheld=[WithheldOut(category=c, reason=r) for c, r in s.withheld],
            citizen_name=s.citizen_name or None,
            citizen_age=s.citizen_age,
            goals=[g.text for g in s.goals],
            measures=[m.title for m in s.measures],
            demands=[d.title for d in s.demands],
            stays=[str(st.get_kind_display()) for st in s.stays],
        ),
        events=[
            EventOut(
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                at=e.at,
                actor=e.actor_name,
                note=e.note if v.show_text else (None if e.note else ""),
            )
            for e in v.events
        ],
    )


# --------------------------------------------------------------------------------------------
# Handovers
# --------------------------------------------------------------------------------------------


@router.get("/waiting", response=list[WaitingOut])
@_problems
def waiting(request: HttpRequest) -> Any:
    """Handovers to my units waiting for acknowledgement or confirmation. The receiver may not
    be covered by consent, so no citizen, course, measure or free text — open one to see what
    travels with it."""
    return [
        WaitingOut(
            id=r.handover.pk,
            from_unit=r.handover.from_unit.name,
            to_unit=r.handover.receiver_name,
            status=r.handover.status,
            status_label=str(r.handover.get_status_display()),
            days_waiting=r.days_waiting,
            overdue=r.overdue,
        )
        for r in selectors.waiting_for_my_units(user_of(request), limit=200)
    ]


@router.get("/courses/{course_id}/handovers", response=list[HandoverOut])
@_problems
def course_handovers(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_handovers(user_of(request), course_id)
    plan = data.access.may("plan")
    rows = []
    for r in data.open + data.closed:
        # free texts only to a reader who may see the measure and the plan (as on the page)
        shows = r.handover.shows_measure  # type: ignore[attr-defined]
        rows.append(_out(r.handover, show_measure=shows, show_text=shows and plan))
    return rows


@router.post("/courses/{course_id}/handovers", response={201: HandoverDetailOut})
@_problems
def create_handover(request: HttpRequest, course_id: uuid.UUID, payload: HandoverIn) -> Any:
    user = user_of(request)
    choices = selectors.handover_choices(user, course_id)  # 403 before anything else
    to_unit = from_unit = measure = None
    if payload.to_unit_id is not None:
        to_unit = Unit.objects.filter(pk=payload.to_unit_id).first()
        if to_unit is None:
            raise invalid("to_unit_id", "Enheden findes ikke.")
    if payload.from_unit_id is not None:
        from_unit = Unit.objects.filter(pk=payload.from_unit_id).first()
        if from_unit is None:
            raise invalid("from_unit_id", "Enheden findes ikke.")
    if payload.measure_id is not None:
        # Only a measure of this course the user may see; any other id is refused alike (403).
        measure = next((m for m in choices.measures if m.pk == payload.measure_id), None)
        if measure is None:
            raise PermissionDenied
    handover = services.request_handover(
        user,
        course_id,
        mode=payload.mode,
        reason=payload.reason,
        to_unit=to_unit,
        external_organisation=payload.external_organisation,
        external_contact=payload.external_contact,
        from_unit=from_unit,
        measure=measure,
        expected_start=payload.expected_start,
    )
    return Status(201, _detail(user, handover.pk))


@router.get("/{handover_id}", response=HandoverDetailOut)
@_problems
def handover_detail(request: HttpRequest, handover_id: uuid.UUID) -> Any:
    """The handover with the summary that travels to the receiver (consented categories only)
    and what was withheld and why. Logged."""
    return _detail(user_of(request), handover_id)


@router.get("/{handover_id}/fhir", response=dict[str, Any])
@_problems
def handover_fhir(request: HttpRequest, handover_id: uuid.UUID) -> Any:
    """The handover as a FHIR Task (same access as the handover; logged)."""
    v = selectors.handover_detail(user_of(request), handover_id)
    h = v.handover
    last = v.events[-1].at if v.events else h.requested_at
    plan = getattr(h.course, "plan", None)
    return logic.fhir_task(
        handover_id=h.pk,
        status=h.status,
        citizen_id=h.course.citizen_id if v.identity_shown else None,
        plan_id=plan.pk if plan is not None and v.identity_shown else None,
        requester=(h.from_unit.organisation_id, h.from_unit.name),
        owner=(
            (h.to_unit.organisation_id, h.to_unit.name)
            if h.to_unit is not None
            else (None, h.external_organisation)
        ),
        authored_on=h.requested_at,
        last_modified=last,
        mode=h.mode,
        arrival=h.arrival,
        status_reason=(
            "declined"
            if h.status == logic.REJECTED
            else "revoked"
            if h.status == logic.CANCELLED
            else ""
        ),
    )


def _step(request: HttpRequest, handover_id: uuid.UUID, action: str, payload: AnswerIn) -> Any:
    user = user_of(request)
    services.act(
        user,
        handover_id,
        action,
        reason=payload.reason,
        note=payload.note,
        answered_by=payload.answered_by,
    )
    return _detail(user, handover_id)


@router.post("/{handover_id}/accept", response=HandoverDetailOut)
@_problems
def accept(request: HttpRequest, handover_id: uuid.UUID, payload: AnswerIn) -> Any:
    """The receiver acknowledges (409 if already acknowledged). Responsibility stays with the
    sender until the receiver confirms they know the situation."""
    return _step(request, handover_id, logic.ACCEPT, payload)


@router.post("/{handover_id}/decline", response=HandoverDetailOut)
@_problems
def decline(request: HttpRequest, handover_id: uuid.UUID, payload: AnswerIn) -> Any:
    """The receiver declines; ``reason`` is required (422 without it)."""
    return _step(request, handover_id, logic.DECLINE, payload)


@router.post("/{handover_id}/revoke", response=HandoverDetailOut)
@_problems
def revoke(request: HttpRequest, handover_id: uuid.UUID, payload: AnswerIn) -> Any:
    return _step(request, handover_id, logic.REVOKE, payload)


@router.post("/{handover_id}/confirm-knows-situation", response=HandoverDetailOut)
@_problems
def confirm(request: HttpRequest, handover_id: uuid.UUID, payload: AnswerIn) -> Any:
    """The receiver confirms they know the citizen's situation: responsibility moves to them."""
    return _step(request, handover_id, logic.CONFIRM, payload)


@router.post("/{handover_id}/arrival", response=HandoverDetailOut)
@_problems
def arrival(request: HttpRequest, handover_id: uuid.UUID, payload: ArrivalIn) -> Any:
    """Closed loop: did the citizen arrive? ``arrived=false`` reopens the handover and puts
    responsibility back on the sender."""
    action = logic.ARRIVED if payload.arrived else logic.NOT_ARRIVED
    return _step(request, handover_id, action, AnswerIn(note=payload.note))


# --------------------------------------------------------------------------------------------
# Transitions, gaps, stays, timeliness
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/transitions", response=list[TransitionOut])
@_problems
def transitions(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_handovers(user_of(request), course_id)
    return [
        TransitionOut(
            kind=t.kind,
            label=t.label,
            on=t.on,
            alert_from=t.alert_from,
            days_until=days,
            alerting=alerting,
        )
        for t, days, alerting in data.transition_rows
    ]


@router.get("/courses/{course_id}/gaps", response=GapsOut)
@_problems
def gaps(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_handovers(user_of(request), course_id)
    return GapsOut(
        total_days=data.gap_total,
        longest_days=data.gap_longest,
        gaps=[
            GapOut(
                first_day=g.first_day,
                last_day=g.last_day,
                days=g.days,
                open=g.open,
                after_measure_id=g.after,
                before_measure_id=g.before,
            )
            for g in data.gaps
        ],
    )


@router.get("/courses/{course_id}/stays", response=list[StayOut])
@_problems
def stays(request: HttpRequest, course_id: uuid.UUID) -> Any:
    data = selectors.course_handovers(user_of(request), course_id)
    return [_stay_out(s) for s in data.stays]


@router.post("/courses/{course_id}/stays", response={201: StayOut})
@_problems
def stay_create(request: HttpRequest, course_id: uuid.UUID, payload: StayIn) -> Any:
    stay = services.record_stay(
        user_of(request),
        course_id,
        kind=payload.kind,
        institution=payload.institution,
        start_date=payload.start_date,
        expected_end=payload.expected_end,
        note=payload.note,
    )
    return Status(201, _stay_out(stay))


@router.get("/courses/{course_id}/timeliness", response=dict[str, float | int | None])
@_problems
def course_timeliness(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """Handover acknowledgement time, gap days, contact persons and changes for one course."""
    return selectors.course_timeliness(user_of(request), course_id)


@router.get("/initiatives/{initiative_id}/timeliness", response=dict[str, Any])
@_problems
def initiative_timeliness(request: HttpRequest, initiative_id: uuid.UUID) -> Any:
    """The same figures over the initiative's courses the user may count (mean and n; fewer than
    five courses: no mean, n "<5"); no citizen shown."""
    return selectors.initiative_timeliness(user_of(request), initiative_id)
