"""The retention rules run in the daily job (``helhed alerts``): a producer that applies them
as of the job's day and notifies nobody. Its report — ``helhed retention run``'s — goes to the log
(``helhed.retention``, level INFO whatever ``LOG_LEVEL`` says), one record per run, so the daily
job's journal says what was deleted or anonymised."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from helhed.notifications.alerts import Alert, register_alert_producer

logger = logging.getLogger("helhed.retention")


def daily_retention(today: date) -> Iterable[Alert]:
    from helhed.retention import services

    report = services.run(today=today)
    logger.info("%s", "; ".join(report.lines()))
    return []


def register() -> None:
    register_alert_producer("retention:run", daily_retention)
