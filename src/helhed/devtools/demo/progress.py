"""Demo measurements for the courses the courses demo created: cheap, linear and deterministic.

Every course gets a baseline WHO-5 at its start, then (while the dates stay before today) a WHO-5
every 3-6 weeks on a trajectory that improves for about half of the courses; about 40 % also have
two life-area ratings; every course with goals gets goal-attainment rounds every 6-8 weeks
(all goals, with the derived GAS T-score); adults get employment states (cash or sickness benefit,
for some later a job, flexjob or education) and families a placement state. Course 0 (the
``borger`` login's) gets a full, improving series.

Rows are expanded per chunk of 2,000 courses and inserted with the benchmark's raw
``executemany`` (``benchdata``), ignoring existing keys; if the last course already has its
baseline the whole hook is skipped, so a re-run costs one query.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from helhed.core.selectors import today as current_day
from helhed.devtools.bench import progress as benchdata
from helhed.devtools.demokit import (
    DemoContext,
    InsertStat,
    Turns,
    committed_in_turn,
    in_workers,
    indexes_built_after,
    new_row,
    workers_write,
)
from helhed.devtools.fastinsert import insert_prepared, prepared_values
from helhed.progress import logic

CHUNK = 2000


def _rng(seed: int, course_id: Any) -> random.Random:
    digest = hashlib.sha256(f"{seed}:progress:{course_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _write(params: list[tuple[Any, ...]], states: Prepared, summaries: Prepared) -> int:
    """One chunk's rows, in the caller's transaction; how many measurements and states."""
    from helhed.progress.models import CourseSummary, Measurement, OutcomeState

    insert_prepared(Measurement, benchdata.COLUMNS, params)
    insert_prepared(OutcomeState, *states)
    insert_prepared(CourseSummary, *summaries)
    return len(params) + len(states[1])


_TURNS: Turns | None = None  # when the workers write their chunks (``demokit.workers_write``)


def _write_in_worker(lo: int) -> int:
    """Build the chunk at ``lo`` and write it with this process's connection, committed in
    chunk order."""
    assert _TURNS is not None
    with committed_in_turn(_TURNS, lo // CHUNK):
        return _write(*_in_worker(lo))


def generate(ctx: DemoContext) -> None:
    global _FORKED, _TURNS
    import time

    from helhed.courses.models import Course
    from helhed.progress.models import CourseSummary, Measurement, OutcomeState

    started = time.perf_counter()
    last = Course.objects.order_by("-pk").values_list("pk", flat=True).first()
    if last is None:
        return
    if Measurement.objects.filter(pk=ctx.uuid("progress-m", last, 0)).exists():
        ctx.stats.append(InsertStat("progressionsmålinger (findes)", rows=0, seconds=0.0))
        return
    today = current_day()
    showcase = ctx.uuid("course", 0)
    now = timezone.now()
    total = 0
    ids = list(Course.objects.order_by("pk").values_list("pk", flat=True))
    _FORKED = _Chunks(ctx.seed, ids, today, now, showcase, ctx)
    # The chunks read courses and goals, never the tables they fill; each course draws from a
    # generator of its own (``_rng``), so a chunk is built alike here or in a worker process.
    try:
        with indexes_built_after([Measurement, OutcomeState, CourseSummary]):
            starts = range(0, len(ids), CHUNK)
            if workers_write(ctx.workers, len(starts), [Measurement, OutcomeState, CourseSummary]):
                _TURNS = turns = Turns()
                total = sum(
                    in_workers(
                        _write_in_worker, starts, ctx.workers, what="progress", abort=turns.fail
                    )
                )
            else:
                for chunk in in_workers(_in_worker, starts, ctx.workers, what="progress"):
                    with transaction.atomic():
                        total += _write(*chunk)
    finally:
        _FORKED = None
        _TURNS = None
    ctx.stats.append(
        InsertStat(
            "progressionsmålinger og resultater", rows=total, seconds=time.perf_counter() - started
        )
    )


@dataclass(frozen=True)
class _Chunks:
    seed: int
    ids: list[Any]  # every course, in key order
    today: date
    now: Any
    showcase: Any
    ctx: DemoContext


# What a forked worker builds from: set before the workers start (inherited, never pickled).
_FORKED: _Chunks | None = None


Prepared = tuple[list[str], list[tuple[Any, ...]]]


def _in_worker(lo: int) -> tuple[list[tuple[Any, ...]], Prepared, Prepared]:
    """The measurements, outcome states and course summaries of the chunk of courses starting at
    ``lo``, as the values the parent writes (``benchdata.measurement_params``,
    ``fastinsert.prepared_values``): reads courses and goals, writes nothing."""
    from helhed.courses.models import Course, Goal
    from helhed.progress.models import CourseSummary, OutcomeState

    assert _FORKED is not None
    c = _FORKED
    chunk = c.ids[lo : lo + CHUNK]
    info = list(
        Course.objects.filter(pk__in=chunk).values_list(
            "pk", "start_date", "referred_on", "household_id"
        )
    )
    goals: dict[Any, list[tuple[Any, int | None]]] = {}
    for course_id, goal_id, importance in (
        Goal.objects.filter(plan__course__in=chunk)
        .order_by("plan__course", "priority", "pk")
        .values_list("plan__course", "pk", "importance")
    ):
        goals.setdefault(course_id, []).append((goal_id, importance))
    rows: list[tuple[Any, ...]] = []
    states: list[Any] = []
    for course_id, start, referred, household in info:
        rng = _rng(c.seed, course_id)
        begin = min(start or referred, c.today)
        rich = course_id == c.showcase
        rows += _course_rows(
            c.ctx, rng, course_id, begin, c.today, goals.get(course_id, []), rich, c.now
        )
        states += _states(c.ctx, rng, course_id, begin, c.today, household is not None)
    summaries = benchdata.summaries(rows, states, [i[0] for i in info])
    return (
        benchdata.measurement_params(rows, json_text=connection.vendor == "postgresql"),
        prepared_values(OutcomeState, states),
        prepared_values(CourseSummary, summaries),
    )


def _who5_answers(raw: int, rng: random.Random) -> dict[str, int]:
    return benchdata._split(raw, rng)


def _course_rows(
    ctx: DemoContext,
    rng: random.Random,
    course_id: Any,
    begin: date,
    today: date,
    goals: list[tuple[Any, int | None]],
    rich: bool,
    now: Any,
) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    n = 0

    def add(
        instrument: str, goal: Any, on: date, answers: dict[str, Any], score: float, by: str
    ) -> None:
        nonlocal n
        rows.append(
            (
                ctx.uuid("progress-m", course_id, n),
                course_id,
                goal,
                instrument,
                1,
                on,
                answers,
                {},
                score,
                None,
                by,
                None,
                now,
            )
        )
        n += 1

    improving = rich or rng.random() < 0.5
    raw = rng.randint(4, 12) if improving else rng.randint(8, 18)
    on = begin
    k = 0
    while on <= today and k < (8 if rich else 6):
        add(
            "who5",
            None,
            on,
            _who5_answers(raw, rng),
            float(raw * 4),
            "borger" if k % 2 == 0 else "med-borger",
        )
        raw = max(0, min(25, raw + (rng.randint(1, 4) if improving else rng.randint(-2, 2))))
        on += timedelta(days=rng.randint(21, 42) if not rich else 28)
        k += 1
    if rich or rng.random() < 0.4:
        for j in range(2):
            d = begin + timedelta(days=1 + 60 * j)
            if d > today:
                break
            answers = {
                item.key: max(1, min(10, rng.randint(3, 6) + 2 * j)) for item in logic.LIFE_AREAS
            }
            add("livsomraader", None, d, answers, logic.life_areas_mean(answers), "borger")
    if goals:
        weights = [logic.goal_weight(imp) for _g, imp in goals]
        d = begin + timedelta(days=2)
        r = 0
        while d <= today and r < (4 if rich else 3):
            levels = [
                max(-2, min(2, -2 + r + rng.randint(-1, 1) * (0 if rich else 1))) for _g in goals
            ]
            for (goal_id, _imp), level in zip(goals, levels, strict=True):
                add("maalopfyldelse", goal_id, d, {"niveau": level}, float(level), "med-borger")
            detail = {
                "goals": {
                    str(g): {"niveau": lv, "vægt": w}
                    for (g, _i), lv, w in zip(goals, levels, weights, strict=True)
                },
                "rho": logic.GAS_RHO,
            }
            add(
                logic.GAS_T_KEY,
                None,
                d,
                detail,
                round(logic.gas_t_score(levels, weights), 2),
                "med-borger",
            )
            d += timedelta(days=rng.randint(42, 56))
            r += 1
    return rows


def _states(
    ctx: DemoContext,
    rng: random.Random,
    course_id: Any,
    begin: date,
    today: date,
    family: bool,
) -> list[Any]:
    from helhed.progress.models import OutcomeState

    states = []
    if family:
        states.append(
            new_row(
                OutcomeState,
                id=ctx.uuid("progress-s", course_id, "anbringelse"),
                course_id=course_id,
                kind="anbringelse",
                value="anbragt" if rng.random() < 0.15 else "hjemme",
                valid_from=begin,
            )
        )
        return states
    first = rng.choice(["kontanthjaelp", "sygedagpenge", "uddannelseshjaelp", "ressourceforloeb"])
    states.append(
        new_row(
            OutcomeState,
            id=ctx.uuid("progress-s", course_id, "e0"),
            course_id=course_id,
            kind="beskaeftigelse",
            value=first,
            valid_from=begin,
        )
    )
    later = begin + timedelta(days=rng.randint(90, 240))
    if later <= today and rng.random() < 0.45:
        states.append(
            new_row(
                OutcomeState,
                id=ctx.uuid("progress-s", course_id, "e1"),
                course_id=course_id,
                kind="beskaeftigelse",
                value=rng.choice(["ordinaert-job", "fleksjob", "uddannelse", "ressourceforloeb"]),
                valid_from=later,
            )
        )
    return states
