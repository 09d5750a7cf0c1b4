"""API of the economics app (mounted at /api/economics by helhed.api).

The same rules as the pages: reads through ``selectors`` (aggregates suppressed below 5; a
course's costs and results within the course's access and consent, logged), writes through
``services``; ninja serialises what they return through the schemas in ``schemas.py``. Money is
kroner as decimal strings (``"1250.50"``) in and out. Errors are problem bodies rendered by
``helhed.api``'s handlers: 403 for anything unknown or forbidden (existence does not leak), 422
with a message per field (named as in the body: ``owner_id``, rows as ``costs.0.amount``), 409
when the object changed since the given ``version`` or a cost submission is repeated.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from helhed.core.apikit import Day
from helhed.core.apikit import user_of as _user
from helhed.economics import logic, selectors, services
from helhed.economics.schemas import (
    CaseIn,
    CaseOut,
    ContractIn,
    ContractOut,
    CostIn,
    CostOut,
    CourseCostsOut,
    CourseResultsOut,
    EnrolIn,
    InitiativeCostsOut,
    OverrideIn,
    PriceIn,
    PriceOut,
    ReportOut,
    ResultOut,
)

router = Router(tags=["economics"])


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


@router.get("/prices", response=list[PriceOut])
def prices(request: HttpRequest) -> Any:
    """Shipped example prices and your organisations' own (leder/analytiker)."""
    return selectors.prices(_user(request), include_inactive=True)


@router.post("/prices", response={201: PriceOut})
def price_create(request: HttpRequest, body: PriceIn) -> Any:
    return Status(201, services.save_price(_user(request), **body.dict()))


@router.put("/prices/{price_id}", response=PriceOut)
def price_update(request: HttpRequest, price_id: uuid.UUID, body: PriceIn) -> Any:
    return services.save_price(_user(request), price_id=price_id, **body.dict())


# --------------------------------------------------------------------------------------------
# Initiatives: actual costs (aggregates)
# --------------------------------------------------------------------------------------------


@router.get("/initiatives/{initiative_id}/costs", response=InitiativeCostsOut)
def initiative_costs(
    request: HttpRequest, initiative_id: uuid.UUID, year: int | None = None
) -> Any:
    return selectors.initiative_economics(_user(request), initiative_id, year)


# --------------------------------------------------------------------------------------------
# Business cases
# --------------------------------------------------------------------------------------------


@router.post("/business-cases", response={201: CaseOut})
def case_create(request: HttpRequest, body: CaseIn) -> Any:
    user = _user(request)
    case = services.save_case(user, **body.save_arguments())
    return Status(201, selectors.business_case(user, case.pk))


@router.put("/business-cases/{case_id}", response=CaseOut)
def case_update(request: HttpRequest, case_id: uuid.UUID, body: CaseIn) -> Any:
    user = _user(request)
    case = services.save_case(user, case_id=case_id, **body.save_arguments())
    return selectors.business_case(user, case.pk)


@router.get("/business-cases/{case_id}", response=CaseOut)
def case_detail(
    request: HttpRequest, case_id: uuid.UUID, scenario: str = "forventet", within: int | None = None
) -> Any:
    """The case computed for a scenario (forsigtigt, forventet, optimistisk): yearly and
    cumulative net, per budget area and payer, break-even, who pays / who gains, successes needed
    within N years, and the observed rate when the case names an outcome."""
    return selectors.business_case(_user(request), case_id, scenario=scenario, within=within)


# --------------------------------------------------------------------------------------------
# Contracts
# --------------------------------------------------------------------------------------------


@router.post("/contracts", response={201: ContractOut})
def contract_create(request: HttpRequest, body: ContractIn) -> Any:
    user = _user(request)
    c = services.save_contract(user, **body.save_arguments())
    return Status(201, selectors.contract_view(user, c.pk))


@router.put("/contracts/{contract_id}", response=ContractOut)
def contract_update(request: HttpRequest, contract_id: uuid.UUID, body: ContractIn) -> Any:
    user = _user(request)
    c = services.save_contract(user, contract_id=contract_id, **body.save_arguments())
    return selectors.contract_view(user, c.pk)


@router.get("/contracts/{contract_id}", response=ContractOut)
def contract_detail(request: HttpRequest, contract_id: uuid.UUID) -> Any:
    return selectors.contract_view(_user(request), contract_id)


@router.get("/contracts/{contract_id}/report", response=ReportOut)
def contract_report(
    request: HttpRequest,
    contract_id: uuid.UUID,
    start: Day | None = None,
    end: Day | None = None,
) -> Any:
    """The period report: per indicator, results decided in the period by status (suppressed
    below 5), the rate met against the expected rate and the amount due."""
    return selectors.period_report(_user(request), contract_id, start, end)


# --------------------------------------------------------------------------------------------
# One course (personal data: within access and consent, logged)
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/costs", response=CourseCostsOut)
def course_costs(request: HttpRequest, course_id: uuid.UUID, year: int | None = None) -> Any:
    """The course's cost rows you may see (the measure's data category within consent), of one
    ``year`` or all; rows you may not see are counted, not shown. Logged."""
    e = selectors.course_economics(_user(request), course_id, year)
    return {
        "course_id": course_id,
        "total": logic.to_kr(e.total_ore),
        "hidden_rows": e.hidden_costs,
        "costs": [c for c in e.visible if year is None or c.year == year],
    }


@router.post("/courses/{course_id}/costs", response={201: list[CostOut]})
def course_cost_create(request: HttpRequest, course_id: uuid.UUID, body: CostIn) -> Any:
    return Status(201, services.record_costs(_user(request), course_id=course_id, **body.dict()))


@router.delete("/costs/{cost_id}", response={204: None})
def cost_delete(request: HttpRequest, cost_id: uuid.UUID) -> Any:
    services.delete_cost(_user(request), cost_id=cost_id)
    return Status(204, None)


@router.get("/courses/{course_id}/results", response=CourseResultsOut)
def course_results(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course's contract results you may see (the indicator's data category). Logged."""
    return selectors.course_economics(_user(request), course_id)


@router.post("/courses/{course_id}/enrolments", response={201: CourseResultsOut})
def course_enrol(request: HttpRequest, course_id: uuid.UUID, body: EnrolIn) -> Any:
    user = _user(request)
    services.enrol(
        user, contract_id=body.contract_id, course_id=course_id, start_date=body.start_date
    )
    return Status(201, selectors.course_economics(user, course_id))


@router.post("/results/{result_id}/override", response=ResultOut)
def result_override(request: HttpRequest, result_id: uuid.UUID, body: OverrideIn) -> Any:
    r = services.override_result(
        _user(request), result_id=result_id, status=body.status, reason=body.reason
    )
    return selectors.result_row(r)
