"""API of the progress app (mounted at /api/progress by helhed.api).

The same rules as the pages: reads through ``selectors`` (access checked, logged), writes through
``services``. Errors are problem bodies: 403 without access (the same for a course that does not
exist), 422 with a message per field (per item for answers), 409 for a double submission (with the
id of the measurement already received), and 422 "For få borgere" when an evaluation export would
rest on fewer than 5 citizens.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError, ValidationError

from helhed.core.apikit import field_errors, problem, user_of
from helhed.progress import logic, selectors, services
from helhed.progress.models import Measurement

router = Router(tags=["progress"])

NO_ACCESS = "Du har ikke adgang til dette forløb."


def _problems(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PermissionDenied:
            raise HttpError(403, NO_ACCESS) from None
        except selectors.TooFewCitizensError as exc:
            return problem(422, "For få borgere", str(exc), minimum=selectors.EXPORT_MIN_CITIZENS)
        except services.DuplicateSubmissionError as exc:
            return problem(
                409,
                "Allerede modtaget",
                exc.messages[0],
                existing_id=str(exc.existing.pk) if exc.existing is not None else None,
            )
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from None

    return wrapper


class ItemOut(Schema):
    key: str
    text: str


class InstrumentOut(Schema):
    key: str
    version: int
    name: str
    categories: list[str]
    scale_min: int
    scale_max: int
    per_goal: bool
    items: list[ItemOut]


class MeasurementIn(Schema):
    instrument: str = Field(max_length=20)
    answers: dict[str, Any]
    comments: dict[str, str] | None = None
    measured_on: date | None = None
    goal_id: uuid.UUID | None = None
    with_citizen: bool = False
    idempotency_key: str | None = Field(default=None, max_length=64)


class MeasurementOut(Schema):
    id: uuid.UUID
    instrument: str
    version: int
    goal_id: uuid.UUID | None
    measured_on: date
    score: float | None
    interpretation: str | None
    answers: dict[str, Any]
    entered_as: str


class GoalRatingsIn(Schema):
    levels: dict[str, int | None]
    measured_on: date | None = None
    with_citizen: bool = True


class OutcomeIn(Schema):
    kind: str = Field(max_length=20)
    value: str = Field(default="", max_length=30)
    percent: float | None = None
    valid_from: date | None = None
    note: str = Field(default="", max_length=300)
    with_citizen: bool = False


class OutcomeOut(Schema):
    id: uuid.UUID
    kind: str
    value: str
    percent: float | None
    valid_from: date


def _out(m: Measurement) -> dict[str, Any]:
    interpretation = None
    if m.instrument == "who5" and m.score is not None:
        interpretation = str(logic.who5_interpret(m.score).label)
    return {
        "id": m.pk,
        "instrument": m.instrument,
        "version": m.version,
        "goal_id": m.goal_id,
        "measured_on": m.measured_on,
        "score": m.score,
        "interpretation": interpretation,
        "answers": m.answers,
        "entered_as": m.entered_as,
    }


@router.get("/instruments", response=list[InstrumentOut])
def instruments(request: HttpRequest) -> list[dict[str, Any]]:
    """The shipped instruments with items, scale and the data categories they belong to."""
    return [
        {
            "key": i.key,
            "version": i.version,
            "name": str(i.name),
            "categories": list(i.categories),
            "scale_min": i.scale.minimum,
            "scale_max": i.scale.maximum,
            "per_goal": i.per_goal,
            "items": [{"key": it.key, "text": str(it.text)} for it in i.items],
        }
        for i in logic.latest_instruments()
    ]


@router.get("/courses/{course_id}/measurements", response=list[MeasurementOut])
@_problems
def list_measurements(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course's measurements the caller may see (a citizen: their own course). Logged."""
    user = user_of(request)
    if user.is_citizen:
        progress = [p for p in selectors.citizen_progress(user) if p.course.pk == course_id]
        if not progress:
            raise PermissionDenied
        p = progress[0]
    else:
        p = selectors.course_progress(user, course_id)
    rows: list[Measurement] = [*(p.who5 or []), *(p.life_areas or [])]
    if p.goals is not None:
        rows += [m for ms in p.ratings.values() for m in ms] + p.gas_t
    rows.sort(key=lambda m: (m.measured_on, m.instrument))
    return [_out(m) for m in rows]


@router.post(
    "/courses/{course_id}/measurements",
    response={201: MeasurementOut},
)
@_problems
def create_measurement(request: HttpRequest, course_id: uuid.UUID, body: MeasurementIn) -> Any:
    m = services.record_measurement(
        user_of(request),
        course_id,
        body.instrument,
        body.answers,
        measured_on=body.measured_on,
        goal_id=body.goal_id,
        comments=body.comments,
        with_citizen=body.with_citizen,
        idempotency_key=body.idempotency_key,
    )
    return Status(201, _out(m))


@router.post("/courses/{course_id}/goal-ratings", response={201: list[MeasurementOut]})
@_problems
def rate_goals(request: HttpRequest, course_id: uuid.UUID, body: GoalRatingsIn) -> Any:
    saved = services.record_goal_ratings(
        user_of(request),
        course_id,
        body.levels,
        measured_on=body.measured_on,
        with_citizen=body.with_citizen,
    )
    return Status(201, [_out(m) for m in saved])


@router.post("/courses/{course_id}/outcomes", response={201: OutcomeOut})
@_problems
def create_outcome(request: HttpRequest, course_id: uuid.UUID, body: OutcomeIn) -> Any:
    state = services.record_outcome(
        user_of(request),
        course_id,
        kind=body.kind,
        value=body.value,
        percent=body.percent,
        valid_from=body.valid_from,
        note=body.note,
        with_citizen=body.with_citizen,
    )
    return Status(201, state)


class CohortOut(Schema):
    cohort: str
    courses: str
    citizens: str
    who5_paired: str
    who5_first_mean: str
    who5_last_mean: str
    who5_meaningful_improvement: str
    gas_t_mean: str
    benefit_to_job_or_education: str
    placements_avoided: str
    measures: str
    contacts: str
    timeliness: dict[str, str]


class DashboardOut(Schema):
    initiative_id: uuid.UUID
    initiative: str
    suppression: str
    cohorts: list[CohortOut]
    total: CohortOut


def _cohort(r: selectors.CohortRow, keys: list[str]) -> dict[str, Any]:
    return {
        "cohort": r.label,
        "courses": r.courses,
        "citizens": r.citizens,
        "who5_paired": r.who5_paired,
        "who5_first_mean": r.who5_first,
        "who5_last_mean": r.who5_last,
        "who5_meaningful_improvement": r.who5_share,
        "gas_t_mean": r.gas_mean,
        "benefit_to_job_or_education": r.to_job,
        "placements_avoided": r.placements_avoided,
        "measures": r.measures,
        "contacts": r.contacts,
        "timeliness": dict(zip(keys, r.timely_cells, strict=True)),
    }


@router.get("/initiatives/{initiative_id}/dashboard", response=DashboardOut)
@_problems
def dashboard(request: HttpRequest, initiative_id: uuid.UUID) -> Any:
    """Aggregated outputs and outcomes by start cohort (leder/analytiker; suppressed < 5)."""
    d = selectors.dashboard(user_of(request), initiative_id)
    t = selectors.dashboard_timeliness(user_of(request), initiative_id)
    keys = [m.key for m in t.metrics]
    timely = {r.label: r for r in [*t.rows, t.total]}
    for r in [*d.rows, d.total]:
        r.timely_cells = timely[r.label].timely_cells if r.label in timely else ["–"] * len(keys)
    return {
        "initiative_id": d.initiative.pk,
        "initiative": str(d.initiative),
        "suppression": (
            "Celler med 1-4 borgere vises som <5; en andel også, når 1-4 borgere har (eller "
            "ikke har) opnået resultatet. x: skjult, så en lille celle ikke kan regnes ud fra "
            "totalen (sekundær diskretionering)."
        ),
        "cohorts": [_cohort(r, keys) for r in d.rows],
        "total": _cohort(d.total, keys),
    }


class ExportIn(Schema):
    purpose: str = Field(
        default="evaluering",
        max_length=60,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="Formålet (nøgle til pseudonymerne): samme formål giver samme pseudonymer.",
    )
    date_mode: Literal["quarter", "month", "shift"] = "quarter"


class ExportOut(Schema):
    initiative_id: uuid.UUID
    columns: list[str]
    rows: list[dict[str, Any]]


@router.post("/initiatives/{initiative_id}/export", response=ExportOut)
@_problems
def export(request: HttpRequest, initiative_id: uuid.UUID, body: ExportIn) -> Any:
    """The pseudonymised evaluation export as JSON (analytiker only; the same rows as the page's
    CSV/XLSX): only citizens whose consent valid today names evaluation and the analyst's unit or
    organisation, only the categories it covers; fewer than 5 such citizens: 422 "For få
    borgere", no rows. Logged per citizen (purpose "evaluering")."""
    rows = selectors.export_rows(
        user_of(request), initiative_id, purpose_salt=body.purpose, date_mode=body.date_mode
    )
    return {
        "initiative_id": initiative_id,
        "columns": list(selectors.EXPORT_COLUMNS),
        "rows": list(rows),
    }
