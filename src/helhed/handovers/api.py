"""API of the handovers app (mounted at /api/handovers by helhed.api).

The same access rules and the same use cases as the pages: reads through ``selectors``, writes
through ``services`` with the ids and values the client sent; ninja serialises the selectors'
results through ``schemas``. Errors are problem bodies from the global handlers in
``helhed.api``: 403 for no access or the wrong party (an unknown handover is also 403: existence
does not leak), 409 for a step the handover's state does not allow (acknowledging twice,
revoking after the receiver took over …: ``logic.IllegalTransitionError``), 422 with field-level
errors for bad input (a handover to the same unit, a decline without a reason).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from helhed.core.apikit import user_of
from helhed.handovers import logic, selectors, services
from helhed.handovers.schemas import (
    ArrivalIn,
    GapsOut,
    HandoverAnswerIn,
    HandoverDetailOut,
    HandoverIn,
    HandoverOut,
    RescheduleIn,
    StayIn,
    StayOut,
    TransitionOut,
    WaitingOut,
)

router = Router(tags=["handovers"])


# --------------------------------------------------------------------------------------------
# Handovers
# --------------------------------------------------------------------------------------------


@router.get("/waiting", response=list[WaitingOut])
def waiting(request: HttpRequest) -> Any:
    """Handovers to my units waiting for acknowledgement or confirmation. The receiver may not
    be covered by consent, so no citizen, course, measure or free text — open one to see what
    travels with it."""
    return selectors.waiting_for_my_units(user_of(request), limit=200)


@router.get("/courses/{course_id}/handovers", response=list[HandoverOut])
def course_handovers(request: HttpRequest, course_id: uuid.UUID) -> Any:
    return selectors.course_handovers(user_of(request), course_id).listed


@router.post("/courses/{course_id}/handovers", response={201: HandoverDetailOut})
def create_handover(request: HttpRequest, course_id: uuid.UUID, payload: HandoverIn) -> Any:
    """Only a measure of this course the user may see can be handed over; any other
    ``measure_id`` is refused alike (403)."""
    user = user_of(request)
    handover = services.request_handover(user, course_id=course_id, **payload.dict())
    return Status(201, selectors.handover_detail(user, handover.pk))


@router.get("/{handover_id}", response=HandoverDetailOut)
def handover_detail(request: HttpRequest, handover_id: uuid.UUID) -> Any:
    """The handover with the summary that travels to the receiver (consented categories only)
    and what was withheld and why. Logged."""
    return selectors.handover_detail(user_of(request), handover_id)


@router.get("/{handover_id}/fhir", response=dict[str, Any])
def handover_fhir(request: HttpRequest, handover_id: uuid.UUID) -> Any:
    """The handover as a FHIR Task (same access as the handover; logged)."""
    return selectors.handover_fhir(user_of(request), handover_id)


def _step(request: HttpRequest, handover_id: uuid.UUID, action: str, **answer: Any) -> Any:
    user = user_of(request)
    services.act(user, handover_id=handover_id, action=action, **answer)
    return selectors.handover_detail(user, handover_id)


@router.post("/{handover_id}/accept", response=HandoverDetailOut)
def accept(request: HttpRequest, handover_id: uuid.UUID, payload: HandoverAnswerIn) -> Any:
    """The receiver acknowledges (409 if already acknowledged). Responsibility stays with the
    sender until the receiver confirms they know the situation."""
    return _step(request, handover_id, logic.ACCEPT, **payload.dict())


@router.post("/{handover_id}/decline", response=HandoverDetailOut)
def decline(request: HttpRequest, handover_id: uuid.UUID, payload: HandoverAnswerIn) -> Any:
    """The receiver declines; ``reason`` is required (422 without it)."""
    return _step(request, handover_id, logic.DECLINE, **payload.dict())


@router.post("/{handover_id}/revoke", response=HandoverDetailOut)
def revoke(request: HttpRequest, handover_id: uuid.UUID, payload: HandoverAnswerIn) -> Any:
    return _step(request, handover_id, logic.REVOKE, **payload.dict())


@router.post("/{handover_id}/confirm-knows-situation", response=HandoverDetailOut)
def confirm(request: HttpRequest, handover_id: uuid.UUID, payload: HandoverAnswerIn) -> Any:
    """The receiver confirms they know the citizen's situation: responsibility moves to them."""
    return _step(request, handover_id, logic.CONFIRM, **payload.dict())


@router.post("/{handover_id}/arrival", response=HandoverDetailOut)
def arrival(request: HttpRequest, handover_id: uuid.UUID, payload: ArrivalIn) -> Any:
    """Closed loop: did the citizen arrive? ``arrived=false`` reopens the handover and puts
    responsibility back on the sender. The receiver, the coordinator and — in an escorted
    handover — the sender report it. An arrival before ``expected_start`` or while the citizen is
    in a registered stay needs ``confirm_arrival: true`` (else 422 on ``confirm_arrival``)."""
    action = logic.ARRIVED if payload.arrived else logic.NOT_ARRIVED
    if payload.arrived:
        return _step(
            request,
            handover_id,
            action,
            note=payload.note,
            confirm_arrival=payload.confirm_arrival,
        )
    return _step(request, handover_id, action, note=payload.note)


@router.post("/{handover_id}/reschedule", response=HandoverDetailOut)
def reschedule(request: HttpRequest, handover_id: uuid.UUID, payload: RescheduleIn) -> Any:
    """After a no-show: a new appointment with the receiver (``appointment_date``) and the
    expected first attendance (``expected_start``, default the appointment's date) — by the
    sender or the coordinator; the earlier dates stay in ``events``. 409 when the citizen has not
    been reported as not arrived, 422 with field names for bad dates."""
    user = user_of(request)
    services.reschedule(user, handover_id=handover_id, **payload.dict())
    return selectors.handover_detail(user, handover_id)


# --------------------------------------------------------------------------------------------
# Transitions, gaps, stays, timeliness
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/transitions", response=list[TransitionOut])
def transitions(request: HttpRequest, course_id: uuid.UUID) -> Any:
    return selectors.course_handovers(user_of(request), course_id).transition_rows


@router.get("/courses/{course_id}/gaps", response=GapsOut)
def gaps(request: HttpRequest, course_id: uuid.UUID) -> Any:
    return selectors.course_handovers(user_of(request), course_id)


@router.get("/courses/{course_id}/stays", response=list[StayOut])
def stays(request: HttpRequest, course_id: uuid.UUID) -> Any:
    return selectors.course_handovers(user_of(request), course_id).stays


@router.post("/courses/{course_id}/stays", response={201: StayOut})
def stay_create(request: HttpRequest, course_id: uuid.UUID, payload: StayIn) -> Any:
    stay = services.record_stay(user_of(request), course_id=course_id, **payload.dict())
    return Status(201, stay)


@router.get("/courses/{course_id}/timeliness", response=dict[str, float | int | None])
def course_timeliness(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """Handover acknowledgement time, gap days, contact persons and changes for one course."""
    return selectors.course_timeliness(user_of(request), course_id)


@router.get("/initiatives/{initiative_id}/timeliness", response=dict[str, Any])
def initiative_timeliness(request: HttpRequest, initiative_id: uuid.UUID) -> Any:
    """The same figures over the initiative's courses the user may count (mean and n; fewer than
    five courses: no mean, n "<5"); no citizen shown."""
    return selectors.initiative_timeliness(user_of(request), initiative_id)
