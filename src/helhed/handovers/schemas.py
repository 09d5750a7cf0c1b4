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


class AnswerIn(Schema):
    reason: Text = ""
    note: Text = ""
    answered_by: Str200 = ""


class ArrivalIn(Schema):
    arrived: bool
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


def _event(e: HandoverEvent, show_text: bool) -> dict[str, Any]:
    return {
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "at": e.at,
        "actor": e.actor_name,
        "note": e.note if show_text else (None if e.note else ""),
    }


class HandoverDetailOut(Schema):
    """One handover (a ``HandoverView``) with the parts the reader plays, the steps they may
    take, the summary that travels and the history."""

    handover: HandoverOut = Field(alias="shown")
    roles: list[str]
    allowed_actions: list[str] = Field(alias="actions")
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
    """One of ``CourseHandovers.transition_rows``: (transition, days until it, alerting)."""

    kind: str
    label: str
    on: date
    alert_from: date
    days_until: int
    alerting: bool

    @staticmethod
    def resolve_kind(row: tuple[logic.Transition, int, bool]) -> str:
        return row[0].kind

    @staticmethod
    def resolve_label(row: tuple[logic.Transition, int, bool]) -> str:
        return row[0].label

    @staticmethod
    def resolve_on(row: tuple[logic.Transition, int, bool]) -> date:
        return row[0].on

    @staticmethod
    def resolve_alert_from(row: tuple[logic.Transition, int, bool]) -> date:
        return row[0].alert_from

    @staticmethod
    def resolve_days_until(row: tuple[logic.Transition, int, bool]) -> int:
        return row[1]

    @staticmethod
    def resolve_alerting(row: tuple[logic.Transition, int, bool]) -> bool:
        return row[2]


class GapOut(Schema):
    first_day: date
    last_day: date
    days: int
    open: bool
    after_measure_id: uuid.UUID = Field(alias="after")
    before_measure_id: uuid.UUID | None = Field(alias="before")


class GapsOut(Schema):
    """A ``CourseHandovers``' gaps between measures."""

    total_days: int = Field(alias="gap_total")
    longest_days: int = Field(alias="gap_longest")
    gaps: list[GapOut]


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
