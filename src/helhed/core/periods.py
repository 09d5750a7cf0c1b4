"""The one rule for "valid on a day": a period starts on ``valid_from`` (empty: always has) and
ends after ``valid_to`` (empty: open-ended); a consent also ends the day it is withdrawn.

Memberships, team members and consents share it: their managers are built from
:class:`PeriodQuerySet` (``Membership.objects.valid_on(day)``), and a query across a relation
uses :func:`valid_on_q` with the relation's prefix (``valid_on_q(day, "memberships__")``).
"""

from __future__ import annotations

from datetime import date
from typing import Self

from django.db import models
from django.db.models import Q


def valid_on_q(on: date, prefix: str = "", *, withdrawable: bool = False) -> Q:
    """The condition "valid on ``on``" for the period fields under ``prefix``."""
    p = prefix
    q = (Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lte": on})) & (
        Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gte": on})
    )
    if withdrawable:
        q &= Q(**{f"{p}withdrawn_on__isnull": True}) | Q(**{f"{p}withdrawn_on__gt": on})
    return q


def overlaps_q(start: date, end: date, prefix: str = "") -> Q:
    """The condition "valid on some day from ``start`` to ``end``" (both included)."""
    p = prefix
    return (Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lte": end})) & (
        Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gte": start})
    )


class PeriodQuerySet(models.QuerySet):
    """Rows with ``valid_from``/``valid_to``: ``.valid_on(day)``."""

    withdrawable = False

    def valid_on(self, on: date) -> Self:
        return self.filter(valid_on_q(on, withdrawable=self.withdrawable))


class WithdrawablePeriodQuerySet(PeriodQuerySet):
    """A period that also ends the day it is withdrawn (``withdrawn_on``): consents."""

    withdrawable = True
