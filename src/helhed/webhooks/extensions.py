"""What the webhooks contribute to lower apps: the outbox's after-commit listener (queue the
event's dispatch) and the daily job's sweep of events whose dispatch never ran."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from helhed.notifications.alerts import Alert, register_alert_producer
from helhed.outbox.services import register_audience, register_listener


def _sweep(today: date) -> Iterable[Alert]:
    """``helhed alerts`` runs every producer daily: the sweep rides along and alerts nobody."""
    from helhed.webhooks.tasks import sweep

    sweep()
    return []


def register() -> None:
    from helhed.retention.logic import EVENTS
    from helhed.retention.services import register_sweep
    from helhed.webhooks.services import audience, delete_delivered_events
    from helhed.webhooks.tasks import enqueue_dispatch

    register_audience("webhooks", audience)
    register_listener("webhooks", enqueue_dispatch)
    register_alert_producer("webhooks:sweep", _sweep)
    register_sweep(EVENTS, delete_delivered_events)
