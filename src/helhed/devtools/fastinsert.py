"""Inserting demo rows fast: ``executemany`` on the raw connection, values prepared once per field.

``QuerySet.bulk_create`` spends most of its time compiling SQL: for every row and every field it
calls ``pre_save``, ``get_db_prep_save`` and ``field_as_sql`` and builds one statement per batch
(a profile of ``helhed demo --citizens 20000`` put 60 % of the build in it). The demo and benchmark
datasets are plain rows with precomputed keys, so ``insert_rows`` writes the same values with one
prepared statement per table:

* the column list is the model's concrete fields, as ``bulk_create`` writes them; a field whose
  ``pre_save`` does work (``auto_now``/``auto_now_add``) is given it, so ``created_at`` and
  ``updated_at`` are set as ``bulk_create`` sets them;
* each value goes through a converter chosen once per field that returns exactly what
  ``field.get_db_prep_save(value, connection)`` returns — a shortcut for the common Python types
  (``str``, ``int``, ``bool``, ``UUID``, ``date``, aware ``datetime``) and the field's own
  ``get_db_prep_save`` for anything else (JSON, decimals, custom fields);
  ``tests/ops/test_demo_build.py`` compares both for every field of every table the demo writes;
* ``ON CONFLICT DO NOTHING``: a row whose key exists is skipped (a re-run inserts nothing), as
  ``bulk_create(ignore_conflicts=True)`` does — but only a uniqueness conflict is skipped, where
  SQLite's ``INSERT OR IGNORE`` (what ``bulk_create`` writes there) would also swallow a NOT NULL
  or CHECK violation;
* no signals, like ``bulk_create``. Models with parents (multi-table inheritance) go through
  ``bulk_create``.

The rows are written inside the caller's transaction (the raw cursor belongs to Django's
connection). Values are read and converted column by column (``_column_converter``); on
PostgreSQL a table the build fills from empty is written with ``COPY`` (``FRESH_TABLES``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any

from django.db import connection, models, transaction
from django.db.models.fields import AutoFieldMixin, Field

Converter = Callable[[Any], Any]


def _converter(field: Field[Any, Any], via: Field[Any, Any] | None = None) -> Converter:
    """A function returning ``field.get_db_prep_save(value, connection)``, faster for the types
    it knows and by calling that method for every other value. A foreign key converts as its
    target field (which is what its ``get_db_prep_save`` does), falling back to its own method."""
    if type(field) in (models.ForeignKey, models.OneToOneField):
        return _converter(field.target_field, via=field)  # type: ignore[attr-defined]
    prepare = (via or field).get_db_prep_save

    def slow(value: Any) -> Any:
        return prepare(value, connection)

    # Django's own field classes only (exact type): a subclass may prepare values itself.
    fast = _FAST.get(type(field))
    return fast(slow, connection.vendor == "sqlite") if fast else slow


def _uuid(slow: Converter, sqlite: bool) -> Converter:
    native = connection.features.has_native_uuid_field

    def convert(value: Any) -> Any:
        if type(value) is uuid.UUID:
            return value if native else value.hex
        return None if value is None else slow(value)

    return convert


def _same(kind: type) -> Callable[[Converter, bool], Converter]:
    def factory(slow: Converter, sqlite: bool) -> Converter:
        def convert(value: Any) -> Any:
            return value if type(value) is kind or value is None else slow(value)

        return convert

    return factory


def _date(slow: Converter, sqlite: bool) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is date:
            return str(value) if sqlite else value
        return None if value is None else slow(value)

    return convert


def _datetime(slow: Converter, sqlite: bool) -> Converter:
    zone = connection.timezone if sqlite else UTC

    def convert(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is not None:
            # SQLite: naive in the connection's zone, as ``adapt_datetimefield_value`` writes it
            return str(value.astimezone(zone).replace(tzinfo=None)) if sqlite else value
        return None if value is None else slow(value)

    return convert


_FAST: dict[type, Callable[[Converter, bool], Converter]] = {
    models.UUIDField: _uuid,
    models.CharField: _same(str),
    models.TextField: _same(str),
    models.SlugField: _same(str),
    models.EmailField: _same(str),
    models.BooleanField: _same(bool),
    models.IntegerField: _same(int),
    models.BigIntegerField: _same(int),
    models.SmallIntegerField: _same(int),
    models.PositiveIntegerField: _same(int),
    models.PositiveSmallIntegerField: _same(int),
    models.PositiveBigIntegerField: _same(int),
    models.DateField: _date,
    models.DateTimeField: _datetime,
}


def _has_pre_save(field: Field[Any, Any]) -> bool:
    return type(field).pre_save is not Field.pre_save


ColumnConverter = Callable[[list[Any]], list[Any]]
_NONE = type(None)
_SAME_TYPE: dict[type, type] = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.EmailField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
}


def _uuid_hex(values: list[Any]) -> list[Any]:
    """``[u.hex for u in values]`` without Python code per value."""
    return list(map(format, map(attrgetter("int"), values), repeat("032x")))


def _column_converter(field: Field[Any, Any]) -> ColumnConverter:
    """``_converter(field)`` for a whole column at once. A column whose values are all of a type
    the database takes as it is (``str`` for text, ``int`` for integers, ``UUID`` and ``date`` on
    PostgreSQL) is passed through; a column of ``UUID``s (or ``date``s) on SQLite is converted by
    builtins (``format(u.int, "032x")`` is ``u.hex``, ``str(d)`` is what Django writes). The
    check is ``set(map(type, column))``, so no Python code runs per value; any other column goes
    value by value through ``_converter``, whose results these equal."""
    convert = _converter(field)
    target = field
    if type(field) in (models.ForeignKey, models.OneToOneField):
        target = field.target_field  # type: ignore[attr-defined]
    kind = type(target)
    same: frozenset[type] = frozenset()
    bulk: tuple[type, ColumnConverter] | None = None
    if kind is models.UUIDField:
        if connection.features.has_native_uuid_field:
            same = frozenset({uuid.UUID, _NONE})
        else:
            bulk = (uuid.UUID, _uuid_hex)
    elif kind is models.DateField:
        if connection.vendor == "sqlite":
            bulk = (date, lambda values: list(map(str, values)))
        else:
            same = frozenset({date, _NONE})
    elif kind in _SAME_TYPE:
        same = frozenset({_SAME_TYPE[kind], _NONE})

    def column(values: list[Any]) -> list[Any]:
        kinds = set(map(type, values))
        if kinds <= same:
            return values
        if bulk is not None and kinds == {bulk[0]}:
            return bulk[1](values)
        return list(map(convert, values))

    return column


def prepared_values(
    model: type[models.Model], objs: Sequence[models.Model]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The columns and, per row, the values ``bulk_create`` would write for ``objs``. Read and
    converted column by column (``_column_converter``)."""
    opts = model._meta
    pk = opts.pk
    assert pk is not None
    dicts = [o.__dict__ for o in objs]
    # An automatic integer key nobody set (many-to-many through rows) is left to the database.
    auto_pk = isinstance(pk, AutoFieldMixin) and all(d.get(pk.attname) is None for d in dicts)
    if not auto_pk and pk.has_default():
        for obj, d in zip(objs, dicts, strict=True):
            if d.get(pk.attname) is None:
                setattr(obj, pk.attname, pk.get_default())
    fields = [f for f in opts.concrete_fields if not (auto_pk and f.primary_key)]
    columns: list[list[Any]] = []
    for f in fields:
        values = _read(objs, dicts, f.attname)
        if f.is_relation and None in values:
            # An object assigned before it had a key (``bulk_create`` does the same).
            for obj, value in zip(objs, values, strict=True):
                if value is None and f.is_cached(obj):  # type: ignore[attr-defined]
                    related = f.get_cached_value(obj)  # type: ignore[attr-defined]
                    if related is not None:
                        setattr(obj, f.attname, related.pk)
            values = _read(objs, dicts, f.attname)
        columns.append(values)
    for i, f in enumerate(fields):
        if _has_pre_save(f):  # ``auto_now``/``auto_now_add``: the value it sets
            columns[i] = [f.pre_save(obj, True) for obj in objs]
    converted = [_column_converter(f)(values) for f, values in zip(fields, columns, strict=True)]
    return [str(f.column) for f in fields], list(zip(*converted, strict=True))


def _read(objs: Sequence[models.Model], dicts: list[dict[str, Any]], attname: str) -> list[Any]:
    """``[getattr(obj, attname) for obj in objs]``, from the instances' ``__dict__`` when every
    one has the value there (a field the constructor set always is)."""
    try:
        return list(map(itemgetter(attname), dicts))
    except KeyError:
        return [getattr(obj, attname) for obj in objs]


# Tables a build fills from empty (``demokit.indexes_built_after`` registers them): their rows
# cannot conflict with existing ones and a build's keys are unique, so on PostgreSQL they are
# written with ``COPY`` (one stream per batch instead of one ``INSERT`` per row, no conflict
# check). A duplicate key there is an error, not a skipped row.
FRESH_TABLES: set[str] = set()


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (unsaved model instances) as ``bulk_create(objs, ignore_conflicts=True)``
    would, with one ``executemany`` (on PostgreSQL into a table in ``FRESH_TABLES``: one
    ``COPY``). Rows with an automatic key (many-to-many through rows) get it from the
    database."""
    if not objs:
        return
    if model._meta.parents:
        model._default_manager.bulk_create(objs, batch_size=1000, ignore_conflicts=True)
        return
    columns, rows = prepared_values(model, objs)
    insert_prepared(model, columns, rows)


def insert_prepared(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert rows ``prepared_values(model, objs)`` made (possibly in another process, see the
    courses demo's workers) as ``insert_rows(model, objs)`` would: one ``executemany`` with
    ``ON CONFLICT DO NOTHING``, or one ``COPY`` into a table in ``FRESH_TABLES`` on PostgreSQL."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    with transaction.atomic():
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        try:
            with connection.wrap_database_errors:  # Django's IntegrityError & co., as the ORM
                if connection.vendor == "postgresql" and model._meta.db_table in FRESH_TABLES:
                    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marker = "?" if connection.vendor == "sqlite" else "%s"
                    cursor.executemany(
                        f"INSERT INTO {table} ({names}) "
                        f"VALUES ({', '.join([marker] * len(columns))}) ON CONFLICT DO NOTHING",
                        rows,
                    )
        finally:
            cursor.close()
