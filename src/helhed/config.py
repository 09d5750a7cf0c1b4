"""Parsing of environment variables into settings, with one clear error line per bad variable.

Kept apart from ``settings.py`` so the rules can be unit-tested without reloading Django.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

# Used only when DEBUG is on and no SECRET_KEY is given: a development convenience, never a
# production default (with DEBUG off a SECRET_KEY is required).
DEV_SECRET_KEY = "helhed-development-only-not-secret-" + "x" * 20


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: expected true/false (1/0, yes/no, on/off), got {raw!r}")


def env_int(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {raw!r}") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name}: expected 0 or more, got {raw!r}")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret_key(name: str, *, debug: bool) -> str:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        if debug:
            return DEV_SECRET_KEY
        raise ImproperlyConfigured(f"{name}: must be set when DEBUG is off")
    if len(raw) < 50 and not debug:
        raise ImproperlyConfigured(f"{name}: must be at least 50 characters long (got {len(raw)})")
    return raw


# With DEBUG on and no HELHED_BASE_URL, links point at the development server (`make run`).
DEV_BASE_URL = "http://127.0.0.1:8000"


def env_base_url(name: str, *, debug: bool) -> str:
    """The address users reach Helhed on (``https://helhed.kommune.dk``, no trailing slash):
    e-mails link back to it, so it must be absolute. Required when DEBUG is off — a production
    install must not send links that lead nowhere."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        if debug:
            return DEV_BASE_URL
        raise ImproperlyConfigured(
            f"{name}: must be set when DEBUG is off, to the address users reach Helhed on "
            "(e.g. https://helhed.kommune.dk) — e-mails link to it"
        )
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name}: expected an absolute http(s) address such as https://helhed.kommune.dk, "
            f"got {raw!r}"
        )
    if parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name}: expected an address without ?query or #fragment")
    return raw.rstrip("/")


def env_database(name: str, *, default_sqlite: Path) -> dict[str, Any]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        default_sqlite.parent.mkdir(parents=True, exist_ok=True)
        return sqlite_config(default_sqlite)
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(raw.strip(), conn_max_age=60))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name}: cannot parse {raw!r} ({exc})") from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        return sqlite_config(Path(config["NAME"]))
    if engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"{name}: only sqlite:// and postgres:// URLs are supported, got {raw.split(':')[0]!r}"
        )
    return config


def sqlite_config(path: Path) -> dict[str, Any]:
    """SQLite in WAL mode with immediate write transactions, so readers never block writers."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        "TEST": {"NAME": None},
    }


AUDIT_KEY_MIN_LENGTH = 32


def dev_audit_key(secret_key: str) -> str:
    """The access log's key when DEBUG is on and none is given: derived from the (development)
    secret key, so a development database verifies from one run to the next. Never in production."""
    return "helhed-dev-audit-key:" + hashlib.sha256(secret_key.encode()).hexdigest()


def env_audit_key(name: str, file_name: str, *, debug: bool, secret_key: str) -> str:
    """The key of the access log's hash chain (``audit.logic``), kept outside the database: the
    value of ``name`` or the contents of the file ``file_name`` names (one of them). Required
    when DEBUG is off — without it the log is not tamper-evident, so Helhed refuses to start."""
    raw, name = _value_or_file(name, file_name, what="the key file")
    key = raw.strip()
    if not key:
        if debug:
            return dev_audit_key(secret_key)
        raise ImproperlyConfigured(
            f"{name}: must be set when DEBUG is off (or {file_name}), the access log's key "
            "kept outside the database — e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`"
        )
    if len(key) < AUDIT_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"{name}: must be at least {AUDIT_KEY_MIN_LENGTH} characters long (got {len(key)})"
        )
    return key


# --- issue 16: worker and e-mail ---

QUEUED_EMAIL_BACKEND = "helhed.ops.mail.QueuedEmailBackend"


def _value_or_file(name: str, file_name: str, *, what: str = "") -> tuple[str, str]:
    """A secret given as the variable ``name`` or as the contents of the file the variable
    ``file_name`` names (one of them, not both): the text, stripped, and the variable it came
    from (for the caller's messages); a file's text is stripped of its final newline and
    spaces. ``("", name)`` when neither is set."""
    raw = os.environ.get(name) or ""
    path = (os.environ.get(file_name) or "").strip()
    if raw.strip() and path:
        raise ImproperlyConfigured(f"{name} and {file_name}: set one of them, not both")
    if not path:
        return raw, name
    try:
        return Path(path).read_text(encoding="utf-8").strip(), file_name
    except OSError as exc:
        target = f"{what} {path!r}" if what else repr(path)
        raise ImproperlyConfigured(f"{file_name}: cannot read {target} ({exc.strerror})") from None


def env_secret(name: str, file_name: str) -> str:
    """A secret given as ``name`` or as the contents of the file ``file_name`` names (one of
    them); '' when neither is set."""
    return _value_or_file(name, file_name)[0]


# A bearer token (``HELHED_METRICS_TOKEN``) is at least this long.
TOKEN_MIN_LENGTH = 24


def env_token(name: str, file_name: str) -> str:
    """A bearer token from ``name`` or from the file ``file_name`` names (one of them); "" when
    neither is set. At least ``TOKEN_MIN_LENGTH`` characters."""
    raw, name = _value_or_file(name, file_name, what="the token file")
    token = raw.strip()
    if token and len(token) < TOKEN_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"{name}: must be at least {TOKEN_MIN_LENGTH} characters long (got {len(token)})"
        )
    return token


def env_seconds(name: str, *, default: float) -> float:
    """A positive number of seconds (decimals allowed)."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a number of seconds, got {raw!r}") from None
    if not (value > 0 and value < 86_400):
        raise ImproperlyConfigured(
            f"{name}: expected seconds above 0 (and below a day), got {raw!r}"
        )
    return value


def env_email() -> dict[str, Any]:
    """E-mail delivery from the environment (docs/operations.md, "E-mail"): the delivering
    backend (``EMAIL_BACKEND``: console by default, SMTP in production), the SMTP server, its
    credentials (also as ``*_FILE``), TLS or SSL (not both), a timeout and the sender."""
    backend = (os.environ.get("EMAIL_BACKEND") or "").strip()
    backend = backend or "django.core.mail.backends.console.EmailBackend"
    if backend == QUEUED_EMAIL_BACKEND:
        raise ImproperlyConfigured(
            f"EMAIL_BACKEND: name the backend that delivers (e.g. "
            f"django.core.mail.backends.smtp.EmailBackend); {QUEUED_EMAIL_BACKEND} is always "
            "in front of it"
        )
    if "." not in backend:
        raise ImproperlyConfigured(
            f"EMAIL_BACKEND: expected a dotted path such as "
            f"django.core.mail.backends.smtp.EmailBackend, got {backend!r}"
        )
    host = (os.environ.get("EMAIL_HOST") or "localhost").strip()
    if not host or any(c in host for c in " /@"):
        raise ImproperlyConfigured(
            f"EMAIL_HOST: expected a host name or address (no scheme, port or user), got {host!r}"
        )
    port = env_int("EMAIL_PORT", default=0)
    use_tls = env_bool("EMAIL_USE_TLS", default=False)
    use_ssl = env_bool("EMAIL_USE_SSL", default=False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured(
            "EMAIL_USE_TLS and EMAIL_USE_SSL: choose one (TLS = STARTTLS, usually port 587; "
            "SSL = implicit TLS, usually port 465)"
        )
    if not port:
        port = 465 if use_ssl else 587 if use_tls else 25
    if not 1 <= port <= 65535:
        raise ImproperlyConfigured(f"EMAIL_PORT: expected a port 1-65535, got {port}")
    sender = (os.environ.get("DEFAULT_FROM_EMAIL") or "helhed@localhost").strip()
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    if address.count("@") != 1 or address.startswith("@") or address.endswith("@"):
        raise ImproperlyConfigured(
            f"DEFAULT_FROM_EMAIL: expected an address such as helhed@kommune.dk or "
            f"'Helhed <helhed@kommune.dk>', got {sender!r}"
        )
    return {
        "backend": backend,
        "host": host,
        "port": port,
        "user": env_secret("EMAIL_HOST_USER", "EMAIL_HOST_USER_FILE"),
        "password": env_secret("EMAIL_HOST_PASSWORD", "EMAIL_HOST_PASSWORD_FILE"),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
        "timeout": env_seconds("EMAIL_TIMEOUT", default=10),
        "from": sender,
    }
