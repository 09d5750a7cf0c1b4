"""``check --deploy``: e-mail that would never leave the machine. With ``EMAIL_BACKEND`` unset
the worker "delivers" every e-mail to its standard output — the journal — password-reset links
and notification texts included, and nobody receives them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

# Backends that keep messages where only an operator looks (a log, files, memory) instead of
# sending them.
LOGGING_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",  # kept in memory: sent to nobody
    }
)


def email_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    backend = getattr(settings, "HELHED_EMAIL_DELIVERY_BACKEND", "")
    if backend in LOGGING_BACKENDS:
        return [
            checks.Warning(
                f"EMAIL_BACKEND: e-mail is written to a log ({backend}), not sent: nobody "
                "receives notifications or password resets, and their links are in the log",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and "
                'EMAIL_HOST (docs/operations.md, "E-mail"); to send none on purpose, '
                "django.core.mail.backends.dummy.EmailBackend.",
                id="helhed.ops.W001",
            )
        ]
    return []


def register() -> None:
    checks.register(email_deploy_check, checks.Tags.security, deploy=True)
