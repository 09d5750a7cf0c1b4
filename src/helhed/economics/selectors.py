"""Reads of the economics app.

* **Aggregates for leaders, analysts and investors** (:func:`initiative_economics`,
  :func:`comparison`, :func:`business_case`, :func:`period_report`): sums in SQL over the courses
  the progress dashboard counts (coordinated by the reader's organisations) or, for a contract's
  report, over the contract's enrolled courses. No citizen is shown, so nothing is written to the
  access log; cells resting on 1-4 courses are shown as "<5" and a second cell is hidden ("x")
  where the suppressed one could be derived from a total (as on the progress dashboard).
* **Per-course economics** (:func:`course_economics`, :func:`course_section`): a course's cost
  rows and contract results, through the course's access rule; a reader sees a cost row only if
  they may see the data category of its measure, and a result only if they may see its
  indicator's category. Every read is logged (``courses.selectors.log_course_read``).
* **Measurement points** due for the coordinator and for the citizen (start-page panels), logged.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core import idsets
from helhed.core.models import Organisation, User, UserKind
from helhed.core.prepared import Prepared, set_prefetched
from helhed.core.selectors import membership_list, today
from helhed.courses import selectors as course_selectors
from helhed.economics import access, logic, texts
from helhed.economics.access import NoAccessError
from helhed.economics.models import (
    BudgetArea,
    BusinessCase,
    Contract,
    CostEntry,
    Enrolment,
    IndicatorResult,
    MeasurementPoint,
    ObservedOutcome,
    PayerLevel,
    Phase,
    ResultStatus,
    Revision,
    UnitPrice,
)
from helhed.economics.services import price_index
from helhed.progress import logic as plogic
from helhed.registry.models import Initiative

AREA_ORDER = [a for a, _l in BudgetArea.choices]
PAYER_ORDER = [p for p, _l in PayerLevel.choices]
SUPPRESSED = "<5"


# --------------------------------------------------------------------------------------------
# Small-cell suppression for tables of sums
# --------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """A sum (øre) resting on ``courses`` courses. ``hidden``: "<5" (too few courses) or "x"
    (hidden so a suppressed cell cannot be derived from a total)."""

    amount: int = 0
    courses: int = 0
    hidden: str = ""

    @property
    def empty(self) -> bool:
        return self.courses == 0 and self.amount == 0

    @property
    def text(self) -> str:
        if self.hidden:
            return self.hidden
        if self.empty:
            return "–"
        return texts.kr(self.amount, ore=True)

    @property
    def kr(self) -> Decimal | None:
        """Kroner when shown, else ``None`` (for exports and the API)."""
        if self.hidden or self.empty:
            return None
        return logic.round_kr(logic.to_kr(self.amount))

    @property
    def courses_text(self) -> str:
        if self.hidden == plogic.SECONDARY:
            return plogic.SECONDARY
        return plogic.show_count(self.courses)

    def mean_text(self) -> str:
        if self.hidden:
            return self.hidden
        if self.courses == 0:
            return "–"
        return texts.kr(Decimal(self.amount) / self.courses, ore=True)


@dataclass
class Grid:
    """Rows × columns of cells with row totals, column totals and a grand total."""

    row_keys: list[str]
    col_keys: list[Any]
    cells: dict[tuple[str, Any], Cell]
    row_totals: dict[str, Cell]
    col_totals: dict[Any, Cell]
    grand: Cell

    def cell(self, row: str, col: Any) -> Cell:
        return self.cells.setdefault((row, col), Cell())

    def rows(self) -> list[tuple[str, list[Cell], Cell]]:
        return [
            (r, [self.cell(r, c) for c in self.col_keys], self.row_totals.setdefault(r, Cell()))
            for r in self.row_keys
        ]

    def totals(self) -> list[Cell]:
        return [self.col_totals.setdefault(c, Cell()) for c in self.col_keys]


def _primary(cell: Cell) -> None:
    if plogic.suppressed(cell.courses):
        cell.hidden = SUPPRESSED


def suppress_grid(grid: Grid) -> None:
    """Primary suppression of every cell, then secondary suppression per column (the rows add up
    to the column total) and per row (the columns add up to the row total), repeated until
    nothing more must be hidden."""
    for cell in [*grid.cells.values(), *grid.row_totals.values(), *grid.col_totals.values()]:
        _primary(cell)
    _primary(grid.grand)
    for _round in range(10):
        changed = False
        lines: list[tuple[list[Cell], Cell]] = []
        for c in grid.col_keys:
            lines.append(([grid.cell(r, c) for r in grid.row_keys], grid.col_totals[c]))
        for r in grid.row_keys:
            lines.append(([grid.cell(r, c) for c in grid.col_keys], grid.row_totals[r]))
        lines.append(([grid.row_totals[r] for r in grid.row_keys], grid.grand))
        lines.append(([grid.col_totals[c] for c in grid.col_keys], grid.grand))
        for members, total in lines:
            hide, hide_total = plogic.secondary_suppression(
                [(m.courses, bool(m.hidden)) for m in members], (total.courses, bool(total.hidden))
            )
            for i in hide:
                members[i].hidden = plogic.SECONDARY
                changed = True
            if hide_total:
                total.hidden = plogic.SECONDARY
                changed = True
        if not changed:
            break


# --------------------------------------------------------------------------------------------
# An initiative's actual costs
# --------------------------------------------------------------------------------------------


def counted_courses(user: User, initiative_id: Any | None = None) -> QuerySet[Any]:
    """The courses whose costs a leader or analyst may count: the progress dashboard's rule
    (coordinated by a unit of an organisation where they are leder or analytiker)."""
    from helhed.progress.selectors import counted_courses as progress_counted

    return progress_counted(user, initiative_id)


@dataclass
class InitiativeEconomics:
    initiative: Initiative
    years: list[int]
    year: int | None
    by_area: Grid  # budget areas × years
    by_payer: Grid  # payer levels × years
    by_month: Grid  # one row (all) × months of ``year``; plus per area rows
    counted: int  # courses counted
    with_costs: Cell  # courses with costs (all years) and their sum
    year_courses: dict[int, int]  # a lower bound per year (see initiative_economics)
    cases: list[BusinessCase]
    contracts: list[Contract]
    may_edit: bool = True


def _grid(
    rows: dict[tuple[str, Any], tuple[int, int]],
    row_keys: list[str],
    col_keys: list[Any],
    row_totals: dict[str, tuple[int, int]],
    col_totals: dict[Any, tuple[int, int]],
    grand: tuple[int, int],
) -> Grid:
    grid = Grid(
        row_keys=row_keys,
        col_keys=col_keys,
        cells={k: Cell(a, n) for k, (a, n) in rows.items()},
        row_totals={k: Cell(a, n) for k, (a, n) in row_totals.items()},
        col_totals={k: Cell(a, n) for k, (a, n) in col_totals.items()},
        grand=Cell(*grand),
    )
    for r in row_keys:
        grid.row_totals.setdefault(r, Cell())
    for c in col_keys:
        grid.col_totals.setdefault(c, Cell())
    suppress_grid(grid)
    return grid


def _lower(values: Iterable[int]) -> int:
    """A lower bound of the distinct courses behind a sum of groups: the largest group. Used to
    decide suppression conservatively (a total whose largest part rests on fewer than 5 courses
    is suppressed, even if the union might reach 5)."""
    return max(values, default=0)


def initiative_economics(
    user: User, initiative_id: uuid.UUID | str, year: int | None = None
) -> InitiativeEconomics:
    """The initiative's actual costs per budget area, payer level, year and month, with the
    business cases and contracts. Two aggregate queries over the cost rows and one over the
    counted courses, whatever the number of courses."""
    initiative = access.initiative_for(user, initiative_id)
    # The cost rows carry the course's initiative and coordinating organisation, so the sums for
    # the reader's organisations (the progress dashboard's counted courses) are one index range.
    costs = CostEntry.objects.filter(
        initiative_id=initiative.pk, organisation_id__in=access.economics_organisations(user)
    ).order_by()
    # 1. sums and distinct courses per (year, month, area, payer)
    rows: Any = costs.values("year", "month", "budget_area", "payer").annotate(
        amount=Sum("amount_ore"), n=Count("course_id", distinct=True)
    )
    groups: list[dict[str, Any]] = list(rows)
    years = sorted({g["year"] for g in groups})
    if year not in years:
        year = years[-1] if years else None
    # 2. the courses counted and those with costs, in one pass over the courses (a probe of the
    # cost rows' course index each). A year's courses are bounded from below by its largest
    # group — enough to decide suppression (conservatively) without another pass over the rows.
    year_courses = {y: _lower(g["n"] for g in groups if g["year"] == y) for y in years}
    has_costs = Exists(CostEntry.objects.filter(course_id=OuterRef("pk")))
    counts = (
        counted_courses(user, initiative.pk)
        .order_by()
        .aggregate(counted=Count("pk"), with_costs=Count("pk", filter=Q(has_costs)))
    )
    total_amount = sum(g["amount"] for g in groups)

    def grid_by(key: str, order: list[str]) -> Grid:
        cells: dict[tuple[str, Any], list[tuple[int, int]]] = defaultdict(list)
        row_tot: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for g in groups:
            cells[(g[key], g["year"])].append((g["amount"], g["n"]))
            row_tot[g[key]].append((g["amount"], g["n"]))
        keys = [k for k in order if k in row_tot] + sorted(set(row_tot) - set(order))
        col_totals = {
            y: (sum(g["amount"] for g in groups if g["year"] == y), year_courses[y]) for y in years
        }
        return _grid(
            {k: (sum(a for a, _n in v), _lower(n for _a, n in v)) for k, v in cells.items()},
            keys,
            years,
            {k: (sum(a for a, _n in v), _lower(n for _a, n in v)) for k, v in row_tot.items()},
            col_totals,
            (total_amount, counts["with_costs"]),
        )

    by_area = grid_by("budget_area", AREA_ORDER)
    by_payer = grid_by("payer", PAYER_ORDER)
    # the chosen year by month: rows = budget areas, columns = months
    month_cells: dict[tuple[str, Any], list[tuple[int, int]]] = defaultdict(list)
    month_rows: dict[str, list[tuple[int, int]]] = defaultdict(list)
    month_cols: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for g in groups:
        if g["year"] != year:
            continue
        month_cells[(g["budget_area"], g["month"])].append((g["amount"], g["n"]))
        month_rows[g["budget_area"]].append((g["amount"], g["n"]))
        month_cols[g["month"]].append((g["amount"], g["n"]))
    area_keys = [k for k in AREA_ORDER if k in month_rows]
    by_month = _grid(
        {k: (sum(a for a, _n in v), _lower(n for _a, n in v)) for k, v in month_cells.items()},
        area_keys,
        list(range(1, 13)),
        {k: (sum(a for a, _n in v), _lower(n for _a, n in v)) for k, v in month_rows.items()},
        {k: (sum(a for a, _n in v), _lower(n for _a, n in v)) for k, v in month_cols.items()},
        (
            sum(g["amount"] for g in groups if g["year"] == year),
            year_courses.get(year, 0) if year is not None else 0,
        ),
    )
    with_costs = Cell(total_amount, counts["with_costs"])
    _primary(with_costs)
    return InitiativeEconomics(
        initiative=initiative,
        years=years,
        year=year,
        by_area=by_area,
        by_payer=by_payer,
        by_month=by_month,
        counted=counts["counted"],
        with_costs=with_costs,
        year_courses=year_courses,
        cases=list(BusinessCase.objects.filter(initiative=initiative).order_by("name")),
        contracts=list(
            Contract.objects.filter(initiative=initiative)
            .select_related("owner", "investor")
            .order_by("period_start", "name")
        ),
    )


@dataclass
class ComparisonRow:
    label: str
    cell: Cell
    counted: int
    initiative_id: Any = None
    category: int | None = None


def comparison(user: User) -> tuple[list[ComparisonRow], list[ComparisonRow]]:
    """Per initiative the user may see, and per registry category (1-9): the actual costs of the
    counted courses, the courses with costs and the mean per course. A category cell is hidden
    ("x") where it would reveal a suppressed initiative (as on the progress comparison)."""
    from helhed.registry.selectors import evaluate

    ids = access.visible_initiative_ids(user)
    orgs = access.economics_organisations(user)
    sums: dict[Any, Any] = {
        r["initiative_id"]: r
        for r in CostEntry.objects.filter(initiative_id__in=ids, organisation_id__in=orgs)
        .order_by()
        .values("initiative_id")
        .annotate(amount=Sum("amount_ore"), n=Count("course_id", distinct=True))
    }
    counted = dict(
        counted_courses(user)
        .order_by()
        .values_list("initiative_id")
        .annotate(n=Count("pk"))
        .values_list("initiative_id", "n")
    )
    rows = []
    for initiative in Initiative.objects.filter(pk__in=ids).order_by("name", "location"):
        s: dict[str, Any] = sums.get(initiative.pk, {})
        cell = Cell(int(s.get("amount") or 0), int(s.get("n") or 0))
        _primary(cell)
        rows.append(
            ComparisonRow(
                str(initiative),
                cell,
                counted.get(initiative.pk, 0),
                initiative.pk,
                evaluate(initiative).category,
            )
        )
    by_category: dict[int | None, list[ComparisonRow]] = defaultdict(list)
    for r in rows:
        by_category[r.category].append(r)
    categories = []
    for category, members in sorted(
        by_category.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)
    ):
        total = Cell(
            sum(m.cell.amount for m in members),
            # distinct courses: initiatives do not share courses, so the counts add up
            sum(m.cell.courses for m in members),
        )
        _primary(total)
        hide, hide_total = plogic.secondary_suppression(
            [(m.cell.courses, bool(m.cell.hidden)) for m in members],
            (total.courses, bool(total.hidden)),
        )
        if hide or hide_total:
            total.hidden = total.hidden or plogic.SECONDARY
        label = f"Kategori {category}" if category else "Uden kategori"
        categories.append(
            ComparisonRow(label, total, sum(m.counted for m in members), None, category)
        )
    return rows, categories


def visible_initiatives(user: User) -> list[Initiative]:
    ids = access.visible_initiative_ids(user)
    return list(Initiative.objects.filter(pk__in=ids).order_by("name", "location"))


def visible_contracts(user: User) -> list[Contract]:
    """The contracts the user may see: their initiatives' and those where their organisation is
    the municipality or the investor."""
    return list(
        Contract.objects.filter(pk__in=access.visible_contract_ids(user))
        .select_related("initiative")
        .order_by("-period_start", "name")
    )


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


def prices(user: User, *, include_inactive: bool = False) -> list[UnitPrice]:
    """The shipped example prices and the reader's organisations' own prices."""
    orgs = access.economics_organisations(user)
    if not orgs:
        raise NoAccessError
    qs = UnitPrice.objects.filter(Q(organisation__isnull=True) | Q(organisation_id__in=orgs))
    if not include_inactive:
        qs = qs.filter(active=True)
    return list(qs.select_related("organisation").order_by("budget_area", "name", "year"))


def price_choices(user: User) -> list[tuple[str, str]]:
    """(id, label) of the prices a user may use, for form selects (a list, not a queryset)."""
    out = []
    for p in prices(user):
        owner = p.organisation.name if p.organisation else "eksempel"
        out.append(
            (
                str(p.pk),
                f"{p.name} – {texts.kr(p.amount_ore, ore=True)} pr. {p.unit} ({p.year}, {owner})",
            )
        )
    return out


def price_detail(user: User, price_id: Any) -> tuple[UnitPrice, list[Revision], bool]:
    """A price with its history, and whether the user may change it."""
    from helhed.economics.services import visible_price

    price = visible_price(user, price_id)
    history = list(
        Revision.objects.filter(kind="price", object_id=price.pk).select_related("changed_by")
    )
    may_edit = price.organisation_id in access.economics_organisations(user)
    return price, history, may_edit


def organisation_choices(user: User) -> list[tuple[str, str]]:
    orgs = access.economics_organisations(user)
    return [
        (str(pk), name)
        for pk, name in Organisation.objects.filter(pk__in=orgs)
        .order_by("name")
        .values_list("pk", "name")
    ]


def investor_choices() -> list[tuple[str, str]]:
    """Organisations that can be a contract's investor in Helhed: the state, private and civil
    society ones (funds are registered as one of those)."""
    return [("", "–")] + [
        (str(pk), name)
        for pk, name in Organisation.objects.filter(
            org_type_id__in=["stat", "privat", "civilsamfund"]
        )
        .order_by("name")
        .values_list("pk", "name")
    ]


# --------------------------------------------------------------------------------------------
# Business cases
# --------------------------------------------------------------------------------------------

SCENARIOS = ("forsigtigt", "forventet", "optimistisk")


def case_input(
    case: BusinessCase, success: Decimal | None = None
) -> tuple[logic.CaseInput, list[str]]:
    """The case as plain values: consequence prices indexed to the case's price year. Returns the
    labels of prices that could not be indexed (the index lacks a year)."""
    index = price_index()
    not_indexed = []
    rows = []
    for c in case.consequences.select_related("unit_price").order_by("order"):
        p = c.unit_price
        price, ok = logic.index_or_keep(logic.to_kr(p.amount_ore), p.year, case.price_year, index)
        if not ok:
            not_indexed.append(f"{p.name} ({p.year})")
        rows.append(
            logic.ConsequenceLine(
                key=str(c.pk),
                label=c.label,
                area=c.budget_area,
                payer=c.payer,
                price=price,
                changes=tuple(Decimal(v) for v in c.changes),
                kind=p.kind,
            )
        )
    costs = tuple(
        logic.CostLine(c.year, c.budget_area, c.payer, logic.to_kr(c.amount_ore))
        for c in case.costs.order_by("order")
    )
    inp = logic.CaseInput(
        cohort=case.cohort_size,
        horizon=case.horizon_years,
        baseline=case.baseline_rate,
        success=case.rate_expected if success is None else success,
        discount=case.discount_rate,
        costs=costs,
        consequences=tuple(rows),
    )
    return inp, not_indexed


def scenario_rate(case: BusinessCase, scenario: str) -> Decimal:
    return {
        "forsigtigt": case.rate_cautious,
        "forventet": case.rate_expected,
        "optimistisk": case.rate_optimistic,
    }.get(scenario, case.rate_expected)


@dataclass
class Needed:
    label: str
    within: int
    needed: int | None
    rate: Decimal | None  # the success rate that many successes mean
    assumed: Decimal


@dataclass
class ObservedRow:
    label: str
    numerator: int
    base: int
    text: str
    hidden: bool


@dataclass
class Observed:
    outcome: str
    label: str
    rows: list[ObservedRow]
    total: ObservedRow
    rate: Decimal | None  # the total's observed rate, when it may be shown
    result: logic.CaseResult | None  # the case recomputed on it


@dataclass
class CaseView:
    case: BusinessCase
    scenario: str
    inp: logic.CaseInput
    result: logic.CaseResult
    scenarios: list[tuple[str, Decimal, logic.CaseResult]]
    needed: list[Needed]
    not_indexed: list[str]
    observed: Observed | None
    history: list[Revision]
    within: int


OBSERVED_KEYS = {
    ObservedOutcome.JOB: ("to_job", "passive_n"),
    ObservedOutcome.PLACEMENT: ("placement_avoided", "placement_tracked"),
    ObservedOutcome.WHO5: ("who5_better", "who5_paired"),
}


def observed(user: User, case: BusinessCase, inp: logic.CaseInput) -> Observed | None:
    """The observed rate per start cohort of the counted courses (the progress dashboard's
    figures), suppressed as there, and the case recomputed on the total's rate."""
    if not case.observed_outcome:
        return None
    from helhed.progress.selectors import outcome_figures

    num_key, base_key = OBSERVED_KEYS[ObservedOutcome(case.observed_outcome)]
    courses = counted_courses(user, case.initiative_id)
    raw = outcome_figures(courses, ["cy", "cq"]) if courses.exists() else []
    rows = []
    for r in raw:
        n, b = int(r.get(num_key) or 0), int(r.get(base_key) or 0)
        rows.append(
            ObservedRow(
                plogic.cohort_label(r["cy"], r["cq"]),
                n,
                b,
                plogic.show_share(n, b),
                b > 0 and plogic.share_suppressed(n, b),
            )
        )
    tn, tb = sum(r.numerator for r in rows), sum(r.base for r in rows)
    total = ObservedRow(
        "I alt", tn, tb, plogic.show_share(tn, tb), tb > 0 and plogic.share_suppressed(tn, tb)
    )
    hide, hide_total = plogic.secondary_suppression(
        [(r.base, r.hidden) for r in rows], (total.base, total.hidden)
    )
    for i in hide:
        rows[i].hidden, rows[i].text = True, plogic.SECONDARY
    if hide_total:
        total.hidden, total.text = True, plogic.SECONDARY
    rate = None
    result = None
    if tb > 0 and not total.hidden:
        rate = Decimal(100 * tn) / Decimal(tb)
        result = logic.evaluate_case(
            inp.with_success(rate), area_order=AREA_ORDER, payer_order=PAYER_ORDER
        )
    return Observed(
        case.observed_outcome,
        str(ObservedOutcome(case.observed_outcome).label),
        rows,
        total,
        rate,
        result,
    )


def _case(user: User, case_id: Any) -> BusinessCase:
    try:
        pk = uuid.UUID(str(case_id))
    except ValueError:
        raise NoAccessError from None
    case = BusinessCase.objects.select_related("initiative").filter(pk=pk).first()
    if case is None:
        raise NoAccessError
    access.initiative_for(user, case.initiative_id)
    return case


def case_for_edit(user: User, case_id: Any) -> BusinessCase:
    return _case(user, case_id)


def business_case(
    user: User, case_id: Any, *, scenario: str = "forventet", within: int | None = None
) -> CaseView:
    """The case computed for a scenario, the three scenarios side by side, the Gladsaxe answer
    (extra successes needed to break even within N years, in total and per consequence row),
    and — when the case names an outcome Helhed records — the observed rate beside the assumed
    one."""
    case = _case(user, case_id)
    scenario = scenario if scenario in SCENARIOS else "forventet"
    inp, not_indexed = case_input(case, scenario_rate(case, scenario))
    result = logic.evaluate_case(inp, area_order=AREA_ORDER, payer_order=PAYER_ORDER)
    scenarios = [
        (
            s,
            scenario_rate(case, s),
            logic.evaluate_case(
                inp.with_success(scenario_rate(case, s)),
                area_order=AREA_ORDER,
                payer_order=PAYER_ORDER,
            ),
        )
        for s in SCENARIOS
    ]
    within = within if within and 1 <= within <= case.horizon_years else None
    within = within or min(case.breakeven_within, case.horizon_years)
    all_rows = logic.successes_needed(inp, within)
    needed = [
        Needed(
            case.success_label,
            within,
            all_rows,
            logic.required_rate(inp, all_rows),
            inp.success,
        )
    ]
    if len(inp.consequences) > 1:
        for row in inp.consequences:
            n = logic.successes_needed(inp, within, [row])
            needed.append(Needed(row.label, within, n, logic.required_rate(inp, n), inp.success))
    history = list(
        Revision.objects.filter(kind="case", object_id=case.pk).select_related("changed_by")[:20]
    )
    return CaseView(
        case=case,
        scenario=scenario,
        inp=inp,
        result=result,
        scenarios=scenarios,
        needed=needed,
        not_indexed=not_indexed,
        observed=observed(user, case, inp),
        history=history,
        within=within,
    )


def case_history(user: User, case_id: Any) -> tuple[BusinessCase, list[Revision]]:
    case = _case(user, case_id)
    return case, list(
        Revision.objects.filter(kind="case", object_id=case.pk).select_related("changed_by")
    )


# --------------------------------------------------------------------------------------------
# Contracts and the period report
# --------------------------------------------------------------------------------------------


@dataclass
class IndicatorReport:
    indicator: Any
    decided: int
    counts: dict[str, int]
    cells: dict[str, str]  # status → shown count ("<5", "x" or a number)
    rate: str  # met / decided, or "<5"
    expected: Decimal
    amount: Decimal  # kroner due in the period
    met_before: int
    met_through: int


@dataclass
class PeriodReport:
    contract: Contract
    start: date
    end: date
    enrolled: str
    indicators: list[IndicatorReport]
    total_amount: Decimal
    final: bool
    may_edit: bool


def contract_for_edit(user: User, contract_id: Any) -> Contract:
    return access.contract_for(user, contract_id, edit=True)


@dataclass
class ContractView:
    contract: Contract
    indicators: list[Any]
    phases: list[Any]
    points: list[Any]
    enrolled: str
    may_edit: bool
    locked: bool
    history: list[Revision]
    periods: list[tuple[date, date, str]]


def _valid_uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NoAccessError from None


def contract_view(user: User, contract_id: Any) -> ContractView:
    contract = access.contract_for(user, _valid_uuid(contract_id))
    try:
        access.contract_for(user, contract.pk, edit=True)
        may_edit = True
    except PermissionDenied:
        may_edit = False
    enrolled = contract.enrolments.count()
    return ContractView(
        contract=contract,
        indicators=list(contract.indicators.order_by("order")),
        phases=list(contract.phases.order_by("start_week")),
        points=list(contract.points.order_by("week", "instrument")),
        enrolled=plogic.show_count(enrolled),
        may_edit=may_edit,
        locked=today() > contract.cutoff,
        history=list(
            Revision.objects.filter(kind="contract", object_id=contract.pk).select_related(
                "changed_by"
            )[:20]
        ),
        periods=report_periods(contract),
    )


def report_periods(contract: Contract) -> list[tuple[date, date, str]]:
    """Half-years of the contract's period (the usual settlement rhythm), and the whole period."""
    out = []
    start = contract.period_start
    while start <= contract.period_end:
        end = min(logic.add_months(start, 6) - timedelta(days=1), contract.period_end)
        out.append((start, end, f"{start:%d.%m.%Y}–{end:%d.%m.%Y}"))
        start = end + timedelta(days=1)
    out.append(
        (
            contract.period_start,
            contract.period_end,
            f"Hele perioden {contract.period_start:%d.%m.%Y}–{contract.period_end:%d.%m.%Y}",
        )
    )
    return out


def period_report(
    user: User, contract_id: Any, start: date | None = None, end: date | None = None
) -> PeriodReport:
    """Per indicator: results decided in the period (``due_on`` in it) by status, the rate met
    against the expected rate, and the amount due (cap applied cumulatively; the floor in the
    period that closes the contract). Aggregates only, suppressed below 5; no access log."""
    contract = access.contract_for(user, _valid_uuid(contract_id))
    start = start or contract.period_start
    end = end or contract.period_end
    if end < start:
        start, end = end, start
    try:
        access.contract_for(user, contract.pk, edit=True)
        may_edit = True
    except PermissionDenied:
        may_edit = False
    indicators = list(contract.indicators.order_by("order"))
    rows = (
        IndicatorResult.objects.filter(indicator__contract=contract, due_on__lte=end)
        .order_by()
        .values("indicator_id", "status", "override_status", "due_on")
    )
    in_period: dict[Any, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(ResultStatus.values, 0)
    )
    met_before: dict[Any, int] = defaultdict(int)
    met_through: dict[Any, int] = defaultdict(int)
    for r in rows:
        status = r["override_status"] or r["status"]
        if r["due_on"] >= start:
            in_period[r["indicator_id"]][status] += 1
        if status == ResultStatus.MET:
            met_through[r["indicator_id"]] += 1
            if r["due_on"] < start:
                met_before[r["indicator_id"]] += 1
    final = end >= contract.period_end
    reports = []
    total = Decimal(0)
    for ind in indicators:
        counts = in_period[ind.pk]
        decided = sum(v for k, v in counts.items() if k != ResultStatus.PENDING)
        members = [(counts[s], plogic.suppressed(counts[s])) for s in ResultStatus.values]
        all_n = sum(counts.values())
        hide, _total = plogic.secondary_suppression(members, (all_n, plogic.suppressed(all_n)))
        cells = {}
        for i, s in enumerate(ResultStatus.values):
            if i in hide:
                cells[s] = plogic.SECONDARY
            else:
                cells[s] = plogic.show_count(counts[s])
        met = counts[ResultStatus.MET]
        amount = logic.period_amount(
            met_before[ind.pk],
            met_through[ind.pk],
            logic.to_kr(ind.price_ore),
            logic.to_kr(ind.cap_ore) if ind.cap_ore is not None else None,
            logic.to_kr(ind.floor_ore) if ind.floor_ore is not None else None,
            final=final,
        )
        total += amount
        reports.append(
            IndicatorReport(
                indicator=ind,
                decided=decided,
                counts=dict(counts),
                cells=cells,
                rate=plogic.show_share(met, decided),
                expected=ind.expected_rate,
                amount=amount,
                met_before=met_before[ind.pk],
                met_through=met_through[ind.pk],
            )
        )
    return PeriodReport(
        contract=contract,
        start=start,
        end=end,
        enrolled=plogic.show_count(contract.enrolments.count()),
        indicators=reports,
        total_amount=total,
        final=final,
        may_edit=may_edit,
    )


def contract_choices_for_course(acc: course_selectors.Access) -> list[tuple[str, str]]:
    """Contracts a course can be put in: its initiative's, run by its coordinating municipality
    and not yet joined (a list for the form)."""
    course = acc.course
    joined = set(
        Enrolment.objects.filter(course_id=course.pk).values_list("contract_id", flat=True)
    )
    return [
        (str(c.pk), f"{c.name} ({c.period_start:%d.%m.%Y}–{c.period_end:%d.%m.%Y})")
        for c in Contract.objects.filter(
            initiative_id=course.initiative_id,
            owner_id=course.coordinator_unit.organisation_id,
        ).order_by("period_start")
        if c.pk not in joined
    ]


# --------------------------------------------------------------------------------------------
# One course (personal data)
# --------------------------------------------------------------------------------------------

POINT_CATEGORY = {
    "who5": "health",
    "beskaeftigelse": "economy",
    "maalopfyldelse": "plan",
    "skolefremmoede": "social",
}


@dataclass
class PointDue:
    week: int
    instrument: str
    due: date
    taken: bool
    phase: str

    @property
    def label(self) -> str:
        return texts.instrument_label(self.instrument)


@dataclass
class ResultRow:
    result: IndicatorResult
    indicator: Any
    evidence: str
    locked: bool
    contract_id: Any


def result_row(result: IndicatorResult) -> ResultRow:
    """One result as a course's page and API show it (``result`` with its enrolment's contract
    and its indicator loaded)."""
    contract = result.enrolment.contract
    return ResultRow(
        result,
        result.indicator,
        texts.evidence_text(result.evidence, result.evidence_on),
        today() > contract.cutoff,
        contract.pk,
    )


@dataclass
class EnrolmentView:
    enrolment: Enrolment
    contract: Contract
    results: list[ResultRow]
    hidden_results: int
    phases: list[tuple[str, date, date, bool]]  # name, from, to, current
    points: list[PointDue]


@dataclass
class CostRow:
    entry: CostEntry
    measure: str
    decision: str


@dataclass
class SummaryRow:
    """A year's costs of one measure and unit on one budget area and payer."""

    measure: str
    unit: str
    per: str
    budget_area: str
    payer: str
    months: set[int] = field(default_factory=set)
    quantity: Decimal = Decimal(0)
    amount_ore: int = 0


@dataclass
class MeasureRow:
    measure: Any
    area: str
    payer: str
    decisions: list[str]


@dataclass
class CourseEconomics:
    access: course_selectors.Access
    costs: list[CostRow]
    hidden_costs: int
    total_ore: int
    by_year: list[tuple[int, int]]
    by_area: list[tuple[str, int]]
    by_payer: list[tuple[str, int]]
    measures: list[MeasureRow]
    enrolments: list[EnrolmentView]
    years: list[int] = field(default_factory=list)
    year: int | None = None
    summary: list[SummaryRow] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    month: int | None = None
    visible: list[CostEntry] = field(default_factory=list)  # every year, newest first


def _point_views(
    enrolment: Enrolment,
    points: Sequence[Any],
    phases: Sequence[Any],
    measured: dict[str, list[date]],
    may: Callable[[str], bool],
) -> list[PointDue]:
    out = []
    for p in points:
        if not may(POINT_CATEGORY.get(p.instrument, "plan")):
            continue
        due = logic.point_due(enrolment.start_date, p.week)
        phase = next(
            (ph.name for ph in phases if ph.start_week <= p.week < ph.end_week),
            phases[-1].name if phases and p.week == phases[-1].end_week else "",
        )
        out.append(
            PointDue(
                p.week,
                p.instrument,
                due,
                logic.point_taken(due, measured.get(p.instrument, [])),
                phase,
            )
        )
    return out


def _enrolment_views(
    enrolments: list[Enrolment], may: Callable[[str], bool], on: date
) -> list[EnrolmentView]:
    from helhed.progress.selectors import outcome_series

    if not enrolments:
        return []
    series = outcome_series(list({e.course_id for e in enrolments}))
    results = defaultdict(list)
    for r in (
        IndicatorResult.objects.filter(enrolment__in=enrolments)
        .select_related("indicator", "overridden_by")
        .order_by("indicator__order")
    ):
        results[r.enrolment_id].append(r)
    views = []
    for e in enrolments:
        contract = e.contract
        phases = list(contract.phases.all())
        rows, hidden = [], 0
        for r in results[e.pk]:
            if not may(logic.category_of(r.indicator.source)):
                hidden += 1
                continue
            rows.append(
                ResultRow(
                    r,
                    r.indicator,
                    texts.evidence_text(r.evidence, r.evidence_on),
                    on > contract.cutoff,
                    contract.pk,
                )
            )
        phase_rows = []
        for ph in phases:
            f = logic.point_due(e.start_date, ph.start_week)
            t = logic.point_due(e.start_date, ph.end_week) - timedelta(days=1)
            phase_rows.append((ph.name, f, t, f <= on <= t))
        views.append(
            EnrolmentView(
                enrolment=e,
                contract=contract,
                results=rows,
                hidden_results=hidden,
                phases=phase_rows,
                points=_point_views(
                    e, list(contract.points.all()), phases, series[e.course_id].measured, may
                ),
            )
        )
    return views


def _decided(d: Any) -> str:
    area = logic.COURSE_BUDGET_AREA.get(d.payer, ("andet", ""))[0]
    return f"{d.decided_on:%d.%m.%Y}: {texts.area_label(area)}"


def course_economics(
    user: User, course_id: Any, year: int | None = None, month: int | None = None
) -> CourseEconomics:
    """A course's costs and contract results for its team, within consent: the sums over every
    year, a summary per measure and unit for one ``year`` (default the latest) and the cost lines
    of one ``month`` of it (default the latest). Logged."""
    from helhed.meetings.selectors import payer_decisions

    acc = course_selectors.access_for(user, course_id)
    course = acc.course
    measures = course_selectors.measures_for(acc)
    decisions = payer_decisions([course.pk])
    entries = list(
        CostEntry.objects.filter(course_id=course.pk)
        .select_related("unit_price", "measure")
        .order_by("-year", "-month", "-created_at")
    )
    visible = [e for e in entries if acc.may(e.category)]
    names = {m.pk: m.title for m in measures}
    course_labels = dict(logic.COURSE_BUDGET_AREA)

    def decision_text(measure_id: Any, decision_id: Any) -> str:
        for d in decisions.get(measure_id, []):
            if d.decision_id == decision_id:
                area = course_labels.get(d.payer, ("andet", "kommune"))[0]
                return f"{d.decided_on:%d.%m.%Y}: {texts.area_label(area)}" if d.decided_on else ""
        return ""

    years = sorted({e.year for e in visible})
    if year not in years:
        year = years[-1] if years else None
    months = sorted({e.month for e in visible if e.year == year})
    if month not in months:
        month = months[-1] if months else None
    costs = [
        CostRow(
            e,
            names.get(e.measure_id, "") if e.measure_id else "",
            decision_text(e.measure_id, e.decision_id),
        )
        for e in visible
        if e.year == year and e.month == month
    ]
    summary: dict[tuple[Any, ...], SummaryRow] = {}
    for e in visible:
        if e.year != year:
            continue
        key = (e.measure_id, e.unit_price_id, e.budget_area, e.payer)
        row = summary.get(key)
        if row is None:
            measure = names.get(e.measure_id, "") if e.measure_id else ""
            row = summary[key] = SummaryRow(
                measure, e.unit_price.name, e.unit_price.unit, e.budget_area, e.payer
            )
        row.months.add(e.month)
        row.quantity += e.quantity
        row.amount_ore += e.amount_ore
    by_year: dict[int, int] = defaultdict(int)
    by_area: dict[str, int] = defaultdict(int)
    by_payer: dict[str, int] = defaultdict(int)
    for e in visible:
        by_year[e.year] += e.amount_ore
        by_area[e.budget_area] += e.amount_ore
        by_payer[e.payer] += e.amount_ore
    measure_rows = []
    for m in measures:
        decided = decisions.get(m.pk, [])
        area, payer = logic.COURSE_BUDGET_AREA.get(
            decided[-1].payer if decided else m.budget_area, ("andet", "kommune")
        )
        measure_rows.append(
            MeasureRow(
                m,
                area,
                payer,
                [_decided(d) for d in decided if d.decided_on],
            )
        )
    enrolments = list(
        Enrolment.objects.filter(course_id=course.pk)
        .select_related("contract")
        .prefetch_related("contract__phases", "contract__points")
    )
    views = _enrolment_views(enrolments, acc.may, today()) if acc.may("plan") else []
    course_selectors.log_course_read(
        user, acc, "økonomi: udgifter og resultatmål", Purpose.CASEWORK
    )
    return CourseEconomics(
        access=acc,
        costs=costs,
        hidden_costs=len(entries) - len(visible),
        total_ore=sum(e.amount_ore for e in visible),
        by_year=sorted(by_year.items()),
        by_area=[(a, by_area[a]) for a in AREA_ORDER if a in by_area],
        by_payer=[(p, by_payer[p]) for p in PAYER_ORDER if p in by_payer],
        measures=measure_rows,
        enrolments=views,
        years=years,
        year=year,
        summary=sorted(summary.values(), key=lambda r: (-r.amount_ore, r.measure, r.unit)),
        months=months,
        month=month,
        visible=visible,
    )


@dataclass
class FormChoices:
    measures: list[tuple[str, str]]
    prices: list[tuple[str, str]]
    contracts: list[tuple[str, str]]


def course_form_choices(user: User, course_id: Any) -> FormChoices:
    """Choices for a course's cost and enrolment forms: the measures the reader may see, the
    prices they may use (shipped examples, the course's municipality's and their own
    organisations') and the contracts the course can join. Access checked; not logged (the page
    showing the forms logs its read)."""
    from helhed.economics.services import usable_prices

    acc = course_selectors.access_for(user, course_id)
    measures = [(str(m.pk), m.title) for m in course_selectors.measures_for(acc)]
    prices = [
        (
            str(p.pk),
            f"{p.name} – {texts.kr(p.amount_ore, ore=True)} pr. {p.unit} ({p.year}"
            + (f", {p.organisation.name})" if p.organisation else ", eksempel)"),
        )
        for p in usable_prices(user, acc).select_related("organisation").order_by("name", "year")
    ]
    contracts = contract_choices_for_course(acc) if acc.may("plan") else []
    return FormChoices(measures, prices, contracts)


@dataclass
class CourseSectionData:
    course_id: Any
    total_ore: int
    n_costs: int
    hidden_costs: int
    enrolments: list[tuple[str, dict[str, int], list[PointDue]]]


def course_section(user: User, course_id: Any) -> CourseSectionData:
    """The course page's "Økonomi" section: the visible cost total and each contract's results
    by status. Logged."""
    acc = course_selectors.access_for(user, course_id)
    rows = list(
        CostEntry.objects.filter(course_id=acc.course.pk)
        .values("category")
        .annotate(amount=Sum("amount_ore"), n=Count("pk"))
    )
    total = sum(int(r["amount"]) for r in rows if acc.may(r["category"]))
    n = sum(r["n"] for r in rows if acc.may(r["category"]))
    hidden = sum(r["n"] for r in rows if not acc.may(r["category"]))
    enrolments: list[tuple[str, dict[str, int], list[PointDue]]] = []
    if acc.may("plan"):
        for e in Enrolment.objects.filter(course_id=acc.course.pk).select_related("contract"):
            counts: dict[str, int] = defaultdict(int)
            for r in e.results.select_related("indicator"):
                if acc.may(logic.category_of(r.indicator.source)):
                    counts[r.effective_status] += 1
            enrolments.append((e.contract.name, dict(counts), []))
    course_selectors.log_course_read(user, acc, "økonomi (oversigt)", Purpose.CASEWORK)
    return CourseSectionData(acc.course.pk, total, n, hidden, enrolments)


# --------------------------------------------------------------------------------------------
# Measurement points: the coordinator's due list, the citizen's own, the daily reminders
# --------------------------------------------------------------------------------------------


@dataclass
class DuePoint:
    course_id: Any
    citizen_id: Any
    citizen_name: str
    contract: str
    point: PointDue


REMIND_AHEAD = timedelta(days=14)
OVERDUE_FOR = timedelta(days=28)


def _due_points(
    enrolments: list[Enrolment], on: date, may_of: Callable[[Any], Callable[[str], bool]]
) -> list[tuple[Enrolment, PointDue]]:
    from helhed.progress.selectors import outcome_series

    if not enrolments:
        return []
    series = outcome_series(list({e.course_id for e in enrolments}))
    out = []
    for e in enrolments:
        phases = list(e.contract.phases.all())
        for p in _point_views(
            e,
            list(e.contract.points.all()),
            phases,
            series[e.course_id].measured,
            may_of(e.course_id),
        ):
            if not p.taken and on - OVERDUE_FOR <= p.due <= on + REMIND_AHEAD:
                out.append((e, p))
    out.sort(key=lambda ep: (ep[1].due, str(ep[0].pk)))
    return out


def _coordinated_enrolments(user_id: Any, units: list[Any], on: date) -> QuerySet[Enrolment]:
    """The enrolments, in contracts not yet past their cutoff, of the courses the reader
    coordinates from one of ``units`` (as ``courses.selectors.coordinated_courses``)."""
    return Enrolment.objects.filter(
        course_id__in=course_selectors.coordinated_by(user_id, units, include_closed=True).values(
            "pk"
        ),
        contract__cutoff__gte=on,
    ).select_related("contract")


def _with_phases_and_points(enrolments: list[Enrolment]) -> None:
    """Each enrolment's contract with its phases and points read, as ``prefetch_related`` reads
    them (two queries for all the contracts)."""
    contracts: dict[Any, list[Contract]] = defaultdict(list)
    for e in enrolments:
        contracts[e.contract_id].append(e.contract)
    if not contracts:
        return
    ids = idsets.of(contracts, connection.vendor)
    phases: dict[Any, list[Any]] = defaultdict(list)
    for phase in _CONTRACT_PHASES(ids):
        phases[phase.contract_id].append(phase)
    points: dict[Any, list[Any]] = defaultdict(list)
    for point in _CONTRACT_POINTS(ids):
        points[point.contract_id].append(point)
    for contract_id, same in contracts.items():
        for contract in same:
            set_prefetched(contract, "phases", phases[contract_id])
            set_prefetched(contract, "points", points[contract_id])


# The coordinator's start page shows the due measurements: compiled once per process.
_COORDINATED_ENROLMENTS: Prepared[Enrolment] = Prepared(Enrolment, _coordinated_enrolments)
_CONTRACT_PHASES: Prepared[Any] = Prepared(
    Phase, lambda ids: Phase.objects.filter(idsets.InIds(F("contract_id"), ids))
)
_CONTRACT_POINTS: Prepared[Any] = Prepared(
    MeasurementPoint,
    lambda ids: MeasurementPoint.objects.filter(idsets.InIds(F("contract_id"), ids)),
)


def coordinator_points(user: User, limit: int = 10) -> list[DuePoint]:
    """Planned measurements due (within two weeks) or overdue (up to four weeks) in the courses
    the user coordinates. Names are shown, so the read is logged per citizen."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return []
    # Only while a member of the coordinating unit (as the access rule): a coordinator whose
    # membership ended, who may still see the course through another unit, is not its
    # coordinator here.
    units = [m.unit_id for m in membership_list(user)]
    if not units:
        return []
    enrolments = _COORDINATED_ENROLMENTS(user.pk, units, today())
    _with_phases_and_points(enrolments)
    facts = course_selectors.course_facts([e.course_id for e in enrolments])
    mine = [e for e in enrolments if e.course_id in facts]
    # the coordinator sees every category of their own courses
    due = _due_points(mine, today(), lambda _c: lambda _cat: True)[:limit]
    if not due:
        return []
    names = course_selectors.citizen_names([facts[e.course_id].citizen_id for e, _p in due])
    # Logged from the coordinating unit (the one that let her in), so its leader sees the reads.
    by_unit: dict[Any, list[Any]] = defaultdict(list)
    for e, _p in due:
        by_unit[facts[e.course_id].coordinator_unit_id].append(facts[e.course_id].citizen_id)
    for unit_id, citizen_ids in by_unit.items():
        log_access(
            user,
            citizen_ids,
            "planlagte målinger",
            Purpose.CASEWORK,
            unit_id=unit_id,
            listing=True,
        )
    return [
        DuePoint(
            e.course_id,
            facts[e.course_id].citizen_id,
            names.get(facts[e.course_id].citizen_id, ""),
            e.contract.name,
            p,
        )
        for e, p in due
    ]


def citizen_points(user: User) -> list[tuple[str, PointDue]]:
    """The citizen's own planned measurements ahead (their own data: everything). Logged with
    purpose "egen adgang"."""
    from helhed.progress.selectors import citizen_courses

    courses = citizen_courses(user)
    if not courses:
        return []
    citizen_id = courses[0].citizen_id
    enrolments = list(
        Enrolment.objects.filter(
            course_id__in=[c.pk for c in courses], contract__cutoff__gte=today()
        )
        .select_related("contract")
        .prefetch_related("contract__phases", "contract__points")
    )
    if not enrolments:
        return []
    from helhed.progress.selectors import outcome_series

    series = outcome_series(list({e.course_id for e in enrolments}))
    on = today()
    out = []
    for e in enrolments:
        for p in _point_views(
            e,
            list(e.contract.points.all()),
            list(e.contract.phases.all()),
            series[e.course_id].measured,
            lambda _c: True,
        ):
            if not p.taken and p.due >= on - OVERDUE_FOR:
                out.append((e.contract.name, p))
    out.sort(key=lambda cp: cp[1].due)
    if out:
        log_access(user, citizen_id, "egne planlagte målinger", Purpose.CITIZEN_SELF)
    return out[:6]


def due_point_alerts(on: date) -> list[tuple[Any, Any, PointDue]]:
    """(coordinator id, course id, point) for every planned measurement due within a week or
    overdue (up to four weeks) and not yet taken — for the daily reminders (no names)."""
    enrolments = list(
        Enrolment.objects.filter(contract__cutoff__gte=on)
        .select_related("contract")
        .prefetch_related("contract__phases", "contract__points")
    )
    if not enrolments:
        return []
    facts = course_selectors.course_facts([e.course_id for e in enrolments])
    out = []
    for e, p in _due_points(enrolments, on, lambda _c: lambda _cat: True):
        if p.due > on + timedelta(days=7):
            continue
        f = facts.get(e.course_id)
        if f is not None:
            out.append((f.coordinator_id, e, p))
    return out
