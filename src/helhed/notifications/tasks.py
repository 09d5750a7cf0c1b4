"""The worker's tasks for notifications (``helhed worker``; docs/operations.md, "Arbejderen"):
the e-mail copy of a notification, sent with a timeout, recorded and retried."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from helhed.core.mail import delivery_connection, describe_error
from helhed.notifications import logic
from helhed.notifications.models import EmailStatus, Notification

logger = logging.getLogger("helhed.notifications.services")


@task(queue_name="email")
def send_email_copy(notification_id: str) -> str:
    """One attempt at a notification's e-mail copy; the argument is the id only (no personal
    data in the queue)."""
    return send_email_copy_now(notification_id=notification_id)


def send_email_copy_now(*, notification_id: Any) -> str:
    """One attempt at a notification's e-mail copy (the worker's task). Returns what happened;
    raises :class:`EmailNotSentError` (without personal data) when the attempt failed, after
    recording it and — unless it was the last attempt — queueing the next one.

    Sent at most once as far as Helhed can know: the attempt is claimed by raising
    ``email_attempts`` from the value read (a second task for the same notification finds the
    claim taken and stops), and a copy marked sent is never sent again. A worker killed between
    the mail server's acceptance and the mark sends it once more when the task is run again
    (at least once)."""
    n = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if n is None:
        return "gone"  # deleted (retention) before the worker came to it
    if n.email_status not in (EmailStatus.PENDING, EmailStatus.FAILED):
        return str(n.email_status)
    if not n.recipient.email:
        Notification.objects.filter(pk=n.pk).update(email_status=EmailStatus.NONE)
        return str(EmailStatus.NONE)
    attempt = n.email_attempts + 1
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=n.pk,
        email_attempts=n.email_attempts,
        email_status__in=[EmailStatus.PENDING, EmailStatus.FAILED],
    ).update(email_attempts=attempt, email_next_attempt=None)
    if not claimed:
        return "claimed"
    with translation.override(settings.LANGUAGE_CODE):
        message = _email(n)
    try:
        with delivery_connection() as connection:
            connection.send_messages([message])
    except Exception as exc:  # any failure is recorded and retried; the notification stays
        error = describe_error(exc)
        _record_failure(n.pk, attempt=attempt, error=error, now=now)
        raise EmailNotSentError(
            f"notification e-mail attempt {attempt} of {settings.HELHED_EMAIL_MAX_ATTEMPTS} "
            f"failed: {error}"
        ) from None
    Notification.objects.filter(pk=n.pk).update(
        email_status=EmailStatus.SENT,
        emailed_at=timezone.now(),
        email_last_error="",
        email_next_attempt=None,
    )
    return str(EmailStatus.SENT)


class EmailNotSentError(Exception):
    """An attempt at an e-mail copy failed (recorded on the notification; no personal data)."""


def _record_failure(pk: Any, *, attempt: int, error: str, now: Any) -> None:
    maximum = settings.HELHED_EMAIL_MAX_ATTEMPTS
    with transaction.atomic():
        if logic.gives_up(attempt, max_attempts=maximum):
            Notification.objects.filter(pk=pk).update(
                email_status=EmailStatus.GIVEN_UP, email_last_error=error[:200]
            )
            logger.warning(
                "helhed: gave up the e-mail copy of notification %s after %d attempts: %s",
                pk,
                attempt,
                error,
            )
            return
        at = now + logic.retry_wait(attempt, first_seconds=settings.HELHED_EMAIL_RETRY_SECONDS)
        Notification.objects.filter(pk=pk).update(
            email_status=EmailStatus.FAILED, email_last_error=error[:200], email_next_attempt=at
        )
        # In the same transaction as the record: the retry is never lost, never doubled.
        send_email_copy.using(run_after=at).enqueue(str(pk))


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
