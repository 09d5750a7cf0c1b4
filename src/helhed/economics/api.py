"""API of the economics app (mounted at /api/economics by helhed.api).

The same rules as the pages: reads through ``selectors`` (aggregates suppressed below 5; a
course's costs and results within the course's access and consent, logged), writes through
``services``. Money is kroner as decimal strings (``"1250.50"``) in and out. Errors are problem
bodies: 403 for anything unknown or forbidden (existence does not leak), 422 with a message per
field (rows as ``costs.0.amount``), 409 when the object changed since the given ``version``.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from helhed.core.apikit import (
    Day,
    Str20,
    Str64,
    Str100,
    Str200,
    Str300,
    Text,
)
from helhed.core.apikit import user_of as _user
from helhed.economics import logic, selectors, services, texts

router = Router(tags=["economics"])

Kr = Decimal


def _kr(ore: int | None) -> Decimal | None:
    return None if ore is None else logic.to_kr(ore)


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


def _price(p: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "organisation_id": p.organisation_id,
        "example": p.organisation_id is None,
        "name": p.name,
        "unit": p.unit,
        "kind": p.kind,
        "amount": logic.to_kr(p.amount_ore),
        "year": p.year,
        "payer": p.payer,
        "budget_area": p.budget_area,
        "source": p.source,
        "active": p.active,
        "version": p.version,
    }


@router.get("/prices", response=list[PriceOut])
def prices(request: HttpRequest) -> Any:
    """Shipped example prices and your organisations' own (leder/analytiker)."""
    return [_price(p) for p in selectors.prices(_user(request), include_inactive=True)]


@router.post("/prices", response={201: PriceOut})
def price_create(request: HttpRequest, body: PriceIn) -> Any:
    p = services.save_price(_user(request), **body.dict())
    return Status(201, _price(p))


@router.put("/prices/{price_id}", response=PriceOut)
def price_update(request: HttpRequest, price_id: uuid.UUID, body: PriceIn) -> Any:
    return _price(services.save_price(_user(request), price_id=price_id, **body.dict()))


# --------------------------------------------------------------------------------------------
# Initiatives: actual costs (aggregates)
# --------------------------------------------------------------------------------------------


class CellOut(Schema):
    amount: str = Field(description="Kroner, or <5 / x when suppressed, – when empty.")
    courses: str


class GridRowOut(Schema):
    key: str
    cells: dict[str, CellOut]
    total: CellOut


class GridOut(Schema):
    columns: list[str]
    rows: list[GridRowOut]
    totals: dict[str, CellOut]
    total: CellOut


class LinkOut(Schema):
    id: uuid.UUID
    name: str


class InitiativeCostsOut(Schema):
    initiative_id: uuid.UUID
    initiative: str
    suppression: str
    courses_counted: int
    courses_with_costs: str
    total: str
    years: list[int]
    year: int | None
    by_budget_area: GridOut
    by_payer: GridOut
    by_month: GridOut
    business_cases: list[LinkOut]
    contracts: list[LinkOut]


def _cell(c: selectors.Cell) -> dict[str, str]:
    amount = c.hidden or ("–" if c.empty else str(c.kr))
    return {"amount": amount, "courses": c.courses_text}


def _grid(g: selectors.Grid) -> dict[str, Any]:
    cols = [str(c) for c in g.col_keys]
    return {
        "columns": cols,
        "rows": [
            {
                "key": key,
                "cells": {str(c): _cell(cell) for c, cell in zip(g.col_keys, cells, strict=True)},
                "total": _cell(total),
            }
            for key, cells, total in g.rows()
        ],
        "totals": {str(c): _cell(cell) for c, cell in zip(g.col_keys, g.totals(), strict=True)},
        "total": _cell(g.grand),
    }


SUPPRESSION = (
    "Beløb, der bygger på 1-4 forløb, vises som <5; x er skjult, så et lille beløb ikke kan "
    "regnes ud fra en total (sekundær diskretionering)."
)


@router.get("/initiatives/{initiative_id}/costs", response=InitiativeCostsOut)
def initiative_costs(
    request: HttpRequest, initiative_id: uuid.UUID, year: int | None = None
) -> Any:
    d = selectors.initiative_economics(_user(request), initiative_id, year)
    return {
        "initiative_id": d.initiative.pk,
        "initiative": str(d.initiative),
        "suppression": SUPPRESSION,
        "courses_counted": d.counted,
        "courses_with_costs": d.with_costs.courses_text,
        "total": _cell(d.with_costs)["amount"],
        "years": d.years,
        "year": d.year,
        "by_budget_area": _grid(d.by_area),
        "by_payer": _grid(d.by_payer),
        "by_month": _grid(d.by_month),
        "business_cases": [{"id": c.pk, "name": c.name} for c in d.cases],
        "contracts": [{"id": c.pk, "name": c.name} for c in d.contracts],
    }


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


class YearOut(Schema):
    year: int
    cost: Decimal
    gain: Decimal
    net: Decimal
    cumulative: Decimal


class MatrixOut(Schema):
    budget_area: str
    payer: str
    cost: Decimal
    gain: Decimal
    net: Decimal


class NeededOut(Schema):
    label: str
    within_years: int
    successes_needed: int | None
    success_rate_needed: Decimal | None


class ObservedOut(Schema):
    outcome: str
    cohorts: dict[str, str]
    total: str
    rate: Decimal | None
    net_on_observed: Decimal | None
    break_even_on_observed: int | None


class CaseOut(Schema):
    id: uuid.UUID
    initiative_id: uuid.UUID
    name: str
    version: int
    scenario: str
    success_rate: Decimal
    extra_successes: Decimal
    break_even_year: int | None
    net: Decimal
    years: list[YearOut]
    cumulative_by_budget_area: dict[str, list[Decimal]]
    cumulative_by_payer: dict[str, list[Decimal]]
    who_pays_who_gains: list[MatrixOut]
    needed: list[NeededOut]
    scenarios: dict[str, int | None]
    observed: ObservedOut | None
    caution: str


def _r(v: Decimal) -> Decimal:
    return logic.round_kr(v)


def _case(view: selectors.CaseView) -> dict[str, Any]:
    r = view.result
    obs = view.observed
    return {
        "id": view.case.pk,
        "initiative_id": view.case.initiative_id,
        "name": view.case.name,
        "version": view.case.version,
        "scenario": view.scenario,
        "success_rate": view.inp.success,
        "extra_successes": r.successes,
        "break_even_year": r.break_even,
        "net": _r(r.net),
        "years": [
            {
                "year": y.year,
                "cost": _r(y.cost),
                "gain": _r(y.gain),
                "net": _r(y.net),
                "cumulative": _r(y.cumulative),
            }
            for y in r.years
        ],
        "cumulative_by_budget_area": {
            a: [_r(v) for v in vs] for a, vs in r.area_cumulative.items()
        },
        "cumulative_by_payer": {p: [_r(v) for v in vs] for p, vs in r.payer_cumulative.items()},
        "who_pays_who_gains": [
            {"budget_area": a, "payer": p, "cost": _r(c.cost), "gain": _r(c.gain), "net": _r(c.net)}
            for (a, p), c in sorted(r.matrix.items())
        ],
        "needed": [
            {
                "label": n.label,
                "within_years": n.within,
                "successes_needed": n.needed,
                "success_rate_needed": n.rate,
            }
            for n in view.needed
        ],
        "scenarios": {s: res.break_even for s, _rate, res in view.scenarios},
        "observed": None
        if obs is None
        else {
            "outcome": obs.outcome,
            "cohorts": {row.label: row.text for row in obs.rows},
            "total": obs.total.text,
            "rate": obs.rate,
            "net_on_observed": _r(obs.result.net) if obs.result else None,
            "break_even_on_observed": obs.result.break_even if obs.result else None,
        },
        "caution": str(texts.CAUTION),
    }


def _case_values(body: CaseIn) -> dict[str, Any]:
    data = body.dict()
    data.pop("initiative_id")
    data["costs"] = [services.CostRowIn(**c) for c in data["costs"]]
    data["consequences"] = [services.ConsequenceIn(**c) for c in data["consequences"]]
    return data


@router.post("/business-cases", response={201: CaseOut})
def case_create(request: HttpRequest, body: CaseIn) -> Any:
    user = _user(request)
    case = services.save_case(user, initiative_id=body.initiative_id, **_case_values(body))
    return Status(201, _case(selectors.business_case(user, case.pk)))


@router.put("/business-cases/{case_id}", response=CaseOut)
def case_update(request: HttpRequest, case_id: uuid.UUID, body: CaseIn) -> Any:
    user = _user(request)
    case = services.save_case(
        user, case_id=case_id, initiative_id=body.initiative_id, **_case_values(body)
    )
    return _case(selectors.business_case(user, case.pk))


@router.get("/business-cases/{case_id}", response=CaseOut)
def case_detail(
    request: HttpRequest, case_id: uuid.UUID, scenario: str = "forventet", within: int | None = None
) -> Any:
    """The case computed for a scenario (forsigtigt, forventet, optimistisk): yearly and
    cumulative net, per budget area and payer, break-even, who pays / who gains, successes needed
    within N years, and the observed rate when the case names an outcome."""
    return _case(selectors.business_case(_user(request), case_id, scenario=scenario, within=within))


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


class IndicatorOut(Schema):
    id: uuid.UUID
    name: str
    priority: str
    source: str
    price: Decimal
    cap: Decimal | None
    floor: Decimal | None
    expected_rate: Decimal


class ContractOut(Schema):
    id: uuid.UUID
    initiative_id: uuid.UUID
    name: str
    owner_id: uuid.UUID
    investor_name: str
    period_start: date
    period_end: date
    cutoff: date
    budget: Decimal
    version: int
    enrolled: str
    indicators: list[IndicatorOut]
    phases: list[dict[str, Any]]
    points: list[dict[str, Any]]


def _contract(v: selectors.ContractView) -> dict[str, Any]:
    c = v.contract
    return {
        "id": c.pk,
        "initiative_id": c.initiative_id,
        "name": c.name,
        "owner_id": c.owner_id,
        "investor_name": c.investor_name,
        "period_start": c.period_start,
        "period_end": c.period_end,
        "cutoff": c.cutoff,
        "budget": logic.to_kr(c.budget_ore),
        "version": c.version,
        "enrolled": v.enrolled,
        "indicators": [
            {
                "id": i.pk,
                "name": i.name,
                "priority": i.priority,
                "source": i.source,
                "price": logic.to_kr(i.price_ore),
                "cap": _kr(i.cap_ore),
                "floor": _kr(i.floor_ore),
                "expected_rate": i.expected_rate,
            }
            for i in v.indicators
        ],
        "phases": [
            {"name": p.name, "start_week": p.start_week, "end_week": p.end_week} for p in v.phases
        ],
        "points": [{"week": p.week, "instrument": p.instrument} for p in v.points],
    }


def _contract_values(body: ContractIn) -> dict[str, Any]:
    data = body.dict()
    data.pop("initiative_id")
    data["indicators"] = [
        services.IndicatorIn(**{**i, "accepted": tuple(i["accepted"])}) for i in data["indicators"]
    ]
    data["phases"] = [services.PhaseIn(**p) for p in data["phases"]]
    data["points"] = [services.PointIn(**p) for p in data["points"]]
    return data


@router.post("/contracts", response={201: ContractOut})
def contract_create(request: HttpRequest, body: ContractIn) -> Any:
    user = _user(request)
    c = services.save_contract(user, initiative_id=body.initiative_id, **_contract_values(body))
    return Status(201, _contract(selectors.contract_view(user, c.pk)))


@router.put("/contracts/{contract_id}", response=ContractOut)
def contract_update(request: HttpRequest, contract_id: uuid.UUID, body: ContractIn) -> Any:
    user = _user(request)
    c = services.save_contract(
        user, contract_id=contract_id, initiative_id=body.initiative_id, **_contract_values(body)
    )
    return _contract(selectors.contract_view(user, c.pk))


@router.get("/contracts/{contract_id}", response=ContractOut)
def contract_detail(request: HttpRequest, contract_id: uuid.UUID) -> Any:
    return _contract(selectors.contract_view(_user(request), contract_id))


class ReportRowOut(Schema):
    indicator_id: uuid.UUID
    indicator: str
    counts: dict[str, str]
    rate_met: str
    expected_rate: Decimal
    price: Decimal
    amount_due: Decimal


class ReportOut(Schema):
    contract_id: uuid.UUID
    start: date
    end: date
    enrolled: str
    suppression: str
    indicators: list[ReportRowOut]
    amount_due: Decimal


@router.get("/contracts/{contract_id}/report", response=ReportOut)
def contract_report(
    request: HttpRequest,
    contract_id: uuid.UUID,
    start: Day | None = None,
    end: Day | None = None,
) -> Any:
    """The period report: per indicator, results decided in the period by status (suppressed
    below 5), the rate met against the expected rate and the amount due."""
    rep = selectors.period_report(_user(request), contract_id, start, end)
    return {
        "contract_id": rep.contract.pk,
        "start": rep.start,
        "end": rep.end,
        "enrolled": rep.enrolled,
        "suppression": SUPPRESSION.replace("Beløb", "Antal").replace("forløb", "resultater"),
        "indicators": [
            {
                "indicator_id": r.indicator.pk,
                "indicator": r.indicator.name,
                "counts": r.cells,
                "rate_met": r.rate,
                "expected_rate": r.expected,
                "price": logic.to_kr(r.indicator.price_ore),
                "amount_due": r.amount,
            }
            for r in rep.indicators
        ],
        "amount_due": rep.total_amount,
    }


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


def _cost(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "measure_id": e.measure_id,
        "unit_price_id": e.unit_price_id,
        "year": e.year,
        "month": e.month,
        "quantity": e.quantity,
        "unit_amount": logic.to_kr(e.unit_amount_ore),
        "amount": logic.to_kr(e.amount_ore),
        "payer": e.payer,
        "budget_area": e.budget_area,
    }


class CourseCostsOut(Schema):
    course_id: uuid.UUID
    total: Decimal
    hidden_rows: int
    costs: list[CostOut]


@router.get("/courses/{course_id}/costs", response=CourseCostsOut)
def course_costs(request: HttpRequest, course_id: uuid.UUID, year: int | None = None) -> Any:
    """The course's cost rows you may see (the measure's data category within consent), of one
    ``year`` or all; rows you may not see are counted, not shown. Logged."""
    e = selectors.course_economics(_user(request), course_id, year)
    rows = [c for c in e.visible if year is None or c.year == year]
    return {
        "course_id": course_id,
        "total": logic.to_kr(e.total_ore),
        "hidden_rows": e.hidden_costs,
        "costs": [_cost(c) for c in rows],
    }


@router.post("/courses/{course_id}/costs", response={201: list[CostOut]})
def course_cost_create(request: HttpRequest, course_id: uuid.UUID, body: CostIn) -> Any:
    entries = services.record_costs(_user(request), course_id=course_id, **body.dict())
    return Status(201, [_cost(e) for e in entries])


@router.delete("/costs/{cost_id}", response={204: None})
def cost_delete(request: HttpRequest, cost_id: uuid.UUID) -> Any:
    services.delete_cost(_user(request), cost_id=cost_id)
    return Status(204, None)


class EnrolIn(Schema):
    contract_id: uuid.UUID
    start_date: Day | None


class ResultOut(Schema):
    id: uuid.UUID
    contract_id: uuid.UUID
    indicator_id: uuid.UUID
    indicator: str
    status: str
    computed_status: str
    due_on: date
    evidence: str
    override_reason: str


class CourseResultsOut(Schema):
    course_id: uuid.UUID
    results: list[ResultOut]
    hidden: int


def _results(e: selectors.CourseEconomics, course_id: uuid.UUID) -> dict[str, Any]:
    rows = []
    hidden = 0
    for ev in e.enrolments:
        hidden += ev.hidden_results
        for row in ev.results:
            r = row.result
            rows.append(
                {
                    "id": r.pk,
                    "contract_id": ev.contract.pk,
                    "indicator_id": r.indicator_id,
                    "indicator": row.indicator.name,
                    "status": r.effective_status,
                    "computed_status": r.status,
                    "due_on": r.due_on,
                    "evidence": row.evidence,
                    "override_reason": r.override_reason,
                }
            )
    return {"course_id": course_id, "results": rows, "hidden": hidden}


@router.get("/courses/{course_id}/results", response=CourseResultsOut)
def course_results(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course's contract results you may see (the indicator's data category). Logged."""
    return _results(selectors.course_economics(_user(request), course_id), course_id)


@router.post("/courses/{course_id}/enrolments", response={201: CourseResultsOut})
def course_enrol(request: HttpRequest, course_id: uuid.UUID, body: EnrolIn) -> Any:
    user = _user(request)
    services.enrol(
        user, contract_id=body.contract_id, course_id=course_id, start_date=body.start_date
    )
    return Status(201, _results(selectors.course_economics(user, course_id), course_id))


class OverrideIn(Schema):
    status: Str20 = Field(
        description="opfyldt, ikke-opfyldt, afventer, kan-ikke-maales; tom fjerner"
    )
    reason: Text = ""


@router.post("/results/{result_id}/override", response=ResultOut)
def result_override(request: HttpRequest, result_id: uuid.UUID, body: OverrideIn) -> Any:
    r = services.override_result(
        _user(request), result_id=result_id, status=body.status, reason=body.reason
    )
    return {
        "id": r.pk,
        "contract_id": r.enrolment.contract_id,
        "indicator_id": r.indicator_id,
        "indicator": r.indicator.name,
        "status": r.effective_status,
        "computed_status": r.status,
        "due_on": r.due_on,
        "evidence": texts.evidence_text(r.evidence, r.evidence_on),
        "override_reason": r.override_reason,
    }
