"""Writing notifications: in the app and, when the recipient has an e-mail address, by e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helhed.core.models import User
from helhed.notifications.alerts import Alert, producers
from helhed.notifications.models import Notification

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
    notifications. E-mail is sent after the commit (and a failing mail server never undoes the
    change: the notification stays in the app, unsent, and is logged)."""
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
    with transaction.atomic():
        Notification.objects.bulk_create(new, ignore_conflicts=True)
    if email and new:
        ids = [n.pk for n in new]
        transaction.on_commit(lambda: send_emails(ids))
    return new


def send_emails(notification_ids: Sequence[Any]) -> int:
    """Send the e-mail copies of the given notifications that have not been sent yet."""
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    if not pending:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        messages = [_email(n) for n in pending]
    try:
        with get_connection() as connection:
            sent = connection.send_messages(messages) or 0
    except Exception:  # a mail server's failure must not undo or break the change
        logger.exception("helhed: could not send %d notification e-mails", len(messages))
        return 0
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return sent


def absolute_url(url: str) -> str:
    """A link in an e-mail: Helhed's address (``HELHED_BASE_URL``) and the page's path."""
    if not url or url.startswith(("https://", "http://")):
        return url
    return f"{settings.HELHED_BASE_URL.rstrip('/')}/{url.lstrip('/')}"


def _email(n: Notification) -> EmailMessage:
    link = absolute_url(n.url)
    text = "\n\n".join(
        part
        for part in (
            n.title,
            n.body,
            (_("Se mere i Helhed: %(link)s") % {"link": link}) if link else "",
            _("Denne e-mail indeholder ikke personoplysninger. Log ind i Helhed for at se sagen."),
        )
        if part
    )
    return EmailMessage(subject=f"Helhed: {n.title}", body=text, to=[n.recipient.email])


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
