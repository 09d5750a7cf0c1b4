"""The XSS world: the demo, with every free text of every model replaced by an attack.

``text_fields()`` enumerates the models' ``CharField``/``TextField`` (URL fields included), so a
field added tomorrow is attacked tomorrow; ``SKIP`` names the few that are not free text, with
the reason. ``plant()`` writes the payload into every row of every such field (a savepoint per
field: a field the database refuses, e.g. by a check constraint or the access log's append-only
trigger, is reported, not hidden)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, models, transaction

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOAD = IMG + SCRIPT
URL = "javascript:alert(1)"
# What must never appear in a page: the payload's tags unescaped, or a javascript: link.
UNESCAPED = (
    re.compile(r"<script>alert\(1\)", re.IGNORECASE),
    re.compile(r"<img src=x onerror=", re.IGNORECASE),
    re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE),
)

# Text fields that are not free text, and why they are left alone.
SKIP_NAMES = {
    "cpr": "a validated CPR number (the pages compute birth dates from it)",
    "password": "a password hash, never rendered",
    "username": "the login name: letters, digits and @.+-_ only (Django's validator)",
    "dedupe_key": "an internal key, never rendered",
    "official_code": "the public code of an organisation (reference data)",
    "code": "a code the logic looks up (instruments, indicators, reference data)",
    "key": "an internal key the logic looks up",
    "slug": "an identifier in URLs",
    "hash": "the access log's chain hash",
    "prev_hash": "the access log's chain hash",
    "session_key": "Django's session key",
}


def _skip_reason(model: type[models.Model], f: models.Field) -> str | None:  # type: ignore[type-arg]
    if f.primary_key:
        return "primary key"
    if f.choices:
        return "a choice among fixed values (its label is rendered, not the value)"
    if isinstance(f, models.SlugField):
        return "a slug: an identifier in URLs"
    for name, reason in SKIP_NAMES.items():
        if f.name == name or f.name.endswith("_" + name):
            return reason
    return None


def text_fields() -> list[tuple[type[models.Model], models.Field, str | None]]:  # type: ignore[type-arg]
    """(model, field, why skipped or None) for every text field of every Helhed model and the
    user model."""
    found = []
    for model in apps.get_models():
        label = model._meta.app_config.name  # type: ignore[union-attr]
        if not label.startswith("helhed.") or model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, (models.CharField, models.TextField)):
                found.append((model, f, _skip_reason(model, f)))
    return found


def payload_for(f: models.Field) -> str | None:  # type: ignore[type-arg]
    if isinstance(f, models.URLField) or f.name in ("url", "link") or f.name.endswith("_url"):
        return URL
    limit = f.max_length or 10_000
    return next((p for p in (PAYLOAD, IMG, SCRIPT) if len(p) <= limit), None)


@dataclass
class Planted:
    fields: list[str] = field(default_factory=list)  # model.field with the payload in its rows
    rows: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # model.field: why


def plant() -> Planted:
    planted = Planted()
    for model, f, reason in text_fields():
        name = f"{model._meta.label}.{f.name}"
        payload = payload_for(f)
        if reason or payload is None:
            planted.skipped[name] = reason or f"max_length {f.max_length} too short"
            continue
        manager = model._base_manager
        try:
            with transaction.atomic():
                n = manager.update(**{f.name: payload})
        except DatabaseError as exc:
            planted.skipped[name] = f"refused by the database: {str(exc).splitlines()[0][:80]}"
            continue
        if n:
            planted.fields.append(name)
            planted.rows += n
        else:
            planted.skipped[name] = "no row in the demo has this text"
    return planted


def build_demo() -> None:
    # After an earlier transactional test's flush only the core reference data is back
    # (tests/conftest.py); the legal bases the demo's measures cite are loaded here again.
    from django.apps import apps

    from helhed.courses.legal_bases import sync_legal_bases

    sync_legal_bases(apps)
    call_command(
        "demo", seed=1, citizens=10, no_progress=True, stdout=StringIO(), stderr=StringIO()
    )


def unescaped(html: str) -> list[str]:
    return [m.group(0) for pattern in UNESCAPED for m in pattern.finditer(html)]


def any_uuid() -> str:
    return str(uuid.UUID(int=1))
