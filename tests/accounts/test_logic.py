"""The login rules as plain functions (core.logic)."""

from __future__ import annotations

from datetime import date

import pytest

from helhed.core.logic import (
    idle_too_long,
    memberships_have_ended,
    nsis_level,
    second_factor_needed,
)

SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
HIGH = "https://data.gov.dk/concept/core/nsis/loa/High"
LOW = "https://data.gov.dk/concept/core/nsis/loa/Low"


@pytest.mark.parametrize(
    ("acr", "level"),
    [(SUBSTANTIAL, "substantial"), (HIGH, "high"), (LOW, "low"), ("substantial", "substantial"),
     (None, None), ("", None), ("urn:x:password", None)],
)  # fmt: skip
def test_nsis_level_reads_the_uri_or_the_word(acr: str | None, level: str | None) -> None:
    assert nsis_level(acr) == level


@pytest.mark.parametrize(
    ("password_login", "acr", "enrolled", "required", "needed"),
    [
        (True, None, False, True, True),  # a password alone
        (True, None, True, True, False),  # enrolled: allauth asks for the code at login
        (True, None, False, False, False),  # the setting is off (the demo)
        (False, LOW, False, True, True),  # an identity provider below substantial
        (False, SUBSTANTIAL, False, True, False),  # NSIS substantial is two factors
        (False, HIGH, False, True, False),
        (False, None, False, True, False),  # no password, no identity provider
    ],
)
def test_second_factor_needed(
    password_login: bool, acr: str | None, enrolled: bool, required: bool, needed: bool
) -> None:
    assert (
        second_factor_needed(
            password_login=password_login, acr=acr, enrolled=enrolled, required=required
        )
        is needed
    )


def test_memberships_have_ended_only_when_every_one_has() -> None:
    today = date(2026, 12, 6)
    yesterday, tomorrow = date(2026, 12, 5), date(2026, 12, 7)
    assert memberships_have_ended([(None, yesterday)], today)
    assert memberships_have_ended([(None, yesterday), (date(2020, 1, 1), date(2021, 1, 1))], today)
    assert not memberships_have_ended([(None, today)], today)  # the last day counts
    assert not memberships_have_ended([(None, yesterday), (tomorrow, None)], today)  # one to come
    assert not memberships_have_ended([(None, yesterday), (None, None)], today)
    assert not memberships_have_ended([], today)  # no membership yet: not "ended"


def test_idle_too_long() -> None:
    assert idle_too_long(1000.0, 1000.0 + 30 * 60 + 1, 30)
    assert not idle_too_long(1000.0, 1000.0 + 30 * 60, 30)
    assert not idle_too_long(None, 10**9, 30)
    assert not idle_too_long(0.0, 10**9, 0)  # 0 turns it off
