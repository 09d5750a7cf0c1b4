"""The economics arithmetic against hand-worked examples (no database).

The Gladsaxe test reproduces research 001's statement (L1458-1465): the intervention's costs are
earned back in year 4 if two out-of-home placements are avoided in the period — and not with one.
The prices are the test's own: 600,000 kr. a year for the intervention over four years, 520,000
kr. per placement year, and an avoided placement that would have lasted half of year 2 and all of
years 3 and 4 (2.5 placement years in the period).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D  # noqa: N817 - short in hand-worked figures

import pytest

from helhed.economics import logic


def gladsaxe(successes: int, horizon: int = 4) -> logic.CaseInput:
    # a cohort of 100 families with no placements avoided without the intervention: the success
    # rate in per cent is the number of avoided placements
    return logic.CaseInput(
        cohort=100,
        horizon=horizon,
        baseline=D(0),
        success=D(successes),
        costs=tuple(logic.CostLine(t, "boern-familie", "kommune", D(600_000)) for t in range(1, 5)),
        consequences=(
            logic.ConsequenceLine(
                "anbringelse",
                "Anbringelse uden for hjemmet, år",
                "boern-familie",
                "kommune",
                D(520_000),
                (D(0), D("-0.5"), D(-1), D(-1)),
            ),
        ),
    )


def test_gladsaxe_two_avoided_placements_earn_the_costs_back_in_year_four() -> None:
    result = logic.evaluate_case(gladsaxe(2))
    # cumulative: costs 600, 1,200, 1,800, 2,400 (thousand kr.); savings 0, 520, 1,560, 2,600
    assert [y.cumulative for y in result.years] == [
        D(-600_000),
        D(-680_000),
        D(-240_000),
        D(200_000),
    ]
    assert result.break_even == 4
    assert result.net == D(200_000)


def test_gladsaxe_one_avoided_placement_does_not() -> None:
    result = logic.evaluate_case(gladsaxe(1))
    assert [y.cumulative for y in result.years] == [
        D(-600_000),
        D(-940_000),
        D(-1_020_000),
        D(-1_100_000),
    ]
    assert result.break_even is None


def test_gladsaxe_how_many_placements_are_needed() -> None:
    # within 4 years: 2,400,000 / (2.5 × 520,000 = 1,300,000) = 1.85 → 2 placements
    assert logic.successes_needed(gladsaxe(0), 4) == 2
    # within 3 years: 1,800,000 / (1.5 × 520,000 = 780,000) = 2.31 → 3
    assert logic.successes_needed(gladsaxe(0), 3) == 3
    # within 1 year nothing is saved yet: no number of placements is enough
    assert logic.successes_needed(gladsaxe(0), 1) is None
    # as a rate of the cohort of 100
    assert logic.required_rate(gladsaxe(0), 2) == D(2)


def test_net_per_budget_area_and_payer_hand_worked() -> None:
    # Costs in employment (kommune); gains: fewer weeks of sickness benefit (employment,
    # kommune) and more tax (taxes, stat). 10 participants, 30 % succeed vs 10 % baseline: 2
    # extra successes.
    inp = logic.CaseInput(
        cohort=10,
        horizon=2,
        baseline=D(10),
        success=D(30),
        costs=(
            logic.CostLine(1, "beskaeftigelse", "kommune", D(100_000)),
            logic.CostLine(2, "beskaeftigelse", "kommune", D(20_000)),
        ),
        consequences=(
            logic.ConsequenceLine(
                "sdp",
                "Uge på sygedagpenge",
                "beskaeftigelse",
                "kommune",
                D(4_000),
                (D(-10), D(-20)),
            ),
            logic.ConsequenceLine(
                "skat",
                "Skat af arbejdsindkomst, år",
                "skat",
                "stat",
                D(50_000),
                (D("0.25"), D(1)),
                kind=logic.REVENUE,
            ),
        ),
    )
    r = logic.evaluate_case(
        inp, area_order=["beskaeftigelse", "skat"], payer_order=["kommune", "stat"]
    )
    assert r.successes == D(2)
    # year 1: employment -100,000 + 2 × 10 × 4,000 = -20,000; taxes 2 × 0.25 × 50,000 = 25,000
    # year 2: employment -20,000 + 2 × 20 × 4,000 = 140,000; taxes 2 × 50,000 = 100,000
    assert r.area_net == {
        "beskaeftigelse": [D(-20_000), D(140_000)],
        "skat": [D(25_000), D(100_000)],
    }
    assert r.area_cumulative["beskaeftigelse"] == [D(-20_000), D(120_000)]
    assert r.payer_net == {"kommune": [D(-20_000), D(140_000)], "stat": [D(25_000), D(100_000)]}
    assert [y.net for y in r.years] == [D(5_000), D(240_000)]
    assert r.break_even == 1
    # who pays / who gains: employment bears 120,000 of costs and gains 240,000
    cell = r.matrix[("beskaeftigelse", "kommune")]
    assert (cell.cost, cell.gain, cell.net) == (D(120_000), D(240_000), D(120_000))
    assert r.matrix[("skat", "stat")].net == D(125_000)
    assert r.area_total("skat").net == D(125_000)
    assert r.payer_total("kommune").cost == D(120_000)


def test_discounting_year_one_is_not_discounted() -> None:
    assert logic.discount_factor(D(0), 5) == 1
    assert logic.discount_factor(D(4), 1) == 1
    assert logic.discount_factor(D(4), 2) == D(1) / D("1.04")
    inp = logic.CaseInput(
        cohort=1,
        horizon=2,
        baseline=D(0),
        success=D(0),
        discount=D(10),
        costs=(logic.CostLine(2, "andet", "kommune", D(110)),),
    )
    assert logic.evaluate_case(inp).years[1].cost == D(100)


def test_indexation() -> None:
    index = {2019: D(100), 2024: D("115.5")}
    assert logic.index_amount(D(1_160_000), 2019, 2024, index) == D(1_339_800)
    assert logic.index_amount(D(1000), 2024, 2024, {}) == D(1000)
    with pytest.raises(logic.MissingIndexError) as caught:
        logic.index_amount(D(1000), 2018, 2024, index)
    assert caught.value.year == 2018
    assert logic.index_or_keep(D(1000), 2018, 2024, index) == (D(1000), False)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.250,50", D("1250.50")),
        ("1250.5", D("1250.5")),
        ("1 250", D(1250)),
        ("-3", D(-3)),
        ("−0,5", D("-0.5")),
        ("1.500", D(1500)),
        ("12 kr.", D(12)),
    ],
)
def test_parse_decimal(text: str, value: D) -> None:
    assert logic.parse_decimal(text) == value


@pytest.mark.parametrize("text", ["", "abc", "NaN", "Infinity", "1,2,3"])
def test_parse_decimal_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        logic.parse_decimal(text)


def test_money_in_ore() -> None:
    assert logic.to_ore(D("1234.565")) == 123457
    assert logic.to_kr(123457) == D("1234.57")
    assert logic.format_kr(D("-1234567.4")) == "-1.234.567 kr."
    assert logic.format_kr(123456, ore=True) == "1.235 kr."


def test_case_validation_names_the_fields() -> None:
    errors = logic.validate_case_values(
        cohort=0,
        horizon=11,
        discount=D(21),
        baseline=D(-1),
        rates={"rate_cautious": D(10), "rate_expected": D(5), "rate_optimistic": D(101)},
        price_year=None,
    )
    assert errors == {
        "cohort_size": "cohort",
        "horizon_years": "horizon",
        "discount_rate": "discount",
        "baseline_rate": "percent",
        "rate_optimistic": "percent",
        "price_year": "year",
    }
    ok = logic.validate_case_values(
        cohort=1,
        horizon=10,
        discount=D(20),
        baseline=D(0),
        rates={"rate_cautious": D(10), "rate_expected": D(5), "rate_optimistic": D(50)},
        price_year=2025,
    )
    assert ok == {"rate_expected": "scenario-order"}


def test_amount_and_quantity_validation() -> None:
    assert logic.validate_amount(D(-1)) == "negative"
    assert logic.validate_amount(None) == "required"
    assert logic.validate_amount(D("1.005")) == "ore"
    assert logic.validate_amount(D(0)) is None
    assert logic.validate_quantity(D("-0.5")) == "negative"
    assert logic.validate_quantity(D("2.5")) is None


# --------------------------------------------------------------------------------------------
# Contracts
# --------------------------------------------------------------------------------------------

START = date(2025, 1, 6)


def who5_rule(points: int = 10, weeks: int = 39) -> logic.Rule:
    return logic.Rule(logic.WHO5_CHANGE, min_points=points, window_weeks=weeks)


def test_who5_change_met_pending_not_met_and_not_measurable() -> None:
    rule = who5_rule()
    rising = logic.Facts(who5=((START, 36.0), (date(2025, 4, 1), 40.0), (date(2025, 7, 1), 52.0)))
    out = logic.evaluate_indicator(rule, rising, START, date(2025, 8, 1))
    assert out.status == logic.MET  # met before the window closes
    assert out.evidence_on == date(2025, 7, 1)
    assert out.evidence["change"] == 16.0
    flat = logic.Facts(who5=((START, 36.0), (date(2025, 4, 1), 40.0)))
    assert logic.evaluate_indicator(rule, flat, START, date(2025, 8, 1)).status == logic.PENDING
    closed = START + timedelta(weeks=39)
    assert logic.evaluate_indicator(rule, flat, START, closed).status == logic.NOT_MET
    one = logic.Facts(who5=((START, 36.0),))
    assert logic.evaluate_indicator(rule, one, START, closed).status == logic.NOT_MEASURABLE
    # a measurement after the window does not count
    late = logic.Facts(who5=((START, 36.0), (closed + timedelta(days=1), 90.0)))
    assert logic.evaluate_indicator(rule, late, START, closed).status == logic.NOT_MEASURABLE


def test_employment_at_six_months() -> None:
    rule = logic.Rule(logic.EMPLOYMENT, months_after=6, accepted=("ordinaert-job", "uddannelse"))
    due = date(2025, 7, 6)
    facts = logic.Facts(
        employment=(
            (START, "sygedagpenge"),
            (date(2025, 5, 1), "fleksjob"),
            (date(2025, 8, 1), "ordinaert-job"),
        )
    )
    assert logic.evaluate_indicator(rule, facts, START, date(2025, 7, 5)).status == logic.PENDING
    out = logic.evaluate_indicator(rule, facts, START, due)
    # flexjob on the due date: not ordinary work (Holbæk's target excludes flexjob)
    assert (out.status, out.evidence["value"], out.evidence_on) == (
        logic.NOT_MET,
        "fleksjob",
        date(2025, 5, 1),
    )
    fit = logic.Rule(
        logic.FIT_FOR_WORK, months_after=6, accepted=logic.DEFAULT_ACCEPTED[logic.FIT_FOR_WORK]
    )
    assert logic.evaluate_indicator(fit, facts, START, due).status == logic.MET
    assert logic.evaluate_indicator(rule, logic.Facts(), START, due).status == logic.NOT_MEASURABLE


def test_school_goals_and_measures() -> None:
    due = date(2025, 7, 6)
    school = logic.Rule(logic.SCHOOL_ABSENCE, months_after=6, limit_percent=D(10))
    facts = logic.Facts(school=((START, 70.0), (date(2025, 6, 1), 92.5)))
    out = logic.evaluate_indicator(school, facts, START, due)
    assert (out.status, out.evidence["absence"]) == (logic.MET, "7.5")
    goals = logic.Rule(logic.PLAN_GOALS, months_after=6, goal_share=D(50))
    rated = logic.Facts(
        goal_ratings=(("a", START, -2), ("a", date(2025, 6, 1), 0), ("b", date(2025, 6, 1), -1))
    )
    out = logic.evaluate_indicator(goals, rated, START, due)
    assert (out.status, out.evidence["reached"], out.evidence["rated"]) == (logic.MET, 1, 2)
    measures = logic.Rule(logic.MEASURES_ENDED, months_after=6)
    spans = logic.Facts(
        measures=(
            logic.MeasureSpan(date(2024, 6, 1), None, "aktiv", "social"),
            logic.MeasureSpan(date(2024, 6, 1), date(2025, 3, 1), "afsluttet", "social"),
            logic.MeasureSpan(date(2024, 6, 1), None, "aktiv", "health"),  # not social
        )
    )
    out = logic.evaluate_indicator(measures, spans, START, due)
    assert (out.status, out.evidence["before"], out.evidence["after"]) == (logic.MET, 2, 1)


def test_rule_validation() -> None:
    assert logic.validate_rule(logic.Rule("")) == {"source": "source"}
    assert logic.validate_rule(logic.Rule(logic.WHO5_CHANGE)) == {
        "min_points": "who5-points",
        "window_weeks": "weeks",
    }
    assert logic.validate_rule(logic.Rule(logic.EMPLOYMENT, months_after=121)) == {
        "months_after": "months",
        "accepted": "accepted",
    }
    assert logic.validate_rule(who5_rule()) == {}


def test_phases_may_touch_but_not_overlap() -> None:
    assert logic.phase_errors([(0, 26), (26, 39)]) == {}
    assert logic.phase_errors([(0, 26), (20, 39)]) == {1: "overlap"}
    assert logic.phase_errors([(0, 26), (30, 30)]) == {1: "order"}
    assert logic.phase_errors([(None, 26)]) == {0: "order"}


def test_measurement_points() -> None:
    assert logic.point_due(START, 26) == date(2025, 7, 7)
    assert logic.point_taken(date(2025, 7, 7), [date(2025, 7, 20)])
    assert not logic.point_taken(date(2025, 7, 7), [date(2025, 7, 22)])


def test_amount_due_with_cap_and_floor() -> None:
    assert logic.amount_due(5, D(8600)) == D(43_000)
    assert logic.amount_due(5, D(8600), cap=D(30_000)) == D(30_000)
    assert logic.amount_due(1, D(8600), floor=D(20_000)) == D(20_000)
    # the cap applies to the running total: 3 before the period, 3 more in it, cap 40,000
    assert logic.period_amount(3, 6, D(8600), D(40_000), None, final=False) == D(40_000 - 25_800)
    # the floor counts only in the period that closes the contract
    assert logic.period_amount(0, 1, D(8600), None, D(20_000), final=False) == D(8600)
    assert logic.period_amount(0, 1, D(8600), None, D(20_000), final=True) == D(20_000)


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert logic.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert logic.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert logic.add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
