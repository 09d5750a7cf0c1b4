"""Writing notifications: in the app and, when the recipient has an e-mail address, by e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from helhed.core.models import User
from helhed.notifications.alerts import Alert, producers
from helhed.notifications.models import EmailStatus, Notification
from helhed.notifications.tasks import absolute_url, send_email_copy

__all__ = ["absolute_url", "mark_read", "notify", "notify_each", "queue_emails", "run_alerts"]

logger = logging.getLogger(__name__)


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each recipient (users or user ids) once. With a ``dedupe_key``, a recipient who
    already has a notification with that key is skipped. Returns the notifications created.

    Call it inside the transaction that makes the change: if that rolls back, so do the
    notifications. The e-mail copy is queued after the commit and sent by the worker (a failing
    or hanging mail server never slows or undoes the change: the notification stays in the
    app and its copy is retried, then marked given up)."""
    alerts = [
        Alert(
            recipient_id=getattr(r, "pk", r),
            title=title,
            body=body,
            url=url,
            kind=kind,
            dedupe_key=dedupe_key,
        )
        for r in recipients
    ]
    return notify_each(alerts, email=email)


def notify_each(alerts: Sequence[Alert], *, email: bool = True) -> list[Notification]:
    if not alerts:
        return []
    seen: set[tuple[Any, str]] = set()
    unique: list[Alert] = []
    for alert in alerts:
        key = (alert.recipient_id, alert.dedupe_key)
        if alert.dedupe_key and key in seen:
            continue
        seen.add(key)
        unique.append(alert)
    keyed = {a.dedupe_key for a in unique if a.dedupe_key}
    existing: set[tuple[Any, str]] = set()
    if keyed:
        existing = set(
            Notification.objects.filter(
                recipient__in={a.recipient_id for a in unique}, dedupe_key__in=keyed
            ).values_list("recipient_id", "dedupe_key")
        )
    # Stored in Danish, the source language, whoever's action caused it (an English reader's
    # request must not write English into a Danish colleague's list): lazy texts are evaluated
    # here; the list translates fixed titles for a reader who chose English.
    with translation.override(settings.LANGUAGE_CODE):
        new = [
            Notification(
                recipient_id=a.recipient_id,
                kind=a.kind,
                title=str(a.title)[:200],
                body=str(a.body),
                url=str(a.url),
                dedupe_key=a.dedupe_key[:200],
            )
            for a in unique
            if not (a.dedupe_key and (a.recipient_id, a.dedupe_key) in existing)
        ]
    if email and new:
        # Only recipients with an address get a copy; the rest are marked "ingen" (the default).
        with_address = set(
            User.objects.filter(pk__in={n.recipient_id for n in new})
            .exclude(email="")
            .values_list("pk", flat=True)
        )
        for n in new:
            if n.recipient_id in with_address:
                n.email_status = EmailStatus.PENDING
    with transaction.atomic():
        Notification.objects.bulk_create(new, ignore_conflicts=True)
        # A concurrent writer (another run of the daily job) may have stored the same key first:
        # its row won and ours was skipped. Count and mail only the rows this call stored (the
        # ids are made here, so the ones found are ours).
        if keyed:
            stored = set(
                Notification.objects.filter(pk__in=[n.pk for n in new]).values_list("pk", flat=True)
            )
            new = [n for n in new if n.pk in stored]
    created = new
    queued = [n.pk for n in created if n.email_status == EmailStatus.PENDING]
    if queued:
        transaction.on_commit(lambda: queue_emails(queued))
    return created


def queue_emails(notification_ids: Sequence[Any]) -> None:
    """Put one task per e-mail copy on the "email" queue (after the commit: the task carries the
    notification's id only, so the notification must be there when the worker looks)."""
    with transaction.atomic():
        for pk in notification_ids:
            send_email_copy.enqueue(str(pk))


def mark_read(user: User, notification_id: Any | None = None) -> int:
    """Mark one of the user's notifications (or all of them) as read."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


@dataclass
class AlertRun:
    key: str
    found: int = 0
    new: int = 0


def run_alerts(today: date) -> list[AlertRun]:
    """Run every registered producer and notify the recipients of alerts not notified before
    (each alert's ``dedupe_key``): the daily ``helhed alerts`` job."""
    runs = []
    for key, producer in producers():
        alerts = list(producer(today))
        created = notify_each(alerts)
        runs.append(AlertRun(key, found=len(alerts), new=len(created)))
    return runs
