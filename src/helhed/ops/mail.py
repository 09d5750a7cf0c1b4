"""Every e-mail leaves the request as a task (``EMAIL_BACKEND``: :class:`QueuedEmailBackend`).

Django and allauth (the password reset) send through ``EMAIL_BACKEND``; this backend turns each
message into a task on the "email" queue and returns at once, so a slow or hung mail server
never holds a request. ``helhed worker`` runs :func:`deliver`, which sends with the backend that
delivers (``HELHED_EMAIL_DELIVERY_BACKEND``: SMTP with ``EMAIL_TIMEOUT`` in production) and
retries with the notifications' waits (``notifications.logic.retry_wait``) up to
``HELHED_EMAIL_MAX_ATTEMPTS``.

Such a message carries its recipient and, for a password reset, a one-time link: the task's
arguments are blanked in the queue table as soon as the message is delivered or given up, so
the link does not stay in the database. Notifications' copies do not come this way: their task
carries the notification's id only (``notifications.tasks.send_email_copy``).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks_db.models import DBTaskResult

from helhed.core.mail import delivery_connection, describe_error
from helhed.notifications import logic

logger = logging.getLogger(__name__)

SCRUBBED = "(fjernet efter levering)"


class EmailNotDeliveredError(Exception):
    """An attempt at a queued e-mail failed (the message says which and why, no addresses)."""


class QueuedEmailBackend(BaseEmailBackend):
    """Queues each message as a task on the "email" queue, after the current transaction
    commits (a rolled-back request sends nothing)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        payloads = [to_dict(m) for m in email_messages if m.recipients()]
        if payloads:
            transaction.on_commit(lambda: _enqueue(payloads))
        return len(payloads)


def _enqueue(payloads: list[dict[str, Any]]) -> None:
    with transaction.atomic():
        for payload in payloads:
            deliver.enqueue(payload)


def to_dict(message: EmailMessage) -> dict[str, Any]:
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        if not isinstance(content, bytes):
            raise TypeError("QueuedEmailBackend: only file attachments (name, content, type)")
        attachments.append([filename, base64.b64encode(content).decode(), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in message.extra_headers.items()},
        "alternatives": [[str(a[0]), a[1]] for a in getattr(message, "alternatives", [])],
        "content_subtype": message.content_subtype,
        "attachments": attachments,
    }


def from_dict(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(a) for a in data["alternatives"]],
    )
    message.content_subtype = data["content_subtype"]
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


def _scrub(context: TaskContext, attempt: int) -> None:
    DBTaskResult.objects.filter(pk=context.task_result.id).update(
        args_kwargs={"args": [SCRUBBED], "kwargs": {"attempt": attempt}}
    )


@task(queue_name="email", takes_context=True)
def deliver(context: TaskContext, message: dict[str, Any], attempt: int = 1) -> str:
    """One attempt at a queued message; on failure the next attempt is queued (or, after the
    last, the message is given up) and :class:`EmailNotDeliveredError` marks this task failed."""
    if message == SCRUBBED:
        return "scrubbed"  # run again after its delivery was recorded: never twice
    try:
        with delivery_connection() as connection:
            connection.send_messages([from_dict(message)])
    except Exception as exc:  # recorded, retried; the request that sent it is long done
        error = describe_error(exc)
        maximum = settings.HELHED_EMAIL_MAX_ATTEMPTS
        with transaction.atomic():
            _scrub(context, attempt)
            given_up = logic.gives_up(attempt, max_attempts=maximum)
            if not given_up:
                at = timezone.now() + logic.retry_wait(
                    attempt, first_seconds=settings.HELHED_EMAIL_RETRY_SECONDS
                )
                deliver.using(run_after=at).enqueue(message, attempt + 1)
        if given_up:
            logger.warning("helhed: gave up an e-mail after %d attempts: %s", attempt, error)
            raise EmailNotDeliveredError(
                f"e-mail given up after attempt {attempt} of {maximum}: {error}"
            ) from None
        raise EmailNotDeliveredError(
            f"e-mail attempt {attempt} of {maximum} failed: {error}; next at {at.isoformat()}"
        ) from None
    _scrub(context, attempt)
    return "sent"
