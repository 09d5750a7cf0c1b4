"""Writes of the economics app, one function per use case.

Each takes the acting user, keyword-only ids and plain values (``Decimal`` kroner, ints, dates),
and does the lookup, the permission check (``access.py``; the course's access rule and consent for
per-course data), the validation and the history in one transaction. Bad input raises
``ValidationError({field: [message]})`` with the API's field names — ids as ``owner_id``, rows as
``costs.0.amount`` (the pages' ``forms.apply_errors`` maps them back to their fields) — and
nothing is written. Unknown and forbidden ids raise the same ``PermissionDenied``
(``access.NoAccessError``). A save based on an older version raises :class:`StaleVersionError`
(409 in the API), so two leaders editing one business case cannot silently overwrite each other;
a repeated submission raises :class:`DuplicateSubmissionError` (409 with the rows recorded then).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helhed.audit.models import Purpose
from helhed.core.domain import DomainError
from helhed.core.models import Organisation, User
from helhed.core.selectors import today
from helhed.courses import selectors as course_selectors
from helhed.courses.restriction import refuse_if_restricted
from helhed.economics import access, logic, texts
from helhed.economics.access import NoAccessError
from helhed.economics.models import (
    BudgetArea,
    BusinessCase,
    CaseCost,
    Consequence,
    Contract,
    CostEntry,
    Enrolment,
    Indicator,
    IndicatorResult,
    MeasurementPoint,
    ObservedOutcome,
    PayerLevel,
    Phase,
    PointInstrument,
    PriceIndex,
    Priority,
    ResultStatus,
    Revision,
    UnitKind,
    UnitPrice,
)


class DuplicateSubmissionError(DomainError):
    """The same submission (idempotency key) was already recorded: ``existing`` are its rows
    (the API answers 409 with their ids)."""

    status = 409
    title = "Allerede modtaget"

    def __init__(self, existing: list[Any]) -> None:
        super().__init__(texts.error("duplicate"), existing_ids=[str(e.pk) for e in existing])
        self.existing = existing


class StaleVersionError(DomainError):
    """Someone saved a newer version since the editor loaded it (409 with the current one)."""

    status = 409
    title = "Ændret imens"

    def __init__(self, current: int) -> None:
        super().__init__(texts.error("stale"), current_version=current)
        self.current = current


def _errors(errors: dict[str, str]) -> ValidationError:
    return ValidationError({k: [texts.error(v)] for k, v in errors.items()})


def _text(value: str | None, limit: int) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise ValueError("nul")
    return text[:limit]


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    """``value`` as a UUID; ``None`` when it is empty or not one."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _missing_texts(**values: str) -> dict[str, str]:
    """A "text" error for each required text that is empty."""
    return {key: "text" for key, value in values.items() if not value}


def _check_version(obj: UnitPrice | BusinessCase | Contract | None, version: int | None) -> None:
    """Refuse a save based on an older version of ``obj`` (``None``: a new one)."""
    if obj is not None and version is not None and version != obj.version:
        raise StaleVersionError(obj.version)


def price_index() -> dict[int, Decimal]:
    return dict(PriceIndex.objects.values_list("year", "value"))


def _revise(kind: str, obj: Any, version: int, snapshot: dict[str, Any], user: User) -> None:
    previous = (
        Revision.objects.filter(kind=kind, object_id=obj.pk)
        .order_by("-version")
        .values_list("snapshot", flat=True)
        .first()
    )
    changed = sorted(
        k for k in set(snapshot) | set(previous or {}) if (previous or {}).get(k) != snapshot.get(k)
    )
    Revision.objects.create(
        kind=kind,
        object_id=obj.pk,
        version=version,
        snapshot=snapshot,
        changes=changed if previous is not None else ["oprettet"],
        changed_by=user,
    )


# --------------------------------------------------------------------------------------------
# Unit prices
# --------------------------------------------------------------------------------------------


def _price_snapshot(p: UnitPrice) -> dict[str, Any]:
    return {
        "name": p.name,
        "unit": p.unit,
        "kind": p.kind,
        "amount_ore": p.amount_ore,
        "year": p.year,
        "payer": p.payer,
        "budget_area": p.budget_area,
        "source": p.source,
        "note": p.note,
        "active": p.active,
        "organisation": str(p.organisation_id) if p.organisation_id else None,
    }


@transaction.atomic
def save_price(
    user: User,
    *,
    organisation_id: uuid.UUID | str | None,
    name: str,
    unit: str,
    kind: str,
    amount: Decimal | None,
    year: int | None,
    payer: str,
    budget_area: str,
    source: str,
    note: str = "",
    active: bool = True,
    price_id: uuid.UUID | str | None = None,
    version: int | None = None,
) -> UnitPrice:
    """Create or change an organisation's unit price (leders and analysts of that organisation).
    Shipped examples are changed only by an administrator (Django admin); copy one instead."""
    orgs = access.economics_organisations(user)
    price = _price_to_change(price_id, orgs)
    if price is not None:
        organisation_id = price.organisation_id
    if not orgs:
        raise NoAccessError
    errors: dict[str, str] = {}
    org_uuid = _uuid_or_none(organisation_id)
    if org_uuid is None or org_uuid not in orgs:
        errors["organisation_id"] = "organisation"
    try:
        name, unit, source, note = (
            _text(name, 120),
            _text(unit, 40),
            _text(source, 400),
            _text(note, 2000),
        )
    except ValueError:
        raise _errors({"name": "text"}) from None
    errors |= _missing_texts(name=name, unit=unit, source=source)
    errors |= _price_value_errors(
        kind=kind, payer=payer, budget_area=budget_area, amount=amount, year=year
    )
    if errors:
        raise _errors(errors)
    assert amount is not None and year is not None
    _check_version(price, version)
    if price is None:
        price = UnitPrice(organisation_id=org_uuid, version=1)
    else:
        price.version += 1
    price.name, price.unit, price.kind = name, unit, kind
    price.amount_ore, price.year = logic.to_ore(amount), year
    price.payer, price.budget_area = payer, budget_area
    price.source, price.note, price.active = source, note, active
    price.is_example = False
    price.save()
    _revise("price", price, price.version, _price_snapshot(price), user)
    return price


def _price_to_change(price_id: uuid.UUID | str | None, orgs: set[Any]) -> UnitPrice | None:
    """The (locked) price to change, one of ``orgs``'; ``None`` for a new one. Shipped examples
    and others' prices are refused."""
    if price_id is None:
        return None
    price = UnitPrice.objects.select_for_update().filter(pk=price_id).first()
    if price is None or price.organisation_id is None or price.organisation_id not in orgs:
        raise NoAccessError
    return price


def _price_value_errors(
    *, kind: str, payer: str, budget_area: str, amount: Decimal | None, year: int | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in UnitKind.values:
        errors["kind"] = "choice"
    if payer not in PayerLevel.values:
        errors["payer"] = "choice"
    if budget_area not in BudgetArea.values:
        errors["budget_area"] = "choice"
    problem = logic.validate_amount(amount)
    if problem:
        errors["amount"] = problem
    if year is None:
        errors["year"] = "price-year"
    elif year not in logic.YEARS:
        errors["year"] = "year"
    return errors


@transaction.atomic
def copy_price(user: User, *, price_id: uuid.UUID | str, organisation_id: Any) -> UnitPrice:
    """Make an organisation's own price from a visible one (typically a shipped example), to be
    adjusted to the municipality's own figures."""
    orgs = access.economics_organisations(user)
    source = UnitPrice.objects.filter(pk=price_id).first()
    if source is None or (
        source.organisation_id is not None and source.organisation_id not in orgs
    ):
        raise NoAccessError
    return save_price(
        user,
        organisation_id=organisation_id,
        name=source.name,
        unit=source.unit,
        kind=source.kind,
        amount=logic.to_kr(source.amount_ore),
        year=source.year,
        payer=source.payer,
        budget_area=source.budget_area,
        source=f"Kopi af: {source.source}"[:400],
        note=source.note,
    )


def visible_price(user: User, price_id: Any) -> UnitPrice:
    """A price the user may use: a shipped example or one of their organisations'."""
    orgs = access.economics_organisations(user)
    try:
        pk = uuid.UUID(str(price_id))
    except ValueError:
        raise NoAccessError from None
    price = UnitPrice.objects.filter(pk=pk).first()
    if price is None or (price.organisation_id is not None and price.organisation_id not in orgs):
        raise NoAccessError
    return price


def usable_prices(user: User, acc: course_selectors.Access) -> Any:
    """Prices a course's cost may use: active shipped examples, the course's coordinating
    municipality's own and those of the user's organisations (as leader or analyst)."""
    from django.db.models import Q

    orgs = access.economics_organisations(user) | {acc.course.coordinator_unit.organisation_id}
    return UnitPrice.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id__in=orgs), active=True
    )


# --------------------------------------------------------------------------------------------
# Business cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostRowIn:
    year: int | None
    label: str
    budget_area: str
    payer: str
    amount: Decimal | None


@dataclass(frozen=True)
class ConsequenceIn:
    unit_price_id: Any
    label: str
    budget_area: str
    payer: str
    changes: Sequence[Decimal | None]


def _case_snapshot(case: BusinessCase) -> dict[str, Any]:
    return {
        "name": case.name,
        "target_group": case.target_group,
        "cohort_size": case.cohort_size,
        "horizon_years": case.horizon_years,
        "price_year": case.price_year,
        "discount_rate": str(case.discount_rate),
        "baseline_rate": str(case.baseline_rate),
        "rate_cautious": str(case.rate_cautious),
        "rate_expected": str(case.rate_expected),
        "rate_optimistic": str(case.rate_optimistic),
        "success_label": case.success_label,
        "observed_outcome": case.observed_outcome,
        "breakeven_within": case.breakeven_within,
        "notes": case.notes,
        "costs": [
            [c.year, c.label, c.budget_area, c.payer, c.amount_ore]
            for c in case.costs.order_by("order")
        ],
        "consequences": [
            [str(c.unit_price_id), c.label, c.budget_area, c.payer, c.changes]
            for c in case.consequences.order_by("order")
        ],
    }


@transaction.atomic
def save_case(
    user: User,
    *,
    initiative_id: uuid.UUID | str,
    name: str,
    target_group: str,
    cohort_size: int | None,
    horizon_years: int | None,
    price_year: int | None,
    discount_rate: Decimal | None,
    baseline_rate: Decimal | None,
    rate_cautious: Decimal | None,
    rate_expected: Decimal | None,
    rate_optimistic: Decimal | None,
    success_label: str,
    costs: Sequence[CostRowIn],
    consequences: Sequence[ConsequenceIn],
    observed_outcome: str = "",
    breakeven_within: int | None = 4,
    notes: str = "",
    case_id: uuid.UUID | str | None = None,
    version: int | None = None,
) -> BusinessCase:
    """Create or replace a business case with its cost and consequence rows (all or nothing)."""
    case: BusinessCase | None = None
    if case_id is not None:
        case = BusinessCase.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            raise NoAccessError
        initiative_id = case.initiative_id
    initiative = access.initiative_for(user, initiative_id)
    rates = {
        "rate_cautious": rate_cautious,
        "rate_expected": rate_expected,
        "rate_optimistic": rate_optimistic,
    }
    errors = logic.validate_case_values(
        cohort=cohort_size,
        horizon=horizon_years,
        discount=discount_rate,
        baseline=baseline_rate,
        rates=rates,
        price_year=price_year,
    )
    try:
        name, target_group = _text(name, 200), _text(target_group, 5000)
        success_label, notes = _text(success_label, 200), _text(notes, 10_000)
    except ValueError:
        raise _errors({"name": "text"}) from None
    errors |= _missing_texts(name=name, target_group=target_group, success_label=success_label)
    if observed_outcome not in ObservedOutcome.values:
        errors["observed_outcome"] = "choice"
    if breakeven_within is None or not 1 <= breakeven_within <= logic.MAX_HORIZON:
        errors["breakeven_within"] = "within"
    horizon = horizon_years if "horizon_years" not in errors else logic.MAX_HORIZON
    assert horizon is not None
    errors |= _cost_row_errors(costs, horizon)
    prices = [_visible_price_or_none(user, c.unit_price_id) for c in consequences]
    errors |= _consequence_errors(consequences, prices, horizon)
    if errors:
        raise _errors(errors)
    assert cohort_size is not None and horizon_years is not None and price_year is not None
    assert discount_rate is not None and baseline_rate is not None
    assert rate_cautious is not None and rate_expected is not None
    assert rate_optimistic is not None and breakeven_within is not None
    _check_version(case, version)
    if case is None:
        case = BusinessCase(initiative=initiative, created_by=user, version=1)
    else:
        case.version += 1
    case.name, case.target_group = name, target_group
    case.cohort_size, case.horizon_years, case.price_year = cohort_size, horizon_years, price_year
    case.discount_rate, case.baseline_rate = discount_rate, baseline_rate
    case.rate_cautious, case.rate_expected = rate_cautious, rate_expected
    case.rate_optimistic, case.success_label = rate_optimistic, success_label
    case.observed_outcome, case.breakeven_within = observed_outcome, breakeven_within
    case.notes = notes
    case.save()
    _replace_case_rows(case, costs, consequences, prices)
    _revise("case", case, case.version, _case_snapshot(case), user)
    return case


def _cost_row_errors(costs: Sequence[CostRowIn], horizon: int) -> dict[str, str]:
    """The cost rows' errors, named as in the API's body (``costs.0.amount``)."""
    errors: dict[str, str] = {}
    for i, row in enumerate(costs):
        p = f"costs.{i}."
        if row.year is None or not 1 <= row.year <= horizon:
            errors[p + "year"] = "case-year"
        if not row.label.strip():
            errors[p + "label"] = "text"
        if row.budget_area not in BudgetArea.values:
            errors[p + "budget_area"] = "choice"
        if row.payer not in PayerLevel.values:
            errors[p + "payer"] = "choice"
        problem = logic.validate_amount(row.amount)
        if problem:
            errors[p + "amount"] = problem
    return errors


def _visible_price_or_none(user: User, price_id: Any) -> UnitPrice | None:
    try:
        return visible_price(user, price_id)
    except PermissionDenied:
        return None


def _consequence_errors(
    consequences: Sequence[ConsequenceIn], prices: Sequence[UnitPrice | None], horizon: int
) -> dict[str, str]:
    """The consequence rows' errors (``consequences.0.t1``); ``prices`` are the rows' unit prices
    the user may use (``None``: unknown or not theirs)."""
    errors: dict[str, str] = {}
    for i, (c, price) in enumerate(zip(consequences, prices, strict=True)):
        p = f"consequences.{i}."
        if price is None:
            errors[p + "unit_price_id"] = "unit"
        if c.budget_area not in BudgetArea.values:
            errors[p + "budget_area"] = "choice"
        if c.payer not in PayerLevel.values:
            errors[p + "payer"] = "choice"
        if len(c.changes) > logic.MAX_HORIZON:
            errors[p + "changes"] = "horizon"
        if all(v is None or v == 0 for v in c.changes):
            errors[p + "t1"] = "changes"
        errors |= _change_errors(p, c.changes, horizon)
    return errors


def _change_errors(prefix: str, changes: Sequence[Decimal | None], horizon: int) -> dict[str, str]:
    """One consequence's yearly changes (``t1`` …): within the horizon, not too large, øre."""
    errors: dict[str, str] = {}
    for t, v in enumerate(changes, start=1):
        if v is None:
            continue
        if t > horizon and v != 0:
            errors[prefix + f"t{t}"] = "case-year"
        elif abs(v) > logic.MAX_QUANTITY:
            errors[prefix + f"t{t}"] = "too-large"
        elif v != v.quantize(Decimal("0.01")):
            errors[prefix + f"t{t}"] = "decimals"
    return errors


def _replace_case_rows(
    case: BusinessCase,
    costs: Sequence[CostRowIn],
    consequences: Sequence[ConsequenceIn],
    prices: Sequence[UnitPrice | None],
) -> None:
    case.costs.all().delete()
    case.consequences.all().delete()
    CaseCost.objects.bulk_create(
        [
            CaseCost(
                case=case,
                year=row.year or 0,
                label=_text(row.label, 200),
                budget_area=row.budget_area,
                payer=row.payer,
                amount_ore=logic.to_ore(row.amount),  # type: ignore[arg-type]
                order=i,
            )
            for i, row in enumerate(costs)
        ]
    )
    Consequence.objects.bulk_create(
        [
            Consequence(
                case=case,
                unit_price=price,
                label=_text(c.label, 200) or (price.name if price else ""),
                budget_area=c.budget_area,
                payer=c.payer,
                changes=[str(v if v is not None else 0) for v in c.changes][: case.horizon_years],
                order=i,
            )
            for i, (c, price) in enumerate(zip(consequences, prices, strict=True))
        ]
    )


# --------------------------------------------------------------------------------------------
# Contracts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorIn:
    name: str
    priority: str
    source: str
    price: Decimal | None
    expected_rate: Decimal | None
    min_points: int | None = None
    window_weeks: int | None = None
    months_after: int | None = None
    accepted: tuple[str, ...] = ()
    limit_percent: Decimal | None = None
    goal_share: Decimal | None = None
    cap: Decimal | None = None
    floor: Decimal | None = None


@dataclass(frozen=True)
class PhaseIn:
    name: str
    start_week: int | None
    end_week: int | None


@dataclass(frozen=True)
class PointIn:
    week: int | None
    instrument: str


def _contract_snapshot(c: Contract) -> dict[str, Any]:
    return {
        "name": c.name,
        "owner": str(c.owner_id),
        "investor_name": c.investor_name,
        "investor": str(c.investor_id) if c.investor_id else None,
        "period_start": c.period_start.isoformat(),
        "period_end": c.period_end.isoformat(),
        "cutoff": c.cutoff.isoformat(),
        "budget_ore": c.budget_ore,
        "notes": c.notes,
        "indicators": [
            [
                i.name,
                i.priority,
                i.source,
                i.min_points,
                i.window_weeks,
                i.months_after,
                i.accepted,
                str(i.limit_percent) if i.limit_percent is not None else None,
                str(i.goal_share) if i.goal_share is not None else None,
                i.price_ore,
                i.cap_ore,
                i.floor_ore,
                str(i.expected_rate),
            ]
            for i in c.indicators.order_by("order")
        ],
        "phases": [[p.name, p.start_week, p.end_week] for p in c.phases.order_by("start_week")],
        "points": [[p.week, p.instrument] for p in c.points.order_by("week", "instrument")],
    }


def _rule(ind: IndicatorIn) -> logic.Rule:
    return logic.Rule(
        source=ind.source,
        min_points=ind.min_points,
        window_weeks=ind.window_weeks,
        months_after=ind.months_after,
        accepted=tuple(ind.accepted),
        limit_percent=ind.limit_percent,
        goal_share=ind.goal_share,
    )


def rule_of(indicator: Indicator) -> logic.Rule:
    return logic.Rule(
        source=indicator.source,
        min_points=indicator.min_points,
        window_weeks=indicator.window_weeks,
        months_after=indicator.months_after,
        accepted=tuple(indicator.accepted or ()),
        limit_percent=indicator.limit_percent,
        goal_share=indicator.goal_share,
    )


@transaction.atomic
def save_contract(
    user: User,
    *,
    initiative_id: uuid.UUID | str,
    name: str,
    owner_id: uuid.UUID | str | None,
    investor_name: str,
    period_start: date | None,
    period_end: date | None,
    cutoff: date | None,
    budget: Decimal | None,
    indicators: Sequence[IndicatorIn],
    phases: Sequence[PhaseIn] = (),
    points: Sequence[PointIn] = (),
    investor_id: uuid.UUID | str | None = None,
    notes: str = "",
    contract_id: uuid.UUID | str | None = None,
    version: int | None = None,
) -> Contract:
    """Create or replace a contract with its indicators, phases and planned measurement points.
    Existing per-course results of an indicator that is kept (same position and source) stay;
    results of removed indicators go with them."""
    contract: Contract | None = None
    if contract_id is not None:
        contract = access.contract_for(user, contract_id, edit=True)
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        initiative_id = contract.initiative_id
    access.initiative_for(user, initiative_id)
    orgs = access.economics_organisations(user)
    try:
        name, investor_name, notes = _text(name, 200), _text(investor_name, 200), _text(notes, 5000)
    except ValueError:
        raise _errors({"name": "text"}) from None
    errors = _missing_texts(name=name, investor_name=investor_name)
    owner = _contract_owner(errors, owner_id, orgs, contract)
    investor = _contract_investor(errors, investor_id)
    errors |= _period_errors(period_start, period_end, cutoff)
    problem = logic.validate_amount(budget)
    if problem:
        errors["budget"] = problem
    errors |= _indicator_errors(indicators)
    errors |= _phase_errors(phases)
    errors |= _point_errors(points)
    if errors:
        raise _errors(errors)
    assert owner is not None and period_start and period_end and cutoff and budget is not None
    _check_version(contract, version)
    if contract is None:
        contract = Contract(initiative_id=initiative_id, created_by=user, version=1)
    else:
        contract.version += 1
    contract.name, contract.owner, contract.investor_name = name, owner, investor_name
    contract.investor = investor
    contract.period_start, contract.period_end, contract.cutoff = period_start, period_end, cutoff
    contract.budget_ore, contract.notes = logic.to_ore(budget), notes
    contract.save()
    _replace_indicators(contract, indicators)
    _replace_phases_and_points(contract, phases, points)
    _revise("contract", contract, contract.version, _contract_snapshot(contract), user)
    return contract


def _contract_owner(
    errors: dict[str, str], owner_id: Any, orgs: set[Any], contract: Contract | None
) -> Organisation | None:
    """The owning organisation: one of ``orgs``, or the one the contract already has (adds
    "owner_id" to ``errors`` otherwise)."""
    owner_uuid = _uuid_or_none(owner_id)
    keeps_owner = contract is not None and owner_uuid == contract.owner_id
    if (owner_uuid is None or owner_uuid not in orgs) and not keeps_owner:
        errors["owner_id"] = "organisation"
        return None
    if owner_uuid is None:
        return None
    owner = Organisation.objects.filter(pk=owner_uuid).first()
    if owner is None:
        errors["owner_id"] = "organisation"
    return owner


def _contract_investor(errors: dict[str, str], investor_id: Any) -> Organisation | None:
    """The investor organisation, if one is named (adds "investor_id" to ``errors`` when it is
    unknown)."""
    if not investor_id:
        return None
    investor_uuid = _uuid_or_none(investor_id)
    investor = Organisation.objects.filter(pk=investor_uuid).first() if investor_uuid else None
    if investor is None:
        errors["investor_id"] = "choice"
    return investor


def _period_errors(
    period_start: date | None, period_end: date | None, cutoff: date | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if period_start is None:
        errors["period_start"] = "required"
    if period_end is None:
        errors["period_end"] = "required"
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = "period"
    if cutoff is None:
        errors["cutoff"] = "required"
    elif period_start and cutoff < period_start:
        errors["cutoff"] = "cutoff"
    for d, key in ((period_start, "period_start"), (period_end, "period_end"), (cutoff, "cutoff")):
        if d is not None and d.year not in logic.YEARS:
            errors[key] = "year"
    return errors


def _indicator_errors(indicators: Sequence[IndicatorIn]) -> dict[str, str]:
    """At least one indicator, one of them primary, and each one valid
    (``indicators.0.price``)."""
    errors: dict[str, str] = {}
    if not indicators:
        errors["indicators"] = "indicators"
    elif not any(i.priority == Priority.PRIMARY for i in indicators):
        errors["indicators.0.priority"] = "primary"
    for i, ind in enumerate(indicators):
        p = f"indicators.{i}."
        errors |= {p + key: value for key, value in _one_indicator_errors(ind).items()}
    return errors


def _one_indicator_errors(ind: IndicatorIn) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not ind.name.strip():
        errors["name"] = "text"
    if ind.priority not in Priority.values:
        errors["priority"] = "choice"
    errors |= logic.validate_rule(_rule(ind))
    problem = logic.validate_amount(ind.price)
    if problem:
        errors["price"] = problem
    if ind.expected_rate is None or not 0 <= ind.expected_rate <= 100:
        errors["expected_rate"] = "percent"
    for key, amount in (("cap", ind.cap), ("floor", ind.floor)):
        problem = logic.validate_amount(amount) if amount is not None else None
        if problem:
            errors[key] = problem
    if ind.cap is not None and ind.floor is not None and ind.cap < ind.floor:
        errors["cap"] = "cap-floor"
    if ind.source in logic.DEFAULT_ACCEPTED:
        from helhed.progress.logic import EMPLOYMENT

        known = {k for k, _l in EMPLOYMENT}
        if any(a not in known for a in ind.accepted):
            errors["accepted"] = "choice"
    return errors


def _phase_errors(phases: Sequence[PhaseIn]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for i, key in logic.phase_errors([(ph.start_week, ph.end_week) for ph in phases]).items():
        errors[f"phases.{i}.end_week" if key == "order" else f"phases.{i}.start_week"] = key
    for i, ph in enumerate(phases):
        if not ph.name.strip():
            errors[f"phases.{i}.name"] = "text"
    return errors


def _point_errors(points: Sequence[PointIn]) -> dict[str, str]:
    """Each planned point in weeks 0-520 with a known instrument, no (week, instrument) twice."""
    errors: dict[str, str] = {}
    seen_points: set[tuple[int, str]] = set()
    for i, pt in enumerate(points):
        if pt.week is None or not 0 <= pt.week <= 520:
            errors[f"points.{i}.week"] = "weeks"
        if pt.instrument not in PointInstrument.values:
            errors[f"points.{i}.instrument"] = "choice"
        elif pt.week is not None:
            if (pt.week, pt.instrument) in seen_points:
                errors[f"points.{i}.week"] = "duplicate-point"
            seen_points.add((pt.week, pt.instrument))
    return errors


def _replace_indicators(contract: Contract, indicators: Sequence[IndicatorIn]) -> None:
    """Write the indicators in order, keeping the row (and its results) of an indicator at the
    same position with the same source; rows not kept go with their results."""
    existing = list(contract.indicators.order_by("order"))
    keep: list[Indicator] = []
    for i, ind in enumerate(indicators):
        row = existing[i] if i < len(existing) and existing[i].source == ind.source else None
        row = row or Indicator(contract=contract)
        row.name, row.priority, row.source = _text(ind.name, 200), ind.priority, ind.source
        row.min_points, row.window_weeks = ind.min_points, ind.window_weeks
        row.months_after, row.accepted = ind.months_after, list(ind.accepted)
        row.limit_percent, row.goal_share = ind.limit_percent, ind.goal_share
        row.price_ore = logic.to_ore(ind.price)  # type: ignore[arg-type]
        row.cap_ore = logic.to_ore(ind.cap) if ind.cap is not None else None
        row.floor_ore = logic.to_ore(ind.floor) if ind.floor is not None else None
        row.expected_rate = ind.expected_rate  # type: ignore[assignment]
        row.order = i
        row.save()
        keep.append(row)
    contract.indicators.exclude(pk__in=[r.pk for r in keep]).delete()


def _replace_phases_and_points(
    contract: Contract, phases: Sequence[PhaseIn], points: Sequence[PointIn]
) -> None:
    contract.phases.all().delete()
    Phase.objects.bulk_create(
        [
            Phase(
                contract=contract,
                name=_text(ph.name, 100),
                start_week=ph.start_week or 0,
                end_week=ph.end_week or 0,
                order=i,
            )
            for i, ph in enumerate(phases)
        ]
    )
    contract.points.all().delete()
    MeasurementPoint.objects.bulk_create(
        [
            MeasurementPoint(contract=contract, week=p.week or 0, instrument=p.instrument)
            for p in points
        ]
    )


# --------------------------------------------------------------------------------------------
# Courses in a contract, their costs and results (personal data)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def enrol(
    user: User,
    *,
    contract_id: uuid.UUID | str,
    course_id: uuid.UUID | str,
    start_date: date | None,
) -> Enrolment:
    """Put a course in a contract from ``start_date`` (week 0). A member of the course's team
    with access to its plan may do it; the course must belong to the contract's initiative and be
    coordinated in the contract's municipality."""
    acc = course_selectors.access_for(user, course_id)
    if not acc.may("plan"):
        raise NoAccessError
    contract = Contract.objects.filter(pk=contract_id).first()
    if contract is None:
        raise NoAccessError
    course = acc.course
    errors: dict[str, str] = {}
    if (
        course.initiative_id != contract.initiative_id
        or course.coordinator_unit.organisation_id != contract.owner_id
    ):
        errors["contract_id"] = "enrol-initiative"
    if start_date is None:
        errors["start_date"] = "required"
    elif not contract.period_start <= start_date <= contract.period_end:
        errors["start_date"] = "enrol-date"
    if Enrolment.objects.filter(contract=contract, course=course).exists():
        errors["contract_id"] = "enrolled"
    if errors:
        raise _errors(errors)
    assert start_date is not None
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                contract=contract, course=course, start_date=start_date, enrolled_by=user
            )
    except IntegrityError:  # a concurrent twin
        raise _errors({"contract_id": "enrolled"}) from None
    evaluate_enrolments([enrolment.pk], today())
    return enrolment


@transaction.atomic
def record_costs(
    user: User,
    *,
    course_id: uuid.UUID | str,
    measure_id: uuid.UUID | str | None,
    unit_price_id: uuid.UUID | str | None,
    quantity: Decimal | None,
    year: int | None,
    month: int | None,
    months: int | None = 1,
    payer: str | None = None,
    budget_area: str | None = None,
    decision_id: uuid.UUID | str | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> list[CostEntry]:
    """Record ``quantity`` units per month for ``months`` months from ``year``-``month`` on a
    course (and one of its measures the user may see). The unit's price is indexed to each
    entry's year; payer and budget area default to the latest meeting decision on who pays for
    the measure, else to the measure's own "hvem betaler", else to the unit's."""
    acc = course_selectors.access_for(user, course_id)
    refuse_if_restricted(acc.course.pk)  # bulk_create sends no signal: the barrier is here
    measure = _course_measure(acc, measure_id)
    category = measure.data_category if measure is not None else "plan"
    if not acc.may(category):
        raise NoAccessError
    errors: dict[str, str] = {}
    price = _usable_price(user, acc, unit_price_id)
    if price is None:
        errors["unit_price_id"] = "unit"
    errors |= _when_and_how_much_errors(quantity, year, month, months)
    default_area, default_payer = _default_payer(acc, measure, price)
    payer = payer or default_payer
    budget_area = budget_area or default_area
    if payer not in PayerLevel.values:
        errors["payer"] = "choice"
    if budget_area not in BudgetArea.values:
        errors["budget_area"] = "choice"
    try:
        note = _text(note, 300)
    except ValueError:
        errors["note"] = "text"
    decision = _decision(acc, measure, decision_id) if decision_id else None
    if decision_id and decision is None:
        errors["decision_id"] = "choice"
    key = (idempotency_key or "").strip() or None
    if key is not None and (len(key) > 64 or "\x00" in key):
        errors["idempotency_key"] = "text"
    if errors:
        raise _errors(errors)
    _refuse_repeated_submission(user, key)
    assert price is not None and quantity is not None and year and month and months
    batch = uuid.uuid4()
    entries = [
        CostEntry(
            course=acc.course,
            initiative_id=acc.course.initiative_id,
            organisation_id=acc.course.coordinator_unit.organisation_id,
            measure=measure,
            category=category,
            unit_price=price,
            year=y,
            month=m,
            quantity=quantity,
            unit_amount_ore=unit_ore,
            amount_ore=logic.to_ore(quantity * logic.to_kr(unit_ore)),
            payer=payer,
            budget_area=budget_area,
            decision_id=decision,
            note=note,
            created_by=user,
            batch=batch,
        )
        for y, m, unit_ore in _indexed_unit_amounts(price, year, month, months)
    ]
    entries[0].idempotency_key = key
    try:
        with transaction.atomic():
            CostEntry.objects.bulk_create(entries)
    except IntegrityError:  # a concurrent twin with the same key got there first
        first = CostEntry.objects.filter(created_by=user, idempotency_key=key).first()
        raise DuplicateSubmissionError(_submission(first) if first else []) from None
    course_selectors.log_course_read(user, acc, "økonomi: udgift registreret", Purpose.CASEWORK)
    return entries


def _course_measure(acc: course_selectors.Access, measure_id: Any) -> Any:
    """The course's measure ``measure_id`` if the reader may see it (``None`` when none is
    named; a "measure_id" error when it is not one of them)."""
    if not measure_id:
        return None
    measure = next(
        (m for m in course_selectors.measures_for(acc) if str(m.pk) == str(measure_id)), None
    )
    if measure is None:
        raise _errors({"measure_id": "measure"})
    return measure


def _usable_price(user: User, acc: course_selectors.Access, unit_price_id: Any) -> UnitPrice | None:
    pk = _uuid_or_none(unit_price_id)
    return usable_prices(user, acc).filter(pk=pk).first() if pk is not None else None


def _when_and_how_much_errors(
    quantity: Decimal | None, year: int | None, month: int | None, months: int | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    problem = logic.validate_quantity(quantity)
    if problem:
        errors["quantity"] = problem
    if year is None or year not in logic.YEARS:
        errors["year"] = "year"
    if month is None or not 1 <= month <= 12:
        errors["month"] = "month"
    if months is None or not 1 <= months <= 36:
        errors["months"] = "months-count"
    return errors


def _refuse_repeated_submission(user: User, key: str | None) -> None:
    """A submission with an idempotency key the user already used answers with what was
    recorded then."""
    if key is None:
        return
    first = CostEntry.objects.filter(created_by=user, idempotency_key=key).first()
    if first is not None:
        raise DuplicateSubmissionError(_submission(first))


def _indexed_unit_amounts(
    price: UnitPrice, year: int, month: int, months: int
) -> list[tuple[int, int, int]]:
    """(year, month, unit price in øre indexed to that year) for ``months`` months from
    ``year``-``month``."""
    index = price_index()
    out = []
    for y, m in logic.month_range(date(year, month, 1), months):
        unit_amount, _indexed = logic.index_or_keep(
            logic.to_kr(price.amount_ore), price.year, y, index
        )
        out.append((y, m, logic.to_ore(unit_amount)))
    return out


def _submission(first: CostEntry) -> list[CostEntry]:
    """The rows recorded together with ``first`` (one submission)."""
    if first.batch is None:
        return [first]
    return list(CostEntry.objects.filter(batch=first.batch).order_by("year", "month"))


def _default_payer(
    acc: course_selectors.Access, measure: Any, price: UnitPrice | None
) -> tuple[str, str]:
    if measure is not None:
        from helhed.meetings.selectors import payer_decisions

        decided = payer_decisions([acc.course.pk]).get(measure.pk, [])
        if decided:
            return logic.COURSE_BUDGET_AREA.get(decided[-1].payer, ("andet", "kommune"))
        return logic.COURSE_BUDGET_AREA.get(measure.budget_area, ("andet", "kommune"))
    if price is not None:
        return price.budget_area, price.payer
    return "", ""


def _decision(acc: course_selectors.Access, measure: Any, decision_id: Any) -> Any:
    from helhed.meetings.selectors import payer_decisions

    if measure is None:
        return None
    for d in payer_decisions([acc.course.pk]).get(measure.pk, []):
        if str(d.decision_id) == str(decision_id):
            return d.decision_id
    return None


@transaction.atomic
def delete_cost(user: User, *, cost_id: uuid.UUID | str) -> None:
    """Remove a wrongly recorded cost (a team member who may see its category). The row is kept
    in the history (``Revision``)."""
    try:
        entry = CostEntry.objects.select_for_update().filter(pk=uuid.UUID(str(cost_id))).first()
    except ValueError:
        entry = None
    if entry is None:
        raise NoAccessError
    acc = course_selectors.access_for(user, entry.course_id)
    if not acc.may(entry.category):
        raise NoAccessError
    Revision.objects.create(
        kind="cost",
        object_id=entry.pk,
        version=1,
        snapshot={
            "course": str(entry.course_id),
            "unit_price": str(entry.unit_price_id),
            "year": entry.year,
            "month": entry.month,
            "quantity": str(entry.quantity),
            "amount_ore": entry.amount_ore,
        },
        changes=["slettet"],
        changed_by=user,
    )
    entry.delete()


@transaction.atomic
def override_result(
    user: User, *, result_id: uuid.UUID | str, status: str, reason: str
) -> IndicatorResult:
    """Set a course's indicator result by hand, with a reason. Needs access to the course and to
    the indicator's data category; refused after the contract's cut-off date."""
    try:
        result = (
            IndicatorResult.objects.select_for_update()
            .select_related("enrolment", "enrolment__contract", "indicator")
            .filter(pk=uuid.UUID(str(result_id)))
            .first()
        )
    except ValueError:
        result = None
    if result is None:
        raise NoAccessError
    acc = course_selectors.access_for(user, result.enrolment.course_id)
    if not acc.may(logic.category_of(result.indicator.source)):
        raise NoAccessError
    errors: dict[str, str] = {}
    if status not in ResultStatus.values and status != "":
        errors["status"] = "choice"
    try:
        reason = _text(reason, 2000)
    except ValueError:
        reason = ""
    if status and not reason:
        errors["reason"] = "reason"
    if today() > result.enrolment.contract.cutoff:
        errors["status"] = "locked"
    if errors:
        raise _errors(errors)
    result.override_status = status
    result.override_reason = reason if status else ""
    result.overridden_by = user if status else None
    result.overridden_at = timezone.now() if status else None
    result.save()
    Revision.objects.create(
        kind="result",
        object_id=result.pk,
        version=Revision.objects.filter(kind="result", object_id=result.pk).count() + 1,
        snapshot={
            "computed": result.status,
            "override": status,
            "reason": reason,
            "indicator": str(result.indicator_id),
        },
        changes=["tilsidesat" if status else "tilsidesættelse fjernet"],
        changed_by=user,
    )
    course_selectors.log_course_read(
        user, acc, "økonomi: indikatorresultat tilsidesat", Purpose.CASEWORK
    )
    return result


# --------------------------------------------------------------------------------------------
# The daily job: evaluate every open contract's indicators
# --------------------------------------------------------------------------------------------


@dataclass
class EvaluationRun:
    contracts: int = 0
    results: int = 0
    changed: int = 0
    locked: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def _facts(course_ids: list[Any]) -> dict[Any, logic.Facts]:
    from helhed.progress.selectors import outcome_series

    series = outcome_series(course_ids)
    periods = course_selectors.measure_periods(course_ids)
    out = {}
    for cid in course_ids:
        s = series[cid]
        out[cid] = logic.Facts(
            who5=tuple(s.who5),
            employment=tuple(s.employment),
            school=tuple(s.school),
            goal_ratings=tuple(s.goal_ratings),
            measures=tuple(
                logic.MeasureSpan(m.start, m.end, m.status, m.category) for m in periods[cid]
            ),
        )
    return out


def evaluate_enrolments(enrolment_ids: Sequence[Any] | None, today: date) -> EvaluationRun:
    """Compute every indicator for the given enrolments (all when ``None``) of contracts not past
    their cut-off date, and store the results; overrides are kept. Idempotent: a second run on
    the same day changes nothing."""
    run = EvaluationRun()
    contracts = Contract.objects.filter(cutoff__gte=today)
    if enrolment_ids is not None:
        contracts = contracts.filter(enrolments__pk__in=list(enrolment_ids)).distinct()
    run.locked = Contract.objects.filter(cutoff__lt=today).count()
    for contract in contracts.prefetch_related("indicators"):
        run.contracts += 1
        indicators = list(contract.indicators.all())
        # A restricted course (art. 18) is not processed: its results stay as they were.
        enrolments = contract.enrolments.filter(course__restricted_since__isnull=True)
        if enrolment_ids is not None:
            enrolments = enrolments.filter(pk__in=list(enrolment_ids))
        for lo_enrolments in _chunks(list(enrolments.values_list("pk", "course_id", "start_date"))):
            facts = _facts([c for _e, c, _s in lo_enrolments])
            existing = {
                (r.enrolment_id, r.indicator_id): r
                for r in IndicatorResult.objects.filter(
                    enrolment_id__in=[e for e, _c, _s in lo_enrolments]
                )
            }
            new, changed = [], []
            for enrolment_id, course_id, start in lo_enrolments:
                for ind in indicators:
                    out = logic.evaluate_indicator(rule_of(ind), facts[course_id], start, today)
                    run.results += 1
                    run.by_status[out.status] = run.by_status.get(out.status, 0) + 1
                    row = existing.get((enrolment_id, ind.pk))
                    if row is None:
                        new.append(
                            IndicatorResult(
                                enrolment_id=enrolment_id,
                                indicator=ind,
                                status=out.status,
                                due_on=out.due_on,
                                evidence=out.evidence,
                                evidence_on=out.evidence_on,
                                evaluated_on=today,
                            )
                        )
                    elif (row.status, row.due_on, row.evidence, row.evidence_on) != (
                        out.status,
                        out.due_on,
                        out.evidence,
                        out.evidence_on,
                    ):
                        row.status, row.due_on = out.status, out.due_on
                        row.evidence, row.evidence_on = out.evidence, out.evidence_on
                        row.evaluated_on = today
                        changed.append(row)
            with transaction.atomic():
                IndicatorResult.objects.bulk_create(new, ignore_conflicts=True)
                IndicatorResult.objects.bulk_update(
                    changed, ["status", "due_on", "evidence", "evidence_on", "evaluated_on"]
                )
            run.changed += len(new) + len(changed)
    return run


def _chunks(rows: list[Any], size: int = 500) -> list[list[Any]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)] or []


def course_moved(course_id: Any, initiative_id: Any, organisation_id: Any) -> int:
    """Keep the cost rows' copies of the course's initiative and coordinating organisation
    right when the course changes (a new coordinator in another organisation)."""
    return (
        CostEntry.objects.filter(course_id=course_id)
        .exclude(initiative_id=initiative_id, organisation_id=organisation_id)
        .update(initiative_id=initiative_id, organisation_id=organisation_id)
    )


def evaluate_contracts(today: date) -> EvaluationRun:
    return evaluate_enrolments(None, today)
