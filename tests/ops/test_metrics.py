"""``/metrics`` (docs/operations.md, "Sundhed, logning og målinger")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from helhed.audit import chain
from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import User
from tests.ops import tasks_for_tests

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-tests-0123456789"
ROOT = Path(__file__).resolve().parents[2]


def scrape(client: Client | None = None) -> str:
    client = client or Client()
    with override_settings(HELHED_METRICS_TOKEN=TOKEN):
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.content.decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


def test_no_token_configured_means_no_endpoint() -> None:
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@override_settings(HELHED_METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize(
    "header", [None, "", f"Bearer {TOKEN}x", f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", "Bearer"]
)
def test_a_wrong_or_missing_token_is_refused(header: str | None) -> None:
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = Client().get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"helhed_" not in response.content


def test_request_counters_and_latency_rise_by_route_name() -> None:
    client = Client()
    before = scrape(client)
    for _ in range(3):
        assert client.get("/sundhed/live").status_code == 200
    client.post("/sundhed/live")
    after = scrape(client)
    key = {"method": "GET", "route": "ops:live", "status": "2xx"}
    assert (sample(after, "helhed_http_requests_total", **key) or 0) - (
        sample(before, "helhed_http_requests_total", **key) or 0
    ) == 3
    posted = {"method": "POST", "route": "ops:live", "status": "4xx"}
    assert (sample(after, "helhed_http_requests_total", **posted) or 0) - (
        sample(before, "helhed_http_requests_total", **posted) or 0
    ) == 1
    latency = "helhed_http_request_duration_seconds_count"
    assert (sample(after, latency, route="ops:live") or 0) - (
        sample(before, latency, route="ops:live") or 0
    ) == 4


def test_labels_are_route_names_never_ids() -> None:
    course = uuid.uuid4()
    client = Client()
    client.get(f"/forloeb/{course}/")
    client.get(f"/ukendt/{course}/?navn=Jensen")
    client.get("/sundhed/live", REQUEST_METHOD="BREW")
    text = scrape(client)
    assert sample(text, "helhed_http_requests_total", route="courses:course_detail") is not None
    assert sample(text, "helhed_http_requests_total", route="unmatched") is not None
    assert sample(text, "helhed_http_requests_total", method="other") is not None
    assert str(course) not in text and course.hex not in text
    # and no piece of it in a label (the numbers are the samples' values: digits of a float can
    # match a piece by chance)
    labels = " ".join(
        value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        for value in s.labels.values()
    )
    for piece in str(course).split("-"):
        assert piece not in labels, piece
    assert "Jensen" not in text and "BREW" not in text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            for value in s.labels.values():
                assert not re.search(r"[0-9a-f]{8}", value), (s.name, value)


def test_queue_depth_equals_the_enqueued_tasks() -> None:
    for _ in range(3):
        tasks_for_tests.noop.enqueue()
    for _ in range(2):
        tasks_for_tests.noop_email.enqueue()
    text = scrape()
    assert sample(text, "helhed_tasks", queue="default", status="READY") == 3
    assert sample(text, "helhed_tasks", queue="email", status="READY") == 2
    assert sample(text, "helhed_tasks", queue="default", status="RUNNING") == 0
    assert sample(text, "helhed_tasks_oldest_ready_age_seconds", queue="default") is not None
    assert sample(text, "helhed_database_up") == 1


def test_access_log_entries_count_what_the_access_log_wrote(coordinator: User) -> None:
    before = sample(scrape(), "helhed_access_log_entries_total")
    assert before == chain.head("default")[0]
    log_access(coordinator, [uuid.uuid4(), uuid.uuid4()], "test", Purpose.CASEWORK)
    assert sample(scrape(), "helhed_access_log_entries_total") == before + 2


@pytest.mark.django_db(transaction=False)
def test_workers_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two processes count requests into PROMETHEUS_MULTIPROC_DIR; a third scrapes the sum (as
    gunicorn's workers do)."""
    folder = tmp_path / "prom"
    folder.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "helhed.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
    }
    count = textwrap.dedent(
        """
        import django; django.setup()
        from helhed.ops import metrics
        for _ in range({n}):
            metrics.observe_request("GET", "ops:live", 200, 0.01)
        """
    )
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, check=True, timeout=60)
    scraped = textwrap.dedent(
        """
        import django; django.setup()
        from helhed.ops import metrics
        print(metrics.render().decode())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", scraped],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    key = {"method": "GET", "route": "ops:live", "status": "2xx"}
    assert sample(out, "helhed_http_requests_total", **key) == 7
    assert sample(out, "helhed_http_request_duration_seconds_count", route="ops:live") == 7
    # no tables in that database: the scrape still answers, and says so
    assert sample(out, "helhed_database_up") == 0
