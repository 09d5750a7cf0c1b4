"""``helhed bench`` on a tiny dataset: it runs end to end and prints the machine-readable lines.

A smoke test, not a timed test: the figures are only checked to be numbers."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from helhed.devtools.management.commands.bench import percentile

pytestmark = pytest.mark.django_db

LINE = re.compile(
    r"^BENCH (?P<page>course-overview|course-overview-uncached|caseload) "
    r"backend=(?P<backend>sqlite|postgresql) "
    r"p50_ms=(?P<p50>\d+\.\d) p95_ms=(?P<p95>\d+\.\d) queries=(?P<queries>\d+)$",
    re.MULTILINE,
)


DASHBOARD = re.compile(
    r"^BENCH dashboard backend=(?P<backend>sqlite|postgresql) "
    r"p50_ms=(?P<p50>\d+\.\d) p95_ms=(?P<p95>\d+\.\d) queries=(?P<queries>\d+)\n"
    r"BENCH dashboard-raw-sql backend=(?P<raw_backend>sqlite|postgresql) "
    r"p50_ms=(?P<raw_p50>\d+\.\d) p95_ms=(?P<raw_p95>\d+\.\d)$",
    re.MULTILINE,
)
SMALL = {
    "dashboard_courses": 12,
    "dashboard_measurements": 600,
    "coordination_respondents": 40,
    "coordination_workgroups": 4,
    "coordination_requests": 2,
    "economics_courses": 12,
    "import_rows": 40,
}
COORDINATION = re.compile(
    r"^BENCH coordination backend=(?P<backend>sqlite|postgresql) "
    r"p50_ms=(?P<p50>\d+\.\d) p95_ms=(?P<p95>\d+\.\d) queries=(?P<queries>\d+)\n"
    r"BENCH coordination-uncached backend=(?:sqlite|postgresql) "
    r"p50_ms=\d+\.\d p95_ms=\d+\.\d queries=(?P<cold_queries>\d+)\n"
    r"BENCH coordination-close backend=(?:sqlite|postgresql) "
    r"p50_ms=(?P<close50>\d+\.\d) p95_ms=(?P<close95>\d+\.\d)\n"
    r"BENCH coordination-network backend=(?:sqlite|postgresql) p50_ms=\d+\.\d p95_ms=\d+\.\d "
    r"queries=\d+\n"
    r"BENCH coordination-flow backend=(?:sqlite|postgresql) p50_ms=\d+\.\d p95_ms=\d+\.\d "
    r"queries=\d+$",
    re.MULTILINE,
)
ECONOMICS = re.compile(
    r"^BENCH economics backend=(?P<backend>sqlite|postgresql) "
    r"p50_ms=(?P<p50>\d+\.\d) p95_ms=(?P<p95>\d+\.\d) queries=(?P<queries>\d+)\n"
    r"BENCH economics-raw-sql backend=(?P<raw_backend>sqlite|postgresql) "
    r"p50_ms=(?P<raw_p50>\d+\.\d) p95_ms=(?P<raw_p95>\d+\.\d)$",
    re.MULTILINE,
)


def test_bench_prints_a_line_per_page_with_numbers() -> None:
    out = StringIO()
    call_command("bench", in_place=True, citizens=30, requests=3, warmup=1, stdout=out, **SMALL)
    output = out.getvalue()
    lines = {m["page"]: m for m in LINE.finditer(output)}
    assert set(lines) == {"course-overview", "course-overview-uncached", "caseload"}, output
    for match in lines.values():
        assert match["backend"] == connection.vendor
        assert 0 < float(match["p50"]) <= float(match["p95"])
        assert int(match["queries"]) > 0
    # Issue 4's target: at most 15 queries per page (docs/performance.md lists where they come from)
    assert int(lines["caseload"]["queries"]) <= 15
    assert int(lines["course-overview"]["queries"]) <= 15
    # Right after a change the plan is rendered again (no cache): still within the target
    assert int(lines["course-overview-uncached"]["queries"]) <= 15
    # The same number of queries for a small and a large plan, with and without the cache
    small_large = re.search(
        r"lille plan \(.*?\): (\d+), uden cache (\d+); stor plan \(.*?\): (\d+), uden cache (\d+)",
        output,
    )
    assert small_large is not None
    assert small_large[1] == small_large[3] and small_large[2] == small_large[4]
    # Issue 6: the initiative dashboard and the same figures in raw SQL
    dashboard = DASHBOARD.search(output)
    assert dashboard is not None, output
    assert dashboard["backend"] == dashboard["raw_backend"] == connection.vendor
    assert 0 < float(dashboard["p50"]) <= float(dashboard["p95"])
    assert 0 < float(dashboard["raw_p50"]) <= float(dashboard["raw_p95"])
    assert 0 < int(dashboard["queries"]) <= 15
    assert "forhold side/rå SQL" in output
    # Issue 13: the results of a closed wave (its own dataset), before the dashboard
    coordination = COORDINATION.search(output)
    assert coordination is not None, output
    assert coordination["backend"] == connection.vendor
    assert 0 < float(coordination["p50"]) <= float(coordination["p95"])
    assert 0 < int(coordination["queries"]) <= 15
    assert int(coordination["queries"]) == int(coordination["cold_queries"])  # same reads
    assert "via siden" in output.split("samarbejdsresultater")[1].split("\n")[0]
    # Issue 12: an initiative's economics page and the same sums in raw SQL, as the last lines
    economics = ECONOMICS.search(output)
    assert economics is not None, output
    assert output.rstrip().endswith(economics.group(0))
    assert economics["backend"] == economics["raw_backend"] == connection.vendor
    assert 0 < float(economics["p50"]) <= float(economics["p95"])
    assert 0 < int(economics["queries"]) <= 15
    # The datasets are reused the second time
    again = StringIO()
    call_command("bench", in_place=True, citizens=30, requests=1, warmup=0, stdout=again, **SMALL)
    assert "Genbruger datasættet" in again.getvalue()
    assert "Genbruger dashboard-datasættet" in again.getvalue()
    assert "Genbruger samarbejds-datasættet" in again.getvalue()
    assert "Genbruger økonomi-datasættet" in again.getvalue()


def test_bench_only_economics() -> None:
    out = StringIO()
    call_command(
        "bench", in_place=True, only="economics", requests=2, warmup=0, stdout=out, **SMALL
    )
    lines = [line for line in out.getvalue().splitlines() if line.startswith("BENCH")]
    assert [line.split()[1] for line in lines] == ["economics", "economics-raw-sql"]


def test_bench_only_import() -> None:
    """Issue 17: the import job on a synthetic extract, rolled back (nothing stays)."""
    from helhed.courses.models import Citizen

    out = StringIO()
    call_command("bench", in_place=True, only="import", import_rows=40, stdout=out)
    assert re.search(
        r"^BENCH import-100k backend=(sqlite|postgresql) seconds=\d+\.\d rows=40$",
        out.getvalue(),
        re.MULTILINE,
    ), out.getvalue()
    assert not Citizen.objects.exists()


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values, 50) == 50.0
    assert percentile([7.0], 95) == 7.0


def test_every_bench_is_timed_by_one_helper() -> None:
    """One timing loop (warm-up, N timed calls, an optional step before each) and one BENCH line
    format for all benches; not a timed test: only the calls and the line's shape are checked."""
    from helhed.devtools.bench.timing import bench_line, time_calls

    calls: list[str] = []
    timings = time_calls(
        lambda: calls.append("call"), n=3, warmup=2, before_each=lambda: calls.append("clear")
    )
    assert calls == ["clear", "call"] * 5
    assert len(timings.ms) == 3 and 0 <= timings.p50 <= timings.p95
    line = bench_line("economics", "sqlite", timings, queries=12)
    assert re.fullmatch(
        r"BENCH economics backend=sqlite p50_ms=\d+\.\d p95_ms=\d+\.\d queries=12", line
    )
    raw = bench_line("economics-raw-sql", "postgresql", timings)
    assert re.fullmatch(
        r"BENCH economics-raw-sql backend=postgresql p50_ms=\d+\.\d p95_ms=\d+\.\d", raw
    )
    via = bench_line("dashboard", "sqlite", timings, queries=9, via="selector")
    assert via.endswith(" queries=9 via=selector")
    # the command's timing loops are gone: it uses the helper
    from helhed.devtools.management.commands import bench

    source = Path(bench.__file__).read_text()
    assert source.count("perf_counter() -") <= 4  # only "dataset built in N s" messages


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(CommandError):
        call_command("bench", in_place=True, requests=0, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "bench",
            in_place=True,
            dashboard_courses=10,
            dashboard_measurements=5,
            stdout=StringIO(),
        )
    with pytest.raises(CommandError):
        call_command("bench", in_place=True, coordination_workgroups=1, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("bench", in_place=True, economics_courses=0, stdout=StringIO())
