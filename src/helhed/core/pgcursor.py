"""PostgreSQL: the kept queries are prepared statements (docs/operations.md,
"Databaseforbindelsen"; docs/performance.md, "Per request, fourth step").

With ``HELHED_DB_PREPARED`` on (the default) every statement is sent with its parameters apart
from its text (psycopg's server-side binding), and the statements of ``core.prepared``'s kept
queries — the same text every time — are prepared on the connection the first time it runs
them: PostgreSQL parses and plans each once per connection and then only executes it (after
five executions it may keep a generic plan, when that is not estimated costlier). Every other
statement stays an unnamed one, planned with its values each time: a generic plan for a query
the application has not made a kept query (the demo's bulk reads, a report over one
organisation) could be far off for other values, and a statement the process runs once gains
nothing from being prepared.

psycopg keeps at most 100 prepared statements per connection (``prepared_max``; the oldest is
deallocated) and forgets them all at a rollback (``DEALLOCATE ALL``): they are prepared again at
their next run, never run wrong.

Imported by the settings only on PostgreSQL (it loads Django's psycopg backend).
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.backends.postgresql.base import ServerBindingCursor

# The SQL texts of the kept queries in this process, each with the number of kept shapes that
# run it (two shapes can share a text: the same query under another language).
KEPT_SQL: dict[str, int] = {}
_LOCK = threading.Lock()


def keep(sql: str) -> None:
    with _LOCK:
        KEPT_SQL[sql] = KEPT_SQL.get(sql, 0) + 1


def forget(sql: str) -> None:
    with _LOCK:
        left = KEPT_SQL.get(sql, 0) - 1
        if left > 0:
            KEPT_SQL[sql] = left
        else:
            KEPT_SQL.pop(sql, None)


class KeptQueriesPrepared(ServerBindingCursor):
    """Django's server-binding cursor that asks psycopg to prepare a kept query's statement."""

    def execute(self, query: Any, params: Any = None, *, prepare: Any = None, **kwargs: Any) -> Any:
        # A text's hash is computed once per string object, and the kept queries pass theirs.
        if prepare is None and isinstance(query, str) and query in KEPT_SQL:
            prepare = True
        return super().execute(query, params, prepare=prepare, **kwargs)  # type: ignore[misc]
