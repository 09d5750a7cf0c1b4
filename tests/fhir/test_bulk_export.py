"""The bulk export as a job on the worker: progress done/total, a restart in the middle continues
after the last line written, the download is the requester's own and goes through the guard."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helhed.audit.models import AccessLogEntry
from helhed.fhir import selectors
from helhed.fhir.models import BulkExport, BulkExportLine
from helhed.ops.worker import host_name, recover_stuck_tasks, run_pending_tasks
from tests.courses.builders import open_course
from tests.gdpr import world as w


def _a_dead_pid() -> int:
    """The pid of a process that has exited (as a killed worker's)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.fixture
def world(db: None) -> w.World:
    return w.build()


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_job_runs_on_the_worker_survives_a_restart_and_only_the_requester_downloads(
    world: w.World, django_capture_on_commit_callbacks: Any
) -> None:
    open_course(world.coordinator, world.unit, first_name="Ida", last_name="Iversen")
    client = _login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/fhir/exports", {}, content_type="application/json")
    assert response.status_code == 202, response.content
    export_id = response.json()["id"]
    assert response.json()["total"] == 2 and response.json()["done"] == 0
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [export_id]  # ids only in the queue

    # A worker claimed the job and was killed after the first course: the task is left RUNNING
    # under a process that is gone, one line written, progress 1/2.
    gone_pid = _a_dead_pid()
    DBTaskResult.objects.filter(pk=task.pk).update(
        status=TaskResultStatus.RUNNING,
        worker_ids=[f"{host_name()}:{gone_pid}:abcdefgh"],
        started_at=timezone.now(),
    )
    export = BulkExport.objects.get(pk=export_id)
    first = selectors.course_bundle(world.coordinator, export.course_ids[0])
    BulkExportLine.objects.create(
        export=export, seq=0, course_id=export.course_ids[0], bundle=json.dumps(first)
    )
    BulkExport.objects.filter(pk=export_id).update(done=1, status="running")
    status = client.get(f"/api/fhir/exports/{export_id}").json()
    assert (status["status"], status["done"], status["total"]) == ("running", 1, 2)
    assert client.get(f"/api/fhir/exports/{export_id}/download").status_code == 409

    # Nothing runs a task still marked RUNNING; the restarted worker hands it back and continues
    # with the second course only.
    assert run_pending_tasks() == 0
    assert recover_stuck_tasks() == 1
    assert run_pending_tasks() == 1
    assert BulkExportLine.objects.filter(export_id=export_id).count() == 2
    status = client.get(f"/api/fhir/exports/{export_id}").json()
    assert (status["status"], status["done"], status["total"]) == ("done", 2, 2)

    download = client.get(f"/api/fhir/exports/{export_id}/download")
    assert download.status_code == 200
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert len(lines) == 2
    assert all(json.loads(line)["resourceType"] == "Bundle" for line in lines)

    for stranger in (world.other_coordinator, world.colleague):
        other = _login(stranger)
        assert other.get(f"/api/fhir/exports/{export_id}").status_code == 403
        assert other.get(f"/api/fhir/exports/{export_id}/download").status_code == 403


def test_an_export_past_seven_days_is_refused_and_deleted_by_the_daily_job(
    world: w.World, django_capture_on_commit_callbacks: Any
) -> None:
    client = _login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/fhir/exports", {}, content_type="application/json")
    export_id = response.json()["id"]
    run_pending_tasks()
    assert client.get(f"/api/fhir/exports/{export_id}/download").status_code == 200
    BulkExport.objects.filter(pk=export_id).update(created_at=timezone.now() - timedelta(days=8))
    assert client.get(f"/api/fhir/exports/{export_id}/download").status_code == 403
    call_command("alerts", stdout=StringIO())
    assert not BulkExport.objects.filter(pk=export_id).exists()
    assert not BulkExportLine.objects.filter(export_id=export_id).exists()


def test_a_download_after_the_consent_narrowed_is_built_afresh_and_logs_everyone_named(
    world: w.World, django_capture_on_commit_callbacks: Any
) -> None:
    """The lines are built by the job; the download serves one only while the requester sees
    what they saw then — a consent narrowed since (health taken out) means the course is built
    again through the guard. Each person a served line names is logged at download."""
    consent = world.course.consents.get(person=None)
    type(consent).objects.filter(pk=consent.pk).update(cat_health=True)
    client = _login(world.colleague)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/fhir/exports", {}, content_type="application/json")
    export_id = response.json()["id"]
    run_pending_tasks()
    [line] = BulkExportLine.objects.filter(export_id=export_id, course_id=world.course.pk)
    assert '"QuestionnaireResponse"' in line.bundle  # the job saw health data

    before = AccessLogEntry.objects.filter(what="FHIR-masseeksport hentet").count()
    download = client.get(f"/api/fhir/exports/{export_id}/download")
    text = b"".join(download.streaming_content).decode()
    assert '"QuestionnaireResponse"' in text  # unchanged access: the stored line
    logged = AccessLogEntry.objects.filter(what="FHIR-masseeksport hentet")
    named = {str(i) for i in line.citizen_ids}
    assert {str(e.citizen_id) for e in logged[before:]} >= named  # every person in it
    assert len(named) > 1  # the household's members too

    type(consent).objects.filter(pk=consent.pk).update(cat_health=False)
    download = client.get(f"/api/fhir/exports/{export_id}/download")
    text = b"".join(download.streaming_content).decode()
    assert text.count("\n") == 1
    assert '"QuestionnaireResponse"' not in text and '"Observation"' not in text
