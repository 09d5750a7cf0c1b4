"""Reads for the events API: the pull feed through the course guard, a client's own
subscriptions."""

from __future__ import annotations

import json
from typing import Any

from helhed.core.models import User
from helhed.courses.selectors import log_course_list, visible_courses
from helhed.outbox.models import Event
from helhed.webhooks.models import Subscription
from helhed.webhooks.services import client_of, payload

# The feed's entries name courses by id, and what happened to them (a consent withdrawn, a
# handover): about a citizen, even if pseudonymous. The page is logged as a list — one entry
# per citizen shown — as a caseload is.
LOG_WHAT = "hændelsesliste"


def feed(
    user: User, *, after: int, limit: int, types: list[str] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The CloudEvents after ``after`` (in commit order) about courses ``user`` may see now, at
    most ``limit``, and the cursor to continue from."""
    visible = visible_courses(user)
    events = Event.objects.filter(seq__gt=after, course_id__in=visible.values("pk"))
    if types:
        events = events.filter(type__in=types)
    page = list(events.order_by("seq")[:limit])
    shown = list(visible.filter(pk__in={e.course_id for e in page}))
    log_course_list(user, shown, what=LOG_WHAT)
    entries = [json.loads(payload(e)[1]) for e in page]
    return entries, page[-1].seq if page else after


def subscriptions(user: User) -> list[Subscription]:
    """The caller's client's subscriptions (``PermissionDenied`` for anyone else)."""
    client = client_of(user)
    return list(Subscription.objects.filter(client=client).order_by("created_at"))
