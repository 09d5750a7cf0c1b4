"""One way to time a benchmark: warm up, call N times (optionally doing something untimed before
each call, e.g. emptying the cache), and report the median and the 95th percentile in the
machine-readable line every bench prints::

    BENCH <name> backend=<vendor> p50_ms=<median> p95_ms=<95th percentile> [queries=<n>]

Used by every bench of ``helhed bench`` (pages through the test client, selectors, raw SQL and
the computation of a coordination wave's results)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Timings:
    """The milliseconds of each timed call."""

    ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return percentile(self.ms, 95)


def time_calls(
    call: Callable[[], object],
    *,
    n: int,
    warmup: int = 0,
    before_each: Callable[[], object] | None = None,
) -> Timings:
    """``call`` ``warmup`` times untimed, then ``n`` times timed; ``before_each`` runs before
    every call (warm-up included) and is not timed."""
    for _ in range(warmup):
        if before_each is not None:
            before_each()
        call()
    ms: list[float] = []
    for _ in range(n):
        if before_each is not None:
            before_each()
        started = time.perf_counter()
        call()
        ms.append((time.perf_counter() - started) * 1000)
    return Timings(ms)


def bench_line(
    name: str, backend: str, timings: Timings, *, queries: int | None = None, via: str = ""
) -> str:
    """The machine-readable line; ``via=selector`` when a page could not be requested and its
    selector was timed instead."""
    line = f"BENCH {name} backend={backend} p50_ms={timings.p50:.1f} p95_ms={timings.p95:.1f}"
    if queries is not None:
        line += f" queries={queries}"
    return line + (f" via={via}" if via else "")
