"""The import's write use cases (ids and plain values in): upload, mapping + dry run, start,
cancel and the purge of old uploads; the job itself is ``job.run_import`` (the worker's task).

Who may import: a professional who is a current member of the unit the courses are imported
into — the rule for opening a course at intake (``courses.services.intake``). The importing user
becomes the coordinator and the unit the coordinating unit of every imported course; no consent
is recorded (a case system's measures come with their legal basis, stored on each measure, and
the coordinator reads the course as its coordinator); other units see nothing until a consent is
given in Helhed. A CPR number already registered in Helhed is refused (row error): such a course
is opened at intake, where the duplicate rules apply.

All or nothing: the job checks every row again and writes everything — and marks itself done —
in one transaction. A worker killed mid-job leaves nothing written and the job RUNNING; the
restarted worker (``ops.worker.recover_stuck_tasks``) runs it again from the start."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from helhed.core.models import User
from helhed.imports import logic
from helhed.imports.job import check_file, member_unit
from helhed.imports.models import ImportJob, ImportMapping, JobStatus
from helhed.imports.tasks import run_import
from helhed.registry.models import Initiative

MAX_BYTES = 50 * 1024 * 1024
KEEP_UPLOAD = timedelta(hours=24)


def _own_job(user: User, job_id: Any) -> ImportJob:
    """The user's own job; anyone else's (or a guessed id) is refused like a missing one."""
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        raise PermissionDenied from None
    job = ImportJob.objects.filter(pk=key, created_by_id=user.pk).first()
    if job is None or member_unit(user, job.unit_id) is None:
        raise PermissionDenied
    return job


def upload(
    user: User,
    *,
    unit_id: Any,
    initiative_id: Any,
    source: str,
    filename: str,
    data: bytes,
    encoding: str = "",
    delimiter: str = "",
) -> ImportJob:
    """Store an uploaded extract for the mapping step (read once to find its columns)."""
    errors: dict[str, str] = {}
    unit = member_unit(user, unit_id)
    if unit is None:
        errors["unit_id"] = "Du er ikke medlem af den valgte enhed i dag."
    if not Initiative.objects.filter(pk=_uuid(initiative_id)).exists():
        errors["initiative_id"] = "Vælg en indsats fra registret."
    if not source.strip():
        errors["source"] = "Angiv kilden, fx »Jobcenter Nordby, Fagsystem X«."
    if encoding and encoding not in logic.ENCODINGS:
        errors["encoding"] = "Vælg et tegnsæt fra listen."
    if delimiter and delimiter not in logic.DELIMITERS:
        errors["delimiter"] = "Vælg et skilletegn fra listen."
    if len(data) > MAX_BYTES:
        errors["file"] = "Filen er større end 50 MB. Del udtrækket i flere filer."
    table = None
    if not errors:
        try:
            table = logic.read_table(data, encoding=encoding, delimiter=delimiter)
        except logic.FileError as exc:
            errors["file"] = str(exc)
    if errors:
        raise ValidationError(errors)
    assert table is not None and unit is not None
    purge_expired()
    saved = ImportMapping.objects.filter(
        organisation_id=unit.organisation_id, source=source.strip()
    ).first()
    return ImportJob.objects.create(
        created_by=user,
        unit=unit,
        organisation_id=unit.organisation_id,
        initiative_id=initiative_id,
        source=source.strip()[:120],
        filename=filename[:200],
        kind="xlsx" if logic.is_xlsx(data) else "csv",
        data=data,
        encoding=table.encoding,
        encoding_detected=not encoding,
        delimiter=table.delimiter,
        headers=table.headers,
        mapping=logic.guess_mapping(table.headers, saved.mapping if saved else None),
        total_rows=len(table.rows),
    )


def _uuid(value: Any) -> Any:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def dry_run(
    user: User,
    *,
    job_id: Any,
    mapping: dict[str, str],
    encoding: str = "",
    delimiter: str = "",
) -> ImportJob:
    """Save the mapping (for the job, and for the source in the organisation), read the file
    again with the chosen encoding and delimiter and check every row; nothing is imported."""
    job = _own_job(user, job_id)
    if job.status not in (JobStatus.UPLOADED, JobStatus.INVALID, JobStatus.CHECKED):
        raise ValidationError({"__all__": "Importen er allerede sat i gang."})
    if not job.data:
        raise ValidationError({"__all__": "Filen er slettet. Upload den igen."})
    if encoding and encoding not in logic.ENCODINGS:
        raise ValidationError({"encoding": "Vælg et tegnsæt fra listen."})
    if delimiter and delimiter not in logic.DELIMITERS:
        raise ValidationError({"delimiter": "Vælg et skilletegn fra listen."})
    try:
        table = logic.read_table(bytes(job.data), encoding=encoding, delimiter=delimiter)
    except logic.FileError as exc:
        raise ValidationError({"encoding": str(exc)}) from None
    mapping = {k: v for k, v in mapping.items() if v}
    problems = logic.check_mapping(table.headers, mapping)
    if problems:
        raise ValidationError(problems)
    job.headers, job.mapping = table.headers, mapping
    job.encoding, job.delimiter = table.encoding, table.delimiter
    job.encoding_detected = not encoding
    checked = check_file(job)
    with transaction.atomic():
        ImportMapping.objects.update_or_create(
            organisation_id=job.organisation_id, source=job.source, defaults={"mapping": mapping}
        )
        job.total_rows = checked.rows
        job.error_count = checked.error_count
        job.errors = [list(e) for e in checked.errors]
        job.summary = checked.summary()
        job.status = JobStatus.INVALID if checked.error_count else JobStatus.CHECKED
        job.save()
    return job


def start(user: User, *, job_id: Any) -> ImportJob:
    """Queue the checked import on the worker (after this transaction commits; the id only)."""
    with transaction.atomic():
        job = _own_job(user, job_id)
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.CHECKED:
            raise ValidationError("Kør en prøveimport uden fejl, før du importerer.")
        job.status, job.processed_rows, job.phase = JobStatus.QUEUED, 0, ""
        job.save(update_fields=["status", "processed_rows", "phase"])
        job_key = str(job.pk)
        transaction.on_commit(lambda: run_import.enqueue(job_key))
    return job


def cancel(user: User, *, job_id: Any) -> ImportJob:
    """Stop an import that has not started writing; the file's bytes are deleted."""
    with transaction.atomic():
        job = _own_job(user, job_id)
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status in (JobStatus.RUNNING, JobStatus.DONE):
            raise ValidationError("Importen kan ikke annulleres nu.")
        job.status, job.data, job.finished_at = JobStatus.CANCELLED, b"", timezone.now()
        job.save(update_fields=["status", "data", "finished_at"])
    return job


def purge_expired(now: datetime | None = None) -> int:
    """Delete the bytes of uploads older than 24 hours, except a job's the worker has yet to
    finish; a job still waiting for its dry run or start is cancelled. Returns how many."""
    before = (now or timezone.now()) - KEEP_UPLOAD
    old = ImportJob.objects.filter(created_at__lt=before).exclude(data=b"")
    old = old.exclude(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    waiting = [JobStatus.UPLOADED, JobStatus.INVALID, JobStatus.CHECKED]
    with transaction.atomic():
        old.filter(status__in=waiting).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now()
        )
        return old.update(data=b"")


def delete_jobs_before(before: datetime) -> tuple[int, dict[str, int]]:
    """Retention, category *Importjob*: the jobs created before ``before``, except one that is
    queued or importing (the worker has yet to finish it)."""
    old = ImportJob.objects.filter(created_at__lt=before)
    return old.exclude(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).delete()
