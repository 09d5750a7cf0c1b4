"""The demo-data framework: one ``helhed demo`` command, one small hook per app.

Each installed Helhed app may have a ``demo`` module with ``generate(ctx: DemoContext) -> None``.
The command calls them in ``INSTALLED_APPS`` order (core first, so later apps find organisations,
units and staff). Everything is deterministic for a seed: random choices come from ``ctx.rng`` and
``ctx.faker`` (da_DK), and every row gets a UUID derived from the seed and a stable key, so a second
run inserts nothing new (idempotent) and ``--citizens 300000`` is a matter of bulk inserts.
"""

from __future__ import annotations

import importlib
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

from django.apps import apps
from django.db import connection, models, transaction
from faker import Faker
from tqdm import tqdm

from helhed.devtools.fastinsert import insert_rows

DEMO_NAMESPACE = uuid.UUID("6f1c1a8e-3f0e-4c0b-9d54-5e1e2a7d0c11")
DEMO_PASSWORD = "helhed-demo-2026"

M = TypeVar("M", bound=models.Model)


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
    rng: random.Random = field(init=False)
    faker: Faker = field(init=False)
    stats: list[InsertStat] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # Shared between hooks: e.g. core puts the demo organisations here for courses to use.
    shared: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.faker = Faker("da_DK")
        self.faker.seed_instance(self.seed)

    def uuid(self, *key: object) -> uuid.UUID:
        """A stable id for a demo row: the same seed and key always give the same UUID."""
        return uuid.uuid5(DEMO_NAMESPACE, ":".join([str(self.seed), *map(str, key)]))

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


def run_demo(ctx: DemoContext, only: Sequence[str] = ()) -> None:
    if connection.vendor == "postgresql":
        # The statement timeout (HELHED_DB_STATEMENT_TIMEOUT_MS) is for web requests; a build's
        # bulk statements and the coordination demo's wave over every course may take longer.
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    load_reference_data()
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
            cursor.execute("SET synchronous_commit TO off")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        return
    yield
