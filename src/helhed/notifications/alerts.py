"""The daily alerts job's contract: producers registered by the apps (``Alert``,
``register_alert_producer``); ``services.run_alerts`` runs them for ``helhed alerts``.

A producer is a function ``producer(today) -> Iterable[Alert]`` that looks at the data as of
``today`` (transitions ahead, overdue tasks, unanswered handovers, …). Every alert has a
``dedupe_key`` that names the situation, not the day it was found (``"overgang-18:<course>"``,
not ``"…:2026-11-22"``), so running the job twice — or every day — notifies once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from helhed.notifications.models import NotificationKind


@dataclass(frozen=True)
class Alert:
    recipient_id: Any
    title: str
    dedupe_key: str
    body: str = ""
    url: str = ""
    kind: str = NotificationKind.ALERT


AlertProducer = Callable[[date], Iterable[Alert]]
_PRODUCERS: dict[str, AlertProducer] = {}


def register_alert_producer(key: str, producer: AlertProducer) -> None:
    """From an app's ``extensions.py``: ``producer(today)`` yields the day's alerts."""
    from helhed.core.extension_points import claim

    claim("alert producer", key)
    _PRODUCERS[key] = producer


def producers() -> list[tuple[str, AlertProducer]]:
    return sorted(_PRODUCERS.items())
