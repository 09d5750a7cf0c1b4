"""API of the progress app (mounted at /api/progress by helhed.api).

The same rules as the pages: reads through ``selectors`` (access checked, logged), writes through
``services``; ninja serialises the results through ``progress.schemas``. Errors are not
translated here: ``helhed.api``'s handlers answer with problem bodies — 403 without access (the
same for a course that does not exist), 422 with a message per field (per item for answers), 409
for a double submission (``services.DuplicateSubmissionError``, with the id of the measurement
already received), and 422 "For få borgere" when an evaluation export would rest on fewer than 5
citizens (``selectors.TooFewCitizensError``, with the ``minimum``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from helhed.core.apikit import user_of
from helhed.progress import logic, selectors, services
from helhed.progress.schemas import (
    DashboardOut,
    ExportIn,
    ExportOut,
    GoalRatingsIn,
    MeasurementIn,
    MeasurementOut,
    OutcomeIn,
    OutcomeOut,
    ProgressInstrumentOut,
    ScheduleIn,
    ScheduleOut,
)

router = Router(tags=["progress"])


@router.get("/instruments", response=list[ProgressInstrumentOut])
def instruments(request: HttpRequest) -> Any:
    """The shipped instruments with items, scale and the data categories they belong to."""
    return logic.latest_instruments()


@router.get("/courses/{course_id}/measurements", response=list[MeasurementOut])
def list_measurements(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course's measurements the caller may see (a citizen: their own course). Logged."""
    return selectors.course_measurements(user_of(request), course_id)


@router.post("/courses/{course_id}/measurements", response={201: MeasurementOut})
def create_measurement(request: HttpRequest, course_id: uuid.UUID, body: MeasurementIn) -> Any:
    m = services.record_measurement(
        user_of(request),
        course_id=course_id,
        instrument=body.instrument,
        answers=body.answers,
        measured_on=body.measured_on,
        goal_id=body.goal_id,
        comments=body.comments,
        with_citizen=body.with_citizen,
        idempotency_key=body.idempotency_key,
    )
    return Status(201, m)


@router.post("/courses/{course_id}/goal-ratings", response={201: list[MeasurementOut]})
def rate_goals(request: HttpRequest, course_id: uuid.UUID, body: GoalRatingsIn) -> Any:
    saved = services.record_goal_ratings(
        user_of(request),
        course_id=course_id,
        levels=body.levels,
        measured_on=body.measured_on,
        with_citizen=body.with_citizen,
    )
    return Status(201, saved)


@router.post("/courses/{course_id}/outcomes", response={201: OutcomeOut})
def create_outcome(request: HttpRequest, course_id: uuid.UUID, body: OutcomeIn) -> Any:
    state = services.record_outcome(
        user_of(request),
        course_id=course_id,
        kind=body.kind,
        value=body.value,
        percent=body.percent,
        valid_from=body.valid_from,
        note=body.note,
        with_citizen=body.with_citizen,
    )
    return Status(201, state)


@router.get("/courses/{course_id}/measurement-plan", response=list[ScheduleOut])
def measurement_plan(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course's planned measurement points (the instruments the caller may see), each with
    its state: kommende, forfalden (due: the ±14-day window is open), overskredet, taget."""
    return selectors.measurement_plan(user_of(request), course_id)


@router.post("/courses/{course_id}/measurement-plan", response={201: ScheduleOut})
def schedule_measurements(request: HttpRequest, course_id: uuid.UUID, body: ScheduleIn) -> Any:
    """Plan an instrument at ``first_on`` and every ``every_weeks`` weeks (the coordinator)."""
    user = user_of(request)
    created = services.schedule_measurements(user, course_id=course_id, **body.dict())
    plans = selectors.measurement_plan(user, course_id)
    return Status(201, next(p for p in plans if p.id == created.pk))


@router.delete("/measurement-plan/{schedule_id}", response={204: None})
def end_measurement_schedule(request: HttpRequest, schedule_id: uuid.UUID) -> Any:
    services.end_measurement_schedule(user_of(request), schedule_id=schedule_id)
    return Status(204, None)


@router.get("/initiatives/{initiative_id}/dashboard", response=DashboardOut)
def dashboard(request: HttpRequest, initiative_id: uuid.UUID) -> Any:
    """Aggregated outputs and outcomes by start cohort (leder/analytiker; suppressed < 5)."""
    return selectors.dashboard_with_timeliness(user_of(request), initiative_id)


@router.post("/initiatives/{initiative_id}/export", response=ExportOut)
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
