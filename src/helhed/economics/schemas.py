"""The economics API's request and response schemas.

Requests turn themselves into the services' keyword arguments (``save_arguments``). Responses are
serialised by ninja from what the selectors and services return — the models (``UnitPrice``,
``CostEntry``, ``Indicator``, ``Phase``, ``MeasurementPoint``, ``BusinessCase``), the selectors'
views (``InitiativeEconomics``, ``Grid`` and ``Cell``, ``CaseView``, ``ContractView``,
``PeriodReport``, ``CourseEconomics``, ``ResultRow``) — through attributes, ``Field(alias=…)``
paths and ``resolve_*`` methods. Money is kroner (``Decimal``, øre in the database).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from helhed.core.apikit import Day, Str20, Str64, Str100, Str200, Str300, Text
from helhed.economics import logic, selectors, services, texts
from helhed.economics.models import CostEntry, Indicator, UnitPrice

Kr = Decimal

SUPPRESSION = (
    "Beløb, der bygger på 1-4 forløb, vises som <5; x er skjult, så et lille beløb ikke kan "
    "regnes ud fra en total (sekundær diskretionering)."
)


def _kr(ore: int | None) -> Decimal | None:
    return None if ore is None else logic.to_kr(ore)


def _r(v: Decimal) -> Decimal:
    return logic.round_kr(v)


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


class PriceIn(Schema):
    organisation_id: uuid.UUID
    name: Str200
    unit: Str100
    kind: Str20 = "udgift"
    amount: Kr | None = Field(None, description="Kroner pr. enhed, højst to decimaler.")
    year: int | None = Field(None, description="Året prisen gælder for (påkrævet).")
    payer: Str20
    budget_area: Str20
    source: Str300
    note: Text = ""
    version: int | None = None


# Serialised from a ``UnitPrice``.
class PriceOut(Schema):
    id: uuid.UUID
    organisation_id: uuid.UUID | None
    example: bool
    name: str
    unit: str
    kind: str
    amount: Decimal
    year: int
    payer: str
    budget_area: str
    source: str
    active: bool
    version: int

    @staticmethod
    def resolve_example(price: UnitPrice) -> bool:
        return price.organisation_id is None

    @staticmethod
    def resolve_amount(price: UnitPrice) -> Decimal:
        return logic.to_kr(price.amount_ore)


# --------------------------------------------------------------------------------------------
# Initiatives: actual costs (aggregates)
# --------------------------------------------------------------------------------------------


# Serialised from a ``selectors.Cell``.
class CellOut(Schema):
    amount: str = Field(description="Kroner, or <5 / x when suppressed, – when empty.")
    courses: str = Field(alias="courses_text")

    @staticmethod
    def resolve_amount(cell: selectors.Cell) -> str:
        return cell_amount(cell)


def cell_amount(cell: selectors.Cell) -> str:
    """A cell's amount as the API shows it: kroner, "<5"/"x" when suppressed, "–" when empty."""
    return cell.hidden or ("–" if cell.empty else str(cell.kr))


class GridRowOut(Schema):
    key: str
    cells: dict[str, CellOut]
    total: CellOut


# Serialised from a ``selectors.Grid``; columns (years, months) as strings.
class GridOut(Schema):
    columns: list[str]
    rows: list[GridRowOut]
    totals: dict[str, CellOut]
    total: CellOut = Field(alias="grand")

    @staticmethod
    def resolve_columns(grid: selectors.Grid) -> list[str]:
        return [str(c) for c in grid.col_keys]

    @staticmethod
    def resolve_rows(grid: selectors.Grid) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "cells": {str(c): cell for c, cell in zip(grid.col_keys, cells, strict=True)},
                "total": total,
            }
            for key, cells, total in grid.rows()
        ]

    @staticmethod
    def resolve_totals(grid: selectors.Grid) -> dict[str, selectors.Cell]:
        return {str(c): cell for c, cell in zip(grid.col_keys, grid.totals(), strict=True)}


class LinkOut(Schema):
    id: uuid.UUID
    name: str


# Serialised from a ``selectors.InitiativeEconomics``.
class InitiativeCostsOut(Schema):
    initiative_id: uuid.UUID = Field(alias="initiative.pk")
    initiative: str
    suppression: str
    courses_counted: int = Field(alias="counted")
    courses_with_costs: str = Field(alias="with_costs.courses_text")
    total: str
    years: list[int]
    year: int | None
    by_budget_area: GridOut = Field(alias="by_area")
    by_payer: GridOut
    by_month: GridOut
    business_cases: list[LinkOut] = Field(alias="cases")
    contracts: list[LinkOut]

    @staticmethod
    def resolve_initiative(d: selectors.InitiativeEconomics) -> str:
        return str(d.initiative)

    @staticmethod
    def resolve_suppression(d: selectors.InitiativeEconomics) -> str:
        return SUPPRESSION

    @staticmethod
    def resolve_total(d: selectors.InitiativeEconomics) -> str:
        return cell_amount(d.with_costs)


# --------------------------------------------------------------------------------------------
# Business cases
# --------------------------------------------------------------------------------------------


class CaseCostIn(Schema):
    year: int | None
    label: Str200
    budget_area: Str20
    payer: Str20
    amount: Kr | None


class ConsequenceIn(Schema):
    unit_price_id: uuid.UUID
    label: Str200 = ""
    budget_area: Str20
    payer: Str20
    changes: list[Kr | None] = Field(description="Ændring i enheder pr. succes, år 1 først.")


class CaseIn(Schema):
    initiative_id: uuid.UUID
    name: Str200
    target_group: Text
    success_label: Str200
    cohort_size: int | None
    horizon_years: int | None
    price_year: int | None
    discount_rate: Kr | None = Decimal(0)
    baseline_rate: Kr | None = Decimal(0)
    rate_cautious: Kr | None
    rate_expected: Kr | None
    rate_optimistic: Kr | None
    observed_outcome: Str20 = ""
    breakeven_within: int | None = 4
    notes: Text = ""
    costs: list[CaseCostIn] = Field(default_factory=list, max_length=200)
    consequences: list[ConsequenceIn] = Field(default_factory=list, max_length=100)
    version: int | None = None

    def save_arguments(self) -> dict[str, Any]:
        """The body as ``services.save_case``'s keyword arguments."""
        data = self.dict()
        data["costs"] = [services.CostRowIn(**c) for c in data["costs"]]
        data["consequences"] = [services.ConsequenceIn(**c) for c in data["consequences"]]
        return data


# Serialised from a ``logic.YearFigures``, rounded to whole kroner.
class YearOut(Schema):
    year: int
    cost: Decimal
    gain: Decimal
    net: Decimal
    cumulative: Decimal

    @staticmethod
    def resolve_cost(y: logic.YearFigures) -> Decimal:
        return _r(y.cost)

    @staticmethod
    def resolve_gain(y: logic.YearFigures) -> Decimal:
        return _r(y.gain)

    @staticmethod
    def resolve_net(y: logic.YearFigures) -> Decimal:
        return _r(y.net)

    @staticmethod
    def resolve_cumulative(y: logic.YearFigures) -> Decimal:
        return _r(y.cumulative)


class WhoPaysWhoGainsOut(Schema):
    budget_area: str
    payer: str
    cost: Decimal
    gain: Decimal
    net: Decimal


# Serialised from a ``selectors.Needed``.
class NeededOut(Schema):
    label: str
    within_years: int = Field(alias="within")
    successes_needed: int | None = Field(alias="needed")
    success_rate_needed: Decimal | None = Field(alias="rate")


# Serialised from a ``selectors.Observed``.
class ObservedOut(Schema):
    outcome: str
    cohorts: dict[str, str]
    total: str = Field(alias="total.text")
    rate: Decimal | None
    net_on_observed: Decimal | None
    break_even_on_observed: int | None

    @staticmethod
    def resolve_cohorts(obs: selectors.Observed) -> dict[str, str]:
        return {row.label: row.text for row in obs.rows}

    @staticmethod
    def resolve_net_on_observed(obs: selectors.Observed) -> Decimal | None:
        return _r(obs.result.net) if obs.result else None

    @staticmethod
    def resolve_break_even_on_observed(obs: selectors.Observed) -> int | None:
        return obs.result.break_even if obs.result else None


# Serialised from a ``selectors.CaseView``: the case computed for its scenario.
class CaseOut(Schema):
    id: uuid.UUID = Field(alias="case.id")
    initiative_id: uuid.UUID = Field(alias="case.initiative_id")
    name: str = Field(alias="case.name")
    version: int = Field(alias="case.version")
    scenario: str
    success_rate: Decimal = Field(alias="inp.success")
    extra_successes: Decimal = Field(alias="result.successes")
    break_even_year: int | None = Field(alias="result.break_even")
    net: Decimal
    years: list[YearOut] = Field(alias="result.years")
    cumulative_by_budget_area: dict[str, list[Decimal]]
    cumulative_by_payer: dict[str, list[Decimal]]
    who_pays_who_gains: list[WhoPaysWhoGainsOut]
    needed: list[NeededOut]
    scenarios: dict[str, int | None]
    observed: ObservedOut | None
    caution: str

    @staticmethod
    def resolve_net(view: selectors.CaseView) -> Decimal:
        return _r(view.result.net)

    @staticmethod
    def resolve_cumulative_by_budget_area(view: selectors.CaseView) -> dict[str, list[Decimal]]:
        return {a: [_r(v) for v in vs] for a, vs in view.result.area_cumulative.items()}

    @staticmethod
    def resolve_cumulative_by_payer(view: selectors.CaseView) -> dict[str, list[Decimal]]:
        return {p: [_r(v) for v in vs] for p, vs in view.result.payer_cumulative.items()}

    @staticmethod
    def resolve_who_pays_who_gains(view: selectors.CaseView) -> list[dict[str, Any]]:
        return [
            {"budget_area": a, "payer": p, "cost": _r(c.cost), "gain": _r(c.gain), "net": _r(c.net)}
            for (a, p), c in sorted(view.result.matrix.items())
        ]

    @staticmethod
    def resolve_scenarios(view: selectors.CaseView) -> dict[str, int | None]:
        return {s: res.break_even for s, _rate, res in view.scenarios}

    @staticmethod
    def resolve_caution(view: selectors.CaseView) -> str:
        return str(texts.CAUTION)


# --------------------------------------------------------------------------------------------
# Contracts
# --------------------------------------------------------------------------------------------


class IndicatorIn(Schema):
    name: Str200
    priority: Str20
    source: Str20 = Field(description="who5-stigning, beskaeftigelse, raskmelding, planmaal, …")
    price: Kr | None
    expected_rate: Kr | None
    min_points: int | None = None
    window_weeks: int | None = None
    months_after: int | None = None
    accepted: list[Str20] = Field(default_factory=list, max_length=20)
    limit_percent: Kr | None = None
    goal_share: Kr | None = None
    cap: Kr | None = None
    floor: Kr | None = None


class PhaseIn(Schema):
    name: Str100
    start_week: int | None
    end_week: int | None


class PointIn(Schema):
    week: int | None
    instrument: Str20


class ContractIn(Schema):
    initiative_id: uuid.UUID
    name: Str200
    owner_id: uuid.UUID
    investor_name: Str200
    investor_id: uuid.UUID | None = None
    period_start: Day | None
    period_end: Day | None
    cutoff: Day | None
    budget: Kr | None
    notes: Text = ""
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=50)
    phases: list[PhaseIn] = Field(default_factory=list, max_length=20)
    points: list[PointIn] = Field(default_factory=list, max_length=50)
    version: int | None = None

    def save_arguments(self) -> dict[str, Any]:
        """The body as ``services.save_contract``'s keyword arguments."""
        data = self.dict()
        data["indicators"] = [
            services.IndicatorIn(**{**i, "accepted": tuple(i["accepted"])})
            for i in data["indicators"]
        ]
        data["phases"] = [services.PhaseIn(**p) for p in data["phases"]]
        data["points"] = [services.PointIn(**p) for p in data["points"]]
        return data


# Serialised from an ``Indicator``.
class IndicatorOut(Schema):
    id: uuid.UUID
    name: str
    priority: str
    source: str
    price: Decimal
    cap: Decimal | None
    floor: Decimal | None
    expected_rate: Decimal

    @staticmethod
    def resolve_price(indicator: Indicator) -> Decimal:
        return logic.to_kr(indicator.price_ore)

    @staticmethod
    def resolve_cap(indicator: Indicator) -> Decimal | None:
        return _kr(indicator.cap_ore)

    @staticmethod
    def resolve_floor(indicator: Indicator) -> Decimal | None:
        return _kr(indicator.floor_ore)


class PhaseOut(Schema):
    name: str
    start_week: int
    end_week: int


class ContractPointOut(Schema):
    week: int
    instrument: str


# Serialised from a ``selectors.ContractView``.
class ContractOut(Schema):
    id: uuid.UUID = Field(alias="contract.id")
    initiative_id: uuid.UUID = Field(alias="contract.initiative_id")
    name: str = Field(alias="contract.name")
    owner_id: uuid.UUID = Field(alias="contract.owner_id")
    investor_name: str = Field(alias="contract.investor_name")
    period_start: date = Field(alias="contract.period_start")
    period_end: date = Field(alias="contract.period_end")
    cutoff: date = Field(alias="contract.cutoff")
    budget: Decimal
    version: int = Field(alias="contract.version")
    enrolled: str
    indicators: list[IndicatorOut]
    phases: list[PhaseOut]
    points: list[ContractPointOut]

    @staticmethod
    def resolve_budget(view: selectors.ContractView) -> Decimal:
        return logic.to_kr(view.contract.budget_ore)


# Serialised from a ``selectors.IndicatorReport``.
class ReportRowOut(Schema):
    indicator_id: uuid.UUID = Field(alias="indicator.id")
    indicator: str = Field(alias="indicator.name")
    counts: dict[str, str] = Field(alias="cells")
    rate_met: str = Field(alias="rate")
    expected_rate: Decimal = Field(alias="expected")
    price: Decimal
    amount_due: Decimal = Field(alias="amount")

    @staticmethod
    def resolve_price(row: selectors.IndicatorReport) -> Decimal:
        return logic.to_kr(row.indicator.price_ore)


# Serialised from a ``selectors.PeriodReport``.
class ReportOut(Schema):
    contract_id: uuid.UUID = Field(alias="contract.id")
    start: date
    end: date
    enrolled: str
    suppression: str
    indicators: list[ReportRowOut]
    amount_due: Decimal = Field(alias="total_amount")

    @staticmethod
    def resolve_suppression(report: selectors.PeriodReport) -> str:
        return SUPPRESSION.replace("Beløb", "Antal").replace("forløb", "resultater")


# --------------------------------------------------------------------------------------------
# One course (personal data: within access and consent, logged)
# --------------------------------------------------------------------------------------------


class CostIn(Schema):
    measure_id: uuid.UUID | None = None
    unit_price_id: uuid.UUID | None
    quantity: Kr | None
    year: int | None
    month: int | None
    months: int | None = 1
    payer: Str20 | None = None
    budget_area: Str20 | None = None
    decision_id: uuid.UUID | None = None
    note: Str300 = ""
    idempotency_key: Str64 | None = Field(
        None, description="Samme nøgle igen (af samme bruger): 409 med de rækker, der findes."
    )


# Serialised from a ``CostEntry``.
class CostOut(Schema):
    id: uuid.UUID
    measure_id: uuid.UUID | None
    unit_price_id: uuid.UUID
    year: int
    month: int
    quantity: Decimal
    unit_amount: Decimal
    amount: Decimal
    payer: str
    budget_area: str

    @staticmethod
    def resolve_unit_amount(entry: CostEntry) -> Decimal:
        return logic.to_kr(entry.unit_amount_ore)

    @staticmethod
    def resolve_amount(entry: CostEntry) -> Decimal:
        return logic.to_kr(entry.amount_ore)


class CourseCostsOut(Schema):
    course_id: uuid.UUID
    total: Decimal
    hidden_rows: int
    costs: list[CostOut]


class EnrolIn(Schema):
    contract_id: uuid.UUID
    start_date: Day | None


# Serialised from a ``selectors.ResultRow``: the result as the reader sees it.
class ResultOut(Schema):
    id: uuid.UUID = Field(alias="result.id")
    contract_id: uuid.UUID
    indicator_id: uuid.UUID = Field(alias="result.indicator_id")
    indicator: str = Field(alias="indicator.name")
    status: str = Field(alias="result.effective_status")
    computed_status: str = Field(alias="result.status")
    due_on: date = Field(alias="result.due_on")
    evidence: str
    override_reason: str = Field(alias="result.override_reason")


# Serialised from a ``selectors.CourseEconomics``: the results the reader may see.
class CourseResultsOut(Schema):
    course_id: uuid.UUID = Field(alias="access.course.pk")
    results: list[ResultOut]
    hidden: int

    @staticmethod
    def resolve_results(e: selectors.CourseEconomics) -> list[selectors.ResultRow]:
        return [row for ev in e.enrolments for row in ev.results]

    @staticmethod
    def resolve_hidden(e: selectors.CourseEconomics) -> int:
        return sum(ev.hidden_results for ev in e.enrolments)


class OverrideIn(Schema):
    status: Str20 = Field(
        description="opfyldt, ikke-opfyldt, afventer, kan-ikke-maales; tom fjerner"
    )
    reason: Text = ""
