"""System check: the access log's hash-chain key (``HELHED_AUDIT_KEY``), kept outside the
database. Settings refuse to load without one when DEBUG is off (``config.env_audit_key``); this
check also catches a key that was overridden to something short, and ``check --deploy`` warns
when the development key derived from SECRET_KEY is in use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from helhed.config import AUDIT_KEY_MIN_LENGTH, dev_audit_key


def audit_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    key = getattr(settings, "HELHED_AUDIT_KEY", "") or ""
    if len(key) < AUDIT_KEY_MIN_LENGTH:
        return [
            checks.Error(
                f"HELHED_AUDIT_KEY: the access log's key must be at least "
                f"{AUDIT_KEY_MIN_LENGTH} characters",
                hint="Set HELHED_AUDIT_KEY or HELHED_AUDIT_KEY_FILE (docs/operations.md).",
                id="helhed.audit.E001",
            )
        ]
    return []


def audit_key_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if dev_audit_key(settings.SECRET_KEY) == settings.HELHED_AUDIT_KEY:
        return [
            checks.Error(
                "HELHED_AUDIT_KEY: the development key (derived from SECRET_KEY) is in use",
                hint="Set HELHED_AUDIT_KEY or HELHED_AUDIT_KEY_FILE to a key kept outside the "
                "database and away from SECRET_KEY (docs/operations.md).",
                id="helhed.audit.E002",
            )
        ]
    return []


def register() -> None:
    checks.register(audit_key_check, checks.Tags.security)
    checks.register(audit_key_deploy_check, checks.Tags.security, deploy=True)
