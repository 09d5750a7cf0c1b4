"""Liveness and readiness (docs/operations.md, "Sundhed, logning og målinger")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from helhed.core import accounts
from helhed.core.models import User
from helhed.ops import health
from tests.conftest import PASSWORD
from tests.ops import tasks_for_tests

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_migration_check() -> Iterator[None]:
    health.reset_for_tests()
    yield
    health.reset_for_tests()


def body(response: object) -> dict:
    return json.loads(response.content)  # type: ignore[attr-defined]


def test_live_answers_without_the_database(client: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/sundhed/live")
    assert response.status_code == 200
    assert body(response) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_ready_reports_each_check(client: Client) -> None:
    response = client.get("/sundhed/klar")
    assert response.status_code == 200, response.content
    got = body(response)
    assert got["status"] == "ok"
    assert set(got["checks"]) == {"database", "migrations", "queue"}
    assert all(check["status"] == "ok" for check in got["checks"].values())
    assert got["checks"]["migrations"]["unapplied"] == 0
    assert got["checks"]["queue"]["oldest_ready_age_seconds"] == 0


def test_ready_fails_with_an_unapplied_migration(client: Client) -> None:
    last = MigrationRecorder.Migration.objects.filter(app="django_tasks_database").order_by("-id")[
        0
    ]
    last.delete()  # as if the deployment forgot `helhed migrate` (rolled back after the test)
    response = client.get("/sundhed/klar")
    assert response.status_code == 503
    got = body(response)
    assert got["status"] == "fail"
    assert got["checks"]["migrations"] == {"status": "fail", "unapplied": 1}
    assert got["checks"]["database"]["status"] == "ok"


def test_ready_fails_when_the_queue_is_not_drained(client: Client) -> None:
    tasks_for_tests.noop.enqueue()
    tasks_for_tests.noop_email.enqueue()
    assert client.get("/sundhed/klar").status_code == 200  # just enqueued: fine
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=30))
    response = client.get("/sundhed/klar")
    assert response.status_code == 503
    queue = body(response)["checks"]["queue"]
    assert queue["status"] == "fail"
    assert 1795 <= queue["oldest_ready_age_seconds"] <= 1900
    assert queue["threshold_seconds"] == 600
    # a task the worker has taken, or one due later, is not waiting
    DBTaskResult.objects.update(run_after=timezone.now() + timedelta(hours=1))
    assert client.get("/sundhed/klar").status_code == 200
    with override_settings(HELHED_READY_QUEUE_MAX_AGE_SECONDS=0):
        DBTaskResult.objects.update(run_after=timezone.now() - timedelta(hours=2))
        response = client.get("/sundhed/klar")
    assert response.status_code == 200  # 0: reported, never failing
    assert body(response)["checks"]["queue"]["oldest_ready_age_seconds"] >= 7190


@pytest.mark.parametrize("path", ["/sundhed/live", "/sundhed/klar"])
def test_probes_are_not_redirected_to_https_but_pages_are(client: Client, path: str) -> None:
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get(path).status_code == 200
        assert client.get("/").status_code == 301


def test_probes_still_need_an_allowed_host(client: Client) -> None:
    response = client.get("/sundhed/live", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["X-Request-ID"]  # answered by the request-id middleware outside it all
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/", HTTP_X_REQUEST_ID="lb-1")["X-Request-ID"] == "lb-1"


def test_probes_need_no_login_and_never_touch_a_session(client: Client, coordinator: User) -> None:
    assert client.get("/sundhed/live").status_code == 200  # anonymous: no redirect to login
    assert client.login(username=coordinator.username, password=PASSWORD)
    session = client.session
    idle_since = timezone.now().timestamp() - 2 * 60 * 60  # two hours idle
    session[accounts.SESSION_LAST_ACTIVITY] = idle_since
    session.save()
    for path in ("/sundhed/live", "/sundhed/klar"):
        response = client.get(path)
        assert response.status_code == 200, path
    # the probe neither logged the idle user out nor counted as activity
    assert client.session.get(accounts.SESSION_LAST_ACTIVITY) == idle_since
    assert "_auth_user_id" in client.session
    # the next real page does end the idle session
    assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_probes_refuse_writes(client: Client) -> None:
    assert client.post("/sundhed/live").status_code in (403, 405)
    assert client.post("/sundhed/klar").status_code in (403, 405)


def test_ready_database_check_is_bounded_on_postgresql() -> None:
    """The readiness check's own statement timeout (PostgreSQL); on SQLite a plain round trip."""
    result = health.check_database()
    assert result["status"] == "ok"
    assert result["ms"] < 1000
    if connection.vendor == "postgresql":
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {health.READY_DB_TIMEOUT_MS}")
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "2s"
