"""The retention rules run in the daily job (``helhed alerts``): a producer that applies them
as of the job's day and notifies nobody (its report is ``helhed retention run``'s)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from helhed.notifications.alerts import Alert, register_alert_producer


def daily_retention(today: date) -> Iterable[Alert]:
    from helhed.retention import services

    services.run(today=today)
    return []


def register() -> None:
    register_alert_producer("retention:run", daily_retention)
