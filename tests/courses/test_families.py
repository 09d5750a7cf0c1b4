"""Families in depth (issue 14): intake with any number of household members, children as persons
with their own goals and their own perspective, one consent step for a parent and her children,
contact person changes counted as replacements, and length limits on goal and plan texts.

Page and API go through the same services; both adapters get the same inputs here. The attacker
tests try another organisation, an ended membership, a plan-only consent, guessed ids and a child
of another household."""

from __future__ import annotations

from datetime import date, timedelta

from helhed.courses import logic

# --------------------------------------------------------------------------------------------
# Contact person changes: replacements, not additions
# --------------------------------------------------------------------------------------------


def test_a_new_team_built_over_the_first_weeks_has_no_contact_person_changes() -> None:
    on = date(2026, 12, 6)
    start = on - timedelta(days=20)
    periods: list[tuple[date, date | None]] = [
        (start, None),  # the coordinator
        (start, None),
        (start + timedelta(days=3), None),  # joined later: an addition, not a change
        (start + timedelta(days=10), None),
    ]
    overview = logic.team_overview(periods, on)
    assert overview.current == 4
    assert overview.turnover == 0


def test_a_contact_person_replaced_by_a_successor_is_one_change() -> None:
    on = date(2026, 12, 6)
    start = date(2026, 1, 5)
    periods: list[tuple[date, date | None]] = [
        (start, None),  # the coordinator
        (start, date(2026, 6, 30)),  # the jobcenter caseworker leaves …
        (date(2026, 7, 1), None),  # … and her successor takes over
        (date(2026, 8, 1), None),  # a new unit joins: an addition
        (start, date(2026, 10, 1)),  # leaves with nobody after her: not a replacement
    ]
    overview = logic.team_overview(periods, on)
    assert overview.turnover == 1
