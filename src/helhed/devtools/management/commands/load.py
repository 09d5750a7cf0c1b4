"""``helhed load``: a bounded load test of the production server (issue 16, `make load`).

By default on its own SQLite file (``var/load/helhed-load.sqlite3``: the command starts itself
again with ``DATABASE_URL`` pointing there and ``--in-place``, like ``helhed bench``); with
``--in-place`` on the configured database — how `make load` runs it inside ``scripts/pgtmp.py``'s
throwaway PostgreSQL cluster. ``--in-place`` adds demo data and the load test's edits: never use
it on a database with real data.

Steps: migrate; build the demo (``helhed demo --seed 1 --citizens K``) unless it is there;
choose the logins (coordinators with courses, team members on courses, leaders); collect the
static files; start the production server (gunicorn, its default workers, DEBUG off) on a free
loopback port; run locust headless in its own process (``scripts/load/locustfile.py``: the mix
is described there) for ``LOAD_USERS`` users (16) and ``LOAD_SECONDS`` seconds (120) without
think time; stop the server; print locust's summary and, from its aggregated statistics, one line::

    BENCH load backend=sqlite rps=83.0 p50_ms=150 p95_ms=300 p99_ms=360 errors=0
"""

from __future__ import annotations

import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count, Q

import helhed
from helhed.core.models import Membership, User
from helhed.courses.models import Course, CourseStatus, TeamMember
from helhed.devtools.demokit import DEMO_PASSWORD, DemoContext
from helhed.ops.serve import cores, default_workers

LOCUSTFILE = Path(settings.PROJECT_DIR) / "scripts" / "load" / "locustfile.py"
# The share of the users per role: the coordinators edit, the others read.
ROLE_SHARE = (("koordinator", 0.5), ("fagperson", 0.375), ("leder", 0.125))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(base_url: str) -> dict[str, str]:
    """The production settings for the server under test: DEBUG off, a fresh secret key, the
    access log's key the demo was chained with, plain HTTP on loopback (no TLS proxy in front)
    and no second factor (the load users log in with a password only)."""
    src = str(Path(helhed.__file__).resolve().parent.parent)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p),
        "DEBUG": "false",
        "HTTPS": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HELHED_BASE_URL": base_url,
        "HELHED_AUDIT_KEY": settings.HELHED_AUDIT_KEY,
        "HELHED_REQUIRE_SECOND_FACTOR": "false",
        # No mail server in the test: notifications are made, their e-mails dropped.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }


def start_server(
    port: int, env: dict[str, str], *, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    """The production server as an operator starts it: ``helhed serve`` (gunicorn, pre-forked
    workers; docs/operations.md), configured by the environment; more than one thread per
    worker makes them gthread workers."""
    server_env = {
        **env,
        "HELHED_BIND": f"127.0.0.1:{port}",
        "HELHED_WORKERS": str(workers),
        "HELHED_THREADS": str(threads),
        "HELHED_TIMEOUT": "60",
        "HELHED_GRACEFUL_TIMEOUT": "10",
    }
    command = [sys.executable, "-m", "helhed", "serve"]
    return subprocess.Popen(command, env=server_env, start_new_session=True)


def wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"Serveren stoppede (exit {server.returncode}).")
        try:
            with urllib.request.urlopen(f"{url}/log-ind/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise CommandError(f"Serveren svarede ikke inden for {timeout:.0f} s.")


def _exit_on_term(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds used by a process and all its descendants, the exited ones included (their
    time is added to the parent that reaped them: ``cutime``/``cstime``). Linux only; 0 when
    the process is not visible."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(x) for x in fields[11:15]) / TICKS  # utime, stime, cutime, cstime
    return own + sum(tree_cpu(child) for child in _children(pid))


def database_server_pid() -> int | None:
    """PostgreSQL's postmaster when it runs on this machine (the parent of this connection's
    backend), so its CPU time can be counted too; None on SQLite (in the workers' own time)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def aggregated(stats_csv: Path) -> dict[str, str]:
    with stats_csv.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                return row
    raise CommandError(f"Ingen samlet række i {stats_csv}.")


def bench_line(backend: str, row: dict[str, str]) -> str:
    return (
        f"BENCH load backend={backend} rps={float(row['Requests/s']):.1f} "
        f"p50_ms={row['50%']} p95_ms={row['95%']} p99_ms={row['99%']} "
        f"errors={row['Failure Count']}"
    )


def choose_logins(users: int) -> list[tuple[str, str]]:
    """Distinct demo staff for the users, by role: coordinators with the most open courses,
    team members on the most courses (the fixed logins first), leaders."""
    open_statuses = [s for s in CourseStatus.values if s != "afsluttet"]
    coordinators = list(
        User.objects.annotate(
            n=Count("coordinated_courses", filter=Q(coordinated_courses__status__in=open_statuses))
        )
        .filter(n__gt=0)
        .order_by("-n", "username")
        .values_list("username", flat=True)
    )
    coordinators.sort(key=lambda name: name != "koordinator")
    members = list(
        TeamMember.objects.filter(user__isnull=False, valid_to__isnull=True)
        .values("user__username")
        .annotate(n=Count("id"))
        .order_by("-n", "user__username")
        .values_list("user__username", flat=True)
    )
    fixed = ("fagperson", "psykiatri", "kriminalforsorg", "rusbehandler")
    members.sort(key=lambda name: name not in fixed)
    members = [m for m in members if m not in coordinators]
    leaders = list(
        Membership.objects.filter(role="leder")
        .order_by("user__username")
        .values_list("user__username", flat=True)
        .distinct()
    )
    leaders.sort(key=lambda name: name != "leder")
    pools = {"koordinator": coordinators, "fagperson": members, "leder": leaders}
    chosen: list[tuple[str, str]] = []
    for role, share in ROLE_SHARE:
        want = max(1, round(users * share))
        chosen += [(name, role) for name in pools[role][:want]]
    return chosen


@dataclass(frozen=True)
class Steady:
    """CPU seconds used in the steady part of the run, and the requests answered in it."""

    requests: int
    server: float
    database: float
    locust: float

    def per_request(self, seconds: float) -> float:
        return seconds * 1000 / self.requests


def requests_over_time(history_csv: Path) -> Callable[[float], float]:
    """The number of requests locust had made at a moment (interpolated between the aggregated
    rows of its per-second history)."""
    points: list[tuple[float, float]] = []
    with history_csv.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                points.append((float(row["Timestamp"]), float(row["Total Request Count"])))

    def at(moment: float) -> float:
        before = [p for p in points if p[0] <= moment] or points[:1]
        after = [p for p in points if p[0] > moment] or points[-1:]
        (t0, n0), (t1, n1) = before[-1], after[0]
        return n0 if t1 == t0 else n0 + (n1 - n0) * (moment - t0) / (t1 - t0)

    return at


class Command(BaseCommand):
    help = (
        "Belastningstest af produktionsserveren (gunicorn) med locust: en blanding af "
        "indloggede medarbejdere uden tænkepauser; udskriver én BENCH-linje."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--citizens", type=int, default=10_000, help="Borgere i demodata (standard 10000)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed for demodata (standard 1).")
        parser.add_argument(
            "--users",
            type=int,
            default=int(os.environ.get("LOAD_USERS", "16")),
            help="Samtidige brugere (LOAD_USERS, standard 16).",
        )
        parser.add_argument(
            "--seconds",
            type=int,
            default=int(os.environ.get("LOAD_SECONDS", "120")),
            help="Testens varighed i sekunder (LOAD_SECONDS, standard 120).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="gunicorn-workers (som helhed serve: én pr. kerne, mindst 2).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="Tråde pr. worker (1; flere end 1 giver gunicorns gthread-workers).",
        )
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="Brug den konfigurerede database (tilføjer demodata: aldrig med rigtige data).",
        )
        parser.add_argument(
            "--database",
            default="",
            help="SQLite-fil uden --in-place (standard var/load/helhed-load.sqlite3).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["in_place"]:
            self._load(options)
        else:
            self._run_on_sqlite_file(options)

    def _run_on_sqlite_file(self, options: dict[str, Any]) -> None:
        path = Path(
            options["database"] or Path(settings.VAR_DIR) / "load" / "helhed-load.sqlite3"
        ).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Belastningstest-database: {path}")
        self.stdout.flush()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
        command = [sys.executable, "-m", "helhed", "load", "--in-place"]
        for name in ("citizens", "seed", "users", "seconds", "workers", "threads"):
            if options[name] is not None:  # --workers: the server's default unless given
                command += [f"--{name}", str(options[name])]
        result = subprocess.run(command, env=env, check=False)
        if result.returncode != 0:
            raise CommandError(f"Belastningstesten fejlede (exit {result.returncode}).")

    def _build(self, citizens: int, seed: int) -> None:
        from helhed.devtools.demo.courses import expected_courses

        call_command("migrate", verbosity=0, interactive=False)
        expected = expected_courses(seed, citizens)
        last = DemoContext(seed=seed, citizens=citizens, out=StringIO()).uuid(
            "course", expected - 1
        )
        if Course.objects.filter(pk=last).exists():
            self.stdout.write(f"Genbruger demodata: {Course.objects.count()} forløb.")
            return
        self.stdout.write(f"Bygger demodata: helhed demo --seed {seed} --citizens {citizens}")
        self.stdout.flush()
        start = time.perf_counter()
        call_command("demo", seed=seed, citizens=citizens, stdout=StringIO(), no_progress=True)
        self.stdout.write(f"Demodata bygget på {time.perf_counter() - start:.0f} s.")

    def _load(self, options: dict[str, Any]) -> None:
        # Stopped from outside (a test's timeout, Ctrl-C's SIGTERM cousin): the server and locust
        # are stopped on the way out, not left running.
        signal.signal(signal.SIGTERM, _exit_on_term)
        backend = connection.vendor
        self._build(options["citizens"], options["seed"])
        logins = choose_logins(options["users"])
        database_pid = database_server_pid()
        connection.close()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        # Collected as the server will read them: with DEBUG off, hashed names and a manifest.
        subprocess.run(
            [sys.executable, "-m", "helhed", "collectstatic", "--no-input", "-v", "0"],
            env=server_env(url),
            check=True,
        )
        server = start_server(
            port,
            server_env(url),
            workers=options["workers"] or default_workers(cores()),
            threads=options["threads"],
        )

        def sample() -> tuple[float, float]:
            return tree_cpu(server.pid), tree_cpu(database_pid) if database_pid else 0.0

        try:
            wait_ready(url, server)
            load_before = os.getloadavg()[0]
            row, steady = self._locust(url, logins, options["users"], options["seconds"], sample)
        finally:
            stop_server(server)
        self.stdout.write(
            f"CPU pr. forespørgsel efter opvarmningen ({steady.requests} forespørgsler): "
            f"server {steady.per_request(steady.server):.1f} ms"
            + (f", PostgreSQL {steady.per_request(steady.database):.1f} ms" if database_pid else "")
            + f"; locust {steady.per_request(steady.locust):.1f} ms; "
            f"maskinens load average {load_before:.1f} → {os.getloadavg()[0]:.1f} "
            f"({os.cpu_count()} kerner)"
        )
        self.stdout.write(bench_line(backend, row))

    def _locust(
        self,
        url: str,
        logins: list[tuple[str, str]],
        users: int,
        seconds: int,
        sample: Callable[[], tuple[float, float]],
    ) -> tuple[dict[str, str], Steady]:
        """Locust's aggregated statistics, and the CPU the server, the database and locust used
        per request after the warm-up (logins, each worker's first requests): from a quarter of
        the run (at most 30 s) to its last two seconds."""
        self.stdout.write(
            f"locust: {users} brugere i {seconds} s mod {url} "
            f"({', '.join(f'{n} ({r})' for n, r in logins)})"
        )
        self.stdout.flush()
        with tempfile.TemporaryDirectory(prefix="helhed-load-") as tmp:
            prefix = Path(tmp) / "load"
            env = {
                **os.environ,
                "LOAD_LOGINS": ",".join(f"{n}:{r}" for n, r in logins),
                "LOAD_PASSWORD": DEMO_PASSWORD,
            }
            command = [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--host",
                url,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ]
            started = time.monotonic()
            # locust's exit code is 1 when a request failed: the BENCH line says how many.
            locust = subprocess.Popen(command, env=env)
            try:
                time.sleep(min(30.0, seconds / 4))
                first = (time.time(), *sample(), tree_cpu(locust.pid))
                time.sleep(max(0.0, started + seconds - 2 - time.monotonic()))
                last = (time.time(), *sample(), tree_cpu(locust.pid))
                locust.wait(timeout=120)
            finally:
                if locust.poll() is None:
                    locust.kill()
                    locust.wait(timeout=10)
            history = requests_over_time(Path(f"{prefix}_stats_history.csv"))
            steady = Steady(
                requests=max(1, round(history(last[0]) - history(first[0]))),
                server=last[1] - first[1],
                database=last[2] - first[2],
                locust=last[3] - first[3],
            )
            return aggregated(Path(f"{prefix}_stats.csv")), steady
