"""The fast demo build (issue 16): ``devtools.fastinsert.insert_rows`` writes what
``bulk_create(ignore_conflicts=True)`` writes, and the build's connection settings are undone.

The demo is built once (30 citizens, every app) and its rows are the sample: every field of every
table the demo writes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, models, transaction

from helhed.courses.models import Appointment, Citizen, Consent, Course, PlanVersion, TeamMember
from helhed.devtools import demokit, fastinsert
from helhed.devtools.demo import courses as courses_demo
from helhed.devtools.demo import handovers as handovers_demo
from helhed.devtools.demo import meetings as meetings_demo
from helhed.devtools.demo import progress as progress_demo
from helhed.devtools.fastinsert import _converter, insert_rows, prepared_values
from helhed.economics.models import CostEntry
from helhed.progress.models import CourseSummary, Measurement, OutcomeState

pytestmark = pytest.mark.django_db


def _demo() -> None:
    call_command(
        "demo", seed=1, citizens=30, no_progress=True, stdout=StringIO(), stderr=StringIO()
    )


def _demo_models() -> list[type[models.Model]]:
    found: list[type[models.Model]] = []
    for tables in (courses_demo.TABLES, meetings_demo.TABLES):
        found += [model for _label, model in tables]
    found += [
        handovers_demo.Handover,
        handovers_demo.HandoverEvent,
        handovers_demo.InstitutionalStay,
        OutcomeState,
        CourseSummary,
        CostEntry,
    ]
    return found


def _plain(value: Any) -> Any:
    """psycopg's ``Jsonb`` wrapper (PostgreSQL's JSON parameter) compares by identity: its
    value and its dumper are what reach the database."""
    if type(value).__name__ == "Jsonb":
        return ("Jsonb", value.obj, value.dumps)
    return value


def _auto_now(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _stored(model: type[models.Model], pks: list[Any], columns: list[str]) -> list[tuple[Any, ...]]:
    """The rows as the database holds them (no Django conversion)."""
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(map(quote, columns))} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(str(pk.column))} IN ({', '.join(['%s'] * len(pks))}) "
            f"ORDER BY {quote(str(pk.column))}",
            [pk.get_db_prep_value(v, connection) for v in pks],
        )
        return list(cursor.fetchall())


def test_every_value_the_demo_writes_is_prepared_as_django_prepares_it() -> None:
    """For every field of every table the demo writes, the fast converter returns exactly what
    ``field.get_db_prep_save`` returns for the demo's own values (UUIDs, dates, aware datetimes,
    text, numbers, JSON, decimals, foreign keys)."""
    _demo()
    checked = 0
    for model in _demo_models():
        objs = list(model._default_manager.all()[:150])
        assert objs, f"the demo wrote no {model.__name__}"
        for field in model._meta.concrete_fields:
            convert = _converter(field)
            for obj in objs:
                value = getattr(obj, field.attname)
                assert _plain(convert(value)) == _plain(
                    field.get_db_prep_save(value, connection)
                ), (
                    model.__name__,
                    field.name,
                    value,
                )
                checked += 1
    assert checked > 10_000


@pytest.mark.parametrize("fresh", [False, True], ids=["insert", "fresh-table"])
@pytest.mark.parametrize("model", [Citizen, Course, Consent, TeamMember, PlanVersion, Appointment])
def test_insert_rows_stores_the_same_row_as_bulk_create(
    model: type[models.Model], fresh: bool
) -> None:
    """The demo's rows written again, once with ``bulk_create`` and once with ``insert_rows``:
    the stored rows are identical column by column (``auto_now`` columns: set by both). Also
    into a table the build fills from empty (``FRESH_TABLES``: ``COPY`` on PostgreSQL)."""
    _demo()
    if fresh:
        fastinsert.FRESH_TABLES.add(str(model._meta.db_table))
    objs = list(model._default_manager.order_by("pk")[:40])
    pks = [o.pk for o in objs]
    fields = [f for f in model._meta.concrete_fields]
    compared = [str(f.column) for f in fields if not _auto_now(f)]
    stamped = [str(f.column) for f in fields if _auto_now(f)]
    with transaction.atomic(), connection.constraint_checks_disabled():
        model._default_manager.filter(pk__in=pks)._raw_delete(connection.alias)
        model._default_manager.bulk_create(objs, ignore_conflicts=True)
        by_django = _stored(model, pks, compared)
        model._default_manager.filter(pk__in=pks)._raw_delete(connection.alias)
        try:
            insert_rows(model, objs)
        finally:
            fastinsert.FRESH_TABLES.clear()
        fast = _stored(model, pks, compared)
        stamps = _stored(model, pks, stamped) if stamped else []
    assert len(fast) == len(objs)
    assert fast == by_django
    assert all(value is not None for row in stamps for value in row)


def test_a_second_insert_of_the_same_rows_adds_nothing_and_a_broken_row_is_an_error() -> None:
    """``ON CONFLICT DO NOTHING`` skips a row whose key exists (a re-run of the demo inserts
    nothing); unlike SQLite's ``INSERT OR IGNORE`` it does not swallow a NOT NULL violation."""
    _demo()
    objs = list(Citizen.objects.order_by("pk")[:10])
    before = Citizen.objects.count()
    insert_rows(Citizen, objs)
    assert Citizen.objects.count() == before
    broken = Citizen.objects.order_by("pk").first()
    assert broken is not None
    broken.pk = demokit.DemoContext(seed=99, citizens=1, out=StringIO()).uuid("broken")
    broken.cpr = None  # type: ignore[assignment]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Citizen, [broken])
    assert Citizen.objects.count() == before


def test_through_rows_get_their_key_from_the_database() -> None:
    _demo()
    through = Consent.units.through
    row = through.objects.order_by("pk").first()
    assert row is not None
    consent_id, unit_id = row.consent_id, row.unit_id
    row.delete()
    columns, values = prepared_values(through, [through(consent_id=consent_id, unit_id=unit_id)])
    assert "id" not in columns and len(values[0]) == 2
    insert_rows(through, [through(consent_id=consent_id, unit_id=unit_id)])
    assert through.objects.filter(consent_id=consent_id, unit_id=unit_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_build_settings_are_undone_after_the_build() -> None:
    """SQLite: the build runs with ``synchronous=OFF`` and a 1 GiB page cache; PostgreSQL: with
    ``synchronous_commit = off``. Either way the connection serves pages afterwards (the
    benchmark measures on it) with the durability it had."""

    def settings_now() -> dict[str, Any]:
        with connection.cursor() as cursor:
            if connection.vendor != "sqlite":
                cursor.execute("SHOW synchronous_commit")
                return {"synchronous_commit": cursor.fetchone()[0]}
            found = {}
            for name in demokit.SQLITE_BUILD_PRAGMAS:
                cursor.execute(f"PRAGMA {name}")
                found[name] = cursor.fetchone()[0]
            return found

    if connection.vendor != "sqlite":  # the tests' cluster runs with it off server-wide
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO on")
    before = settings_now()
    with demokit.build_connection():
        during = settings_now()
    if connection.vendor == "sqlite":
        assert during == {"synchronous": 0, "cache_size": -1048576, "temp_store": 2}
        assert before["synchronous"] != 0
    else:
        assert during == {"synchronous_commit": "off"}
        assert before == {"synchronous_commit": "on"}
    assert settings_now() == before
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _field_values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _instance(obj: models.Model) -> tuple[dict[str, Any], bool, Any, dict[str, Any]]:
    """What a new instance holds: its attributes, whether it is unsaved, its database and the
    related objects it caches."""
    attributes = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    return attributes, obj._state.adding, obj._state.db, dict(obj._state.fields_cache)


def test_new_row_makes_the_instance_the_model_constructor_makes() -> None:
    """``demokit.new_row`` (the demo builders' constructor) gives the instance ``Model(**values)``
    gives, for every table the demo writes: with every field given, with a related object given
    by name, and with the defaults (same keys; constant defaults equal)."""
    _demo()
    checked = 0
    for model in _demo_models():
        for obj in model._default_manager.all()[:20]:
            values = _field_values(obj)
            assert _instance(demokit.new_row(model, **values)) == _instance(model(**values))
            checked += 1
        relation = next(
            (f for f in model._meta.concrete_fields if f.is_relation and not f.primary_key), None
        )
        if relation is None:
            continue
        stored = model._default_manager.select_related(relation.name).first()
        assert stored is not None
        values = _field_values(stored)
        del values[relation.attname]
        values[relation.name] = getattr(stored, relation.name)
        made, expected = demokit.new_row(model, **values), model(**values)
        assert _instance(made) == _instance(expected)
        assert made.__dict__[relation.attname] == stored.__dict__[relation.attname]
        key = {model._meta.pk.attname: stored.pk}  # type: ignore[union-attr]
        made, expected = demokit.new_row(model, **key), model(**key)
        assert made.__dict__.keys() == expected.__dict__.keys()
        for f in model._meta.concrete_fields:
            if not callable(f.default):  # uuid4, now: made anew for each instance
                assert made.__dict__[f.attname] == expected.__dict__[f.attname], f
    assert checked > 300
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        demokit.new_row(Citizen, colour="blue")


def test_prepared_values_are_what_django_prepares_column_by_column() -> None:
    """``prepared_values`` converts whole columns at once (passed through, or by builtins when
    every value has one type): each value equals ``field.get_db_prep_save`` of it, for columns
    with and without NULLs, on every table the demo writes."""
    _demo()
    for model in _demo_models():
        objs = list(model._default_manager.order_by("pk")[:150])
        columns, rows = prepared_values(model, objs)
        by_name = {str(f.column): f for f in model._meta.concrete_fields}
        for obj, row in zip(objs, rows, strict=True):
            for column, value in zip(columns, row, strict=True):
                field = by_name[column]
                if _auto_now(field):
                    continue
                expected = field.get_db_prep_save(getattr(obj, field.attname), connection)
                assert _plain(value) == _plain(expected), (model.__name__, column)


def test_demo_keys_are_uuid5_of_the_seed_and_key() -> None:
    """``ctx.uuid`` hashes the namespace and seed once; its keys are still exactly
    ``uuid5(DEMO_NAMESPACE, "<seed>:<key>")``, for any seed."""
    import uuid

    ctx = demokit.DemoContext(seed=1, citizens=1, out=StringIO())
    for key in [("course", 0), ("team", 12, 3), ("æøå", uuid.UUID(int=5), None), ()]:
        name = ":".join([str(ctx.seed), *map(str, key)])
        made = ctx.uuid(*key)
        assert made == uuid.uuid5(demokit.DEMO_NAMESPACE, name)
        assert str(made) == str(uuid.uuid5(demokit.DEMO_NAMESPACE, name))
        assert made.version == 5
    ctx.seed = 7
    assert ctx.uuid("course", 0) == uuid.uuid5(demokit.DEMO_NAMESPACE, "7:course:0")


def _index_definitions(model: type[models.Model]) -> set[str]:
    return {sql for _name, sql in demokit._secondary_indexes(str(model._meta.db_table))}


@pytest.mark.django_db(transaction=True)
def test_indexes_of_fresh_tables_are_built_after_the_fill_and_after_a_killed_build() -> None:
    """The build drops the secondary indexes of the empty tables it fills and builds the same
    ones again when it ends — also when it fails, and, if the process died, at the start of the
    next ``helhed demo``. Keys and unique fields stay indexed (a duplicate is still refused)."""
    expected = _index_definitions(TeamMember)
    assert expected  # course, unit, user … indexes
    filled = _index_definitions(Citizen)
    assert not TeamMember.objects.exists()
    with pytest.raises(RuntimeError), demokit.indexes_built_after([TeamMember]):
        assert _index_definitions(TeamMember) == set()
        raise RuntimeError("a chunk failed")
    assert _index_definitions(TeamMember) == expected

    # A build killed inside the block: the definitions are in the repair table until the next run.
    manager = demokit.indexes_built_after([TeamMember])
    manager.__enter__()
    assert _index_definitions(TeamMember) == set()
    assert demokit.DEFERRED_INDEX_TABLE in connection.introspection.table_names()
    _demo()
    assert _index_definitions(TeamMember) == expected
    assert _index_definitions(Citizen) == filled
    assert demokit.DEFERRED_INDEX_TABLE not in connection.introspection.table_names()

    # A table with rows keeps its indexes.
    with demokit.indexes_built_after([TeamMember]):
        assert _index_definitions(TeamMember) == expected


def _foreign_keys(model: type[models.Model]) -> set[str]:
    """The foreign keys PostgreSQL holds on the model's table (none are dropped on SQLite)."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = %s::regclass",
            [connection.ops.quote_name(str(model._meta.db_table))],
        )
        return {definition for (definition,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_foreign_keys_of_fresh_tables_are_added_after_the_fill_and_a_dangling_row_fails() -> None:
    """PostgreSQL: the build drops the foreign keys of the empty tables it fills and adds the
    same ones when it ends, so a row that references nothing still fails the build (when the key
    is added) — and the keys stay in the repair table until the row is gone."""
    _demo()
    expected = _foreign_keys(TeamMember)
    if connection.vendor == "postgresql":
        assert any("courses_course" in d for d in expected)
    sample = TeamMember.objects.order_by("pk").first()
    assert sample is not None
    TeamMember.objects.all().delete()
    with demokit.indexes_built_after([TeamMember]):
        if connection.vendor == "postgresql":
            assert _foreign_keys(TeamMember) == set()
    assert _foreign_keys(TeamMember) == expected

    if connection.vendor != "postgresql":
        return  # SQLite keeps its foreign keys (checked row by row): nothing more to show
    values = {f.attname: getattr(sample, f.attname) for f in TeamMember._meta.concrete_fields}
    orphan = demokit.new_row(
        TeamMember, **{**values, "id": uuid.uuid4(), "course_id": uuid.uuid4()}
    )
    with (
        pytest.raises(IntegrityError, match="courses_course"),
        demokit.indexes_built_after([TeamMember]),
        transaction.atomic(),
    ):
        insert_rows(TeamMember, [orphan])
    assert _foreign_keys(TeamMember) == set()  # the whole repair is undone, nothing half added
    assert demokit.DEFERRED_INDEX_TABLE in connection.introspection.table_names()
    TeamMember.objects.filter(pk=orphan.pk).delete()
    demokit.restore_deferred_indexes()
    assert _foreign_keys(TeamMember) == expected
    assert demokit.DEFERRED_INDEX_TABLE not in connection.introspection.table_names()


def test_a_duplicate_key_copied_into_a_fresh_table_is_an_error() -> None:
    """Into a table the build fills from empty the rows are written without ``ON CONFLICT``
    (``COPY`` on PostgreSQL): a key the build wrote twice is an error, never a silent skip;
    nothing of the failed batch is kept."""
    _demo()
    objs = list(Citizen.objects.order_by("pk")[:3])
    before = Citizen.objects.count()
    fastinsert.FRESH_TABLES.add(str(Citizen._meta.db_table))
    try:
        if connection.vendor == "postgresql":
            with pytest.raises(IntegrityError), transaction.atomic():
                insert_rows(Citizen, objs)
        else:  # SQLite has no COPY: the same INSERT … ON CONFLICT DO NOTHING as elsewhere
            insert_rows(Citizen, objs)
    finally:
        fastinsert.FRESH_TABLES.clear()
    assert Citizen.objects.count() == before


def test_in_pages_reads_every_row_once_in_key_order_while_the_reader_writes() -> None:
    """The builders read courses a page at a time by key while they commit their chunks (no
    cursor held open across the commits, which pinned SQLite's WAL): every row comes once, in
    key order, whatever the page size; and a write committed between pages is seen by the
    next page."""
    call_command("demo", citizens=60, seed=1, stdout=StringIO())
    query = Course.objects.order_by("pk").values_list("pk", "referred_on")
    expected = list(query)
    assert len(expected) > 7
    for size in (1, 7, len(expected), len(expected) + 5):
        assert list(demokit.in_pages(query, size)) == expected
    as_dicts = Course.objects.order_by("pk").values("pk")
    seen = []
    for row in demokit.in_pages(as_dicts, 5):
        seen.append(row["pk"])
        if len(seen) == 5:
            with transaction.atomic():  # a chunk committed while the reader is between pages
                Course.objects.filter(pk=row["pk"]).update(closing_reason="skrevet undervejs")
    assert seen == [pk for pk, _d in expected]
    assert Course.objects.filter(closing_reason="skrevet undervejs").count() == 1


# The chunks after the first: built by worker processes (issue 16, third step)


def _built_models() -> list[tuple[str, type[models.Model]]]:
    return [
        *courses_demo.TABLES,
        *meetings_demo.TABLES,
        ("målinger", Measurement),
        ("resultater", OutcomeState),
        ("forløbsoverblik", CourseSummary),
    ]


def _built_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the courses, meetings and progress demos wrote, table by table in key order,
    without the columns that hold the time of the run or a key the database numbered."""
    found = {}
    for label, model in _built_models():
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if not _auto_now(f)
            and not (f.primary_key and isinstance(f, models.AutoField))
            and f.attname not in ("resolved_at", "created_at")  # counted from the time of the run
        ]
        found[label] = sorted(model._default_manager.values_list(*names), key=repr)
    return found


def _build(workers: int) -> None:
    call_command(
        "demo",
        seed=1,
        citizens=200,
        workers=workers,
        only=["core", "registry", "courses", "meetings", "progress"],
        no_progress=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )


@pytest.mark.django_db(transaction=True)
def test_chunks_built_by_worker_processes_are_the_chunks_built_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With chunks of 20 a 200-citizen build has several chunks after the first: built by two
    forked workers (the courses from their chunk's seed; the meetings and measurements, which
    read the database, with connections of their own) they are row for row what one process
    builds; CPR numbers stay unique and valid for their birth dates across chunks; no worker
    process is left behind."""
    for module, name in (
        (courses_demo, "CHUNK_CASES"),
        (meetings_demo, "CHUNK"),
        (progress_demo, "CHUNK"),
    ):
        monkeypatch.setattr(module, name, 20)
    _build(workers=2)
    assert not multiprocessing.active_children()
    parallel = _built_rows()
    assert all(parallel.values())
    citizens = list(Citizen.objects.values_list("cpr", "birth_date"))
    assert len(citizens) == 200
    assert len({cpr for cpr, _born in citizens}) == 200
    assert all(cpr[:6] == f"{born:%d%m%y}" for cpr, born in citizens)
    courses = Course.objects.count()
    assert courses > 3 * 20  # the first chunk and at least three more
    for _label, model in reversed(_built_models()):  # the same world, the cases again
        model._default_manager.all().delete()
    _build(workers=1)
    assert _built_rows() == parallel


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_workers_write_their_chunks_into_fresh_tables() -> None:
    """On PostgreSQL, with two workers and every table filled from empty, the workers write and
    commit their own chunks (in chunk order; the two tests around this one build that way
    there); on SQLite, with one worker, one chunk or into tables that hold rows, the parent
    writes."""
    tables = [model for _label, model in courses_demo.TABLES]
    with demokit.indexes_built_after(tables):
        assert demokit.workers_write(2, 4, tables) == (connection.vendor == "postgresql")
        assert not demokit.workers_write(1, 4, tables)
        assert not demokit.workers_write(2, 1, tables)
    _demo()
    with demokit.indexes_built_after(tables):
        assert not demokit.workers_write(2, 4, tables)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_failing_worker_fails_the_build_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A worker that raises or dies (killed, out of memory) stops the build with an error that
    says so, the pool is shut down and joined (no process left, none left waiting for its turn
    to commit), and the chunks written before stay whole: every course there has its plan, and
    the foreign keys added after the fill hold (no chunk was committed after a missing one)."""
    real = courses_demo._prepare_chunk

    def failing(k: int) -> Any:
        if k == 3:
            if how == "dies":
                os._exit(9)
            raise ValueError("chunk 3 could not be built")
        return real(k)

    monkeypatch.setattr(courses_demo, "CHUNK_CASES", 20)
    monkeypatch.setattr(courses_demo, "_prepare_chunk", failing)
    with pytest.raises(CommandError, match="arbejdsproces fejlede") as failed:
        _build(workers=2)
    assert ("chunk 3 could not be built" if how == "raises" else "BrokenProcessPool") in str(
        failed.value
    )
    assert not multiprocessing.active_children()
    assert 20 <= Course.objects.count() <= 3 * 20
    assert Course.objects.filter(plan__isnull=True).count() == 0


_TURNS: demokit.Turns | None = None


def _waits_its_turn_or_dies(position: int) -> int:
    """Chunk 0 is killed while holding the turn (after chunk 1 has begun to wait for it)."""
    import time

    assert _TURNS is not None
    if position == 0:
        time.sleep(0.5)
        os._exit(9)
    _TURNS.wait_for(position)
    _TURNS.done(position)
    return position


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_another_waits_its_turn_stops_the_build_without_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The out-of-memory killer takes the worker whose turn it is to commit while the next one
    waits: the build must stop with the error (the waiting worker is told to stop), not hang with
    the foreign keys still dropped. Before, the turn's condition waited for a wake-up from the
    dead process and the parent hung in ``abort``."""
    import threading

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.fail("this test needs fork (the demo's worker processes use it)")
    global _TURNS
    _TURNS = demokit.Turns()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            list(
                demokit.in_workers(
                    _waits_its_turn_or_dies, [0, 1], 2, what="forløb", abort=_TURNS.fail
                )
            )
        except CommandError as error:
            outcome["error"] = str(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the build hung after a worker was killed"
    assert "arbejdsproces fejlede" in outcome["error"]
    assert not multiprocessing.active_children()


def test_indexes_a_killed_demo_build_left_out_are_reported_by_the_database_checks() -> None:
    """A demo build killed between dropping and restoring an index (or a foreign key) leaves
    it in the repair table: ``helhed migrate``'s checks warn, naming it, until it is back."""
    from helhed.devtools.checks import DEFERRED_INDEX_TABLE, deferred_indexes_check

    assert deferred_indexes_check(databases=["default"]) == []
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {DEFERRED_INDEX_TABLE} (name varchar(200) PRIMARY KEY, definition text)"
        )
        assert deferred_indexes_check(databases=["default"]) == []  # nothing missing
        cursor.execute(
            f"INSERT INTO {DEFERRED_INDEX_TABLE} (name, definition) VALUES (%s, %s)",
            ["courses_course_status_idx", "CREATE INDEX courses_course_status_idx ON x (status)"],
        )
    found = deferred_indexes_check(databases=["default"])
    assert [w.id for w in found] == ["helhed.devtools.W001"]
    assert "courses_course_status_idx" in found[0].msg and "helhed demo" in found[0].hint
