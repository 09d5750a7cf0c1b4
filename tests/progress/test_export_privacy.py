"""The evaluation export: for analysts only and only data their evaluation consents cover, the
date shift independent of the purpose, streamed (CSV and XLSX) with every exported citizen
logged before the first byte."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.progress import services
from tests.courses.builders import open_course
from tests.progress.conftest import World, evaluation_consent, more_evaluated_citizens

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def _export(client: Client, world: World, purpose: str, mode: str = "shift") -> Any:
    url = f"/progression/indsatser/{world.course.initiative_id}/udtraek/"
    return client.post(url, {"fmt": "csv", "date_mode": mode, "purpose": purpose})


def _csv(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_export_only_for_analysts_and_consented_data(world: World, client: Client) -> None:
    day = timezone.localdate() - timedelta(days=40)
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    more_evaluated_citizens(world, 3)
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL, measured_on=day
    )
    no_consent = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    services.record_measurement(
        world.coordinator, course_id=no_consent.pk, instrument="who5", answers=FULL, measured_on=day
    )
    plan_only = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    evaluation_consent(plan_only, world.coordinator, units=[world.unit], categories=("plan",))
    services.record_measurement(
        world.coordinator, course_id=plan_only.pk, instrument="who5", answers=FULL, measured_on=day
    )
    withdrawn = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    consent = evaluation_consent(
        withdrawn, world.coordinator, units=[world.unit], categories=("plan", "health")
    )
    consent.withdrawn_on = timezone.localdate() - timedelta(days=1)
    consent.save()
    services.record_measurement(
        world.coordinator, course_id=withdrawn.pk, instrument="who5", answers=FULL, measured_on=day
    )
    client.force_login(world.leader)
    assert _export(client, world, "evaluering").status_code == 403
    client.force_login(world.analyst)
    rows = _csv(_export(client, world, "evaluering"))
    forloeb = {r["forloeb"] for r in rows}
    assert len(forloeb) == 1  # only the course whose consent covers health data
    logged = set(
        AccessLogEntry.objects.filter(purpose="evaluering").values_list("citizen_id", flat=True)
    )
    assert world.course.citizen_id in logged
    assert not logged & {no_consent.citizen_id, withdrawn.citizen_id}


def test_date_shift_does_not_depend_on_the_purpose(world: World, client: Client) -> None:
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    more_evaluated_citizens(world, 4)
    day = timezone.localdate() - timedelta(days=40)
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL, measured_on=day
    )
    client.force_login(world.analyst)
    a = _csv(_export(client, world, "evaluering"))
    b = _csv(_export(client, world, "forskning"))
    assert a[0]["pseudonym"] != b[0]["pseudonym"]
    assert a[0]["dato"] == b[0]["dato"] != day.isoformat()


def test_export_streams_and_logs_before_streaming(world: World, client: Client) -> None:
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    more_evaluated_citizens(world, 4)
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL
    )
    client.force_login(world.analyst)
    url = f"/progression/indsatser/{world.course.initiative_id}/udtraek/"
    response = client.post(url, {"fmt": "csv", "date_mode": "month", "purpose": "evaluering"})
    assert response.streaming
    # one entry per citizen in the export (the five who consent to it), before the first byte
    assert AccessLogEntry.objects.filter(purpose="evaluering").count() == 5
    rows = _csv(response)
    assert len(rows) == 1 and rows[0]["maaleredskab"] == "who5"
    xlsx = client.post(url, {"fmt": "xlsx", "date_mode": "month", "purpose": "evaluering"})
    assert xlsx.streaming
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert wb.active.max_row == 2
