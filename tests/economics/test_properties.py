"""Property tests of the business-case and contract arithmetic (bounded examples, no database)."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817 - short in hand-worked figures

from hypothesis import given, settings
from hypothesis import strategies as st

from helhed.economics import logic

AREAS = ["boern-familie", "beskaeftigelse", "sundhed", "skat"]
PAYERS = ["kommune", "region", "stat"]

money = st.integers(min_value=0, max_value=2_000_000).map(D)
change = st.integers(min_value=-400, max_value=0).map(lambda n: D(n) / 100)  # −4.00 … 0


@st.composite
def cases(draw: st.DrawFn, *, gains_only: bool = True) -> logic.CaseInput:
    horizon = draw(st.integers(1, 10))
    costs = tuple(
        logic.CostLine(
            draw(st.integers(1, horizon)),
            draw(st.sampled_from(AREAS)),
            draw(st.sampled_from(PAYERS)),
            draw(money),
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    rows = []
    for i in range(draw(st.integers(1, 3))):
        changes = tuple(draw(change) for _ in range(horizon))
        kind = logic.EXPENSE
        if not gains_only and draw(st.booleans()):
            changes = tuple(-c for c in changes)  # an expense that rises: a loss
        rows.append(
            logic.ConsequenceLine(
                f"r{i}",
                f"row {i}",
                draw(st.sampled_from(AREAS)),
                draw(st.sampled_from(PAYERS)),
                draw(money),
                changes,
                kind,
            )
        )
    baseline = D(draw(st.integers(0, 50)))
    return logic.CaseInput(
        cohort=draw(st.integers(1, 500)),
        horizon=horizon,
        baseline=baseline,
        success=baseline + D(draw(st.integers(0, 50))),
        discount=D(draw(st.integers(0, 20))),
        costs=costs,
        consequences=tuple(rows),
    )


def _later(a: int | None, b: int | None) -> bool:
    """Is break-even ``b`` later than ``a`` (None = never)?"""
    if a is None:
        return False
    return b is None or b > a


@settings(max_examples=150, deadline=None)
@given(cases(), st.integers(0, 2), st.integers(1, 1_000_000))
def test_raising_a_gain_rows_price_never_delays_break_even(
    inp: logic.CaseInput, which: int, extra: int
) -> None:
    which %= len(inp.consequences)
    rows = list(inp.consequences)
    row = rows[which]
    rows[which] = logic.ConsequenceLine(
        row.key, row.label, row.area, row.payer, row.price + extra, row.changes, row.kind
    )
    dearer = logic.CaseInput(
        inp.cohort, inp.horizon, inp.baseline, inp.success, inp.discount, inp.costs, tuple(rows)
    )
    before = logic.evaluate_case(inp).break_even
    after = logic.evaluate_case(dearer).break_even
    assert not _later(before, after)


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(0, 50))
def test_more_success_never_delays_break_even(inp: logic.CaseInput, more: int) -> None:
    before = logic.evaluate_case(inp).break_even
    after = logic.evaluate_case(inp.with_success(inp.success + more)).break_even
    assert not _later(before, after)


@settings(max_examples=150, deadline=None)
@given(cases(), st.integers(1, 10))
def test_the_number_needed_is_exactly_enough(inp: logic.CaseInput, within: int) -> None:
    within = min(within, inp.horizon)
    needed = logic.successes_needed(inp, within)

    def cumulative_with(successes: int) -> D:
        # successes = cohort × (rate − baseline) / 100 → rate = baseline + 100 × successes / cohort
        rate = inp.baseline + D(100) * successes / inp.cohort
        return logic.evaluate_case(inp.with_success(rate)).years[within - 1].cumulative

    if needed is None:
        assert cumulative_with(10**6) < 0
        return
    assert cumulative_with(needed) >= 0
    if needed > 0:
        assert cumulative_with(needed - 1) < 0


@settings(max_examples=150, deadline=None)
@given(cases(gains_only=False))
def test_budget_areas_and_payers_add_up_to_the_total(inp: logic.CaseInput) -> None:
    r = logic.evaluate_case(inp)
    for t in range(inp.horizon):
        assert sum((v[t] for v in r.area_net.values()), D(0)) == r.years[t].net
        assert sum((v[t] for v in r.payer_net.values()), D(0)) == r.years[t].net
    assert sum((c.net for c in r.matrix.values()), D(0)) == r.net
    assert r.years[-1].cumulative == sum((y.net for y in r.years), D(0))
    if r.break_even is not None:
        assert r.years[r.break_even - 1].cumulative >= 0
        assert all(y.cumulative < 0 for y in r.years[: r.break_even - 1])
    else:
        assert all(y.cumulative < 0 for y in r.years)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda p: (p[0], p[0] + p[1])),
        max_size=5,
    )
)
def test_phases_are_valid_exactly_when_they_do_not_overlap(phases: list[tuple[int, int]]) -> None:
    errors = logic.phase_errors(phases)
    ordered = all(e > s for s, e in phases)
    disjoint = all(
        not (s1 < e2 and s2 < e1)
        for i, (s1, e1) in enumerate(phases)
        for s2, e2 in phases[:i]
        if e2 > s2 and e1 > s1
    )
    assert (errors == {}) == (ordered and disjoint)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=6),
    st.integers(0, 20_000),
    st.one_of(st.none(), st.integers(0, 200_000)),
)
def test_period_amounts_add_up_to_the_capped_total(
    per_period: list[int], price: int, cap: int | None
) -> None:
    met, paid = 0, D(0)
    for n in per_period:
        paid += logic.period_amount(
            met, met + n, D(price), None if cap is None else D(cap), None, final=False
        )
        met += n
    assert paid == logic.amount_due(met, D(price), None if cap is None else D(cap))
    assert paid <= (D(cap) if cap is not None else paid)


@settings(max_examples=100, deadline=None)
@given(st.integers(-(10**12), 10**12))
def test_ore_round_trip(ore: int) -> None:
    assert logic.to_ore(logic.to_kr(ore)) == ore
    text = logic.format_kr(ore, ore=True)
    assert text.endswith(" kr.")
    assert logic.parse_decimal(text.replace(".", "").removesuffix(" kr")) == logic.round_kr(
        logic.to_kr(ore)
    )
