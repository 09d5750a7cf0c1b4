"""Database connection settings (docs/operations.md, "Databaseforbindelsen"): connection health
checks, PostgreSQL's statement timeout, SQLite's durability pragmas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.db.utils import ConnectionHandler

from helhed.config import sqlite_config
from helhed.ops.database import sqlite_synchronous, tune_database

pytestmark = pytest.mark.django_db


def open_connection(config: dict[str, Any]) -> Iterator[Any]:
    handler = ConnectionHandler({"default": config})  # a handler of its own
    conn = handler["default"]
    try:
        yield conn
    finally:
        conn.close()


def tuned(config: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values = {
        "conn_max_age": 0,
        "statement_timeout_ms": 30_000,
        "connect_timeout": 5,
        "sqlite_synchronous": "FULL",
        **overrides,
    }
    return tune_database(config, **values)


def test_connections_are_checked_before_reuse() -> None:
    db = settings.DATABASES["default"]
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["CONN_MAX_AGE"] == 60


def test_synchronous_is_full_in_production_and_configurable() -> None:
    assert sqlite_synchronous(None, debug=False) == "FULL"
    assert sqlite_synchronous("", debug=True) == "NORMAL"
    assert sqlite_synchronous("normal", debug=False) == "NORMAL"
    with pytest.raises(ImproperlyConfigured, match="HELHED_SQLITE_SYNCHRONOUS"):
        sqlite_synchronous("sometimes", debug=False)


def test_a_timeout_in_the_database_url_is_replaced_other_options_kept() -> None:
    config = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c a=b"}}
    options = tuned(config, statement_timeout_ms=100)["OPTIONS"]
    assert options["options"] == "-c a=b -c statement_timeout=100"
    again = tuned({**config, "OPTIONS": options}, statement_timeout_ms=0)["OPTIONS"]
    assert again["options"] == "-c a=b -c statement_timeout=0"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite run checks the pragmas")
def test_sqlite_connections_have_the_configured_pragmas(tmp_path: Path) -> None:
    """A production file database: WAL, synchronous FULL (2), foreign keys on; and the test
    run's own connection has the level its settings name."""
    for level, number in (("FULL", 2), ("NORMAL", 1), ("EXTRA", 3)):
        config = tuned(sqlite_config(tmp_path / f"{level}.sqlite3"), sqlite_synchronous=level)
        for conn in open_connection(config):
            with conn.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
                cursor.execute("PRAGMA synchronous")
                assert cursor.fetchone()[0] == number, level
                cursor.execute("PRAGMA foreign_keys")
                assert cursor.fetchone()[0] == 1
    configured = settings.DATABASES["default"]["OPTIONS"]["init_command"]
    expected = {"FULL": 2, "NORMAL": 1, "EXTRA": 3, "OFF": 0}
    level = configured.rsplit("synchronous=", 1)[1].rstrip(";")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == expected[level]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement timeout")
def test_postgresql_statements_end_at_the_statement_timeout() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"  # the default, from the settings
    base = dict(connection.settings_dict)
    for conn in open_connection(tuned(base, statement_timeout_ms=200)):
        with (
            conn.cursor() as cursor,
            pytest.raises(OperationalError, match="statement timeout"),
        ):
            cursor.execute("SELECT pg_sleep(1)")
    for conn in open_connection(tuned(base, statement_timeout_ms=0)):  # 0: no limit
        with conn.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "0"
            cursor.execute("SELECT pg_sleep(0.3)")


def test_prepared_statements_are_postgresql_only_and_can_be_turned_off() -> None:
    config = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {}}
    options = tuned(config, prepared=True)["OPTIONS"]
    assert options["server_side_binding"] is True
    off = tuned({**config, "OPTIONS": options}, prepared=False)["OPTIONS"]
    assert "server_side_binding" not in off and "cursor_factory" not in off
    sqlite = tuned({"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {}}, prepared=True)
    assert "server_side_binding" not in sqlite["OPTIONS"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_postgresql_prepares_the_kept_queries_and_nothing_else() -> None:
    """The settings' default: a kept query (``core.prepared``) is a prepared statement on the
    connection that runs it, each run with its own values; any other statement, however often
    it runs, is planned with its values each time (a generic plan could be far off for them).
    Turned off, nothing is prepared: parameters are merged on the client, as Django does."""
    from helhed.core.models import User
    from helhed.core.prepared import Prepared

    def prepared_statements(cursor: Any) -> list[str]:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]

    assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
    by_name = Prepared(User, lambda name: User.objects.filter(username=name).values_list("pk"))
    someone = User.objects.create(username="forberedt")
    assert [by_name(name) for name in ("forberedt", "ingen", "forberedt")] == [
        [(someone.pk,)],
        [],
        [(someone.pk,)],
    ]
    assert by_name.kept("forberedt")
    with connection.cursor() as cursor:
        for n in range(3):
            cursor.execute("SELECT %s::int + 40", [n])
            assert cursor.fetchone()[0] == n + 40
        statements = prepared_statements(cursor)
    assert any('"core_user"."username" = $1' in text for text in statements)
    assert not any("+ 40" in text for text in statements)

    (kept,) = by_name._kept.values()
    assert kept is not None
    for conn in open_connection(tuned(dict(connection.settings_dict), prepared=False)):
        with conn.cursor() as cursor:
            for _ in range(3):
                cursor.execute(kept.sql, kept.params_for(["ingen"], conn.ops))
                assert cursor.fetchall() == []
            assert prepared_statements(cursor) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's TOAST compression")
def test_a_saved_plan_versions_snapshot_is_stored_with_lz4_and_reads_back() -> None:
    """Migration courses.0010: a plan save's snapshot (the whole plan as JSON, compressed once it
    is over about 2 KB) is written with lz4 where the server has it, and reads back whole."""
    from helhed.courses import services
    from helhed.courses.models import PlanVersion
    from tests.courses.builders import make_staff, make_unit, open_course, organisation

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        assert cursor.fetchone()[0], "this PostgreSQL was built without lz4"
        cursor.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'courses_planversion'::regclass AND attname = 'snapshot'"
        )
        assert cursor.fetchone()[0] == "l"
    unit = make_unit(organisation(), "Koordinerende Team")
    coordinator = make_staff(unit, role="koordinator")
    course = open_course(coordinator, unit)
    statement = " ".join(f"Borgeren fortæller om dag {n} og hvad der skal til." for n in range(80))
    services.update_plan_text(
        coordinator, course.plan.pk, course.plan.version, citizen_statement=statement
    )
    version = PlanVersion.objects.filter(plan=course.plan).order_by("-number").first()
    assert version is not None and statement in str(version.snapshot)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(snapshot) FROM courses_planversion WHERE id = %s",
            [version.pk],
        )
        assert cursor.fetchone()[0] == "lz4"
