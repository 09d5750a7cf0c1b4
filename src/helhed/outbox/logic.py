"""What an event may carry: ids only (pure functions, no ORM)."""

from __future__ import annotations

import uuid
from typing import Any

# The keys an event's data may have. Each names an id (or a version number): a new key is a
# deliberate change here, so no text can slip into an event by accident.
ID_KEYS = frozenset(
    {
        "course_id",
        "handover_id",
        "measure_id",
        "meeting_id",
        "decision_id",
        "consent_id",
        "plan_id",
        "version",
    }
)


def clean_data(data: dict[str, Any]) -> dict[str, Any]:
    """The data as JSON values, or ``ValueError`` for a key that is not an id or a value that is
    not an id (a UUID, its text, or a whole number)."""
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key not in ID_KEYS:
            raise ValueError(f"an event's data holds ids only; unknown key {key!r}")
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            clean[key] = value
        elif isinstance(value, uuid.UUID):
            clean[key] = str(value)
        elif isinstance(value, str):
            clean[key] = str(uuid.UUID(value))  # ValueError for anything but an id
        else:
            raise ValueError(f"an event's data holds ids only; {key!r} is {type(value).__name__}")
    return clean


# Events that end a reader's view of a course: they go to those who could see it before the
# change (recorded with the event as its audience), not only to those who still can.
ENDING = frozenset({"dk.helhed.consent.withdrawn", "dk.helhed.course.closed"})
