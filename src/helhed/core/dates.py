"""The one rule for dates people type (pages and API): years 1900-2200.

A typo such as 01.01.0001 is refused as bad input with a field error instead of creating a
"year 1" course, cohort or period (and overflowing date arithmetic later). ``core.web``'s date
fields and ``core.apikit``'s ``Day``/``Moment`` use it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


def plausible(day: date) -> bool:
    """Whether a date (or a datetime) lies within the years Helhed accepts."""
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


def implausible_message() -> str:
    """The field error, in the reader's language."""
    return gettext("Datoen skal ligge mellem år %(first)d og %(last)d.") % {
        "first": EARLIEST_YEAR,
        "last": LATEST_YEAR,
    }


def validate_plausible(value: Any) -> None:
    """A Django validator for form fields."""
    if value is not None and not plausible(value):
        raise ValidationError(implausible_message(), code="implausible_date")
