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

Imported by the settings only on PostgreSQL (it loads Django's psycopg backend).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.base import ServerBindingCursor

# The SQL texts of the kept queries in this process (``core.prepared`` adds and removes them).
KEPT_SQL: set[str] = set()


class KeptQueriesPrepared(ServerBindingCursor):
    """Django's server-binding cursor that asks psycopg to prepare a kept query's statement."""

    def execute(self, query: Any, params: Any = None, *, prepare: Any = None, **kwargs: Any) -> Any:
        # A text's hash is computed once per string object, and the kept queries pass theirs.
        if prepare is None and isinstance(query, str) and query in KEPT_SQL:
            prepare = True
        return super().execute(query, params, prepare=prepare, **kwargs)  # type: ignore[misc]
