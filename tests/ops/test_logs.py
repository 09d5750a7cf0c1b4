"""Request ids and JSON log lines (docs/operations.md, "Sundhed, logning og målinger")."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings

from helhed.ops.logconfig import logging_config
from helhed.ops.logs import request_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Helhed's production logging (JSON lines, request log on) into a buffer."""
    buffer = io.StringIO()
    logging.config.dictConfig(logging_config(log_format="json", level="INFO", stream=buffer))
    try:
        with override_settings(HELHED_REQUEST_LOG=True):
            yield buffer
    finally:
        logging.config.dictConfig(settings.LOGGING)


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_every_line_of_a_request_is_json_with_its_request_id(json_log: io.StringIO) -> None:
    response = Client().get("/ingen-side-her/?navn=Jensen&cpr=0101011234")
    assert response.status_code == 404
    rid = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    records = lines(json_log)
    assert len(records) >= 2  # Django's "Not Found" line and the request line
    assert {r["request_id"] for r in records} == {rid}
    for record in records:
        assert {"timestamp", "level", "logger", "message", "request_id"} <= set(record)
    (line,) = [r for r in records if r["logger"] == "helhed.request"]
    assert line["message"] == "request"
    assert line["method"] == "GET"
    assert line["path"] == "/ingen-side-her/"  # a path no pattern matches: its first segment
    assert line["status"] == 404
    assert line["route"] == "unmatched"
    assert 0 <= line["duration_ms"] < 10_000
    assert line["level"] == "INFO"
    assert any(r["logger"] == "django.request" for r in records)
    # the query string (a name search lives there) is logged nowhere
    assert "Jensen" not in json_log.getvalue()
    assert "0101011234" not in json_log.getvalue()


def test_a_request_line_names_the_route_not_the_ids(json_log: io.StringIO) -> None:
    course = "3f1c2b9e-8d7a-4e6f-9a0b-1c2d3e4f5a6b"
    response = Client().get(f"/forloeb/{course}/")
    with override_settings(SECURE_SSL_REDIRECT=True):  # answered before URL resolution
        redirected = Client().get("/log-ind/")
    records = [r for r in lines(json_log) if r["logger"] == "helhed.request"]
    assert records[-2]["route"] == "courses:course_detail"
    assert records[-2]["status"] == response.status_code
    assert redirected.status_code == 301
    assert records[-1]["route"] == "core:login"
    assert records[-1]["status"] == 301


def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(
    json_log: io.StringIO,
) -> None:
    kept = Client().get("/sundhed/live", HTTP_X_REQUEST_ID="lb-4711.abc_DEF")
    assert kept["X-Request-ID"] == "lb-4711.abc_DEF"
    for bad in ("x" * 65, "a b", "a\nb", "æøå", "<script>", ""):
        response = Client().get("/sundhed/live", HTTP_X_REQUEST_ID=bad)
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"]), bad
    assert request_id.get() == "-"  # cleared when the response is closed


def test_probes_are_not_logged_per_request(json_log: io.StringIO) -> None:
    client = Client()
    for path in ("/sundhed/live", "/sundhed/klar", "/metrics"):
        client.get(path)
    assert not [r for r in lines(json_log) if r["logger"] == "helhed.request"]
    client.get("/log-ind/")
    assert [r["path"] for r in lines(json_log) if r["logger"] == "helhed.request"] == ["/log-ind/"]


@override_settings(ROOT_URLCONF="tests.ops.boom_urls")
def test_an_exception_logs_its_traceback_with_the_request_id_and_shows_the_500_page(
    json_log: io.StringIO,
) -> None:
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "Der skete en fejl" in response.content.decode()
    rid = response["X-Request-ID"]
    records = lines(json_log)
    assert {r["request_id"] for r in records} == {rid}
    (error,) = [r for r in records if r["level"] == "ERROR"]
    assert error["logger"] == "django.request"
    assert "Traceback" in error["exc_info"]
    assert "planted failure for the log test" in error["exc_info"]
    assert "request" not in error  # Django's request object (with its query string) is dropped
    (line,) = [r for r in records if r["logger"] == "helhed.request"]
    assert line["status"] == 500 and line["route"] == "boom"


def test_a_line_outside_a_request_says_so(json_log: io.StringIO) -> None:
    logging.getLogger("helhed.tests").warning("outside")
    (record,) = lines(json_log)
    assert record["request_id"] == "-"
    assert record["message"] == "outside"


def test_a_request_line_names_the_pattern_not_the_ids_or_keys_in_the_path(
    json_log: io.StringIO,
) -> None:
    """A course id or a password-reset key in the path is not written to the log; a mistyped
    address with a CPR number in it neither."""
    course_id = "5b0f9a3e-1d2c-4e8f-9a7b-3c2d1e0f4a5b"
    Client().get(f"/forloeb/{course_id}/plan/")
    Client().get("/borger/0101901234/oplysninger/")
    records = [r for r in lines(json_log) if r["logger"] == "helhed.request"]
    assert [r["path"] for r in records] == ["/forloeb/<uuid:course_id>/plan/", "/borger/…"]
    assert course_id not in json_log.getvalue()
    assert "0101901234" not in json_log.getvalue()


@override_settings(HELHED_METRICS_TOKEN="rigtig-token-til-maalinger-1234567890")
def test_a_refused_metrics_token_is_logged_though_scrapes_are_not(json_log: io.StringIO) -> None:
    """Someone guessing the metrics token shows in the log; the token itself does not."""
    client = Client()
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer gaet-1")
    assert response.status_code == 401
    records = [r for r in lines(json_log) if r["logger"] == "helhed.request"]
    assert [(r["path"], r["status"]) for r in records] == [("/metrics", 401)]
    assert "gaet-1" not in json_log.getvalue()
