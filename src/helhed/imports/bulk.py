"""Writing many rows fast: one prepared ``INSERT`` per table run with ``executemany`` (SQLite),
``COPY`` (PostgreSQL).

The idea of ``devtools.fastinsert`` (which product code may not import), cut to what the import
needs: rows are plain dicts by attribute name (``plan_id``), not model instances — building a
model instance and letting ``bulk_create`` compile its SQL cost more than the whole check of a
row. For every concrete field a converter is chosen once that returns what
``field.get_db_prep_save(value, connection)`` returns; a field a row does not name gets the
field's default, and ``auto_now``/``auto_now_add`` fields the time of the write. No ``ON
CONFLICT``: a duplicate key raises ``IntegrityError`` and the caller's transaction rolls
everything back. No signals and no ``save()``: the caller computes what ``save()`` would (a
measure's data category)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH = 5000


def _converter(field: Any) -> Callable[[Any], Any]:
    target = field.target_field if field.is_relation else field
    sqlite = connection.vendor == "sqlite"

    def slow(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    kind = type(target)
    if kind is models.UUIDField:
        native = connection.features.has_native_uuid_field
        return lambda v: (v if native else v.hex) if type(v) is uuid.UUID else slow(v)
    if kind in (models.CharField, models.TextField, models.SlugField, models.EmailField):
        return lambda v: v if type(v) is str else slow(v)
    if kind in (models.BooleanField, models.PositiveIntegerField, models.IntegerField):
        return lambda v: v if type(v) in (bool, int) else slow(v)
    if kind is models.DateField:
        return lambda v: (str(v) if sqlite else v) if type(v) is date else slow(v)
    if kind is models.DateTimeField:
        zone = connection.timezone if sqlite else UTC

        def moment(v: Any) -> Any:
            if type(v) is datetime and v.tzinfo is not None:
                return str(v.astimezone(zone).replace(tzinfo=None)) if sqlite else v
            return slow(v)

        return moment
    return slow


def insert(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts by attribute name) into ``model``'s table; returns how many."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    now = timezone.now()
    plan: list[tuple[str, Any, Callable[[Any], Any]]] = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default: Any = now
        else:
            default = f.get_default()  # "" for a text field without a default, else None
        plan.append((f.attname, default, _converter(f)))
    quote = connection.ops.quote_name
    marker = "?" if connection.vendor == "sqlite" else "%s"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(str(f.column)) for f in fields)}) "
        f"VALUES ({', '.join([marker] * len(fields))})"
    )
    pk = model._meta.pk
    fresh_key = pk is not None and pk.has_default()

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        if fresh_key and pk is not None and pk.attname not in row:
            row[pk.attname] = pk.get_default()  # a key of its own (uuid4), never a shared one
        return tuple(conv(row.get(name, default)) for name, default, conv in plan)

    if connection.vendor == "postgresql":
        return _copy(model, fields, map(values, rows))
    total = 0
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(values(row))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
    return total


def _copy(model: type[models.Model], fields: list[Any], rows: Iterable[tuple[Any, ...]]) -> int:
    """PostgreSQL: ``COPY … FROM STDIN`` (psycopg 3), several times faster than ``INSERT``s;
    the values are the same adapted Python values (a JSON value is psycopg's ``Jsonb``)."""
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "
        "FROM STDIN"
    )
    total = 0
    # Django's IntegrityError & co. for a refused row, as the ORM raises them
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            total += 1
    return total
