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
connection).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
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


def prepared_values(
    model: type[models.Model], objs: Sequence[models.Model]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The columns and, per row, the values ``bulk_create`` would write for ``objs``."""
    opts = model._meta
    pk = opts.pk
    assert pk is not None
    # An automatic integer key nobody set (many-to-many through rows) is left to the database.
    auto_pk = isinstance(pk, AutoFieldMixin) and all(getattr(o, pk.attname) is None for o in objs)
    fields = [f for f in opts.concrete_fields if not (auto_pk and f.primary_key)]
    converters = [_converter(f) for f in fields]
    with_pre_save = [(i, f) for i, f in enumerate(fields) if _has_pre_save(f)]
    relations: list[Any] = [f for f in fields if f.is_relation]  # ForeignKey: its cache
    attnames = [f.attname for f in fields]
    rows: list[tuple[Any, ...]] = []
    for obj in objs:
        if not auto_pk and getattr(obj, pk.attname) is None and pk.has_default():
            setattr(obj, pk.attname, pk.get_default())
        for f in relations:
            # An object assigned before it had a key (``bulk_create`` does the same).
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                related = f.get_cached_value(obj)
                if related is not None:
                    setattr(obj, f.attname, related.pk)
        values = [getattr(obj, a) for a in attnames]
        for i, f in with_pre_save:
            values[i] = f.pre_save(obj, True)
        rows.append(tuple(c(v) for c, v in zip(converters, values, strict=True)))
    columns = [str(f.column) for f in fields]
    return columns, rows


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (unsaved model instances) as ``bulk_create(objs, ignore_conflicts=True)``
    would, with one ``executemany``. Rows with an automatic key (many-to-many through rows) get
    it from the database."""
    if not objs:
        return
    if model._meta.parents:
        model._default_manager.bulk_create(objs, batch_size=1000, ignore_conflicts=True)
        return
    columns, rows = prepared_values(model, objs)
    quote = connection.ops.quote_name
    marker = "?" if connection.vendor == "sqlite" else "%s"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join([marker] * len(columns))}) ON CONFLICT DO NOTHING"
    )
    with transaction.atomic():
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        try:
            with connection.wrap_database_errors:  # Django's IntegrityError & co., as the ORM
                cursor.executemany(sql, rows)
        finally:
            cursor.close()
