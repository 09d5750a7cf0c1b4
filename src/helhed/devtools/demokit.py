"""The demo-data framework: one ``helhed demo`` command, one small hook per app.

Each installed Helhed app may have a ``demo`` module with ``generate(ctx: DemoContext) -> None``.
The command calls them in ``INSTALLED_APPS`` order (core first, so later apps find organisations,
units and staff). Everything is deterministic for a seed: random choices come from ``ctx.rng`` and
``ctx.faker`` (da_DK), and every row gets a UUID derived from the seed and a stable key, so a second
run inserts nothing new (idempotent) and ``--citizens 300000`` is a matter of bulk inserts.
"""

from __future__ import annotations

import hashlib
import importlib
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.util import Finalize
from typing import Any, TextIO, TypeVar

from django.apps import apps
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from faker import Faker
from tqdm import tqdm

from helhed.devtools.checks import DEFERRED_INDEX_TABLE
from helhed.devtools.fastinsert import FRESH_TABLES, insert_rows

# No tqdm monitor thread: ``in_workers`` forks while the progress bars are shown, and a thread
# holding tqdm's or stderr's lock at the fork would leave that lock held in the worker.
tqdm.monitor_interval = 0

DEMO_NAMESPACE = uuid.UUID("6f1c1a8e-3f0e-4c0b-9d54-5e1e2a7d0c11")
DEMO_PASSWORD = "helhed-demo-2026"

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

_UUID_VERSION_5 = (5 << 76) | (0x8000 << 48)  # the version and RFC 4122 variant bits
_UNKNOWN = uuid.SafeUUID.unknown
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))


def _uuid5(prefix: Any, rest: str) -> uuid.UUID:
    """``uuid.uuid5`` for a name whose start is already hashed in ``prefix`` (a ``hashlib`` SHA-1
    object, used up): the same value, built without ``UUID.__init__``'s checks."""
    prefix.update(rest.encode())
    value = (int.from_bytes(prefix.digest()[:16]) & _UUID_CLEAR) | _UUID_VERSION_5
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", _UNKNOWN)
    return made


@dataclass
class InsertStat:
    label: str
    rows: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class DemoContext:
    seed: int
    citizens: int
    out: TextIO
    progress: bool = True
    # Processes that build the courses demo's chunks after the first (1: all in this one)
    workers: int = 1
    rng: random.Random = field(init=False)
    faker: Faker = field(init=False)
    stats: list[InsertStat] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # Shared between hooks: e.g. core puts the demo organisations here for courses to use.
    shared: dict[str, Any] = field(default_factory=dict)
    _prefix: Any = field(init=False, default=None, repr=False)
    _prefix_seed: int | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.faker = Faker("da_DK")
        self.faker.seed_instance(self.seed)

    def uuid(self, *key: object) -> uuid.UUID:
        """A stable id for a demo row: the same seed and key always give the same UUID,
        ``uuid.uuid5(DEMO_NAMESPACE, "<seed>:<key parts joined by ':'>")``."""
        if not key:
            return uuid.uuid5(DEMO_NAMESPACE, str(self.seed))
        return _uuid5(self._uuid_prefix.copy(), ":".join(map(str, key)))

    @property
    def _uuid_prefix(self) -> Any:
        # SHA-1 of the namespace and "<seed>:", the start of every key: hashed once.
        if self._prefix_seed != self.seed:
            self._prefix = hashlib.sha1(
                DEMO_NAMESPACE.bytes + f"{self.seed}:".encode(), usedforsecurity=False
            )
            self._prefix_seed = self.seed
        return self._prefix

    def add_login(self, username: str, role: str, where: str) -> None:
        self.logins.append((username, role, where))

    def bar(self, iterable: Iterable[Any], total: int, desc: str) -> Iterator[Any]:
        return iter(
            tqdm(
                iterable,
                total=total,
                desc=desc,
                unit=" rækker",
                disable=not self.progress,
                file=self.out,
                leave=False,
            )
        )

    def bulk_insert(
        self,
        model: type[M],
        rows: Iterable[M],
        *,
        label: str | None = None,
        total: int | None = None,
        batch_size: int = 2000,
    ) -> int:
        """Insert rows in batches, skipping rows that already exist (same primary key).

        Returns the number of rows actually inserted and records rows/s for the summary.
        """
        name = label or str(model._meta.verbose_name_plural)
        stat = InsertStat(name)
        before = model._default_manager.count()
        start = time.perf_counter()
        batch: list[M] = []
        iterator: Iterable[M] = rows
        if total is not None and total > batch_size:
            iterator = self.bar(rows, total=total, desc=name)
        for obj in iterator:
            batch.append(obj)
            if len(batch) >= batch_size:
                self._flush(model, batch)
                batch = []
        if batch:
            self._flush(model, batch)
        stat.seconds = time.perf_counter() - start
        stat.rows = model._default_manager.count() - before
        self.stats.append(stat)
        return stat.rows

    @staticmethod
    def _flush(model: type[M], batch: Sequence[M]) -> None:
        with transaction.atomic():
            insert_rows(model, batch)


@dataclass(frozen=True)
class _Shape:
    """What ``Model.__init__`` sets on a new instance of one model, worked out once."""

    constants: dict[str, Any]  # attname → the default every new instance gets (None, "", 0 …)
    computed: tuple[tuple[str, Any], ...]  # (attname, field): default made per instance
    relations: frozenset[str]  # ``course=<Course>`` instead of ``course_id=…``
    attnames: frozenset[str]
    plain: bool  # every field a plain attribute (no descriptor of its own that sets it)


_SHAPES: dict[type[models.Model], _Shape] = {}


def _shape(model: type[models.Model]) -> _Shape:
    from django.db.models import ForeignKey
    from django.db.models.fields import Field
    from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
    from django.db.models.query_utils import DeferredAttribute

    constants: dict[str, Any] = {}
    computed: list[tuple[str, Any]] = []
    relations: set[str] = set()
    for f in model._meta.fields:  # what ``Model.__init__`` walks
        if f.column is None or getattr(f, "generated", False):
            continue
        if f.has_db_default() or (f.has_default() and callable(f.default)):
            computed.append((f.attname, f))
        elif type(f).get_default in (Field.get_default, ForeignKey.get_default):
            # None, "" or the field's own constant: the same object for every instance
            constants[f.attname] = f.get_default()
        else:
            computed.append((f.attname, f))
        if f.is_relation and f.name != f.attname:
            relations.add(f.name)
    attnames = frozenset(constants) | {attname for attname, _f in computed}
    plain = all(
        type(f).descriptor_class in (DeferredAttribute, ForeignKeyDeferredAttribute)
        for f in model._meta.fields
    )
    shape = _Shape(constants, tuple(computed), frozenset(relations), attnames, plain)
    _SHAPES[model] = shape
    return shape


def new_row(model: type[M], /, **values: Any) -> M:
    """``model(**values)`` for the demo's bulk rows: the same instance (field values, defaults
    made per instance, a related object given by name cached as ``Model.__init__`` caches it)
    without ``Model.__init__``'s per-field descriptor calls and ``pre_init``/``post_init``
    signals (no receivers for the demo's models; ``tests/ops/test_demo_build.py`` compares both
    constructors on every table the demo writes). A model with a field that has a descriptor of
    its own (files, images) is made by ``model(**values)``. A keyword that is neither a field's
    name nor its column name is a ``TypeError``, as in ``Model.__init__``."""
    shape = _SHAPES.get(model) or _shape(model)
    if not shape.plain:
        return model(**values)
    obj = model.__new__(model)
    obj._state = models.base.ModelState()
    fields = obj.__dict__
    fields.update(shape.constants)
    for attname, f in shape.computed:
        if attname not in values:
            fields[attname] = f.get_default()
    for name in values.keys() - shape.attnames:
        if name not in shape.relations:
            raise TypeError(f"{model.__name__}() got an unexpected keyword argument '{name}'")
        setattr(obj, name, values.pop(name))  # the relation's descriptor, as in ``__init__``
    fields.update(values)
    return obj


def in_pages(queryset: Any, size: int) -> Iterator[Any]:
    """The rows of a ``values()``/``values_list()`` queryset ordered by ``pk`` (its first
    column), read a page at a time by key (``pk > last``) instead of through one open cursor.

    A builder that commits its chunks while it reads must not keep a read open across those
    commits: on SQLite an open statement pins the write-ahead log, so no checkpoint can restart
    it and the WAL grows with every chunk (to 26 GB in a 300,000-citizen build with
    ``QuerySet.iterator()``); on PostgreSQL a named cursor would have to be held across them."""
    last = None
    while True:
        page = list((queryset if last is None else queryset.filter(pk__gt=last))[:size])
        if not page:
            return
        yield from page
        row = page[-1]
        last = row["pk"] if isinstance(row, dict) else row[0]


# Worker processes (issue 16, third step): the builders that can split their work into
# independent tasks (a seed or a key per task) run them in forked processes while this one writes.
_INHERITED: list[Any] = []  # a forked worker's copies of the parent's connections: never closed


def _forget_inherited_connections() -> None:
    """In a forked worker: set aside the database connections inherited from the parent, so a
    task that queries opens its own. They are kept referenced, never closed or collected: closing
    SQLite's handle here could checkpoint the parent's WAL behind its back (this process holds
    none of its locks), and closing PostgreSQL's would end the parent's session. The worker's own
    connections are closed when it exits."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _INHERITED.append(conn.connection)
        conn.connection = None
    Finalize(None, connections.close_all, exitpriority=10)


def in_workers(
    task: Callable[[int], T],
    numbers: Sequence[int],
    workers: int,
    *,
    what: str,
    abort: Callable[[], None] | None = None,
) -> Iterator[T]:
    """``task(n)`` for each of ``numbers``, in order, computed by ``workers`` forked processes
    at most two tasks per worker ahead of the caller (so memory stays that of a few tasks) — or
    here, one after the other, with one worker, inside a transaction (a test) or where processes
    cannot be forked. ``task`` must be a module-level function (it is sent by name). A task that
    raises, or a worker that dies, fails the build with an error naming ``what``; the pool is
    shut down and its processes joined whatever happens (no process is left behind);
    ``abort`` is called first when the tasks stop early (tasks that wait for each other must
    then stop waiting)."""
    workers = min(workers, len(numbers))
    if workers <= 1 or connection.in_atomic_block or "fork" not in get_all_start_methods():
        yield from map(task, numbers)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("fork"),
        initializer=_forget_inherited_connections,
    )
    done = False
    try:
        queue = iter(numbers)
        pending = deque(pool.submit(task, n) for n in islice(queue, 2 * workers))
        while pending:
            try:
                result = pending.popleft().result()
            except Exception as exc:
                raise CommandError(
                    f"{what}: en arbejdsproces fejlede ({type(exc).__name__}: {exc})"
                ) from exc
            pending.extend(pool.submit(task, n) for n in islice(queue, 1))
            yield result
        done = True
    finally:
        if not done and abort is not None:
            abort()
        pool.shutdown(wait=True, cancel_futures=True)


# On PostgreSQL, into tables a build fills from empty, the workers also write the chunks they
# build — each with a connection of its own, by ``COPY`` — so the parent's one stream of rows
# (and the one server process behind it) no longer bounds a hook; they commit in chunk order
# (``Turns``), so what is committed is always the first chunks, whole, as when the parent
# writes them: a failed build leaves no chunk in part, and a re-run's test (is the last chunk's
# row there?) still holds. SQLite has one writer: there the parent writes every chunk.


class Turns:
    """Whose turn it is to commit: chunk positions 0, 1, 2 … in order, shared by the forked
    workers (made before they are forked).

    Plain shared numbers, polled — no lock and no condition: a worker killed at any moment (the
    out-of-memory killer, SIGKILL) cannot leave a lock held or a ``notify_all`` waiting for a
    wake-up that never comes, so ``fail()`` always returns and the others stop waiting."""

    POLL_SECONDS = 0.01

    def __init__(self) -> None:
        mp = get_context("fork")
        self.turn = mp.RawValue("q", 0)
        self.failed = mp.RawValue("b", 0)

    def wait_for(self, position: int) -> None:
        while self.turn.value != position:
            if self.failed.value:
                raise CommandError(f"stk {position} venter ikke længere: et andet stk fejlede")
            time.sleep(self.POLL_SECONDS)

    def done(self, position: int) -> None:
        self.turn.value = position + 1

    def fail(self) -> None:
        self.failed.value = 1


def workers_write(workers: int, chunks: int, tables: Sequence[type[models.Model]]) -> bool:
    """Whether ``in_workers``' processes write their own chunks: PostgreSQL, two workers or
    more and more than one chunk for them, every table filled from empty (``COPY``, no
    conflicts to skip; ``indexes_built_after``), outside a transaction."""
    return (
        workers > 1
        and chunks > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and "fork" in get_all_start_methods()
        and all(str(model._meta.db_table) in FRESH_TABLES for model in tables)
    )


@contextmanager
def committed_in_turn(turns: Turns, position: int) -> Iterator[None]:
    """In a worker: one transaction on the worker's own connection (with the build's settings)
    that commits when the block ends and the chunk before has committed; a failure stops the
    other workers' waiting."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO off")
                cursor.execute("SET LOCAL statement_timeout = 0")
            yield
            turns.wait_for(position)
        turns.done(position)
    except BaseException:
        turns.fail()
        raise


def demo_hooks() -> list[tuple[str, Callable[[DemoContext], None]]]:
    """``(app label, generate)`` for every installed Helhed app with a demo module
    (``helhed.devtools.demo.<label>``), in ``INSTALLED_APPS`` order."""
    hooks = []
    for config in apps.get_app_configs():
        if not config.name.startswith("helhed."):
            continue
        name = f"helhed.devtools.demo.{config.label}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        hooks.append((config.label, module.generate))
    return hooks


def load_reference_data() -> None:
    """The reference lists the migrations load (organisation types, fagområder, regions and
    municipalities, legal bases), again if a flushed database lacks them — a copy of a test
    database after a transactional test — rather than failing on a foreign key."""
    from django.apps import apps

    from helhed.core.models import OrganisationType
    from helhed.core.services import sync_reference_data
    from helhed.courses.legal_bases import sync_legal_bases
    from helhed.courses.models import LegalBasis

    if not OrganisationType.objects.exists():
        sync_reference_data()
    if not LegalBasis.objects.exists():
        sync_legal_bases(apps)


def data_not_from_the_demo(ctx: DemoContext) -> tuple[int, int] | None:
    """(users, citizens) when the database holds people the demo with ``ctx.seed`` did not
    make — a real installation's, or a demo built with another seed; None when it holds none,
    or when this seed's demo made them (its ``koordinator`` login is there). ``helhed demo``
    refuses the first case unless told otherwise: the demo's logins share one published
    password."""
    from helhed.core.models import User
    from helhed.courses.models import Citizen

    users = User.objects.count()
    citizens = Citizen.objects.count()
    if not users and not citizens:
        return None
    if User.objects.filter(pk=ctx.uuid("user", "koordinator"), username="koordinator").exists():
        return None
    return users, citizens


def run_demo(ctx: DemoContext, only: Sequence[str] = ()) -> None:
    if connection.vendor == "postgresql":
        # The statement timeout (HELHED_DB_STATEMENT_TIMEOUT_MS) is for web requests; a build's
        # bulk statements and the coordination demo's wave over every course may take longer.
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    load_reference_data()
    restore_deferred_indexes()  # a build that was killed while it had some
    with build_connection():
        for label, generate in demo_hooks():
            if only and label not in only:
                continue
            ctx.rng.seed(f"{ctx.seed}:{label}")  # each app's choices independent of the others'
            ctx.faker.seed_instance(f"{ctx.seed}:{label}")
            generate(ctx)


# SQLite: no fsync while the demo builds (a crash mid-build loses the build, never a file that
# was consistent before: the journal stays WAL, so a failed chunk still rolls back) and a page
# cache large enough for the indexes of a 300,000-citizen dataset (1 GiB; the default is 2 MB).
SQLITE_BUILD_PRAGMAS = {"synchronous": "OFF", "cache_size": "-1048576", "temp_store": "MEMORY"}


@contextmanager
def build_connection() -> Iterator[None]:
    """Settings for the demo build on this connection only, restored afterwards (none inside a
    transaction the caller opened): on SQLite
    ``SQLITE_BUILD_PRAGMAS``; on PostgreSQL ``synchronous_commit = off`` (a commit does not wait
    for the WAL flush; a crash can lose the last chunks, never corrupt)."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        # Inside a caller's transaction (a test): SQLite refuses to change the safety level
        # there, and the caller's settings are the caller's.
        yield
        return
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            before = {}
            for name, value in SQLITE_BUILD_PRAGMAS.items():
                cursor.execute(f"PRAGMA {name}")
                before[name] = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA {name} = {value}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for name, value in before.items():
                    cursor.execute(f"PRAGMA {name} = {value}")
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            was = cursor.fetchone()[0]
            cursor.execute("SET synchronous_commit TO off")
        try:
            yield
        finally:
            with connection.cursor() as cursor:  # the session's own value, not the server's
                cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [was])
        return
    yield


# Indexes are built after a fresh table is filled rather than kept up to date row by row: a
# B-tree built once from all keys costs about half the CPU of inserting the same rows into the
# index one at a time (measured on SQLite: 54,507 team members, 0.44 s against 0.80 s), and a
# random UUID key makes every insert touch another page. The definitions dropped are kept in
# this table, in the same transaction as the drop, so a build killed before it rebuilt them is
# repaired by the next ``helhed demo`` (``restore_deferred_indexes`` runs first).


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """``(name, CREATE INDEX …)`` of ``table``'s indexes that enforce nothing (not unique, not a
    key): dropping them cannot let a duplicate in or change what ``ON CONFLICT`` does."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = %s",
                [table],
            )
        found = cursor.fetchall()
    return [(name, sql) for name, sql in found if sql.upper().startswith("CREATE INDEX ")]


def _foreign_keys(table: str) -> list[tuple[str, str]]:
    """PostgreSQL: ``(name, ALTER TABLE … ADD CONSTRAINT …)`` of ``table``'s foreign keys.

    Django makes them ``DEFERRABLE INITIALLY DEFERRED``: every row a chunk copies queues a
    trigger that looks its referenced row up when the chunk commits — at 20,000 citizens about
    a third of the server's CPU in the courses hook. Added again after the fill, each key is
    checked once for the whole table (one anti-join), and a row that references nothing is still
    an error (the build fails then, naming the constraint)."""
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = %s::regclass ORDER BY conname",
            [quote(table)],
        )
        found = cursor.fetchall()
    return [
        (name, f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        for name, definition in found
    ]


@contextmanager
def indexes_built_after(tables: Sequence[type[models.Model]]) -> Iterator[None]:
    """Drop the secondary indexes of those of ``tables`` that are empty — on PostgreSQL also
    their foreign keys (``_foreign_keys``) — and build them again when the block ends (also
    after an error); meanwhile ``insert_rows`` writes to them with ``COPY`` on PostgreSQL
    (``fastinsert.FRESH_TABLES``: the caller's rows must have unique keys), and they are
    analysed at the end. Only on SQLite and PostgreSQL, outside a transaction; the caller must
    not query the tables by the dropped indexes meanwhile (their keys, unique fields and ``ON
    CONFLICT`` stay indexed), nor delete rows the new rows reference."""
    if connection.vendor not in ("sqlite", "postgresql") or connection.in_atomic_block:
        yield
        return
    quote = connection.ops.quote_name
    fresh = [str(m._meta.db_table) for m in tables if not m._default_manager.exists()]
    dropped = [index for table in fresh for index in _secondary_indexes(table)]
    keys = [(table, key) for table in fresh for key in _foreign_keys(table)]
    dropped += [key for _table, key in keys]
    if dropped:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {DEFERRED_INDEX_TABLE} "
                "(name varchar(200) PRIMARY KEY, definition text NOT NULL)"
            )
            for name, definition in dropped:
                cursor.execute(
                    f"INSERT INTO {DEFERRED_INDEX_TABLE} (name, definition) VALUES (%s, %s)",
                    [name, definition],
                )
                if definition.upper().startswith("CREATE INDEX "):
                    cursor.execute(f"DROP INDEX {quote(name)}")
            for table, (name, _definition) in keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    FRESH_TABLES.update(fresh)
    try:
        yield
    finally:
        FRESH_TABLES.difference_update(fresh)
        restore_deferred_indexes()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in fresh:  # the planner's statistics for the new rows
                    cursor.execute(f"ANALYZE {quote(table)}")


def restore_deferred_indexes() -> None:
    """Build the indexes and add the foreign keys ``indexes_built_after`` dropped, if any are
    still missing (indexes first; a foreign key that rows violate fails here, and stays in the
    repair table)."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    if DEFERRED_INDEX_TABLE not in connection.introspection.table_names():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT name, definition FROM {DEFERRED_INDEX_TABLE} ORDER BY name")
        found = cursor.fetchall()
        indexes = [d for _n, d in found if d.upper().startswith("CREATE INDEX ")]
        keys = [(n, d) for n, d in found if not d.upper().startswith("CREATE INDEX ")]
        for definition in indexes:
            prefix = "CREATE INDEX "
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {definition[len(prefix) :]}")
        for name, definition in keys:
            cursor.execute(
                "SELECT 1 FROM pg_constraint WHERE conname = %s AND connamespace = "
                "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
                [name],
            )
            if cursor.fetchone() is None:
                cursor.execute(definition)
        cursor.execute(f"DROP TABLE {DEFERRED_INDEX_TABLE}")
