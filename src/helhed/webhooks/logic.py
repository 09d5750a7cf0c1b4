"""Pure rules of the webhooks: the retry schedule, what counts as delivered, the CloudEvent's
attributes (no ORM)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# Waits before attempts 2, 3, …: 30 s, 2 min, 10 min, 1 h, 6 h, 12 h, 24 h (about 44 hours in
# all); after the 8th attempt the delivery is dead.
RETRY_WAITS = (30, 120, 600, 3600, 6 * 3600, 12 * 3600, 24 * 3600)
MAX_ATTEMPTS = len(RETRY_WAITS) + 1
SCOPE = "events:read"


def retry_wait(attempt: int) -> timedelta | None:
    """The wait after failed attempt ``attempt`` (1-based), or None when it was the last."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return timedelta(seconds=RETRY_WAITS[attempt - 1])


def delivered(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def attributes(
    *, event_id: Any, event_type: str, course_id: Any, occurred_at: datetime, source: str
) -> dict[str, Any]:
    """The CloudEvent's context attributes: the subject is the course's (pseudonymous) id."""
    return {
        "specversion": "1.0",
        "id": str(event_id),
        "source": source,
        "type": event_type,
        "subject": str(course_id),
        "time": occurred_at,
        "datacontenttype": "application/json",
    }
