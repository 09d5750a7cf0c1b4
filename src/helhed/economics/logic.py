"""Economics as plain functions over plain values — no Django, no ORM.

The parts a municipal economist or a researcher will want to check by hand live here:

* **Money.** Every amount in a calculation is a :class:`~decimal.Decimal` in kroner; the database
  stores integer øre (:func:`to_ore`, :func:`to_kr`). Nothing is ever a float.
* **Indexation** of a price from its year to another (:func:`index_amount`) and **discounting**
  (:func:`discount_factor`; year 1 is undiscounted, the default rate is 0 % — the budget view).
* **The SØM-style business case** (:func:`evaluate_case`): intervention costs per year, budget
  area and payer; consequence rows (unit × change in units per extra success per year × price);
  the number of extra successes = cohort × (success rate − baseline rate); yearly and cumulative
  net result in total, per budget area and per payer; the break-even year; the "who pays / who
  gains" matrix; and the Gladsaxe question — how many extra successes (e.g. avoided placements)
  are needed to break even within N years (:func:`successes_needed`).
* **Social-investment contracts**: indicator rules bound to data in Helhed
  (:func:`evaluate_indicator`), phases that may not overlap (:func:`phase_errors`) and the amount
  due with cap and floor (:func:`amount_due`, :func:`period_amount`).

Texts shown to people are not made here: the functions return keys and numbers, and
``texts.py`` words them (Danish first, English through the app's catalogue).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)
ORE = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_HORIZON = 10  # SØM's horizon: up to 10 years
MAX_DISCOUNT = Decimal(20)  # per cent a year
MAX_AMOUNT_KR = Decimal("100000000000")  # 100 mia. kr.: anything above is a typing error
MAX_QUANTITY = Decimal("1000000")
YEARS = range(1900, 2201)

# --------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------


def to_ore(kr: Decimal) -> int:
    """Kroner → whole øre (half up: 0,005 kr. is 1 øre)."""
    return int((kr * HUNDRED).quantize(ONE, rounding=ROUND_HALF_UP))


def to_kr(ore: int) -> Decimal:
    """Whole øre → kroner with two decimals (``Decimal("1234.50")``)."""
    return Decimal(ore).scaleb(-2)


def round_kr(kr: Decimal) -> Decimal:
    """Whole kroner, half up (how results are shown and exported)."""
    return kr.quantize(ONE, rounding=ROUND_HALF_UP)


def parse_decimal(text: str | Decimal | int) -> Decimal:
    """A number as people type it in Danish or English: ``1.234,5``, ``1234.5``, ``1 234``,
    ``-3``. Raises ``ValueError`` for anything else (also NaN and infinity)."""
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    else:
        s = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("−", "-")
        s = s.removesuffix("kr.").removesuffix("kr")
        if not s:
            raise ValueError("empty")
        if "," in s:
            # Danish: dots group thousands, the comma is the decimal mark.
            s = s.replace(".", "").replace(",", ".")
        elif s.count(".") > 1:
            s = s.replace(".", "")
        elif "." in s and len(s.split(".")[1]) == 3 and s.split(".")[0].lstrip("-").isdigit():
            # "1.500" is one thousand five hundred in Danish, never 1.5 with a trailing zero
            s = s.replace(".", "")
        try:
            value = Decimal(s)
        except InvalidOperation:
            raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def format_kr(value: Decimal | int, *, ore: bool = False) -> str:
    """Danish money: ``1.234.567 kr.``, ``-12.000 kr.``; with ``ore`` the value is in øre."""
    kr = to_kr(int(value)) if ore else Decimal(value)
    whole = round_kr(kr)
    sign = "-" if whole < 0 else ""
    digits = f"{abs(int(whole)):,}".replace(",", ".")
    return f"{sign}{digits} kr."


# --------------------------------------------------------------------------------------------
# Indexation and discounting
# --------------------------------------------------------------------------------------------


class MissingIndexError(ValueError):
    """The price index has no value for a year the conversion needs."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year


def index_factor(from_year: int, to_year: int, index: Mapping[int, Decimal]) -> Decimal:
    """How much a price of ``from_year`` is multiplied by to be in ``to_year``'s prices."""
    if from_year == to_year:
        return ONE
    for year in (from_year, to_year):
        if year not in index or index[year] <= 0:
            raise MissingIndexError(year)
    return index[to_year] / index[from_year]


def index_amount(
    amount: Decimal, from_year: int, to_year: int, index: Mapping[int, Decimal]
) -> Decimal:
    return amount * index_factor(from_year, to_year, index)


def index_or_keep(
    amount: Decimal, from_year: int, to_year: int, index: Mapping[int, Decimal]
) -> tuple[Decimal, bool]:
    """The indexed amount and ``True``, or the amount unchanged and ``False`` when the index lacks
    one of the years (the page then says the price is not indexed)."""
    try:
        return index_amount(amount, from_year, to_year, index), True
    except MissingIndexError:
        return amount, from_year == to_year


def discount_factor(rate_percent: Decimal, year: int) -> Decimal:
    """Present value of 1 kr. in year ``year`` (1, 2, …): ``1 / (1 + r)^(year - 1)``. Year 1 is
    today's budget year and is not discounted; 0 % (the default) is the budget view."""
    if year < 1:
        raise ValueError(year)
    if rate_percent == 0:
        return ONE
    return ONE / (ONE + rate_percent / HUNDRED) ** (year - 1)


# --------------------------------------------------------------------------------------------
# The business case
# --------------------------------------------------------------------------------------------

EXPENSE = "udgift"
REVENUE = "indtaegt"


@dataclass(frozen=True)
class CostLine:
    """The intervention's own cost in year ``year`` (1 … horizon), borne by a budget area and a
    payer level; kroner for the whole cohort, in the case's price year."""

    year: int
    area: str
    payer: str
    amount: Decimal


@dataclass(frozen=True)
class ConsequenceLine:
    """A consequence of one extra success: ``changes[t-1]`` units of ``label`` in year t (negative
    = fewer: an avoided placement year is −1), each worth ``price`` kroner (in the case's price
    year) to ``area``/``payer``. An expense unit that falls is a gain; a revenue unit (taxes) that
    rises is a gain."""

    key: str
    label: str
    area: str
    payer: str
    price: Decimal
    changes: tuple[Decimal, ...]
    kind: str = EXPENSE

    def per_success(self, year: int) -> Decimal:
        """The (undiscounted) gain of one extra success in ``year`` for this row."""
        if year < 1 or year > len(self.changes):
            return ZERO
        change = self.changes[year - 1]
        return change * self.price if self.kind == REVENUE else -change * self.price


@dataclass(frozen=True)
class CaseInput:
    cohort: int
    horizon: int
    baseline: Decimal  # per cent of the cohort that would succeed without the intervention
    success: Decimal  # per cent expected to succeed with it
    discount: Decimal = ZERO  # per cent a year
    costs: tuple[CostLine, ...] = ()
    consequences: tuple[ConsequenceLine, ...] = ()

    @property
    def successes(self) -> Decimal:
        """Extra successes the intervention is assumed to cause."""
        return Decimal(self.cohort) * (self.success - self.baseline) / HUNDRED

    def with_success(self, success: Decimal) -> CaseInput:
        return CaseInput(
            self.cohort,
            self.horizon,
            self.baseline,
            success,
            self.discount,
            self.costs,
            self.consequences,
        )


@dataclass(frozen=True)
class YearFigures:
    year: int
    cost: Decimal  # present value
    gain: Decimal
    net: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class MatrixCell:
    cost: Decimal = ZERO
    gain: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gain - self.cost


@dataclass
class CaseResult:
    """Everything the page, the API and the export show. Amounts are present values in kroner
    (not rounded: round when showing)."""

    inp: CaseInput
    years: list[YearFigures]
    # yearly net and cumulative net per budget area / per payer level (index 0 = year 1)
    area_net: dict[str, list[Decimal]]
    area_cumulative: dict[str, list[Decimal]]
    payer_net: dict[str, list[Decimal]]
    payer_cumulative: dict[str, list[Decimal]]
    matrix: dict[tuple[str, str], MatrixCell]
    break_even: int | None
    successes: Decimal
    areas: list[str] = field(default_factory=list)
    payers: list[str] = field(default_factory=list)

    @property
    def total_cost(self) -> Decimal:
        return sum((y.cost for y in self.years), ZERO)

    @property
    def total_gain(self) -> Decimal:
        return sum((y.gain for y in self.years), ZERO)

    @property
    def net(self) -> Decimal:
        return self.years[-1].cumulative if self.years else ZERO

    def area_total(self, area: str) -> MatrixCell:
        cells = [c for (a, _p), c in self.matrix.items() if a == area]
        return MatrixCell(sum((c.cost for c in cells), ZERO), sum((c.gain for c in cells), ZERO))

    def payer_total(self, payer: str) -> MatrixCell:
        cells = [c for (_a, p), c in self.matrix.items() if p == payer]
        return MatrixCell(sum((c.cost for c in cells), ZERO), sum((c.gain for c in cells), ZERO))


def break_even_year(yearly_net: Sequence[Decimal]) -> int | None:
    """The first year (1-based) whose cumulative net result is zero or more; ``None`` when the
    cumulative result stays negative over the whole horizon."""
    cumulative = ZERO
    for i, net in enumerate(yearly_net, start=1):
        cumulative += net
        if cumulative >= 0:
            return i
    return None


def _cumulate(values: Sequence[Decimal]) -> list[Decimal]:
    out, running = [], ZERO
    for v in values:
        running += v
        out.append(running)
    return out


def _order(seen: Iterable[str], preferred: Sequence[str]) -> list[str]:
    keys = set(seen)
    return [k for k in preferred if k in keys] + sorted(keys - set(preferred))


def evaluate_case(
    inp: CaseInput,
    *,
    area_order: Sequence[str] = (),
    payer_order: Sequence[str] = (),
    successes: Decimal | None = None,
) -> CaseResult:
    """The business case's results for the given success rate (one scenario), or for a given
    number of extra ``successes``.

    Each (budget area, payer, year) cell's cost and gain is discounted and rounded to øre once;
    every total — per year, area, payer, the matrix — is a sum of those cells, so the parts
    always add up to the whole exactly."""
    n = inp.horizon
    successes = inp.successes if successes is None else successes
    df = [discount_factor(inp.discount, t) for t in range(1, n + 1)]
    raw_cost: dict[tuple[str, str, int], Decimal] = defaultdict(lambda: ZERO)
    raw_gain: dict[tuple[str, str, int], Decimal] = defaultdict(lambda: ZERO)
    for line in inp.costs:
        if 1 <= line.year <= n:
            raw_cost[(line.area, line.payer, line.year - 1)] += line.amount
    for row in inp.consequences:
        raw_gain.setdefault((row.area, row.payer, 0), ZERO)  # a row without effect still shows
        for t in range(n):
            raw_gain[(row.area, row.payer, t)] += successes * row.per_success(t + 1)
    cost = [ZERO] * n
    gain = [ZERO] * n
    area_net: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * n)
    payer_net: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * n)
    matrix: dict[tuple[str, str], MatrixCell] = {}
    for key in sorted(set(raw_cost) | set(raw_gain)):
        area, payer, t = key
        c = (raw_cost.get(key, ZERO) * df[t]).quantize(ORE, rounding=ROUND_HALF_UP)
        g = (raw_gain.get(key, ZERO) * df[t]).quantize(ORE, rounding=ROUND_HALF_UP)
        cost[t] += c
        gain[t] += g
        area_net[area][t] += g - c
        payer_net[payer][t] += g - c
        cell = matrix.get((area, payer), MatrixCell())
        matrix[(area, payer)] = MatrixCell(cell.cost + c, cell.gain + g)
    years, running = [], ZERO
    for t in range(n):
        running += gain[t] - cost[t]
        years.append(YearFigures(t + 1, cost[t], gain[t], gain[t] - cost[t], running))
    areas = _order({a for a, _p in matrix}, area_order)
    payers = _order({p for _a, p in matrix}, payer_order)
    return CaseResult(
        inp=inp,
        years=years,
        area_net={a: area_net[a] for a in areas},
        area_cumulative={a: _cumulate(area_net[a]) for a in areas},
        payer_net={p: payer_net[p] for p in payers},
        payer_cumulative={p: _cumulate(payer_net[p]) for p in payers},
        matrix=matrix,
        break_even=break_even_year([y.net for y in years]),
        successes=successes,
        areas=areas,
        payers=payers,
    )


def successes_needed(
    inp: CaseInput, within: int, rows: Sequence[ConsequenceLine] | None = None
) -> int | None:
    """The Gladsaxe question: how many extra successes (beyond the baseline) are needed for the
    cumulative net result to reach zero by year ``within``, counting the gains of ``rows`` (all
    consequence rows by default) per success. ``None`` when no number of successes is enough
    (the rows gain nothing within the years); 0 when the costs are already covered.

    With only one row — e.g. "anbringelse, år" with −1 a year from year 2 — the answer is the
    number of avoided placements needed. The estimate ⌈costs / gain per success⌉ (both as
    present values up to ``within``) is checked against :func:`evaluate_case` itself, so the
    answer is exactly enough there, øre rounding included."""
    if within < 1:
        raise ValueError(within)
    within = min(within, inp.horizon)
    rows = inp.consequences if rows is None else tuple(rows)
    only = CaseInput(
        inp.cohort, inp.horizon, inp.baseline, inp.success, inp.discount, inp.costs, tuple(rows)
    )
    cost_pv = ZERO
    value_pv = ZERO
    for t in range(1, within + 1):
        df = discount_factor(inp.discount, t)
        cost_pv += sum((c.amount for c in inp.costs if c.year == t), ZERO) * df
        value_pv += sum((r.per_success(t) for r in rows), ZERO) * df

    def enough(k: int) -> bool:
        result = evaluate_case(only, successes=Decimal(k))
        return result.years[within - 1].cumulative >= 0

    if enough(0):
        return 0
    if value_pv <= 0:
        return None
    k = max(1, int((cost_pv / value_pv).to_integral_value(rounding=ROUND_CEILING)))
    while not enough(k):  # øre rounding may need one more
        k += 1
    while k > 1 and enough(k - 1):
        k -= 1
    return k


def required_rate(inp: CaseInput, needed: int | None) -> Decimal | None:
    """The success rate (per cent) that ``needed`` extra successes correspond to."""
    if needed is None or inp.cohort <= 0:
        return None
    return inp.baseline + HUNDRED * Decimal(needed) / Decimal(inp.cohort)


# Validation of a business case's plain values: {field: error key}. ``texts.py`` words the keys.


def validate_case_values(
    *,
    cohort: int | None,
    horizon: int | None,
    discount: Decimal | None,
    baseline: Decimal | None,
    rates: Mapping[str, Decimal | None],
    price_year: int | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if cohort is None or cohort < 1:
        errors["cohort_size"] = "cohort"
    elif cohort > 1_000_000:
        errors["cohort_size"] = "cohort-large"
    if horizon is None or horizon < 1 or horizon > MAX_HORIZON:
        errors["horizon_years"] = "horizon"
    if discount is None or discount < 0 or discount > MAX_DISCOUNT:
        errors["discount_rate"] = "discount"
    if baseline is None or not ZERO <= baseline <= HUNDRED:
        errors["baseline_rate"] = "percent"
    for name, rate in rates.items():
        if rate is None or not ZERO <= rate <= HUNDRED:
            errors[name] = "percent"
    if price_year is None or price_year not in YEARS:
        errors["price_year"] = "year"
    ordered = [rates.get(k) for k in ("rate_cautious", "rate_expected", "rate_optimistic")]
    if not errors and all(r is not None for r in ordered):
        low, mid, high = ordered
        assert low is not None and mid is not None and high is not None
        if not low <= mid <= high:
            errors["rate_expected"] = "scenario-order"
    return errors


def validate_amount(value: Decimal | None, *, allow_zero: bool = True) -> str | None:
    """An error key for an amount in kroner, or ``None``."""
    if value is None:
        return "required"
    if value < 0:
        return "negative"
    if value == 0 and not allow_zero:
        return "zero"
    if value > MAX_AMOUNT_KR:
        return "too-large"
    if value != value.quantize(Decimal("0.01")):
        return "ore"
    return None


def validate_quantity(value: Decimal | None) -> str | None:
    if value is None:
        return "required"
    if value < 0:
        return "negative"
    if value > MAX_QUANTITY:
        return "too-large"
    if value != value.quantize(Decimal("0.01")):
        return "decimals"
    return None


# --------------------------------------------------------------------------------------------
# Social-investment contracts: indicators, phases, payment
# --------------------------------------------------------------------------------------------

MET = "opfyldt"
NOT_MET = "ikke-opfyldt"
PENDING = "afventer"
NOT_MEASURABLE = "kan-ikke-maales"
STATUSES = (MET, NOT_MET, PENDING, NOT_MEASURABLE)

WHO5_CHANGE = "who5-stigning"
EMPLOYMENT = "beskaeftigelse"
FIT_FOR_WORK = "raskmelding"
PLAN_GOALS = "planmaal"
SCHOOL_ABSENCE = "skolefravaer"
MEASURES_ENDED = "foranstaltninger"

# source → (the data category a reader needs to see its evaluation, parameters it requires)
SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    WHO5_CHANGE: ("health", ("min_points", "window_weeks")),
    EMPLOYMENT: ("economy", ("months_after", "accepted")),
    FIT_FOR_WORK: ("economy", ("months_after", "accepted")),
    PLAN_GOALS: ("plan", ("months_after", "goal_share")),
    SCHOOL_ABSENCE: ("social", ("months_after", "limit_percent")),
    MEASURES_ENDED: ("social", ("months_after",)),
}
# Employment states (progress' outcome "beskaeftigelse") that count by default. Holbæk's
# employment target excludes flexjob (003:L1377); declared fit for work = off sickness benefit
# and job clarification into work, education or available for work.
DEFAULT_ACCEPTED = {
    EMPLOYMENT: ("ordinaert-job", "uddannelse"),
    FIT_FOR_WORK: ("ordinaert-job", "fleksjob", "uddannelse", "dagpenge"),
}
# How close to the due date a planned measurement counts as taken (days either way).
POINT_TOLERANCE_DAYS = 14


@dataclass(frozen=True)
class Rule:
    source: str
    min_points: int | None = None  # WHO-5: the change the contract calls "significant"
    window_weeks: int | None = None  # WHO-5: from start to start + window
    months_after: int | None = None  # status at start + N months
    accepted: tuple[str, ...] = ()  # employment states that count
    limit_percent: Decimal | None = None  # school absence at most this
    goal_share: Decimal | None = None  # per cent of rated goals at or above the expected level


def category_of(source: str) -> str:
    return SOURCES[source][0] if source in SOURCES else "plan"


def validate_rule(rule: Rule) -> dict[str, str]:
    """Errors per parameter (error keys). An indicator must be bound to a data source."""
    if rule.source not in SOURCES:
        return {"source": "source"}
    errors: dict[str, str] = {}
    needed = SOURCES[rule.source][1]
    if "min_points" in needed and (rule.min_points is None or not 1 <= rule.min_points <= 100):
        errors["min_points"] = "who5-points"
    if "window_weeks" in needed and (
        rule.window_weeks is None or not 1 <= rule.window_weeks <= 520
    ):
        errors["window_weeks"] = "weeks"
    if "months_after" in needed and (
        rule.months_after is None or not 0 <= rule.months_after <= 120
    ):
        errors["months_after"] = "months"
    if "accepted" in needed and not rule.accepted:
        errors["accepted"] = "accepted"
    if "limit_percent" in needed and (
        rule.limit_percent is None or not ZERO <= rule.limit_percent <= HUNDRED
    ):
        errors["limit_percent"] = "percent"
    if "goal_share" in needed and (
        rule.goal_share is None or not ZERO < rule.goal_share <= HUNDRED
    ):
        errors["goal_share"] = "share"
    return errors


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, clamped to the month's last day (31.01 + 1 = 28/29.02)."""
    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, min(start.day, day))
        except ValueError:
            continue
    raise ValueError(start)  # pragma: no cover - day 28 always exists


def due_date(rule: Rule, start: date) -> date:
    """When the indicator is decided: the end of the WHO-5 window, else start + N months."""
    if rule.source == WHO5_CHANGE:
        return start + timedelta(weeks=rule.window_weeks or 0)
    return add_months(start, rule.months_after or 0)


@dataclass(frozen=True)
class MeasureSpan:
    start: date | None
    end: date | None
    status: str
    category: str

    def active_on(self, day: date) -> bool:
        if self.status in ("annulleret", "planlagt") or self.start is None:
            return False
        return self.start <= day and (self.end is None or self.end >= day)


@dataclass(frozen=True)
class Facts:
    """What Helhed knows about one course, as dated plain values (from progress and courses)."""

    who5: tuple[tuple[date, float], ...] = ()
    employment: tuple[tuple[date, str], ...] = ()  # in the order they were entered
    school: tuple[tuple[date, float], ...] = ()  # attendance per cent
    goal_ratings: tuple[tuple[str, date, int], ...] = ()  # (goal, date, GAS level)
    measures: tuple[MeasureSpan, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """An indicator's result for one course: a status, when it is decided, and the evidence (a
    plain dict, worded by ``texts.evidence_text``)."""

    status: str
    due_on: date
    evidence: dict[str, object] = field(default_factory=dict)
    evidence_on: date | None = None


def _state_on(states: Sequence[tuple[date, str]], day: date) -> tuple[date, str] | None:
    found = None
    for on, value in states:  # stable: a later entry on the same day wins
        if on <= day and (found is None or on >= found[0]):
            found = (on, value)
    return found


def _percent_on(values: Sequence[tuple[date, float]], day: date) -> tuple[date, float] | None:
    found = None
    for on, value in values:
        if on <= day and (found is None or on >= found[0]):
            found = (on, value)
    return found


def evaluate_indicator(rule: Rule, facts: Facts, start: date, today: date) -> Outcome:
    """Met / not met / pending / not measurable for one course, with the evidence."""
    due = due_date(rule, start)
    decided = today >= due
    if rule.source == WHO5_CHANGE:
        return _who5(rule, facts, start, due, decided)
    evaluate = _EVALUATORS.get(rule.source)
    if evaluate is None:
        return Outcome(NOT_MEASURABLE, due, {"kind": "unknown-source"})
    if not decided:
        return Outcome(PENDING, due)
    return evaluate(rule, facts, start, due)


def _employment(rule: Rule, facts: Facts, start: date, due: date) -> Outcome:
    """The employment state on the due date is one of the rule's accepted states."""
    state = _state_on(facts.employment, due)
    if state is None:
        return Outcome(NOT_MEASURABLE, due, {"kind": "no-employment"})
    on, value = state
    ok = value in set(rule.accepted)
    return Outcome(MET if ok else NOT_MET, due, {"kind": "employment", "value": value}, on)


def _school_absence(rule: Rule, facts: Facts, start: date, due: date) -> Outcome:
    """The latest school absence on the due date is at most the rule's limit."""
    found = _percent_on(facts.school, due)
    if found is None:
        return Outcome(NOT_MEASURABLE, due, {"kind": "no-school"})
    on, attendance = found
    absence = Decimal(str(round(100 - attendance, 1)))
    limit = rule.limit_percent if rule.limit_percent is not None else ZERO
    ev: dict[str, object] = {"kind": "school", "absence": str(absence), "limit": str(limit)}
    return Outcome(MET if absence <= limit else NOT_MET, due, ev, on)


def _plan_goals(rule: Rule, facts: Facts, start: date, due: date) -> Outcome:
    """At least the rule's share of the rated goals reached (GAS level ≥ 0) by the due date."""
    latest: dict[str, tuple[date, int]] = {}
    for goal, on, level in facts.goal_ratings:
        if on <= due and (goal not in latest or on >= latest[goal][0]):
            latest[goal] = (on, level)
    if not latest:
        return Outcome(NOT_MEASURABLE, due, {"kind": "no-goals"})
    reached = sum(1 for _on, level in latest.values() if level >= 0)
    share = HUNDRED * reached / len(latest)
    needed = rule.goal_share if rule.goal_share is not None else HUNDRED
    ev: dict[str, object] = {"kind": "goals", "reached": reached, "rated": len(latest)}
    last = max(on for on, _l in latest.values())
    return Outcome(MET if share >= needed else NOT_MET, due, ev, last)


def _measures_ended(rule: Rule, facts: Facts, start: date, due: date) -> Outcome:
    """Fewer social measures active on the due date than on the start."""
    social = [m for m in facts.measures if m.category == "social"]
    before = sum(1 for m in social if m.active_on(start))
    after = sum(1 for m in social if m.active_on(due))
    if before == 0:
        return Outcome(NOT_MEASURABLE, due, {"kind": "no-measures"})
    ev: dict[str, object] = {"kind": "measures", "before": before, "after": after}
    return Outcome(MET if after < before else NOT_MET, due, ev, due)


# The indicators decided once on their due date: (rule, facts, start, due) → outcome.
_EVALUATORS: dict[str, Callable[[Rule, Facts, date, date], Outcome]] = {
    EMPLOYMENT: _employment,
    FIT_FOR_WORK: _employment,
    SCHOOL_ABSENCE: _school_absence,
    PLAN_GOALS: _plan_goals,
    MEASURES_ENDED: _measures_ended,
}


def _who5(rule: Rule, facts: Facts, start: date, due: date, decided: bool) -> Outcome:
    """The first WHO-5 from two weeks before the start is the baseline; met as soon as a later
    one within the window is at least ``min_points`` higher."""
    window = sorted(
        (on, score) for on, score in facts.who5 if start - timedelta(days=14) <= on <= due
    )
    points = rule.min_points or 0
    if window:
        base_on, base = window[0]
        for on, score in window[1:]:
            if score - base >= points:
                ev: dict[str, object] = {
                    "kind": "who5",
                    "first": base,
                    "first_on": base_on.isoformat(),
                    "score": score,
                    "change": score - base,
                }
                return Outcome(MET, due, ev, on)
    if not decided:
        return Outcome(PENDING, due)
    if len(window) < 2:
        return Outcome(NOT_MEASURABLE, due, {"kind": "no-who5", "n": len(window)})
    base_on, base = window[0]
    best_on, best = max(window[1:], key=lambda p: (p[1], p[0]))
    ev = {
        "kind": "who5",
        "first": base,
        "first_on": base_on.isoformat(),
        "score": best,
        "change": best - base,
    }
    return Outcome(NOT_MET, due, ev, best_on)


def phase_errors(phases: Sequence[tuple[int | None, int | None]]) -> dict[int, str]:
    """Per phase (index): "order" when it does not end after it starts, "overlap" when it
    overlaps an earlier one. Weeks count from the course's start in the contract (week 0); a
    phase covers ``[start, end)`` so 0-26 and 26-39 touch without overlapping."""
    errors: dict[int, str] = {}
    seen: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(phases):
        if start is None or end is None or start < 0 or end <= start:
            errors[i] = "order"
            continue
        if any(start < e and s < end for s, e in seen):
            errors[i] = "overlap"
        seen.append((start, end))
    return errors


def point_due(start: date, week: int) -> date:
    return start + timedelta(weeks=week)


def point_taken(due: date, measured: Iterable[date]) -> bool:
    """A planned measurement point counts as taken when a measurement lies within
    ``POINT_TOLERANCE_DAYS`` of its due date."""
    return any(abs((on - due).days) <= POINT_TOLERANCE_DAYS for on in measured)


def amount_due(
    met: int, price: Decimal, cap: Decimal | None = None, floor: Decimal | None = None
) -> Decimal:
    """Kroner due for ``met`` successes at ``price`` each, at most ``cap`` (afkastloft) and at
    least ``floor`` (afkastgulv)."""
    amount = price * met
    if cap is not None:
        amount = min(amount, cap)
    if floor is not None:
        amount = max(amount, floor)
    return amount


def period_amount(
    met_before: int,
    met_through: int,
    price: Decimal,
    cap: Decimal | None,
    floor: Decimal | None,
    *,
    final: bool,
) -> Decimal:
    """What falls due in a period: the total through its end minus the total before it, with the
    cap applied cumulatively; the floor is a guarantee on the contract's total, so it counts only
    in the period that closes the contract (``final``)."""
    through = amount_due(met_through, price, cap, floor if final else None)
    before = amount_due(met_before, price, cap)
    return max(ZERO, through - before)


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def month_range(first: date, months: int) -> list[tuple[int, int]]:
    """``months`` (year, month) pairs from ``first``'s month."""
    out = []
    for i in range(months):
        d = add_months(first.replace(day=1), i)
        out.append((d.year, d.month))
    return out


# Courses' "hvem betaler" (courses.BudgetArea / meetings' Decision.payer) → (budget area, payer
# level) in this app's terms.
COURSE_BUDGET_AREA: dict[str, tuple[str, str]] = {
    "beskaeftigelse": ("beskaeftigelse", "kommune"),
    "boern-unge": ("boern-familie", "kommune"),
    "voksne": ("voksne", "kommune"),
    "sundhed": ("sundhed", "kommune"),
    "skole": ("uddannelse", "kommune"),
    "bolig": ("bolig", "kommune"),
    "region": ("sygehus", "region"),
    "stat": ("andet", "stat"),
    "andet": ("andet", "kommune"),
}
