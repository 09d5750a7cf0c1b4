"""The e-mail backend that really delivers, for the tasks that send mail in the background.

``EMAIL_BACKEND`` is ``helhed.ops.mail.QueuedEmailBackend`` (every message becomes a task); the
worker's tasks deliver through ``HELHED_EMAIL_DELIVERY_BACKEND`` (SMTP in production, with
``EMAIL_TIMEOUT``). When ``EMAIL_BACKEND`` is something else (the tests' in-memory outbox, or an
installation that chose to send in the request) the tasks deliver through that.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend

from helhed.config import QUEUED_EMAIL_BACKEND


def delivery_backend() -> str:
    if settings.EMAIL_BACKEND == QUEUED_EMAIL_BACKEND:
        return str(settings.HELHED_EMAIL_DELIVERY_BACKEND)
    return str(settings.EMAIL_BACKEND)


def delivery_connection(**kwargs: Any) -> BaseEmailBackend:
    """A connection that delivers now (errors raised, ``EMAIL_TIMEOUT`` applied by SMTP)."""
    return get_connection(delivery_backend(), fail_silently=False, **kwargs)


def describe_error(exc: BaseException) -> str:
    """What went wrong, without personal data: the exception's class, an SMTP reply code, an
    operating-system reason ("timed out", "Connection refused") — never the message an SMTP
    server returned (it may repeat an address) and never the recipients."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{name} (SMTP {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPException):
        # smtplib turns a timeout or reset while reading a reply into "server disconnected"
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError) and not isinstance(cause, smtplib.SMTPException):
            return f"{name} ({describe_error(cause)})"
        return name
    if isinstance(exc, TimeoutError):
        return f"{name} (timed out)"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{name} ({exc.strerror})"
    return name
