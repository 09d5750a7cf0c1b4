"""Shared fixtures: users in each role, logged-in clients, and the access-log retention gate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from helhed.core.models import Membership, Organisation, Unit, User, UserKind
from helhed.core.services import sync_reference_data

PASSWORD = "korrekt-hest-batteri-42"


@pytest.fixture(autouse=True)
def _transactional_test_support(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional tests (the browser tests' live server) end with a table flush.

    The flush removes the reference data that migrations loaded, so it is loaded again (the load
    is idempotent). And the access log refuses DELETE at database level, so at teardown — and only
    then — the gate is opened the way the retention job would open it."""
    transactional = any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_retention_guard")
    sync_reference_data()
    yield
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO audit_retention_guard (allow_delete) VALUES (1)")


@pytest.fixture
def municipality(db: None) -> Organisation:
    return Organisation.objects.get(org_type_id="kommune", official_code="461")


@pytest.fixture
def other_municipality(db: None) -> Organisation:
    return Organisation.objects.get(org_type_id="kommune", official_code="316")


@pytest.fixture
def unit(municipality: Organisation) -> Unit:
    return Unit.objects.create(
        organisation=municipality, name="Koordinerende Team", welfare_area_id="beskaeftigelse"
    )


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = {"n": 0}

    def make(role: str | None, unit: Unit | None = None, **extra: Any) -> User:
        counter["n"] += 1
        username = extra.pop("username", f"{role or 'user'}{counter['n']}")
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            first_name=extra.pop("first_name", "Test"),
            last_name=extra.pop("last_name", f"Bruger {counter['n']}"),
            **extra,
        )
        if role is not None and unit is not None:
            Membership.objects.create(user=user, unit=unit, role=role)
        return user

    return make


@pytest.fixture
def coordinator(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("koordinator", unit, first_name="Karen")


@pytest.fixture
def citizen_user(make_user: Callable[..., User]) -> User:
    return make_user(None, kind=UserKind.CITIZEN, first_name="Bo")


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def do(user: User) -> Client:
        client.force_login(user)
        return client

    return do


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser drives a real Chromium and carries the browser marker."""
    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The number of whole-surface cases checked (tests/test_whole_surface.py), in every run's
    summary: CI must show that at least 10,000 ran."""
    from tests.surface.counting import TALLY

    if TALLY.cases:
        terminalreporter.write_line(TALLY.line())
