"""Recording an event: ``record(type, course_id=…, data=…)``, called by a service inside the
transaction of the change it reports.

Sequence numbers follow commit order, so that a reader paging the feed by ``seq`` never skips an
event committed later with a smaller number: the writers are serialised for the rest of their
transaction — on PostgreSQL by a transaction-scoped advisory lock (its own key, not the access
log's), on SQLite by the write lock every write transaction takes at ``BEGIN IMMEDIATE`` — and
only then read the last number. After the commit the listeners (the webhooks' dispatch) hear of
the event; an event whose listeners never ran (a crash right after the commit) is found by the
webhooks' sweep (``dispatched_at`` is null)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Max

from helhed.outbox import logic
from helhed.outbox.models import Event, EventType

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock's key: a fixed 64-bit number naming the outbox (the access log's
# chain has its own, audit.chain.PG_LOCK_ID).
PG_LOCK_ID = 0x48E1_0B0C_E7E0_0017

Listener = Callable[[Any], None]
_LISTENERS: dict[str, Listener] = {}


def register_listener(key: str, listener: Listener) -> None:
    """From a higher app's ``extensions.py``: ``listener(event_id)`` runs after the commit of
    each recorded event (the webhooks enqueue their dispatch)."""
    from helhed.core.extension_points import claim

    claim("outbox listener", key)
    _LISTENERS[key] = listener


Audience = Callable[[str, Any], list[str]]
_AUDIENCES: dict[str, Audience] = {}


def register_audience(key: str, audience: Audience) -> None:
    """From a higher app's ``extensions.py``: ``audience(type, course_id)`` names, by id, who
    must hear an event that ends their view of the course (``logic.ENDING``: consent withdrawn,
    course closed). ``record`` asks it inside the change's transaction, before the change, while
    the guard still lets them see the course; the ids are kept on the event."""
    from helhed.core.extension_points import claim

    claim("outbox audience", key)
    _AUDIENCES[key] = audience


def _lock(using: str) -> None:
    connection = transaction.get_connection(using)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PG_LOCK_ID])


def record(type: str, *, course_id: Any, data: dict[str, Any] | None = None) -> Event:
    """Record that ``type`` happened in the course; ``data`` holds ids only. Call it inside the
    transaction that makes the change: the event is committed, or rolled back, with it. An
    ending event (consent withdrawn, course closed) is recorded BEFORE the change, so that its
    audience is asked while it may still see the course."""
    using = Event.objects.db
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("outbox.record must run inside the change's transaction")
    if type not in EventType.values:
        raise ValueError(f"unknown event type {type!r}")
    clean = logic.clean_data(data or {})
    audience: list[str] = []
    if type in logic.ENDING:
        audience = sorted({i for _k, f in sorted(_AUDIENCES.items()) for i in f(type, course_id)})
    _lock(using)
    last = Event.objects.aggregate(last=Max("seq"))["last"] or 0
    event = Event.objects.create(
        seq=last + 1, type=type, course_id=course_id, data=clean, audience=audience
    )
    transaction.on_commit(partial(_announce, event.pk), using=using)
    return event


def _announce(event_id: Any) -> None:
    for key, listener in sorted(_LISTENERS.items()):
        try:
            listener(event_id)
        except Exception:  # a listener's failure never fails the committed request; swept later
            logger.exception("helhed outbox: listener %s failed for event %s", key, event_id)
