"""The scoring, suppression and rules of relational coordination, against hand-worked figures and
as properties (``helhed.coordination.logic`` is plain Python: no database)."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helhed.coordination import logic
from helhed.coordination.logic import HELHED_V1, Stat, TieFact

# --------------------------------------------------------------------------------------------
# The hand-worked example (docs/coordination.md, "Scoring")
# --------------------------------------------------------------------------------------------
#
# Helhed's instrument: codes 1-5 score 1-5, except the frequency item ("hyppig") where
# 1 "Slet ikke nok" → 1, 2 "Ikke nok" → 3, 3 "Tilpas" → 5, 4 "For ofte" → 4, 5 "Alt for ofte" → 2.
#
# Jobcenter respondents about psychiatry:
#   r1: hyppig 4 (→4), rettidig 2, forstaaelig 3, problemloesning na, faelles_maal 3,
#       delt_viden 2, respekt 4          → 6 answered, (4+2+3+3+2+4)/6 = 18/6 = 3.0
#   r2: hyppig 1 (→1), rettidig 3, forstaaelig na, problemloesning na, faelles_maal 4,
#       delt_viden 3, respekt 5          → 5 answered, (1+3+4+3+5)/5 = 16/5 = 3.2
#   r3: hyppig 3 (→5), rettidig 5, three na, delt_viden 5, respekt 5
#                                        → 4 answered < 5: does not count
# Tie jobcenter → psychiatry = (3.0 + 3.2)/2 = 3.1 on n = 2 (sd = √0.02).
# r1 also rates the coordinators all 4 (→ 4.0; hyppig 4 → 4); r3 rates them all 5 with hyppig 3
# (→ 5.0). A psychiatry respondent p1 rates the jobcenter 2 everywhere with hyppig 5 (→ 2): 2.0,
# and their own group 4 everywhere: 4.0.
# Given by jobcenter: r1 (3.0+4.0)/2 = 3.5, r2 3.2, r3 5.0 → 11.7/3 = 3.9.
# Between-group RC: (3.5 + 3.2 + 5.0 + 2.0)/4 = 3.425. Within-group RC: 4.0 (p1).

R1 = {
    "hyppig": "4",
    "rettidig": "2",
    "forstaaelig": "3",
    "problemloesning": "na",
    "faelles_maal": "3",
    "delt_viden": "2",
    "respekt": "4",
}
R2 = {
    "hyppig": "1",
    "rettidig": "3",
    "forstaaelig": "na",
    "problemloesning": "na",
    "faelles_maal": "4",
    "delt_viden": "3",
    "respekt": "5",
}
R3 = {
    "hyppig": "3",
    "rettidig": "5",
    "forstaaelig": "na",
    "problemloesning": "na",
    "faelles_maal": "na",
    "delt_viden": "5",
    "respekt": "5",
}


def all_(code: str, **extra: str) -> dict[str, str]:
    return {**{k: code for k in HELHED_V1.item_keys}, **extra}


def test_recoding_of_the_frequency_item_scores_just_right_best() -> None:
    item = HELHED_V1.item("hyppig")
    assert item is not None
    assert [item.score_of(c) for c in "12345"] == [1, 3, 5, 4, 2]
    assert item.score_of("na") is None
    with pytest.raises(KeyError):
        item.score_of("6")
    # every other item: code = score
    for key in HELHED_V1.item_keys[1:]:
        other = HELHED_V1.item(key)
        assert other is not None
        assert [other.score_of(c) for c in "12345"] == [1, 2, 3, 4, 5]


def test_a_respondent_tie_with_recoding_and_not_relevant() -> None:
    r1 = logic.score_tie(HELHED_V1, R1)
    assert r1.answered == 6
    assert r1.mean == pytest.approx(3.0)
    assert r1.scores["hyppig"] == 4
    assert r1.dimensions == {
        "frequent": 4,
        "timely": 2,
        "accurate": 3,
        "shared_goals": 3,
        "shared_knowledge": 2,
        "mutual_respect": 4,
    }
    r2 = logic.score_tie(HELHED_V1, R2)
    assert (r2.answered, r2.mean) == (5, pytest.approx(3.2))


def test_five_of_seven_rule_excludes_the_whole_tie() -> None:
    r3 = logic.score_tie(HELHED_V1, R3)
    assert r3.answered == 4
    assert r3.mean is None
    assert r3.dimensions == {}  # not in the dimensions either
    assert logic.score_tie(HELHED_V1, {**R3, "faelles_maal": "1"}).mean == pytest.approx(
        (5 + 5 + 1 + 5 + 5) / 5
    )


def _example() -> logic.Aggregates:
    score = lambda answers: logic.score_tie(HELHED_V1, answers)  # noqa: E731
    facts = []
    for response, source, target, answers in [
        ("r1", "job", "psyk", R1),
        ("r1", "job", "koord", all_("4")),
        ("r2", "job", "psyk", R2),
        ("r3", "job", "psyk", R3),
        ("r3", "job", "koord", all_("5", hyppig="3")),
        ("p1", "psyk", "job", all_("2", hyppig="5")),
        ("p1", "psyk", "psyk", all_("4")),
    ]:
        s = score(answers)
        facts.append(TieFact(response, source, target, s.mean, s.dimensions))
    return logic.aggregate(facts)


def test_hand_worked_aggregates() -> None:
    agg = _example()
    tie = agg.ties[("job", "psyk")]
    assert tie.n == 2
    assert tie.mean == pytest.approx(3.1)
    assert tie.sd == pytest.approx(math.sqrt(0.02))
    assert agg.tie_dims[("job", "psyk", "frequent")].mean == pytest.approx((4 + 1) / 2)
    assert agg.tie_dims[("job", "psyk", "accurate")] == Stat(1, 3.0, 0.0)
    assert ("job", "psyk", "problem_solving") not in agg.tie_dims  # nobody answered it
    assert agg.ties[("job", "koord")].mean == pytest.approx(4.5)
    assert agg.given["job"].mean == pytest.approx((3.5 + 3.2 + 5.0) / 3)
    assert agg.given["job"].n == 3
    assert agg.received["psyk"].mean == pytest.approx(3.1)
    assert agg.received["koord"].mean == pytest.approx(4.5)
    assert agg.between is not None and agg.between.mean == pytest.approx(3.425)
    assert agg.between.n == 4
    assert agg.within is not None and agg.within == Stat(1, 4.0, 0.0)
    assert agg.ties[("psyk", "psyk")].mean == pytest.approx(4.0)
    assert agg.respondents == {"job": 3, "psyk": 1}


def test_subscores_are_per_respondent_means_of_their_dimensions() -> None:
    agg = _example()
    # r1's between-group dimension means: frequent (4+4)/2 = 4, timely (2+4)/2 = 3, accurate
    # (3+4)/2 = 3.5, problem solving 4 (only the coordinators) → communication (4+3+3.5+4)/4
    assert agg.communication is not None
    r1 = (4 + 3 + 3.5 + 4) / 4
    r2 = (1 + 3) / 2  # frequent 1, timely 3 (accurate and problem solving not relevant)
    r3 = (5 + 5 + 5 + 5) / 4  # only the coordinators count (psychiatry tie excluded)
    p1 = (2 + 2 + 2 + 2) / 4
    assert agg.communication.mean == pytest.approx((r1 + r2 + r3 + p1) / 4)


# --------------------------------------------------------------------------------------------
# Suppression
# --------------------------------------------------------------------------------------------


def test_secondary_suppression_in_a_small_network() -> None:
    sources = targets = ["a", "b", "c"]
    bases = {
        ("tie", "a", "b"): 3,
        ("tie", "a", "c"): 6,
        ("tie", "b", "a"): 7,
        ("tie", "b", "c"): 8,
        ("tie", "c", "a"): 9,
        ("tie", "c", "b"): 5,
        ("given", "a"): 7,
        ("given", "b"): 9,
        ("given", "c"): 9,
        ("received", "a"): 12,
        ("received", "b"): 8,
        ("received", "c"): 10,
        ("between",): 25,
    }
    hidden = logic.suppress(bases, logic.matrix_lines(sources, targets), 5)
    assert hidden[("tie", "a", "b")] == logic.PRIMARY
    # a→b alone in its row and column: a→c (row) and c→b (column) go, and then their column and
    # row need a partner too — in a 3×3 network one small cell hides every tie.
    assert {k for k, v in hidden.items() if v == logic.SECONDARY} == {
        ("tie", "a", "c"),
        ("tie", "c", "b"),
        ("tie", "b", "c"),
        ("tie", "b", "a"),
        ("tie", "c", "a"),
    }
    assert ("given", "a") not in hidden and ("between",) not in hidden


def test_threshold_is_never_below_three() -> None:
    bases = {("tie", "a", "b"): 2, ("tie", "a", "c"): 2, ("given", "a"): 2}
    hidden = logic.suppress(bases, [], 1)
    assert set(hidden) == set(bases)
    assert logic.effective_threshold(0) == 3 and logic.effective_threshold(7) == 7


@st.composite
def matrices(draw: st.DrawFn) -> tuple[list[str], dict[tuple[object, ...], int], int]:
    groups = [f"g{i}" for i in range(draw(st.integers(2, 5)))]
    bases: dict[tuple[object, ...], int] = {}
    for a in groups:
        for b in groups:
            bases[("tie", a, b)] = draw(st.integers(0, 12))
    for a in groups:
        row = [bases[("tie", a, b)] for b in groups if b != a]
        bases[("given", a)] = max(row) if max(row) > 0 else 0
    for b in groups:
        col = [bases[("tie", a, b)] for a in groups if a != b]
        bases[("received", b)] = sum(col)
    bases[("within",)] = sum(bases[("tie", a, a)] for a in groups)
    bases[("between",)] = sum(bases[("given", a)] for a in groups)
    return groups, bases, draw(st.integers(3, 7))


@settings(max_examples=300, deadline=None)
@given(matrices())
def test_no_small_cell_shown_and_no_line_with_a_single_hidden_cell(
    case: tuple[list[str], dict[tuple[object, ...], int], int],
) -> None:
    groups, bases, k = case
    lines = logic.matrix_lines(groups, groups)
    hidden = logic.suppress(bases, lines, k)
    for key, n in bases.items():
        if 0 < n < k:
            assert key in hidden, key
    for members, total in lines:
        elements = [m for m in members if bases.get(m, 0) > 0]
        if bases.get(total, 0) > 0:
            elements.append(total)
        assert sum(1 for e in elements if e in hidden) != 1, (members, total, hidden)
    # deterministic
    assert logic.suppress(bases, lines, k) == hidden


@st.composite
def tie_facts(draw: st.DrawFn) -> list[TieFact]:
    groups = ["a", "b", "c", "d"]
    facts = []
    for r in range(draw(st.integers(0, 25))):
        source = draw(st.sampled_from(groups))
        for target in draw(st.sets(st.sampled_from(groups), min_size=1, max_size=4)):
            dims = {d: float(draw(st.integers(1, 5))) for d in logic.DIMENSIONS}
            mean = sum(dims.values()) / len(dims)
            facts.append(TieFact(r, source, target, mean, dims))
    return facts


@settings(max_examples=120, deadline=None)
@given(tie_facts(), st.integers(3, 7))
def test_suppressed_results_never_hold_a_value_under_the_threshold(
    facts: list[TieFact], k: int
) -> None:
    agg = logic.aggregate(facts)
    groups = ["a", "b", "c", "d"]
    cells = logic.suppressed_results(agg, groups, groups, k)
    for cell in cells.values():
        if cell.stat is not None:
            assert cell.stat.n >= k
        else:
            assert cell.hidden in (logic.PRIMARY, logic.SECONDARY)
    for (a, b), s in agg.ties.items():
        if s.n < k:
            assert cells[("tie", a, b)].stat is None


# --------------------------------------------------------------------------------------------
# Bands, change, correlation
# --------------------------------------------------------------------------------------------


def test_bands_are_a_convention_with_defaults() -> None:
    assert [logic.band(x) for x in (1.0, 3.49, 3.5, 3.99, 4.0, 5.0)] == [
        "weak",
        "weak",
        "moderate",
        "moderate",
        "strong",
        "strong",
    ]
    assert logic.band(3.6, logic.Bands(3.7, 4.2)) == "weak"
    assert not logic.Bands(4.5, 4.0).valid()


def test_change_with_welch_interval() -> None:
    before, after = Stat(10, 3.0, 0.5), Stat(12, 3.6, 0.6)
    ch = logic.change(before, after)
    assert ch is not None
    se = math.sqrt(0.25 / 10 + 0.36 / 12)
    df = (0.25 / 10 + 0.36 / 12) ** 2 / ((0.25 / 10) ** 2 / 9 + (0.36 / 12) ** 2 / 11)
    assert ch.diff == pytest.approx(0.6)
    assert ch.high - ch.diff == pytest.approx(logic.t975(df) * se)
    assert ch.clear
    small = logic.change(Stat(5, 3.0, 0.9), Stat(5, 3.3, 0.9))
    assert small is not None and not small.clear
    assert logic.change(Stat(1, 3.0, 0.0), after) is None


def test_t_quantiles() -> None:
    assert logic.t975(10) == pytest.approx(2.228)
    assert logic.t975(1e9) == pytest.approx(1.96, abs=1e-3)
    assert logic.t975(float("inf")) == 1.96
    values = [logic.t975(df) for df in (1, 2, 5, 12.5, 30, 45, 100, 500)]
    assert all(a > b for a, b in pairwise(values))


def test_spearman() -> None:
    assert logic.spearman([(1, 10), (2, 20), (3, 30), (4, 40), (5, 50)]) == pytest.approx(1.0)
    assert logic.spearman([(1, 5), (2, 4), (3, 3), (4, 2), (5, 1)]) == pytest.approx(-1.0)
    assert logic.spearman([(1, 1), (2, 2)]) is None
    assert logic.spearman([(1, 1)] * 6) is None


# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------


def codes(problems: list[logic.Problem]) -> set[tuple[str, str, str]]:
    return {(p.code, p.group, p.item) for p in problems}


def test_check_answers() -> None:
    kw = {"own": "job", "allowed": {"psyk", "koord"}}
    assert (
        logic.check_answers(HELHED_V1, others={"psyk": all_("3")}, within=None, complete=True, **kw)
        == []
    )
    assert ("own_as_other", "job", "") in codes(
        logic.check_answers(HELHED_V1, others={"job": all_("3")}, within=None, complete=True, **kw)
    )
    assert ("unknown_group", "sundhed", "") in codes(
        logic.check_answers(
            HELHED_V1, others={"sundhed": all_("3")}, within=None, complete=True, **kw
        )
    )
    bad = logic.check_answers(
        HELHED_V1,
        others={"psyk": all_("3", rettidig="9", respekt="0", hyppig=True)},  # type: ignore[arg-type]
        within={"x": "1"},
        complete=True,
        **kw,
    )
    assert {
        ("invalid_value", "psyk", "rettidig"),
        ("invalid_value", "psyk", "respekt"),
        ("invalid_value", "psyk", "hyppig"),
        ("unknown_item", "job", "x"),
        ("missing", "job", "hyppig"),
    } <= codes(bad)
    partial = {"psyk": {"rettidig": "2"}}
    assert logic.check_answers(HELHED_V1, others=partial, within=None, complete=False, **kw) == []
    assert ("missing", "psyk", "hyppig") in codes(
        logic.check_answers(HELHED_V1, others=partial, within=None, complete=True, **kw)
    )
    assert codes(logic.check_answers(HELHED_V1, others={}, within=None, complete=True, **kw)) == {
        ("nothing", "", "")
    }


# --------------------------------------------------------------------------------------------
# Instruments
# --------------------------------------------------------------------------------------------


def test_helhed_instrument_round_trips_and_covers_seven_dimensions() -> None:
    again = logic.parse_instrument(HELHED_V1.as_data())
    assert again == HELHED_V1
    assert again.dimensions == logic.DIMENSIONS
    assert again.min_items == 5


def test_a_licensed_short_form_with_its_own_recoding() -> None:
    data = {
        "key": "rc-kort",
        "version": 2,
        "name": {"da": "Kort form", "en": "Short form"},
        "items": [
            {
                "key": f"i{n}",
                "dimension": dim,
                "text": "Spørgsmål om {gruppe}",
                "options": [
                    {"code": c, "score": s, "label": c}
                    for c, s in zip("abcde", scores, strict=True)
                ],
            }
            for n, (dim, scores) in enumerate(
                [
                    ("frequent", [1, 3, 5, 4, 2]),
                    ("timely", [5, 4, 3, 2, 1]),
                    ("shared_goals", [1, 2, 3, 4, 5]),
                    ("mutual_respect", [1, 2, 3, 4, 5]),
                ]
            )
        ],
    }
    inst = logic.parse_instrument(data)
    assert inst.min_items == 3  # 5/7 of 4, rounded up
    assert inst.dimensions == ("frequent", "timely", "shared_goals", "mutual_respect")
    tie = logic.score_tie(inst, {"i0": "c", "i1": "a", "i2": "na", "i3": "b"})
    assert (tie.answered, tie.mean) == (3, pytest.approx((5 + 5 + 2) / 3))


def test_a_broken_instrument_lists_every_problem() -> None:
    with pytest.raises(logic.InstrumentError) as caught:
        logic.parse_instrument(
            {
                "key": "Bad Key",
                "version": 0,
                "name": {"en": "no danish"},
                "min_items": 9,
                "items": [
                    {"key": "a", "dimension": "speed", "text": "x", "options": []},
                    {
                        "key": "a",
                        "dimension": "timely",
                        "text": "y",
                        "options": [
                            {"code": "na", "score": 1, "label": "x"},
                            {"code": "1", "score": 7, "label": "x"},
                        ],
                    },
                ],
            }
        )
    text = "\n".join(caught.value.problems)
    for fragment in ("key:", "version:", "name:", "dimension", "findes to gange", "»na«", "score"):
        assert fragment in text
    assert "min_items" in text


# --------------------------------------------------------------------------------------------
# Structure and rules
# --------------------------------------------------------------------------------------------


def test_structural_counts_and_boundary_spanners() -> None:
    course_groups = {
        1: {"job", "psyk", "koord"},
        2: {"job", "koord"},
        3: {"psyk", "bolig", "koord"},
    }
    assert logic.shared_courses(course_groups) == {
        ("job", "koord"): 2,
        ("job", "psyk"): 1,
        ("koord", "psyk"): 2,
        ("bolig", "koord"): 1,
        ("bolig", "psyk"): 1,
    }
    assert logic.group_courses(course_groups)["koord"] == 3
    spanners = logic.boundary_spanners(
        {"karen": {1, 2, 3}, "jens": {2}}, {"karen": "koord", "jens": "job"}, course_groups
    )
    assert [(s.person, s.reached, s.courses) for s in spanners] == [
        ("karen", ("bolig", "job", "psyk"), 3)
    ]
    ties = logic.handover_ties([("job", "psyk", 10.0), ("job", "psyk", None), ("job", "job", 1.0)])
    assert ties[("job", "psyk")].n == 2 and ties[("job", "psyk")].acknowledged == 1
    assert ("job", "job") not in ties


def test_tie_figures_per_pair() -> None:
    figures = {1: {"days": 10}, 2: {"days": 20}, 3: {"days": None}}
    out = logic.tie_figures({1: {"a", "b"}, 2: {"a", "b", "c"}, 3: {"a", "b"}}, figures, ["days"])
    assert out[("a", "b")]["days"].n == 2 and out[("a", "b")]["days"].mean == 15
    assert out[("a", "c")]["days"].n == 1


@pytest.mark.parametrize(
    ("role", "unit", "area", "org_type", "expected"),
    [
        ("Koordinator", "Koordinerende Team", None, "kommune", "koordinator"),
        ("Sagsbehandler, Jobcentret", "Jobcenter", "beskaeftigelse", "kommune", "jobcenter"),
        ("Psykiatrisk sygeplejerske, Psykiatrien Vest", "", "psykiatri", "region", "psykiatri"),
        ("Sundhedsplejerske", "Sundhed og Forebyggelse", "kommunalt-sundhed", "kommune", "sundhed"),
        ("Skolepsykolog", "PPR og Skole", "skole", "kommune", "ppr-skole"),
        (
            "Frivilligkoordinator",
            "Netværksgruppen",
            "kultur-fritid",
            "civilsamfund",
            "civilsamfund",
        ),
        ("Jobkonsulent", "Mentorteam", "beskaeftigelse", "privat", "privat"),
        (
            "Socialrådgiver",
            "Børn og Familie",
            "specialiseret-boern-unge",
            "kommune",
            "boern-familie",
        ),
        (
            "Bostøtte",
            "Socialpsykiatri og Handicap",
            "specialiseret-voksen",
            "kommune",
            "voksensocial",
        ),
        ("Misbrugsbehandler", "Rusmiddelcenter", "specialiseret-voksen", "kommune", "rusmiddel"),
        ("Tilsynsførende, Kriminalforsorgen", "", "kriminalitet", "stat", "kriminalforsorg"),
        ("Gadeplansmedarbejder", "Boligsocialt Team", "boligsocial", "kommune", "boligsocial"),
        ("UU-vejleder", "Ungeenheden", "uddannelse", "kommune", "ungeindsats"),
        ("Kontaktperson", "Afdeling 7", None, "kommune", None),
    ],
)
def test_classification_rules(
    role: str, unit: str, area: str | None, org_type: str, expected: str | None
) -> None:
    assert logic.classify(role, unit, area, org_type) == expected


def test_a_rule_naming_a_removed_workgroup_does_not_count() -> None:
    assert logic.classify("Misbrugsbehandler", known={"jobcenter"}) is None
    assert logic.signature(" Mentor  ", "o", None, "x") == logic.signature("mentor", "o", "", "x")
    assert logic.majority({"a": 2, "b": 2, "c": 1}, {"b": 1, "a": 2}) == "b"
