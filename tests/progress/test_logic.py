"""Scoring and the other plain rules, against hand-computed worked examples."""

from __future__ import annotations

import math
from datetime import date

import pytest
from django.utils import translation

from helhed.progress import logic

WHO = logic.WHO5


def answers(*values: int) -> dict[str, int]:
    return {f"who5_{i + 1}": v for i, v in enumerate(values)}


# --- WHO-5 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "raw", "index", "level"),
    [
        ((5, 5, 5, 5, 5), 25, 100.0, "good"),
        ((0, 0, 0, 0, 0), 0, 0.0, "depression"),
        # 3+3+2+3+2 = 13 → 52: just above "poor"
        ((3, 3, 2, 3, 2), 13, 52.0, "good"),
        # 2+3+2+3+2 = 12 → 48: poor well-being
        ((2, 3, 2, 3, 2), 12, 48.0, "poor"),
        # boundaries: 7 × 4 = 28 is "likely depression", 8 × 4 = 32 is not
        ((2, 2, 1, 1, 1), 7, 28.0, "depression"),
        ((2, 2, 2, 1, 1), 8, 32.0, "poor"),
    ],
)
def test_who5_worked_examples(values: tuple[int, ...], raw: int, index: float, level: str) -> None:
    a = answers(*values)
    assert logic.who5_raw(a) == raw
    assert logic.score(WHO, a) == index
    assert logic.who5_interpret(index).level == level


def test_who5_interpretation_thresholds_are_inclusive() -> None:
    assert logic.who5_interpret(50).level == "poor"
    assert logic.who5_interpret(51).level == "good"
    assert logic.who5_interpret(28).level == "depression"
    assert logic.who5_interpret(29).level == "poor"


def test_who5_meaningful_change_is_ten_points() -> None:
    assert logic.who5_change(40, 50) == "better"
    assert logic.who5_change(40, 48) == "same"
    assert logic.who5_change(60, 50) == "worse"
    assert logic.who5_change(60, 52) == "same"


def test_who5_is_not_scored_with_a_missing_answer() -> None:
    a = answers(3, 3, 3, 3)
    with pytest.raises(logic.IncompleteError):
        logic.score(WHO, a)
    _clean, errors = logic.validate_answers(WHO, a)
    assert set(errors) == {"who5_5"} and "Besvar" in errors["who5_5"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (6, "mellem 0 og 5"),
        (-1, "mellem 0 og 5"),
        ("x", "helt tal"),
        (2.5, "helt tal"),
        (True, "helt tal"),
    ],
)
def test_who5_bad_values_get_a_message_per_item(value: object, message: str) -> None:
    a: dict[str, object] = dict(answers(3, 3, 3, 3, 3))
    a["who5_2"] = value
    _clean, errors = logic.validate_answers(WHO, a)
    assert list(errors) == ["who5_2"] and message in errors["who5_2"]


def test_unknown_items_are_refused() -> None:
    a: dict[str, object] = dict(answers(3, 3, 3, 3, 3))
    a["who5_9"] = 3
    _clean, errors = logic.validate_answers(WHO, a)
    assert "who5_9" in errors


def test_who5_uses_the_official_danish_wording() -> None:
    texts = [str(i.text) for i in WHO.items]
    assert texts[0].endswith("har jeg været glad og i godt humør")
    assert texts[4].endswith("har min dagligdag været fyldt med ting der interesserer mig")
    assert str(WHO.scale.labels[0][1]) == "Hele tiden"
    assert [v for v, _l in WHO.scale.labels] == [5, 4, 3, 2, 1, 0]


# --- GAS T-score ---------------------------------------------------------------------------------


def test_gas_all_at_expected_level_is_50() -> None:
    assert logic.gas_t_score([0, 0, 0]) == 50


def test_gas_one_goal_plus_two_is_70() -> None:
    # denominator √(0.7·1 + 0.3·1) = 1 → 50 + 10·2 = 70
    assert logic.gas_t_score([2]) == pytest.approx(70.0)


def test_gas_three_unweighted_goals() -> None:
    # x = (2, 1, 0), w = 1: Σwx = 3, Σw² = 3, (Σw)² = 9 → √(0.7·3 + 0.3·9) = √4.8 = 2.19089
    # T = 50 + 30 / 2.19089 = 63.693
    assert logic.gas_t_score([2, 1, 0]) == pytest.approx(63.693, abs=0.001)


def test_gas_weighted_goals() -> None:
    # x = (1, 0, −2), w = (3, 2, 1): Σwx = 3 + 0 − 2 = 1, Σw² = 14, Σw = 6
    # √(0.7·14 + 0.3·36) = √(9.8 + 10.8) = √20.6 = 4.53872 → T = 50 + 10/4.53872 = 52.203
    assert logic.gas_t_score([1, 0, -2], [3, 2, 1]) == pytest.approx(52.203, abs=0.001)


def test_gas_rho_changes_the_denominator() -> None:
    # ρ = 0: √Σw² = √2 → T = 50 + 10·(−2)/√2 = 35.858; ρ = 0.5: √(0.5·2 + 0.5·4) = √3 → 38.453
    assert logic.gas_t_score([-1, -1], rho=0.0) == pytest.approx(50 - 20 / math.sqrt(2))
    assert logic.gas_t_score([-1, -1], rho=0.5) == pytest.approx(50 - 20 / math.sqrt(3))
    assert logic.gas_t_score([-2, -2, -2, -2]) == pytest.approx(
        50 - 80 / math.sqrt(0.7 * 4 + 0.3 * 16)
    )


def test_gas_bad_input() -> None:
    with pytest.raises(logic.IncompleteError):
        logic.gas_t_score([])
    with pytest.raises(ValueError):
        logic.gas_t_score([3])
    with pytest.raises(ValueError):
        logic.gas_t_score([1, 1], [1])
    with pytest.raises(ValueError):
        logic.gas_t_score([1], [0])


def test_goal_weight_comes_from_importance() -> None:
    assert logic.goal_weight(None) == 1.0
    assert logic.goal_weight(4) == 4.0


# --- life areas, outcomes, cohorts, suppression --------------------------------------------------


def test_life_areas_has_ten_areas_scored_1_to_10() -> None:
    inst = logic.LIFE_AREAS_INSTRUMENT
    assert len(inst.items) == 10
    full = {i.key: 5 for i in inst.items}
    assert logic.score(inst, full) == 5.0
    full["bolig"] = 0
    _c, errors = logic.validate_answers(inst, full)
    assert "mellem 1 og 10" in errors["bolig"]


def test_outcome_validation() -> None:
    assert logic.validate_outcome("beskaeftigelse", "fleksjob", None) == {}
    assert "value" in logic.validate_outcome("beskaeftigelse", "millionær", None)
    assert "percent" in logic.validate_outcome("skolefremmoede", "", 101)
    assert "percent" in logic.validate_outcome("skolefremmoede", "", None)
    assert logic.validate_outcome("skolefremmoede", "", "87.5") == {}
    assert "kind" in logic.validate_outcome("lotto", "", None)
    assert logic.is_job_transition("kontanthjaelp", "ordinaert-job")
    assert not logic.is_job_transition("ressourceforloeb", "ordinaert-job")


def test_cohorts_are_quarters() -> None:
    assert logic.cohort_of(date(2025, 1, 1)) == "2025 K1"
    assert logic.cohort_of(date(2025, 3, 31)) == "2025 K1"
    assert logic.cohort_of(date(2025, 4, 1)) == "2025 K2"
    assert logic.cohort_of(date(2025, 12, 31)) == "2025 K4"


def test_small_cells_are_suppressed() -> None:
    assert logic.show_count(0) == "0"
    assert logic.show_count(4) == "<5"
    assert logic.show_count(5) == "5"
    assert logic.show_share(2, 4) == "<5"
    assert logic.show_share(2, 5) == "<5"  # 2 citizens: a small numerator (P5)
    assert logic.show_share(5, 12) == "42 %"
    assert logic.show_share(0, 5) == "0 %"
    assert logic.show_share(0, 0) == "–"
    assert logic.show_mean(100.0, 2) == "<5"


def test_means_are_written_with_the_readers_decimal_mark() -> None:
    """Danish readers see a decimal comma ("3,5"), English readers a point (issue 14)."""
    with translation.override("da"):
        assert logic.show_mean(17.5, 5) == "3,5"
        assert logic.show_mean(250.0, 5) == "50,0"
    with translation.override("en"):
        assert logic.show_mean(17.5, 5) == "3.5"


# --- pseudonyms ----------------------------------------------------------------------------------


def test_pseudonyms_are_stable_per_purpose_and_differ_across_purposes() -> None:
    k1 = logic.export_key("secret", "evaluering")
    k2 = logic.export_key("secret", "forskning")
    assert logic.pseudonym(k1, "abc") == logic.pseudonym(k1, "abc")
    assert logic.pseudonym(k1, "abc") != logic.pseudonym(k2, "abc")
    assert logic.pseudonym(k1, "abc") != logic.pseudonym(k1, "abd")
    assert logic.pseudonym(logic.export_key("other", "evaluering"), "abc") != logic.pseudonym(
        k1, "abc"
    )


def test_date_shift_is_stable_bounded_and_never_zero() -> None:
    key = logic.export_key("secret", "evaluering")
    shifts = {logic.date_shift_days(key, str(i)) for i in range(500)}
    assert 0 not in shifts
    assert min(shifts) >= -90 and max(shifts) <= 90
    assert len(shifts) > 50
    assert logic.date_shift_days(key, "x") == logic.date_shift_days(key, "x")


def test_dates_are_coarsened() -> None:
    d = date(2025, 5, 17)
    assert logic.coarsen_date(d, "month") == "2025-05"
    assert logic.coarsen_date(d, "quarter") == "2025-Q2"
    assert logic.coarsen_date(d, "shift", 10) == "2025-05-27"
    with pytest.raises(ValueError):
        logic.coarsen_date(d, "year")
