"""The progress API's request and response schemas.

Responses are serialised by ninja straight from what ``logic`` and the selectors return — an
``Instrument``, ``Measurement`` and ``OutcomeState`` rows, the dashboard's ``CohortRow``s —
through attributes, ``Field(alias=…)`` paths and ``resolve_*`` methods, with no mapping code in
the router.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from ninja import Field, Schema

from helhed.core.apikit import Day
from helhed.progress import logic
from helhed.progress.models import Measurement
from helhed.progress.selectors import Dashboard

# --------------------------------------------------------------------------------------------
# Instruments and measurements
# --------------------------------------------------------------------------------------------


class InstrumentItemOut(Schema):
    key: str
    text: str

    @staticmethod
    def resolve_text(item: logic.Item) -> str:
        return str(item.text)


class ProgressInstrumentOut(Schema):
    """A measuring instrument (coordination's survey instrument is ``InstrumentOut``: OpenAPI
    components are named by class)."""

    key: str
    version: int
    name: str
    categories: list[str]
    scale_min: int = Field(alias="scale.minimum")
    scale_max: int = Field(alias="scale.maximum")
    per_goal: bool
    items: list[InstrumentItemOut]

    @staticmethod
    def resolve_name(instrument: logic.Instrument) -> str:
        return str(instrument.name)

    @staticmethod
    def resolve_categories(instrument: logic.Instrument) -> list[str]:
        return list(instrument.categories)


class MeasurementIn(Schema):
    instrument: str = Field(max_length=20)
    answers: dict[str, Any]
    comments: dict[str, str] | None = None
    measured_on: Day | None = None
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

    @staticmethod
    def resolve_interpretation(m: Measurement) -> str | None:
        """WHO-5's reading of the score (poor well-being, likely depression); other instruments
        have none."""
        if m.instrument == "who5" and m.score is not None:
            return str(logic.who5_interpret(m.score).label)
        return None


class GoalRatingsIn(Schema):
    levels: dict[str, int | None]
    measured_on: Day | None = None
    with_citizen: bool = True


class OutcomeIn(Schema):
    kind: str = Field(max_length=20)
    value: str = Field(default="", max_length=30)
    percent: float | None = None
    valid_from: Day | None = None
    note: str = Field(default="", max_length=300)
    with_citizen: bool = False


class OutcomeOut(Schema):
    id: uuid.UUID
    kind: str
    value: str
    percent: float | None
    valid_from: date


# --------------------------------------------------------------------------------------------
# The initiative dashboard and the evaluation export
# --------------------------------------------------------------------------------------------

SUPPRESSION = (
    "Celler med 1-4 borgere vises som <5; en andel også, når 1-4 borgere har (eller "
    "ikke har) opnået resultatet. x: skjult, så en lille celle ikke kan regnes ud fra "
    "totalen (sekundær diskretionering)."
)


class CohortOut(Schema):
    """One start cohort (or "I alt") of ``selectors.dashboard_with_timeliness``: the cells as
    shown, suppressed ones as "<5" or "x"."""

    cohort: str = Field(alias="label")
    courses: str
    citizens: str
    who5_paired: str
    who5_first_mean: str = Field(alias="who5_first")
    who5_last_mean: str = Field(alias="who5_last")
    who5_meaningful_improvement: str = Field(alias="who5_share")
    gas_t_mean: str = Field(alias="gas_mean")
    benefit_to_job_or_education: str = Field(alias="to_job")
    placements_avoided: str
    measures: str
    contacts: str
    timeliness: dict[str, str] = Field(alias="timely_figures")


class DashboardOut(Schema):
    initiative_id: uuid.UUID = Field(alias="initiative.pk")
    initiative: str
    suppression: str
    cohorts: list[CohortOut] = Field(alias="rows")
    total: CohortOut

    @staticmethod
    def resolve_initiative(d: Dashboard) -> str:
        return str(d.initiative)

    @staticmethod
    def resolve_suppression(d: Dashboard) -> str:
        return SUPPRESSION


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


class ScheduleIn(Schema):
    instrument: str = Field(max_length=20, description="who5, livsomraader eller maalopfyldelse")
    first_on: Day | None = None
    every_weeks: int | None = Field(default=None, description="Tomt: kun én måling")
    until: Day | None = None


class PointOut(Schema):
    on: date
    status: str = Field(description="kommende, forfalden, overskredet eller taget")
    window_ends: date


# A ``selectors.PlannedSchedule``.
class ScheduleOut(Schema):
    id: uuid.UUID
    instrument: str
    name: str
    first_on: date
    every_weeks: int | None
    until: date | None
    points: list[PointOut]
