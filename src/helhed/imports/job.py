"""The import job itself — the worker's task body (``tasks.run_import``) — and the check of a
file that the dry run shares with it. All or nothing: the job checks every row again and writes
everything, and marks itself done, in one transaction; a worker killed mid-job leaves nothing
written and the job RUNNING, and the restarted worker (``ops.worker.recover_stuck_tasks``) runs it
again from the start."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.db import DatabaseError, transaction
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
from helhed.imports.models import ImportJob, JobStatus
from helhed.progress import logic as progress_logic
from helhed.progress.models import CourseSummary, OutcomeState
from helhed.registry.models import Initiative

ZONE = ZoneInfo("Europe/Copenhagen")


def member_unit(user: User, unit_id: Any) -> Unit | None:
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return None
    for m in membership_list(user):
        if str(m.unit_id) == str(unit_id):
            return m.unit
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


def check_file(job: ImportJob, progress: Any = None) -> logic.Checked:
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
    if member_unit(user, job.unit_id) is None or not job.data:
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

    checked = check_file(job, progress)
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
    except DatabaseError:  # a CPR number registered by someone else meanwhile; nothing written
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
