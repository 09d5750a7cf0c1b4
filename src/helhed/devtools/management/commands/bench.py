"""``helhed bench``: the course pages' performance on a large synthetic dataset.

By default the benchmark runs against its own SQLite file (``var/bench/helhed-bench.sqlite3``): the
command starts itself again with ``DATABASE_URL`` pointing there and ``--in-place``. With
``--in-place`` it uses the configured database as it is — that is how ``make bench`` runs it inside
``scripts/pgtmp.py``'s throwaway PostgreSQL cluster, and how the test suite runs it on the test
database. Never point ``--in-place`` at a database with real data: it adds demo data.

Steps: migrate if needed; build the dataset with ``helhed demo --citizens K`` unless the expected
courses are already there; then, through Django's test client logged in as the ``koordinator`` demo
login, request the course page of the coordinator's largest plan (plan, team, demands, next
appointments) and the coordinator's caseload, N times each after a warm-up, and print the median and
95th percentile of the server time and the number of SQL queries per page. Nothing is asserted; the
last lines are machine-readable::

    BENCH course-overview backend=sqlite p50_ms=12.3 p95_ms=15.0 queries=14
    BENCH caseload backend=sqlite p50_ms=20.1 p95_ms=24.9 queries=9

Then, the coordination app's results page (issue 13) on its own dataset — a wave with
``--coordination-respondents`` respondents in ``--coordination-workgroups`` workgroups,
built by ``helhed.devtools.bench.coordination`` — requested as that dataset's leader, with the
time it takes to compute and store a wave's results from its answers (as closing does) and the
structural-network and timeliness pages::

    BENCH coordination backend=sqlite p50_ms=40.0 p95_ms=50.0 queries=9
    BENCH coordination-uncached backend=sqlite p50_ms=80.0 p95_ms=95.0 queries=9
    BENCH coordination-close backend=sqlite p50_ms=300.0 p95_ms=320.0
    BENCH coordination-network backend=sqlite p50_ms=90.0 p95_ms=110.0 queries=12
    BENCH coordination-flow backend=sqlite p50_ms=200.0 p95_ms=220.0 queries=20

After them, the dashboard and economics lines::

    BENCH dashboard backend=sqlite p50_ms=300.0 p95_ms=350.0 queries=9
    BENCH dashboard-raw-sql backend=sqlite p50_ms=240.0 p95_ms=260.0
    BENCH economics backend=sqlite p50_ms=150.0 p95_ms=180.0 queries=12
    BENCH economics-raw-sql backend=sqlite p50_ms=120.0 p95_ms=130.0

The dashboard lines are the progress app's initiative dashboard (issue 6) on its own dataset — one
initiative with ``--dashboard-courses`` courses and ``--dashboard-measurements`` measurements,
built by ``helhed.devtools.bench.progress`` and reused like the main dataset — requested as the
dataset's leader, and the same figures as hand-written aggregate SQL, timed in the same run. The
economics lines (issue 12) do the same for an initiative's economics page on its own dataset of
``--economics-courses`` courses with costs (``helhed.devtools.bench.economics``).
``--only economics`` measures just that page (no 300,000-citizen dataset).

Before the economics lines, the course import (issue 17): the import job on a synthetic extract
of ``--import-rows`` rows (``helhed.devtools.bench.imports``), in a transaction rolled back
afterwards; ``--only import`` runs just that::

    BENCH import-100k backend=sqlite seconds=24.1 rows=100000
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from helhed.core.models import User
from helhed.devtools.bench.timing import Timings, bench_line, percentile, time_calls
from helhed.devtools.demokit import DemoContext

__all__ = ["Command", "percentile"]

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


class Command(BaseCommand):
    help = (
        "Mål forløbssiden og sagsoversigten på et stort syntetisk datasæt (median, p95, "
        "antal SQL-forespørgsler)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--citizens", type=int, default=300_000, help="Borgere i datasættet (standard 300000)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed for demodata (standard 1).")
        parser.add_argument(
            "--requests", type=int, default=50, help="Målte forespørgsler pr. side (standard 50)."
        )
        parser.add_argument(
            "--warmup", type=int, default=5, help="Forespørgsler før målingen (standard 5)."
        )
        parser.add_argument(
            "--dashboard-courses",
            type=int,
            default=20_000,
            help="Forløb i indsatsen til resultat-dashboardet (standard 20000).",
        )
        parser.add_argument(
            "--dashboard-measurements",
            type=int,
            default=1_000_000,
            help="Målinger i indsatsen til resultat-dashboardet (standard 1000000).",
        )
        parser.add_argument(
            "--dashboard-requests",
            type=int,
            default=10,
            help="Målte visninger af resultat-dashboardet (standard 10).",
        )
        parser.add_argument(
            "--coordination-respondents",
            type=int,
            default=2000,
            help="Svarpersoner i samarbejdsmålingen (standard 2000).",
        )
        parser.add_argument(
            "--coordination-workgroups",
            type=int,
            default=12,
            help="Faggrupper i samarbejdsmålingen (standard 12).",
        )
        parser.add_argument(
            "--coordination-requests",
            type=int,
            default=30,
            help="Målte visninger af samarbejdsresultaterne (standard 30).",
        )
        parser.add_argument(
            "--economics-courses",
            type=int,
            default=20_000,
            help="Forløb med udgifter i indsatsen til økonomisiden (standard 20000).",
        )
        parser.add_argument(
            "--economics-requests",
            type=int,
            default=10,
            help="Målte visninger af økonomisiden (standard 10).",
        )
        parser.add_argument(
            "--only",
            choices=["", "economics", "pages", "import"],
            default="",
            help="Mål kun én del (economics: kun indsatsens økonomiside, uden det store datasæt; "
            "pages: kun forløbssiden og sagsoversigten på det store datasæt; "
            "import: kun importen af en fil på --import-rows rækker).",
        )
        parser.add_argument(
            "--import-rows",
            type=int,
            default=100_000,
            help="Rækker i importbenchmarkens syntetiske fil (standard 100000).",
        )
        parser.add_argument(
            "--database",
            default="",
            help="SQLite-fil til datasættet (standard var/bench/helhed-bench.sqlite3).",
        )
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="Brug den konfigurerede database (fx pgtmp's PostgreSQL). "
            "Tilføjer demodata — aldrig på en database med rigtige data.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["citizens"] < 1 or options["requests"] < 1 or options["warmup"] < 0:
            raise CommandError("--citizens og --requests skal være mindst 1, --warmup mindst 0.")
        if (
            options["dashboard_courses"] < 1
            or options["dashboard_measurements"] < options["dashboard_courses"]
            or options["dashboard_requests"] < 1
        ):
            raise CommandError(
                "--dashboard-courses og --dashboard-requests skal være mindst 1, "
                "--dashboard-measurements mindst lig med --dashboard-courses."
            )
        if (
            options["coordination_respondents"] < 1
            or options["coordination_workgroups"] < 2
            or options["coordination_requests"] < 1
        ):
            raise CommandError(
                "--coordination-respondents og --coordination-requests skal være mindst 1, "
                "--coordination-workgroups mindst 2."
            )
        if options["economics_courses"] < 1 or options["economics_requests"] < 1:
            raise CommandError("--economics-courses og --economics-requests skal være mindst 1.")
        if not options["in_place"]:
            self._run_on_sqlite_file(options)
            return
        if options["only"] == "import":
            self._migrate()
            lines = self._bench_import(options, connection.vendor)
            self.stdout.write("")
            for line in lines:
                self.stdout.write(line)
            return
        if options["only"] == "economics":
            self._migrate()
            with override_settings(
                DEBUG=False, ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]
            ):
                client = Client(raise_request_exception=False)
                lines = self._bench_economics(client, options, connection.vendor)
            self.stdout.write("")
            for line in lines:
                self.stdout.write(line)
            return
        self._bench(options)

    # -- default: a separate SQLite file, in a child process -----------------------------------

    def _run_on_sqlite_file(self, options: dict[str, Any]) -> None:
        path = Path(
            options["database"] or Path(settings.VAR_DIR) / "bench" / "helhed-bench.sqlite3"
        ).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Benchmark-database: {path}")
        self.stdout.flush()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
        command = [
            sys.executable,
            "-m",
            "helhed",
            "bench",
            "--in-place",
            "--citizens",
            str(options["citizens"]),
            "--seed",
            str(options["seed"]),
            "--requests",
            str(options["requests"]),
            "--warmup",
            str(options["warmup"]),
            "--dashboard-courses",
            str(options["dashboard_courses"]),
            "--dashboard-measurements",
            str(options["dashboard_measurements"]),
            "--dashboard-requests",
            str(options["dashboard_requests"]),
            "--coordination-respondents",
            str(options["coordination_respondents"]),
            "--coordination-workgroups",
            str(options["coordination_workgroups"]),
            "--coordination-requests",
            str(options["coordination_requests"]),
            "--economics-courses",
            str(options["economics_courses"]),
            "--economics-requests",
            str(options["economics_requests"]),
            "--only",
            options["only"],
            "--import-rows",
            str(options["import_rows"]),
        ]
        result = subprocess.run(command, env=env, check=False)
        if result.returncode != 0:
            raise CommandError(f"Benchmark fejlede (exit {result.returncode}).")

    # -- in place -------------------------------------------------------------------------------

    def _bench(self, options: dict[str, Any]) -> None:
        from helhed.courses.models import Course
        from helhed.devtools.demo.courses import expected_courses

        backend = connection.vendor
        citizens, seed = options["citizens"], options["seed"]
        self._migrate()
        expected = expected_courses(seed, citizens)
        last_course = DemoContext(seed=seed, citizens=citizens, out=StringIO()).uuid(
            "course", expected - 1
        )
        if Course.objects.filter(pk=last_course).exists():
            self.stdout.write(
                f"Genbruger datasættet: {Course.objects.count()} forløb "
                f"(forventet {expected} for --citizens {citizens})."
            )
        else:
            self.stdout.write(f"Bygger datasættet: helhed demo --seed {seed} --citizens {citizens}")
            self.stdout.flush()
            start = time.perf_counter()
            call_command(
                "demo",
                seed=seed,
                citizens=citizens,
                stdout=self.stdout,
                no_progress=not sys.stderr.isatty(),
            )
            self.stdout.write(f"Datasættet bygget på {time.perf_counter() - start:.0f} s.")
            if backend == "postgresql":
                # A freshly bulk-loaded table has no planner statistics until autovacuum gets to
                # it; a running system has them. Measure the running system.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")

        user = User.objects.filter(username="koordinator").first()
        if user is None:
            raise CommandError("Demo-login »koordinator« findes ikke; kør helhed demo først.")
        courses = (
            Course.objects.filter(coordinator=user)
            .exclude(status="afsluttet")
            .annotate(
                n_goals=Count("plan__goals", distinct=True),
                n_measures=Count("plan__measures", distinct=True),
                n_demands=Count("plan__demands", distinct=True),
                n_appointments=Count("plan__appointments", distinct=True),
            )
        )
        sized = sorted(
            courses,
            key=lambda c: (c.n_goals + c.n_measures + c.n_demands + c.n_appointments, str(c.pk)),
        )
        if not sized:
            raise CommandError("Koordinatoren har ingen åbne forløb i datasættet.")
        large = sized[-1]
        # Django skips a prefetch when there is nothing to prefetch for, so the comparison is with
        # the smallest plan that has at least one of everything (and the same page sections).
        small = next(
            (
                c
                for c in sized
                if min(c.n_goals, c.n_measures, c.n_demands, c.n_appointments) > 0
                and (c.household_id is None) == (large.household_id is None)
            ),
            sized[0],
        )
        self.stdout.write(
            f"\nBackend: {backend}. Datasæt: {Course.objects.count()} forløb. "
            f"Koordinatoren »{user.username}« har {len(sized)} åbne forløb."
        )

        def describe(c: Any) -> str:
            return (
                f"{c.n_goals} mål, {c.n_measures} indsatser, {c.n_demands} krav, "
                f"{c.n_appointments} aftaler"
            )

        with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
            client = Client(raise_request_exception=False)
            client.force_login(user)
            pages: list[tuple[str, str, Callable[[], object]]] = [
                (
                    "course-overview",
                    reverse("courses:course_detail", args=[large.pk]),
                    lambda: _overview(user, large.pk),
                ),
                ("caseload", reverse("courses:course_list"), lambda: _caseload(user)),
            ]
            lines = []
            for page, url, fallback in pages:
                measured = self._measure(client, url, fallback, options)
                label, timings, queries = measured
                p50, p95 = statistics.median(timings), percentile(timings, 95)
                detail = f" ({describe(large)})" if page == "course-overview" else ""
                self.stdout.write(
                    f"{page}{detail} via {label}: median {p50:.1f} ms, p95 {p95:.1f} ms, "
                    f"{queries} SQL-forespørgsler ({len(timings)} målinger)"
                )
                if page == "course-overview":
                    small_url = reverse("courses:course_detail", args=[small.pk])
                    small_q = self._count(
                        client, small_url, lambda: _overview(user, small.pk), label
                    )
                    cold_small_q = self._count(
                        client, small_url, lambda: _overview(user, small.pk), label, cold=True
                    )
                    _l, cold_t, cold_q = self._measure(client, url, fallback, options, cold=True)
                    self.stdout.write(
                        f"  uden cache (planen ændret siden sidste visning): median "
                        f"{statistics.median(cold_t):.1f} ms, p95 {percentile(cold_t, 95):.1f} ms, "
                        f"{cold_q} SQL-forespørgsler"
                    )
                    self.stdout.write(
                        f"  forespørgsler, lille plan ({describe(small)}): {small_q}, uden cache "
                        f"{cold_small_q}; stor plan ({describe(large)}): {queries}, uden cache "
                        f"{cold_q}"
                    )
                    _l, small_t, _q = self._measure(
                        client, small_url, lambda: _overview(user, small.pk), options
                    )
                    self.stdout.write(
                        f"  til sammenligning, lille plan: median "
                        f"{statistics.median(small_t):.1f} ms, p95 {percentile(small_t, 95):.1f} ms"
                    )
                    cold_line = (
                        f"BENCH course-overview-uncached backend={backend} "
                        f"p50_ms={statistics.median(cold_t):.1f} "
                        f"p95_ms={percentile(cold_t, 95):.1f} queries={cold_q}"
                    )
                suffix = "" if label == "siden" else " via=selector"
                lines.append(
                    f"BENCH {page} backend={backend} p50_ms={p50:.1f} p95_ms={p95:.1f} "
                    f"queries={queries}{suffix}"
                )
                if page == "course-overview":
                    lines.append(cold_line + suffix)
            if options["only"] != "pages":
                lines += self._bench_coordination(client, options, backend)
                lines += self._bench_dashboard(client, options, backend)
                lines += self._bench_import(options, backend)
                lines += self._bench_economics(client, options, backend)
        self.stdout.write("")
        for line in lines:
            self.stdout.write(line)

    # -- the course import (issue 17) ------------------------------------------------------------

    def _bench_import(self, options: dict[str, Any], backend: str) -> list[str]:
        """The import job on a synthetic extract (``devtools.bench.imports``), rolled back."""
        from helhed.devtools.bench.imports import bench_import

        if options["import_rows"] < 1:
            raise CommandError("--import-rows skal være mindst 1.")
        return [bench_import(options["import_rows"], backend, self.stdout)]

    # -- the progress app's initiative dashboard (issue 6) ---------------------------------------

    def _bench_dashboard(self, client: Client, options: dict[str, Any], backend: str) -> list[str]:
        """The initiative dashboard on its own dataset (one initiative, N courses, M measurements;
        built once, reused), through the test client as the dataset's leader, and the same
        figures as hand-written aggregate SQL in the same run."""
        from helhed.devtools.bench import progress as benchdata
        from helhed.progress.selectors import dashboard_organisations

        courses, measurements = options["dashboard_courses"], options["dashboard_measurements"]
        self.stdout.write(
            f"\nResultat-dashboard: én indsats med {courses} forløb og {measurements} målinger."
        )
        self.stdout.flush()
        start = time.perf_counter()
        initiative, built = benchdata.ensure_dataset(
            options["seed"], courses, measurements, self.stdout.write
        )
        if not built:
            self.stdout.write("Genbruger dashboard-datasættet.")
        else:
            self.stdout.write(
                f"Dashboard-datasættet bygget på {time.perf_counter() - start:.0f} s."
            )
        leader = User.objects.get(username=benchdata.leader_username())
        client.force_login(leader)
        statements, from_measurements = benchdata.raw_sql(
            sorted(dashboard_organisations(leader), key=str), initiative
        )
        lines = self._page_and_raw_sql(
            client,
            options,
            backend,
            name="dashboard",
            what="dashboard",
            raw_what="rå aggregat-SQL for de samme tal",
            url=reverse("progress:dashboard", args=[initiative]),
            fallback=lambda: _dashboard(leader, initiative),
            statements=statements,
            run=benchdata.run_raw,
            n=options["dashboard_requests"],
        )
        direct = self._time_raw(
            from_measurements, max(1, min(options["dashboard_requests"], 3)), benchdata.run_raw
        )
        self.stdout.write(
            "til sammenligning: resultattallene beregnet direkte fra målingerne (korrelerede "
            "underforespørgsler, uden forløbsoversigten): "
            f"median {direct.p50:.1f} ms"
        )
        return lines

    # -- the coordination app's results (issue 13) ----------------------------------------------

    def _bench_coordination(
        self, client: Client, options: dict[str, Any], backend: str
    ) -> list[str]:
        """A closed wave's results page on its own dataset (N respondents in W workgroups, two
        waves, built once and reused), through the test client as the dataset's leader; the
        computation of a wave's results from its answers (what closing does); and the
        structural-network and timeliness pages of the same wave."""
        from helhed.coordination import services
        from helhed.coordination.models import Wave
        from helhed.devtools.bench import coordination as benchdata

        respondents = options["coordination_respondents"]
        groups = options["coordination_workgroups"]
        self.stdout.write(
            f"\nSamarbejdsmåling: {respondents} svarpersoner i {groups} faggrupper, to målinger."
        )
        self.stdout.flush()
        start = time.perf_counter()
        wave_id, built = benchdata.ensure_dataset(
            options["seed"], respondents, groups, self.stdout.write
        )
        if built:
            self.stdout.write(
                f"Samarbejds-datasættet bygget på {time.perf_counter() - start:.0f} s."
            )
        else:
            self.stdout.write("Genbruger samarbejds-datasættet.")
        leader = User.objects.get(username=benchdata.leader_username())
        client.force_login(leader)
        n = options["coordination_requests"]
        warm = {**options, "requests": n, "warmup": min(options["warmup"], 3)}
        url = reverse("coordination:results", args=[wave_id])
        label, timings, queries = self._measure(
            client, url, lambda: _coordination(leader, wave_id), warm
        )
        warm_t = Timings(timings)
        # the first view of each result (the rendered matrix is cached per stored result)
        _l, cold_ms, cold_q = self._measure(
            client, url, lambda: _coordination(leader, wave_id), warm, cold=True
        )
        cold_t = Timings(cold_ms)
        wave = Wave.objects.get(pk=wave_id)
        close = time_calls(lambda: services.store_results(wave), n=max(3, min(n, 10)))
        few = {**options, "requests": max(3, min(n, 5)), "warmup": 1}
        extra = []
        for page, name in (("coordination-network", "structure"), ("coordination-flow", "flow")):
            page_url = reverse(f"coordination:{name}", args=[wave_id])
            _l, t, q = self._measure(client, page_url, lambda: None, few)
            extra.append(bench_line(page, backend, Timings(t), queries=q))
        self.stdout.write(
            f"samarbejdsresultater via {label}: median {warm_t.p50:.1f} ms, "
            f"p95 {warm_t.p95:.1f} ms, {queries} SQL-forespørgsler ({len(timings)} målinger)\n"
            f"  første visning (uden cache): median {cold_t.p50:.1f} ms, "
            f"p95 {cold_t.p95:.1f} ms, {cold_q} SQL-forespørgsler\n"
            f"resultaterne beregnet fra svarene (som ved lukning): median {close.p50:.1f} ms, "
            f"p95 {close.p95:.1f} ms"
        )
        via = "" if label == "siden" else "selector"
        return [
            bench_line("coordination", backend, warm_t, queries=queries, via=via),
            bench_line("coordination-uncached", backend, cold_t, queries=cold_q, via=via),
            bench_line("coordination-close", backend, close),
            *extra,
        ]

    def _migrate(self) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Migrerer databasen …")
            call_command("migrate", interactive=False, verbosity=0)

    # -- the economics app's initiative page (issue 12) ------------------------------------------

    def _bench_economics(self, client: Client, options: dict[str, Any], backend: str) -> list[str]:
        """An initiative's economics page (costs per budget area, payer, year and month) on its
        own dataset of N courses with costs, through the test client as the dataset's leader, and
        the same sums as hand-written SQL in the same run."""
        from helhed.devtools.bench import economics as benchdata
        from helhed.economics.access import economics_organisations
        from helhed.economics.selectors import initiative_economics

        courses = options["economics_courses"]
        self.stdout.write(f"\nØkonomisiden: én indsats med {courses} forløb med udgifter.")
        self.stdout.flush()
        start = time.perf_counter()
        initiative, built = benchdata.ensure_dataset(options["seed"], courses, self.stdout.write)
        if built:
            self.stdout.write(f"Økonomi-datasættet bygget på {time.perf_counter() - start:.0f} s.")
        else:
            self.stdout.write("Genbruger økonomi-datasættet.")
        leader = User.objects.get(username=benchdata.leader_username())
        client.force_login(leader)
        return self._page_and_raw_sql(
            client,
            options,
            backend,
            name="economics",
            what="økonomi",
            raw_what="rå SQL for de samme summer",
            url=reverse("economics:initiative", args=[initiative]),
            fallback=lambda: initiative_economics(leader, initiative),
            statements=benchdata.raw_sql(
                sorted(economics_organisations(leader), key=str), initiative
            ),
            run=benchdata.run_raw,
            n=options["economics_requests"],
        )

    def _page_and_raw_sql(
        self,
        client: Client,
        options: dict[str, Any],
        backend: str,
        *,
        name: str,
        what: str,
        raw_what: str,
        url: str,
        fallback: Callable[[], object],
        statements: list[Any],
        run: Callable[[list[Any]], object],
        n: int,
    ) -> list[str]:
        """A page (or its selector) against the same figures in hand-written SQL, ``n`` times
        each in the same run: the ``BENCH <name>`` and ``BENCH <name>-raw-sql`` lines."""
        warm = {**options, "requests": n, "warmup": min(options["warmup"], 2)}
        label, timings, queries = self._measure(client, url, fallback, warm)
        page = Timings(timings)
        raw = self._time_raw(statements, n, run)
        ratio = page.p50 / raw.p50 if raw.p50 else float("inf")
        self.stdout.write(
            f"{what} via {label}: median {page.p50:.1f} ms, p95 {page.p95:.1f} ms, {queries} "
            f"SQL-forespørgsler ({len(timings)} målinger)\n"
            f"{raw_what}: median {raw.p50:.1f} ms, p95 {raw.p95:.1f} ms "
            f"({len(statements)} sætninger)\n"
            f"forhold side/rå SQL (median): {ratio:.2f}"
        )
        via = "" if label == "siden" else "selector"
        return [
            bench_line(name, backend, page, queries=queries, via=via),
            bench_line(f"{name}-raw-sql", backend, raw),
        ]

    @staticmethod
    def _time_raw(statements: list[Any], n: int, run: Callable[[list[Any]], object]) -> Timings:
        return time_calls(lambda: run(statements), n=n, warmup=1)

    def _measure(
        self,
        client: Client,
        url: str,
        fallback: Callable[[], object],
        options: dict[str, Any],
        *,
        cold: bool = False,
    ) -> tuple[str, list[float], int]:
        """Time the page; if the page is not ready (not 200), time its selector instead. With
        ``cold``, the cache is emptied before every request (as when the plan has just changed:
        the course page renders the plan again)."""
        response = client.get(url)
        if response.status_code == 200:

            def call() -> object:
                return client.get(url)

            label = "siden"
        else:
            self.stdout.write(
                f"  {url} svarede {response.status_code}: måler selectoren direkte i stedet."
            )
            call, label = fallback, "selector"
        timings = time_calls(
            call,
            n=options["requests"],
            warmup=options["warmup"],
            before_each=cache.clear if cold else None,
        )
        return label, timings.ms, self._count(client, url, fallback, label, cold=cold)

    @staticmethod
    def _count(
        client: Client,
        url: str,
        fallback: Callable[[], object],
        label: str,
        *,
        cold: bool = False,
    ) -> int:
        """SQL statements that read or write data. Transaction control (SQLite's ``BEGIN
        IMMEDIATE``/``COMMIT``, savepoints) is not counted, so both backends count alike; nor are
        the cache's own statements when the cache is the database (issue 16's default): a page
        reads the same data whichever cache backend holds its rendered parts."""
        if cold:
            cache.clear()
        elif label == "siden":
            client.get(url)  # the page as it is usually served: from a filled cache
        with CaptureQueriesContext(connection) as captured:
            if label == "siden":
                client.get(url)
            else:
                fallback()
        cache_table = _database_cache_table()
        return sum(
            1
            for q in captured.captured_queries
            if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
            and not (cache_table and cache_table in q["sql"])
        )


def _database_cache_table() -> str:
    """The default cache's table when it is Django's DatabaseCache, else ``""``."""
    from django.conf import settings

    default = settings.CACHES.get("default", {})
    if default.get("BACKEND") == "django.core.cache.backends.db.DatabaseCache":
        return str(default.get("LOCATION", ""))
    return ""


def _overview(user: User, course_id: object) -> object:
    from helhed.courses import selectors

    return selectors.course_overview(user, str(course_id))


def _dashboard(user: User, initiative: object) -> object:
    from helhed.progress import selectors

    return selectors.dashboard(user, str(initiative))


def _coordination(user: User, wave_id: object) -> object:
    from helhed.coordination import selectors

    return selectors.results(user, str(wave_id))


def _caseload(user: User) -> object:
    from helhed.courses import selectors

    return selectors.caseload(user)
