"""The daily alerts job: producers registered by the apps, run by ``helhed alerts``.

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
    _PRODUCERS[key] = producer


def producers() -> list[tuple[str, AlertProducer]]:
    return sorted(_PRODUCERS.items())


@dataclass
class AlertRun:
    key: str
    found: int = 0
    new: int = 0


def run_alerts(today: date) -> list[AlertRun]:
    """Run every producer and notify the recipients of alerts not notified before."""
    from helhed.notifications.services import notify_each

    runs = []
    for key, producer in producers():
        alerts = list(producer(today))
        created = notify_each(alerts)
        runs.append(AlertRun(key, found=len(alerts), new=len(created)))
    return runs
