"""Synthetic data shared by ``helhed demo`` and the tests: one place that knows how a made-up
person is made, so demo data and test data cannot drift apart.

**CPR numbers** are synthetic but valid for ``courses.logic.validate_cpr``: a real birth date,
then a seventh digit whose century is right for it. The demo's numbers (``CprAllocator``) use
``9`` (valid for births 1937-2036), the seed's last digit and a two-digit serial per birth date
whose parity is the sex (odd = male), and skip numbers that pass the old modulus-11 check, so no
synthetic number is a possible pre-2007 real one. The tests' numbers (``cpr_for``) take the tail
they are given.
"""

from __future__ import annotations

from datetime import date, timedelta

_MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def passes_modulus_11(cpr: str) -> bool:
    """Whether a 10-digit CPR number passes the modulus-11 check of numbers issued before 2007."""
    return sum(int(d) * w for d, w in zip(cpr, _MOD11_WEIGHTS, strict=True)) % 11 == 0


class CprAllocator:
    """Unique synthetic CPR numbers: ddmmyy, 9, the seed's last digit, a serial per birth date
    (parity = sex), skipping numbers that pass modulus 11. A full birth date moves to the next
    day. Deterministic for the order of calls."""

    def __init__(self, seed: int) -> None:
        self.seed_digit = seed % 10
        self.next_serial: dict[tuple[date, bool], int] = {}

    def allocate(self, born: date, male: bool) -> tuple[str, date]:
        while True:
            key = (born, male)
            n = self.next_serial.get(key, 0)
            while n < 50:
                cpr = f"{born:%d%m%y}9{self.seed_digit}{2 * n + male:02d}"
                n += 1
                if not passes_modulus_11(cpr):
                    self.next_serial[key] = n
                    return cpr, born
            self.next_serial[key] = n
            born += timedelta(days=1)


def cpr_for(born: date, tail: str = "123") -> str:
    """A CPR number with a valid century digit for ``born`` (1900-1999 or 2000-2036)."""
    if 1900 <= born.year <= 1999:
        seventh = "1"
    elif 2000 <= born.year <= 2036:
        seventh = "4"
    else:  # pragma: no cover - not needed by the tests
        raise ValueError(born)
    return f"{born:%d%m%y}{seventh}{tail}"
