"""System check: indexes or foreign keys a demo build dropped that are not back.

``helhed demo`` builds a table's secondary indexes (and on PostgreSQL its foreign keys) after
filling it from empty (``demokit.indexes_built_after``) and notes each one in a repair table
until it is back. A build killed in between leaves them missing — the application then runs
without those checks and indexes — until the next ``helhed demo`` puts them back first. This
check says so whenever the database checks run (``helhed migrate``, ``helhed check --database
default``). It imports nothing of the demo (its libraries are an extra)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError, connections

DEFERRED_INDEX_TABLE = "helhed_demo_deferred_index"


def deferred_indexes_check(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        try:
            if DEFERRED_INDEX_TABLE not in connection.introspection.table_names():
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT name FROM {DEFERRED_INDEX_TABLE} ORDER BY name")
                names = [row[0] for row in cursor.fetchall()]
        except DatabaseError:
            continue
        if names:
            shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
            found.append(
                checks.Warning(
                    f"{len(names)} index(es) or foreign key(s) that an interrupted demo build "
                    f"dropped are missing in database {alias!r}: {shown}",
                    hint="Run `helhed demo` again: it puts them back before anything else (and "
                    "names a row that breaks a foreign key).",
                    id="helhed.devtools.W001",
                )
            )
    return found


def register() -> None:
    checks.register(deferred_indexes_check, checks.Tags.database)
