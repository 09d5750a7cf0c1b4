"""The number of whole-surface cases checked in this pytest session (one case = one request by
one user in one world, checked against the oracle). No Django imports: ``tests/conftest.py``
reads it in ``pytest_terminal_summary``."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

MINIMUM_CASES = 10_000


@dataclass
class Tally:
    cases: int = 0
    worlds: int = 0
    seconds: float = 0.0
    by_pattern: Counter[str] = field(default_factory=Counter)
    seconds_by_pattern: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def line(self) -> str:
        return (
            f"whole-surface: {self.cases} cases ({self.worlds} worlds, "
            f"{len(self.by_pattern)} URL patterns, {self.seconds:.0f} s)"
        )


TALLY = Tally()
