"""Environment helpers for the operations settings (imported by ``settings.py``)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TOKEN_MIN_LENGTH = 24


def env_token(name: str, file_name: str) -> str:
    """A secret from ``name`` or from the file ``file_name`` names (one of them); "" when
    neither is set. At least 24 characters."""
    raw = os.environ.get(name) or ""
    path = (os.environ.get(file_name) or "").strip()
    if raw.strip() and path:
        raise ImproperlyConfigured(f"{name} and {file_name}: set one of them, not both")
    if path:
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{file_name}: cannot read the token file {path!r} ({exc.strerror})"
            ) from None
        name = file_name
    token = raw.strip()
    if token and len(token) < TOKEN_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"{name}: must be at least {TOKEN_MIN_LENGTH} characters long (got {len(token)})"
        )
    return token
