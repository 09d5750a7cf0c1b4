"""The handovers API's request and response schemas.

Responses are serialised by ninja straight from what the selectors return — a ``Shown``
handover (with what its reader may see of the measure and the free texts), a ``HandoverView``,
its ``HandoverSummary`` and events, ``HandoverRow``s, a ``CourseHandovers``' transitions and gaps,
stays — through attributes and ``resolve_*`` methods, with no mapping code in the router.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from helhed.core.apikit import Day, Str200
from helhed.core.apikit import Text5000 as Text
from helhed.handovers import logic
from helhed.handovers.models import HandoverEvent, InstitutionalStay
from helhed.handovers.selectors import (
    HandoverRow,
    HandoverSummary,
    HandoverView,
    Shown,
)

# --------------------------------------------------------------------------------------------
# Requests
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
    appointment_date: Day | None = None


class HandoverAnswerIn(Schema):
    reason: Text = ""
    note: Text = ""
    answered_by: Str200 = ""


class ArrivalIn(Schema):
    arrived: bool
    note: Text = ""
    confirm_arrival: bool = False  # arrived before the expected date or during a stay


class RescheduleIn(Schema):
    appointment_date: Day | None = None
    expected_start: Day | None = None
    note: Text = ""


class StayIn(Schema):
    kind: Str200
    institution: Str200 = ""
    start_date: Day
    expected_end: Day
    note: Text = ""


# --------------------------------------------------------------------------------------------
# Handovers
# --------------------------------------------------------------------------------------------


class WaitingOut(Schema):
    """A handover waiting for my unit (a ``HandoverRow``): no citizen, course, measure or free
    text."""

    id: uuid.UUID = Field(alias="handover.pk")
    from_unit: str = Field(alias="handover.from_unit.name")
    to_unit: str = Field(alias="handover.receiver_name")
    status: str = Field(alias="handover.status")
    status_label: str
    days_waiting: int
    overdue: bool

    @staticmethod
    def resolve_status_label(row: HandoverRow) -> str:
        return str(row.handover.get_status_display())


class HandoverOut(Schema):
    """A ``Shown`` handover: the measure and the free texts are null where the reader may not
    see them."""

    id: uuid.UUID = Field(alias="handover.pk")
    course_id: uuid.UUID = Field(alias="handover.course_id")
    measure_id: uuid.UUID | None  # null: the whole course, or a measure the reader may not see
    measure_title: str | None
    from_unit_id: uuid.UUID = Field(alias="handover.from_unit_id")
    from_unit: str = Field(alias="handover.from_unit.name")
    to_unit_id: uuid.UUID | None = Field(alias="handover.to_unit_id")
    receiver: str = Field(alias="handover.receiver_name")
    external: bool = Field(alias="handover.is_external")
    mode: str = Field(alias="handover.mode")
    status: str = Field(alias="handover.status")  # FHIR Task.status
    status_label: str
    responsible: str  # "sender" or "receiver"
    responsible_unit: str
    reason: str | None  # null: withheld (the reader's categories do not cover it)
    requested_at: datetime = Field(alias="handover.requested_at")
    acknowledged_at: datetime | None = Field(alias="handover.acknowledged_at")
    knows_situation_at: datetime | None = Field(alias="handover.knows_situation_at")
    decline_reason: str | None
    arrival: str = Field(alias="handover.arrival")
    reopened_count: int = Field(alias="handover.reopened_count")
    expected_start: date | None = Field(alias="handover.expected_start")
    appointment_date: date | None = Field(alias="handover.appointment_date")

    @staticmethod
    def resolve_measure_id(s: Shown) -> uuid.UUID | None:
        return s.handover.measure_id if s.show_measure else None

    @staticmethod
    def resolve_measure_title(s: Shown) -> str | None:
        return (s.handover.measure_title or None) if s.show_measure else None

    @staticmethod
    def resolve_status_label(s: Shown) -> str:
        return str(s.handover.get_status_display())

    @staticmethod
    def resolve_responsible(s: Shown) -> str:
        return logic.responsible_side(s.handover.status)

    @staticmethod
    def resolve_responsible_unit(s: Shown) -> str:
        h = s.handover
        receiver = logic.responsible_side(h.status) == logic.RECEIVER
        return h.receiver_name if receiver else h.from_unit.name

    @staticmethod
    def resolve_reason(s: Shown) -> str | None:
        return s.handover.reason if s.show_text else None

    @staticmethod
    def resolve_decline_reason(s: Shown) -> str | None:
        return s.handover.decline_reason if s.show_text else None


class WithheldOut(Schema):
    category: str
    reason: str


class SummaryOut(Schema):
    """What travels to the receiver (a ``HandoverSummary``): consented categories only."""

    categories: list[str]
    withheld: list[WithheldOut]
    citizen_name: str | None
    citizen_age: int | None
    goals: list[str]
    measures: list[str]
    demands: list[str]
    stays: list[str]

    @staticmethod
    def resolve_withheld(s: HandoverSummary) -> list[dict[str, str]]:
        return [{"category": c, "reason": r} for c, r in s.withheld]

    @staticmethod
    def resolve_citizen_name(s: HandoverSummary) -> str | None:
        return s.citizen_name or None

    @staticmethod
    def resolve_goals(s: HandoverSummary) -> list[str]:
        return [g.text for g in s.goals]

    @staticmethod
    def resolve_measures(s: HandoverSummary) -> list[str]:
        return [m.title for m in s.measures]

    @staticmethod
    def resolve_demands(s: HandoverSummary) -> list[str]:
        return [d.title for d in s.demands]

    @staticmethod
    def resolve_stays(s: HandoverSummary) -> list[str]:
        return [str(st.get_kind_display()) for st in s.stays]


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    at: datetime
    actor: str
    note: str | None  # null: withheld; "" when there is none
    appointment_date: date | None  # set by a request or a new appointment ("reschedule")
    expected_start: date | None


def _event(e: HandoverEvent, show_text: bool) -> dict[str, Any]:
    return {
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "at": e.at,
        "actor": e.actor_name,
        "note": e.note if show_text else (None if e.note else ""),
        "appointment_date": e.appointment_date,
        "expected_start": e.expected_start,
    }


class HandoverDetailOut(Schema):
    """One handover (a ``HandoverView``) with the parts the reader plays, the steps they may
    take, the summary that travels and the history."""

    handover: HandoverOut = Field(alias="shown")
    roles: list[str]
    allowed_actions: list[str] = Field(alias="actions")
    may_reschedule: bool
    summary: SummaryOut
    events: list[EventOut]

    @staticmethod
    def resolve_roles(v: HandoverView) -> list[str]:
        return sorted(v.roles)

    @staticmethod
    def resolve_events(v: HandoverView) -> list[dict[str, Any]]:
        return [_event(e, v.show_text) for e in v.events]


# --------------------------------------------------------------------------------------------
# Transitions, gaps, stays
# --------------------------------------------------------------------------------------------


class TransitionOut(Schema):
    """One of ``CourseHandovers.transition_rows``: ``alerting`` — the alert window has begun;
    ``alerted_at`` — when the coordinator was actually alerted (null: not yet)."""

    kind: str = Field(alias="transition.kind")
    label: str = Field(alias="transition.label")
    on: date = Field(alias="transition.on")
    alert_from: date = Field(alias="transition.alert_from")
    days_until: int
    alerting: bool = Field(alias="due")
    alerted_at: datetime | None


class GapOut(Schema):
    """One of ``CourseHandovers.gap_rows``. A planned gap has not begun; with nothing planned
    after it, ``last_day`` and ``days`` are null."""

    first_day: date = Field(alias="gap.first_day")
    last_day: date | None = Field(alias="gap.last_day")
    days: int | None = Field(alias="gap.days")
    open: bool = Field(alias="gap.open")
    planned: bool = Field(alias="gap.planned")
    days_until: int | None
    after_measure_id: uuid.UUID = Field(alias="gap.after")
    before_measure_id: uuid.UUID | None = Field(alias="gap.before")
    alert_from: date | None
    alerted_at: datetime | None


class GapsOut(Schema):
    """A ``CourseHandovers``' gaps between measures (``logic.gap_picture``, as on the page):
    the days without a measure up to today, and every gap including the planned ones."""

    total_days: int = Field(alias="gap_total")
    longest_days: int = Field(alias="gap_longest")
    planned_count: int
    gaps: list[GapOut] = Field(alias="gap_rows")

    @staticmethod
    def resolve_planned_count(d: Any) -> int:
        return len(d.planned_gaps)


class StayOut(Schema):
    id: uuid.UUID = Field(alias="pk")
    kind: str
    kind_label: str
    institution: str
    start_date: date
    expected_end: date
    actual_end: date | None

    @staticmethod
    def resolve_kind_label(stay: InstitutionalStay) -> str:
        return str(stay.get_kind_display())
