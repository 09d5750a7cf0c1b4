"""The import's write use cases (ids and plain values in): upload, mapping + dry run, start,
cancel, the job itself (``run_import``, the worker's task) and the purge of old uploads.

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
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import Unit, User, UserKind, WelfareArea
from helhed.core.selectors import membership_list, today
from helhed.courses import logic as course_logic
from helhed.courses.models import (
    Appointment,
    BudgetArea,
    Citizen,
    Course,
    CourseStatus,
    LegalBasis,
    Measure,
    Plan,
    PlanVersion,
    TeamMember,
)
from helhed.imports import bulk, logic
from helhed.imports.models import ImportJob, ImportMapping, JobStatus
from helhed.progress import logic as progress_logic
from helhed.progress.models import CourseSummary, OutcomeState
from helhed.registry.models import Initiative

MAX_BYTES = 50 * 1024 * 1024
KEEP_UPLOAD = timedelta(hours=24)
ZONE = ZoneInfo("Europe/Copenhagen")


def _member_unit(user: User, unit_id: Any) -> Unit | None:
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return None
    for m in membership_list(user):
        if str(m.unit_id) == str(unit_id):
            return m.unit
    return None


def _own_job(user: User, job_id: Any) -> ImportJob:
    """The user's own job; anyone else's (or a guessed id) is refused like a missing one."""
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        raise PermissionDenied from None
    job = ImportJob.objects.filter(pk=key, created_by_id=user.pk).first()
    if job is None or _member_unit(user, job.unit_id) is None:
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
    unit = _member_unit(user, unit_id)
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


def references(default_initiative: str) -> logic.Refs:
    """Every code a row may name, read once (four queries)."""
    kinds: dict[str, frozenset[str] | None] = {}
    for kind, (_label, choices, _cat) in progress_logic.OUTCOME_KINDS.items():
        kinds[kind] = None if choices is None else frozenset(k for k, _l in choices)
    return logic.Refs(
        legal_bases=dict(LegalBasis.objects.filter(active=True).values_list("id", "data_category")),
        areas=frozenset(WelfareArea.objects.values_list("slug", flat=True)),
        budget_areas=frozenset(BudgetArea.values),
        initiatives=frozenset(str(i) for i in Initiative.objects.values_list("id", flat=True)),
        outcome_kinds=kinds,
        default_initiative=default_initiative,
        today=today(),
    )


def registered(cprs: list[str]) -> dict[str, Any]:
    """CPR number → citizen id of those of ``cprs`` already registered (one query per 900,
    SQLite's parameter limit)."""
    found: dict[str, Any] = {}
    for i in range(0, len(cprs), 900):
        found.update(Citizen.objects.filter(cpr__in=cprs[i : i + 900]).values_list("cpr", "id"))
    return found


def _check(job: ImportJob, progress: Any = None) -> logic.Checked:
    """Every row checked. Telling the user that a CPR number is registered in Helhed is a read of
    that citizen: logged as intake's duplicate look-up is (one entry per such citizen)."""
    table = logic.read_table(bytes(job.data), encoding=job.encoding, delimiter=job.delimiter)
    known: dict[str, Any] = {}

    def existing(cprs: list[str]) -> set[str]:
        known.update(registered(cprs))
        return set(known)

    checked = logic.check_rows(
        table, job.mapping, references(str(job.initiative_id)), existing, progress
    )
    if known:
        log_access(
            job.created_by,
            list(known.values()),
            "import: opslag på CPR-nummer",
            Purpose.SEARCH,
            unit_id=job.unit_id,
        )
    return checked


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
    checked = _check(job)
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
    from helhed.imports.tasks import run_import

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
    """Delete the bytes of uploads older than 24 hours (and cancel their jobs unless they run)."""
    before = (now or timezone.now()) - KEEP_UPLOAD
    old = ImportJob.objects.filter(created_at__lt=before).exclude(data=b"")
    running = old.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    n = old.exclude(pk__in=running).update(
        data=b"", status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    return n


# -- the job ----------------------------------------------------------------------------------


def run_import(*, job_id: Any) -> str:
    """The worker's task: check every row again and write everything in one transaction."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return str(job.status)  # done, cancelled or failed: never run twice
    user = job.created_by
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, phase="kontrollerer", processed_rows=0, attempts=job.attempts + 1
    )
    if _member_unit(user, job.unit_id) is None or not job.data:
        return _fail(
            job,
            [
                [
                    0,
                    "",
                    "Importen kan ikke køre: du er ikke længere medlem af enheden, "
                    "eller filen er slettet.",
                ]
            ],
            1,
        )

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)

    checked = _check(job, progress)
    if checked.error_count:
        return _fail(job, [list(e) for e in checked.errors], checked.error_count)
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=checked.rows, phase="skriver")
    try:
        with transaction.atomic():
            counts = write(user, job, checked.people)
            ImportJob.objects.filter(pk=job.pk).update(
                status=JobStatus.DONE,
                phase="",
                data=b"",
                processed_rows=checked.rows,
                summary={**checked.summary(), **counts},
                finished_at=timezone.now(),
            )
    except IntegrityError:  # a CPR number registered by someone else meanwhile; nothing written
        return _fail(
            job,
            [
                [
                    0,
                    "",
                    "Importen kunne ikke gemmes, fx fordi en borger i filen netop er "
                    "blevet registreret i Helhed af en anden. Intet er importeret. Kør "
                    "prøveimporten igen.",
                ]
            ],
            1,
        )
    return str(JobStatus.DONE)


def _fail(job: ImportJob, errors: list[list[Any]], count: int) -> str:
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED,
        phase="",
        errors=errors,
        error_count=count,
        finished_at=timezone.now(),
    )
    return str(JobStatus.FAILED)


def write(user: User, job: ImportJob, people: list[logic.Person]) -> dict[str, int]:
    """Every citizen, course, team member, plan (version 1), measure, appointment and outcome
    state, as plain rows written with one prepared statement per table (``bulk.insert``) — no
    query per row, no model instance per row. Runs inside the caller's transaction."""
    unit = job.unit
    org_id, unit_id, user_id = unit.organisation_id, unit.pk, user.pk
    member = {
        "user_id": user_id,
        "name": user.get_full_name() or user.username,
        "organisation_id": org_id,
        "unit_id": unit_id,
        "welfare_area_id": unit.welfare_area_id,
        "role": "Koordinator",
        "phone": user.phone,
        "email": user.email,
    }
    changes = [f"Forløbet er importeret fra {job.source}"]
    note = f"Importeret fra {job.source}"[:300]
    citizens, courses, members, plans, versions = [], [], [], [], []
    measures, appointments, outcomes, summaries = [], [], [], []
    for p in people:
        citizen_id, course_id, plan_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        citizens.append(
            {
                "id": citizen_id,
                "cpr": p.cpr,
                "birth_date": course_logic.cpr_birth_date(p.cpr),
                "first_name": p.first_name[:100],
                "last_name": p.last_name[:100],
            }
        )
        courses.append(
            {
                "id": course_id,
                "initiative_id": uuid.UUID(p.initiative),
                "citizen_id": citizen_id,
                "status": CourseStatus.ACTIVE.value,
                "referred_on": p.referred_on,
                "start_date": p.referred_on,
                "coordinator_id": user_id,
                "coordinator_unit_id": unit_id,
            }
        )
        members.append({**member, "course_id": course_id, "valid_from": p.referred_on})
        plans.append({"id": plan_id, "course_id": course_id, "updated_by_id": user_id})
        plan_measures = [_measure(plan_id, org_id, unit_id, m) for m in p.measures]
        plan_appointments = [_appointment(plan_id, org_id, a) for a in p.appointments]
        snapshot = course_logic.plan_snapshot(
            measures=[(SimpleNamespace(**m), []) for m in plan_measures],
            appointments=[SimpleNamespace(**a) for a in plan_appointments],
        )
        versions.append(
            {
                "plan_id": plan_id,
                "number": 1,
                "created_by_id": user_id,
                "changes": changes,
                "snapshot": snapshot,
            }
        )
        for o in p.outcomes:
            outcomes.append(
                {
                    "id": o["id"],
                    "course_id": course_id,
                    "kind": o["kind"],
                    "value": o["value"],
                    "percent": o["percent"],
                    "valid_from": o["on"],
                    "entered_by_id": user_id,
                    "note": note,
                }
            )
        if p.outcomes:
            summaries.append(_summary(course_id, p.outcomes))
        measures += plan_measures
        appointments += plan_appointments
    for model, rows in (
        (Citizen, citizens),
        (Course, courses),
        (TeamMember, members),
        (Plan, plans),
        (PlanVersion, versions),
        (Measure, measures),
        (Appointment, appointments),
        (OutcomeState, outcomes),
        (CourseSummary, summaries),
    ):
        bulk.insert(model, rows)
    return {
        "created_citizens": len(citizens),
        "created_courses": len(courses),
        "created_measures": len(measures),
        "created_appointments": len(appointments),
        "created_outcomes": len(outcomes),
    }


def _measure(plan_id: Any, org_id: Any, unit_id: Any, m: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": m["id"],
        "plan_id": plan_id,
        "title": m["title"],
        "welfare_area_id": m["area"],
        "legal_basis_id": m["legal_basis"],
        "organisation_id": org_id,
        "unit_id": unit_id,
        "responsible_id": None,
        "start_date": m["start"],
        "end_date": m["end"],
        "expected_end": None,
        "status": m["status"],
        "budget_area": m["budget_area"],
        "description": "",
        "data_category": m["category"],  # what Measure.classify computes, from prefetched codes
    }


def _appointment(plan_id: Any, org_id: Any, a: dict[str, Any]) -> dict[str, Any]:
    starts = datetime.combine(a["on"], a["at"], tzinfo=ZONE)
    return {
        "id": a["id"],
        "plan_id": plan_id,
        "title": a["title"],
        "organisation_id": org_id,
        "welfare_area_id": a["area"],
        "with_member_id": None,
        "place": a["place"],
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "demand_id": None,
        "note": "",
        "data_category": a["category"],
    }


def _summary(course_id: Any, outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    values = progress_logic.summarise(
        [],
        [],
        [(o["on"], o["value"]) for o in outcomes if o["kind"] == "beskaeftigelse"],
        [o["value"] for o in outcomes if o["kind"] == "anbringelse"],
    )
    return {"course_id": course_id, **values}
