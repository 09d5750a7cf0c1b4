"""``helhed load`` (`make load`): the BENCH line from locust's statistics, the logins it chooses
from the demo, the CPU accounting, and — where locust is installed (the ``load`` extra) — one
short run end to end against gunicorn on a SQLite file with the server's default workers, as
`make load` runs it (a fresh database, gunicorn and locust: about 40 s; `make test` installs the
extra, so it runs there)."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from helhed.courses.models import Course, TeamMember
from helhed.devtools.management.commands.load import (
    LOCUSTFILE,
    aggregated,
    bench_line,
    choose_logins,
    requests_over_time,
    tree_cpu,
)

LINE = re.compile(
    r"^BENCH load backend=(?P<backend>sqlite|postgresql) rps=(?P<rps>\d+\.\d) "
    r"p50_ms=(?P<p50>\d+) p95_ms=(?P<p95>\d+) p99_ms=(?P<p99>\d+) errors=(?P<errors>\d+)$",
    re.MULTILINE,
)
HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


def test_the_bench_line_is_locusts_aggregated_row(tmp_path: Path) -> None:
    stats = tmp_path / "load_stats.csv"
    stats.write_text(
        HEADER + "GET,caseload,10,0,120,130,50,400,9000,1.5,0,"
        "120,130,140,150,200,300,380,400,400,400,400\n"
        + ",Aggregated,9876,3,95,110,4,2500,7000,82.31,0.02,95,110,130,140,190,280,330,360,900,"
        "2500,2500\n"
    )
    line = bench_line("sqlite", aggregated(stats))
    assert line == "BENCH load backend=sqlite rps=82.3 p50_ms=95 p95_ms=280 p99_ms=360 errors=3"
    assert LINE.match(line)


def test_requests_between_two_moments_come_from_locusts_history(tmp_path: Path) -> None:
    history = tmp_path / "load_stats_history.csv"
    history.write_text(
        "Timestamp,User Count,Type,Name,Requests/s,Total Request Count\n"
        "1000,16,,Aggregated,0,0\n"
        "1001,16,GET,caseload,3,7\n"
        "1001,16,,Aggregated,10,10\n"
        "1003,16,,Aggregated,20,50\n"
    )
    at = requests_over_time(history)
    assert at(1001) == 10
    assert at(1002) == 30  # halfway between two rows
    assert at(999) == 0 and at(2000) == 50  # outside: the first and last counts
    assert at(1003) - at(1001) == 40


def test_the_cpu_of_a_finished_child_is_counted() -> None:
    before = tree_cpu(os.getpid())
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", busy], check=True)
    assert tree_cpu(os.getpid()) - before >= 0.25
    assert tree_cpu(2**22 + 12345) == 0.0  # no such process: nothing, not an error


@pytest.mark.django_db
def test_the_logins_are_distinct_demo_staff_who_have_courses() -> None:
    call_command("demo", seed=1, citizens=60, no_progress=True, stdout=StringIO())
    logins = choose_logins(8)
    names = [name for name, _role in logins]
    assert len(names) == len(set(names)) >= 6
    roles = {role for _name, role in logins}
    assert roles == {"koordinator", "fagperson", "leder"}
    assert logins[0] == ("koordinator", "koordinator")  # the documented login first
    for name, role in logins:
        if role == "koordinator":
            assert (
                Course.objects.filter(coordinator__username=name)
                .exclude(status="afsluttet")
                .exists()
            )
        if role == "fagperson":
            assert TeamMember.objects.filter(user__username=name, valid_to__isnull=True).exists()


@pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="locust (the load extra) is not installed"
)
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs on its own SQLite file: once, in the SQLite run",
)
def test_a_short_run_against_gunicorn_prints_the_bench_line_without_errors(
    tmp_path: Path,
) -> None:
    assert LOCUSTFILE.exists()
    env = {
        **os.environ,
        "DEBUG": "true",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        # its own static files and var directory: not the checkout's, which `make load` or
        # `make run` may be using
        "HELHED_VAR_DIR": str(tmp_path / "var"),
        "HELHED_STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("DATABASE_URL", None)
    start = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "helhed",
        "load",
        "--database",
        str(tmp_path / "load.sqlite3"),
        "--citizens",
        "60",
        "--users",
        "4",
        "--seconds",
        "6",
    ]
    # In a session of its own: on a timeout the whole run (the command, its relaunch, locust)
    # is sent SIGTERM, and the relaunch stops the server it started before it exits.
    run = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = run.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGTERM)
        stdout, stderr = run.communicate(timeout=60)
        pytest.fail("helhed load took more than 300 s:\n" + stdout[-3000:] + stderr[-3000:])
    assert run.returncode == 0, stdout[-3000:] + stderr[-3000:]
    found = LINE.search(stdout)
    assert found, stdout[-3000:]
    assert found["backend"] == "sqlite"
    assert found["errors"] == "0", stdout[-3000:]
    assert float(found["rps"]) > 0
    assert int(found["p50"]) <= int(found["p95"]) <= int(found["p99"])
    cpu = r"CPU pr. forespørgsel efter opvarmningen \(\d+ forespørgsler\): server \d"
    assert re.search(cpu, stdout)
    assert time.monotonic() - start < 300
