"""Database connection settings for operations (docs/operations.md, "Databaseforbindelsen").

Pure functions on the ``DATABASES["default"]`` dictionary that ``config.env_database`` builds, so
``settings.py`` can apply them and the tests can build a connection with other values:

- ``CONN_MAX_AGE`` (persistent connections) and ``CONN_HEALTH_CHECKS`` (a reused connection is
  checked before a request uses it, so a database restart costs no failed request);
- PostgreSQL: a statement timeout (``-c statement_timeout=…`` in the connection's options: one
  runaway query cannot hold a worker and its locks for ever) and a connect timeout (a probe or a
  request fails within seconds when the server is unreachable instead of hanging);
- PostgreSQL: parameters bound on the server, and the kept queries (``core.prepared``) prepared
  once per connection (``prepared``, ``core.pgcursor``): a worker's persistent connection parses
  and plans each of them once. Off: Django's default — parameters merged into the text on the
  client, every statement parsed and planned anew — for a pooler in transaction mode that
  cannot keep a connection's prepared statements (PgBouncer before 1.22, or without
  ``max_prepared_statements``);
- SQLite: the ``synchronous`` pragma beside WAL mode — ``FULL`` syncs the write-ahead log at every
  commit (an acknowledged write survives a power loss), ``NORMAL`` syncs at checkpoints only (an
  application crash loses nothing, a power loss or kernel crash can lose the last transactions).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured

NEVER_BY_COUNT = 2**31 - 1
SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_SYNC_PRAGMA = re.compile(r"PRAGMA synchronous\s*=\s*\w+;?", re.IGNORECASE)


def sqlite_synchronous(raw: str | None, *, debug: bool) -> str:
    """The ``synchronous`` level: the environment's, else FULL in production and NORMAL in
    development (a demo database is rebuilt in minutes; production data is not)."""
    value = (raw or "").strip().upper()
    if not value:
        return "NORMAL" if debug else "FULL"
    if value not in SQLITE_SYNCHRONOUS:
        raise ImproperlyConfigured(
            f"HELHED_SQLITE_SYNCHRONOUS: expected one of {', '.join(SQLITE_SYNCHRONOUS)}, "
            f"got {raw!r}"
        )
    return value


def tune_database(
    config: dict[str, Any],
    *,
    conn_max_age: int,
    statement_timeout_ms: int,
    connect_timeout: int,
    sqlite_synchronous: str,
    prepared: bool = False,
) -> dict[str, Any]:
    """A copy of ``config`` with the connection settings applied (0 timeouts: none)."""
    tuned = dict(config)
    options = dict(tuned.get("OPTIONS") or {})
    tuned["CONN_MAX_AGE"] = conn_max_age
    tuned["CONN_HEALTH_CHECKS"] = True
    engine = tuned.get("ENGINE", "")
    if engine == "django.db.backends.postgresql":
        # A timeout already in DATABASE_URL's ?options= is replaced, other options are kept.
        given = re.sub(r"-c\s*statement_timeout=\S+", "", str(options.get("options", ""))).strip()
        timeout = f"-c statement_timeout={statement_timeout_ms}"
        options["options"] = f"{given} {timeout}".strip()
        if connect_timeout:
            options["connect_timeout"] = connect_timeout
        if prepared:
            from helhed.core.pgcursor import KeptQueriesPrepared

            options["server_side_binding"] = True
            options["cursor_factory"] = KeptQueriesPrepared
            # psycopg prepares nothing when this is None (Django's default), not even a statement
            # the cursor asks it to; so high that it never prepares one by itself.
            options["prepare_threshold"] = NEVER_BY_COUNT
        else:
            for name in ("server_side_binding", "cursor_factory", "prepare_threshold"):
                options.pop(name, None)
    elif engine == "django.db.backends.sqlite3":
        init = _SYNC_PRAGMA.sub("", str(options.get("init_command", ""))).strip()
        options["init_command"] = f"{init} PRAGMA synchronous={sqlite_synchronous};".strip()
    tuned["OPTIONS"] = options
    return tuned
