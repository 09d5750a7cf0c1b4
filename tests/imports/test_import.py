"""The course import (issue 17, part 3): a messy extract in both encodings is reported row by
row and nothing is written; the clean file imports all or nothing on the worker with progress;
a killed worker's job is redone from scratch; nobody else sees or runs someone's import."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Unit, User
from helhed.courses.models import Appointment, Citizen, Course, Measure, PlanVersion, TeamMember
from helhed.imports import job as import_job
from helhed.imports import services
from helhed.imports.models import ImportJob, ImportMapping, JobStatus
from helhed.notifications.services import run_alerts
from helhed.ops.worker import host_name, recover_stuck_tasks, run_pending_tasks
from helhed.progress.models import CourseSummary, OutcomeState
from tests.courses.builders import make_initiative, make_staff, make_unit, organisation
from tests.imports.files import CLEAN_ROWS, EXPECTED_ERRORS, MESSY_ROWS, extract

SOURCE = "Jobcenter Nordby, Fagsystem X"


def _upload(client: Client, unit: Unit, initiative: Any, data: bytes, **extra: str) -> Any:
    response = client.post(
        reverse("imports:upload"),
        {
            "file": SimpleUploadedFile("udtraek.csv", data, content_type="text/csv"),
            "source": SOURCE,
            "unit": str(unit.pk),
            "initiative": str(initiative.pk),
            **extra,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def _dry_run(client: Client, job: ImportJob) -> Any:
    page = client.get(reverse("imports:job", args=[job.pk]))
    form = page.context["form"]
    data = {name: (form[name].value() or "") for name in form.fields}
    return client.post(reverse("imports:job", args=[job.pk]), data, follow=True)


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_the_messy_file_is_reported_row_by_row_and_nothing_is_written(
    login: Callable[[User], Client], coordinator: User, unit: Unit, encoding: str
) -> None:
    client = login(coordinator)
    job = _upload(client, unit, make_initiative(), extract(MESSY_ROWS, encoding))
    page = _dry_run(client, job)
    html = page.content.decode()
    label = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}[encoding]
    assert f"{label} (fundet automatisk)" in html
    job.refresh_from_db()
    assert job.status == JobStatus.INVALID
    assert job.error_count == len(EXPECTED_ERRORS), job.errors
    for (row, column, text), (got_row, got_column, got_message) in zip(
        EXPECTED_ERRORS, job.errors, strict=True
    ):
        assert (got_row, got_column) == (row, column)
        assert text in got_message
        assert f"<td>{row}</td><td>{column}</td>" in html
    assert "Prøveimporten fandt 4 fejl" in html
    assert "0101901234" not in str(job.errors) and "010190-1234" not in html  # no CPR in the report
    assert not Citizen.objects.exists() and not Course.objects.exists()
    # the import cannot be started from a failed dry run
    response = client.post(reverse("imports:start", args=[job.pk]))
    assert response.status_code == 400
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_the_clean_file_imports_on_the_worker_with_progress(
    login: Callable[[User], Client],
    coordinator: User,
    unit: Unit,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login(coordinator)
    initiative = make_initiative()
    job = _upload(client, unit, initiative, extract(CLEAN_ROWS, "cp1252"))
    page = _dry_run(client, job)
    assert "Prøveimporten fandt ingen fejl" in page.content.decode()
    assert ImportMapping.objects.get(source=SOURCE).mapping["fagomraade"] == "Fagområde"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:start", args=[job.pk]))
    progress = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in progress and "Sat i kø" in progress
    assert not Course.objects.exists()

    assert run_pending_tasks() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.percent == 100, job.errors
    assert bytes(job.data) == b""  # the uploaded file is gone once imported
    progress = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert "every 1s" not in progress and "Importen er færdig" in progress
    assert "2 forløb, 2 indsatser, 1 aftaler og 1 resultater" in progress

    soren = Citizen.objects.get(cpr="0101901234")
    assert (soren.first_name, soren.last_name) == ("Søren", "Ærø")  # trailing spaces stripped
    course = Course.objects.get(citizen=soren)
    assert (course.coordinator, course.coordinator_unit, course.initiative) == (
        coordinator,
        unit,
        initiative,
    )
    assert TeamMember.objects.get(course=course).user == coordinator
    measure = Measure.objects.get(plan__course=course)
    assert (measure.legal_basis_id, measure.data_category) == ("lab-187", "employment")
    appointment = Appointment.objects.get(plan__course=course)
    assert (
        timezone.localtime(appointment.starts_at).strftime("%d-%m-%Y %H:%M") == "10-03-2026 10:30"
    )
    assert PlanVersion.objects.get(plan__course=course).snapshot["appointments"][0]["title"] == (
        "Samtale på jobcentret"
    )
    aase = Course.objects.get(citizen__cpr="0202852345")
    assert OutcomeState.objects.get(course=aase).value == "kontanthjaelp"
    assert CourseSummary.objects.get(course=aase).employment_last == "kontanthjaelp"
    # the coordinator opens the imported course like any other
    assert client.get(reverse("courses:course_detail", args=[course.pk])).status_code == 200
    # a second run of the same task imports nothing twice
    assert import_job.run_import(job_id=job.pk) == JobStatus.DONE
    assert Course.objects.count() == 2


@pytest.mark.django_db
def test_a_job_killed_mid_import_is_redone_from_scratch_by_the_restarted_worker(
    login: Callable[[User], Client],
    coordinator: User,
    unit: Unit,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login(coordinator)
    job = _upload(client, unit, make_initiative(), extract(CLEAN_ROWS, "utf-8"))
    _dry_run(client, job)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:start", args=[job.pk]))
    # The worker claimed the task, got half-way and was killed: its transaction is gone, the
    # job says RUNNING with half its rows, and the queue says RUNNING by a dead process.
    task = DBTaskResult.objects.get()
    dead = 2**22 + 12345
    while True:
        try:
            os.kill(dead, 0)
            dead += 1
        except ProcessLookupError:
            break
        except PermissionError:
            dead += 1
    task.claim(f"{host_name()}:{dead}:killed")
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, phase="skriver", processed_rows=2, attempts=1
    )
    assert run_pending_tasks() == 0  # nobody takes a RUNNING task…
    assert recover_stuck_tasks() == 1  # …until a worker starts and hands it back
    assert run_pending_tasks() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert Course.objects.count() == 2 and Citizen.objects.count() == 2
    assert Measure.objects.count() == 2


@pytest.mark.django_db
def test_a_cpr_registered_meanwhile_fails_the_whole_job_and_writes_nothing(
    login: Callable[[User], Client], coordinator: User, unit: Unit
) -> None:
    client = login(coordinator)
    job = _upload(client, unit, make_initiative(), extract(CLEAN_ROWS, "utf-8"))
    _dry_run(client, job)
    services.start(coordinator, job_id=job.pk)
    Citizen.objects.create(
        cpr="0202852345", birth_date="1985-02-02", first_name="Åse", last_name="Østergård"
    )
    assert import_job.run_import(job_id=job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert "allerede registreret i Helhed" in job.errors[0][2]
    entry = AccessLogEntry.objects.get()  # telling it is a read of that citizen, logged
    assert (entry.actor_id, entry.what) == (coordinator.pk, "import: opslag på CPR-nummer")
    assert not Course.objects.exists() and Citizen.objects.count() == 1
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "Intet er importeret" in page


@pytest.mark.django_db
def test_another_organisations_user_cannot_see_or_run_the_import(
    login: Callable[[User], Client], coordinator: User, unit: Unit
) -> None:
    client = login(coordinator)
    job = _upload(client, unit, make_initiative(), extract(CLEAN_ROWS, "utf-8"))
    _dry_run(client, job)
    other = make_staff(make_unit(organisation("316"), "Andet jobcenter"), role="koordinator")
    colleague = make_staff(unit, role="koordinator")  # same unit, not the job's owner
    for intruder in (other, colleague):
        client.force_login(intruder)
        for name in ("job", "progress"):
            assert client.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 403
        for name in ("start", "cancel"):
            assert client.post(reverse(f"imports:{name}", args=[job.pk])).status_code == 403
        assert SOURCE not in client.get(reverse("imports:list")).content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and not DBTaskResult.objects.exists()
    # and an upload into a unit the user is not a member of is refused on the field
    client.force_login(other)
    response = client.post(
        reverse("imports:upload"),
        {
            "file": SimpleUploadedFile("x.csv", extract(CLEAN_ROWS, "utf-8")),
            "source": SOURCE,
            "unit": str(unit.pk),
            "initiative": str(job.initiative_id),
        },
    )
    assert response.status_code == 200 and ImportJob.objects.count() == 1


@pytest.mark.django_db
def test_mapping_is_saved_per_source_and_preselected_and_cancel_deletes_the_file(
    login: Callable[[User], Client], coordinator: User, unit: Unit
) -> None:
    client = login(coordinator)
    initiative = make_initiative()
    renamed = extract(CLEAN_ROWS, "utf-8").replace(b"Hjemmel", b"Lovgrundlag")
    job = _upload(client, unit, initiative, renamed)
    page = _dry_run(client, job)  # "Lovgrundlag" is not recognised: the field is required
    assert "Vælg den kolonne, der indeholder feltet." in page.content.decode()
    form = page.context["form"]
    data = {name: (form[name].value() or "") for name in form.fields} | {"f_hjemmel": "Lovgrundlag"}
    client.post(reverse("imports:job", args=[job.pk]), data)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    second = _upload(client, unit, initiative, renamed)
    assert second.mapping["hjemmel"] == "Lovgrundlag"  # the source's saved choice
    client.post(reverse("imports:cancel", args=[second.pk]))
    second.refresh_from_db()
    assert second.status == JobStatus.CANCELLED and bytes(second.data) == b""
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=25))
    run_alerts(timezone.localdate())  # the daily job purges uploads older than 24 hours
    job.refresh_from_db()
    assert bytes(job.data) == b"" and job.status == JobStatus.CANCELLED


@pytest.mark.django_db
def test_an_xlsx_extract_and_a_forced_encoding(
    login: Callable[[User], Client], coordinator: User, unit: Unit
) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in [extract([], "utf-8").decode("utf-8-sig").strip(), *CLEAN_ROWS]:
        sheet.append(line.split(";") if line.strip() else [])
    buffer = io.BytesIO()
    book.save(buffer)
    client = login(coordinator)
    job = _upload(client, unit, make_initiative(), buffer.getvalue())
    assert job.kind == "xlsx"
    _dry_run(client, job)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED, job.errors
    # a cp1252 file forced to be read as UTF-8 is refused with a clear message
    response = client.post(
        reverse("imports:upload"),
        {
            "file": SimpleUploadedFile("x.csv", extract(CLEAN_ROWS, "cp1252")),
            "source": SOURCE,
            "unit": str(unit.pk),
            "initiative": str(job.initiative_id),
            "encoding": "utf-8",
        },
    )
    assert "Filen kan ikke læses som UTF-8." in response.content.decode()


@pytest.mark.django_db
def test_the_documented_example_file_passes_the_dry_run(coordinator: User, unit: Unit) -> None:
    from pathlib import Path

    example = Path(__file__).parents[2] / "docs" / "examples" / "import-forloeb.csv"
    job = services.upload(
        coordinator,
        unit_id=unit.pk,
        initiative_id=make_initiative().pk,
        source=SOURCE,
        filename=example.name,
        data=example.read_bytes(),
    )
    job = services.dry_run(coordinator, job_id=job.pk, mapping=job.mapping)
    assert (job.status, job.errors) == (JobStatus.CHECKED, [])
    assert job.summary == {
        "rows": 4,
        "citizens": 2,
        "measures": 2,
        "appointments": 1,
        "outcomes": 1,
    }


@pytest.mark.django_db
def test_retention_deletes_old_jobs_but_not_one_the_worker_holds_nor_what_was_imported(
    login: Callable[[User], Client],
    coordinator: User,
    unit: Unit,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Category *Importjob* (default 1 year): the job — filename, columns, error lists — goes;
    the courses it imported stay, and so does a job that is queued or importing."""
    from helhed.retention import services as retention

    client = login(coordinator)
    initiative = make_initiative()
    done = _upload(client, unit, initiative, extract(CLEAN_ROWS, "utf-8"))
    _dry_run(client, done)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:start", args=[done.pk]))
    assert run_pending_tasks() == 1
    running = _upload(client, unit, initiative, extract(CLEAN_ROWS, "utf-8"))
    ImportJob.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING)
    queued = _upload(client, unit, initiative, extract(CLEAN_ROWS, "utf-8"))
    ImportJob.objects.filter(pk=queued.pk).update(status=JobStatus.QUEUED)
    recent = _upload(client, unit, initiative, extract(CLEAN_ROWS, "utf-8"))
    long_ago = timezone.now() - timedelta(days=400)
    ImportJob.objects.exclude(pk=recent.pk).update(created_at=long_ago)

    report = retention.run(today=timezone.localdate())

    assert set(ImportJob.objects.values_list("pk", flat=True)) == {
        running.pk,
        queued.pk,
        recent.pk,
    }
    assert Course.objects.count() == 2  # what the deleted job imported
    lines = report.lines()
    assert lines[lines.index("Importjob: 1 rækker blev slettet") + 1] == "  importer (slettet): 1"
    # its page answers as for any id that is not one of the caller's jobs
    assert client.get(reverse("imports:job", args=[done.pk])).status_code == 403
