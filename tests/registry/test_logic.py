"""Tests for VIVE's categorisation, the four conditions and the fagområder (registry.logic).

The category grid is tested exhaustively: hypothesis builds arbitrary valid actor lists for each
actor axis and arbitrary funding histories for each financing axis, and every one of the 3 x 3
combinations must land in the cell of Tabel 2.3 (003:L602-607).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helhed.registry import logic
from helhed.registry.logic import (
    Actor,
    ActorAxis,
    ActorRole,
    FinancingAxis,
    FundingSource,
    OrgType,
)

KOMMUNE = OrgType.KOMMUNE
NON_KOMMUNE = [t for t in OrgType if t is not OrgType.KOMMUNE]
PRIMARY, PARTICIPATING, CONTEXT = ActorRole.PRIMARY, ActorRole.PARTICIPATING, ActorRole.CONTEXT

# Tabel 2.3 as printed in the report: rows intern/kombineret/ekstern, columns A/B/C.
TABEL_2_3 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
ROWS = [FinancingAxis.INTERN, FinancingAxis.KOMBINERET, FinancingAxis.EKSTERN]
COLUMNS = [ActorAxis.A, ActorAxis.B, ActorAxis.C]

AS_OF = date(2025, 1, 1)


def kommune(name: str = "Holbæk Kommune", role: ActorRole = PRIMARY) -> Actor:
    return Actor(name, KOMMUNE, role)


def source(
    funder: str,
    inside: bool,
    start: date | None = date(2020, 1, 1),
    end: date | None = None,
    org_type: OrgType = OrgType.STAT,
    amount: Decimal | None = None,
) -> FundingSource:
    return FundingSource(funder, org_type, inside, amount, start, end)


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------


@st.composite
def context_actors(draw: st.DrawFn, prefix: str) -> list[Actor]:
    types = draw(st.lists(st.sampled_from(list(OrgType)), max_size=3))
    return [Actor(f"{prefix} kontekst {i}", t, CONTEXT) for i, t in enumerate(types)]


@st.composite
def actors_for(draw: st.DrawFn, axis: ActorAxis) -> list[Actor]:
    """A valid actor list whose actor axis is ``axis`` by VIVE's definitions."""
    extra = draw(context_actors("x"))
    if axis is ActorAxis.A:
        actors = [kommune(), *extra]
    elif axis is ActorAxis.B:
        kommune_role = draw(st.sampled_from([PRIMARY, PARTICIPATING]))
        others = draw(
            st.lists(
                st.tuples(st.sampled_from(NON_KOMMUNE), st.sampled_from([PRIMARY, PARTICIPATING])),
                min_size=1,
                max_size=3,
            )
        )
        actors = [kommune(role=kommune_role)]
        actors += [Actor(f"Anden aktør {i}", t, r) for i, (t, r) in enumerate(others)]
        if not any(a.role is PRIMARY for a in actors):
            actors[1] = Actor(actors[1].name, actors[1].org_type, PRIMARY)
        more_kommuner = draw(st.integers(min_value=0, max_value=2))
        actors += [kommune(f"Kommune {i}", PARTICIPATING) for i in range(more_kommuner)]
        actors += extra
    else:
        others = draw(
            st.lists(
                st.tuples(st.sampled_from(NON_KOMMUNE), st.sampled_from([PRIMARY, PARTICIPATING])),
                min_size=1,
                max_size=4,
            )
        )
        actors = [Actor(f"Anden aktør {i}", t, r) for i, (t, r) in enumerate(others)]
        if not any(a.role is PRIMARY for a in actors):
            actors[0] = Actor(actors[0].name, actors[0].org_type, PRIMARY)
        # A kommune may be context (Café Exit, Social Drive Out), never an actor.
        if draw(st.booleans()):
            actors.append(kommune("Kontekstkommune", CONTEXT))
        actors += [a for a in extra if a.org_type is not KOMMUNE]
    return draw(st.permutations(actors))


@st.composite
def funding_for(draw: st.DrawFn, axis: FinancingAxis, as_of: date) -> list[FundingSource]:
    """Funding whose *active* sources on ``as_of`` give ``axis``, plus inactive noise."""
    n_inside = {
        FinancingAxis.INTERN: draw(st.integers(1, 3)),
        FinancingAxis.KOMBINERET: draw(st.integers(1, 3)),
        FinancingAxis.EKSTERN: 0,
    }[axis]
    n_outside = {
        FinancingAxis.INTERN: 0,
        FinancingAxis.KOMBINERET: draw(st.integers(1, 3)),
        FinancingAxis.EKSTERN: draw(st.integers(1, 3)),
    }[axis]

    def active(label: str, inside: bool) -> FundingSource:
        start = as_of - timedelta(days=draw(st.integers(0, 3000)))
        end = draw(st.one_of(st.none(), st.integers(0, 3000).map(lambda d: as_of + timedelta(d))))
        amount = draw(st.one_of(st.none(), st.integers(0, 10**8).map(Decimal)))
        return FundingSource(
            label, draw(st.sampled_from(list(OrgType))), inside, amount, start, end
        )

    def inactive(label: str) -> FundingSource:
        if draw(st.booleans()):  # ended before as_of
            end = as_of - timedelta(days=draw(st.integers(1, 2000)))
            start = end - timedelta(days=draw(st.integers(0, 2000)))
            return source(label, draw(st.booleans()), start, end)
        start = as_of + timedelta(days=draw(st.integers(1, 2000)))  # starts after as_of
        return source(label, draw(st.booleans()), start, None)

    sources = [active(f"intern {i}", True) for i in range(n_inside)]
    sources += [active(f"ekstern {i}", False) for i in range(n_outside)]
    sources += [inactive(f"inaktiv {i}") for i in range(draw(st.integers(0, 3)))]
    return draw(st.permutations(sources))


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


# ---------------------------------------------------------------------------------------------
# The 3 x 3 grid
# ---------------------------------------------------------------------------------------------


def test_grid_is_tabel_2_3() -> None:
    for r, financing in enumerate(ROWS):
        for c, actor_axis in enumerate(COLUMNS):
            assert logic.category_for(actor_axis, financing) == TABEL_2_3[r][c]
    assert sorted(logic.CATEGORY_GRID.values()) == list(range(1, 10))


@pytest.mark.parametrize("category", range(1, 10))
def test_axes_for_category_inverts_the_grid(category: int) -> None:
    assert logic.category_for(*logic.axes_for_category(category)) == category


@pytest.mark.parametrize("bad", [0, 10, -1])
def test_axes_for_category_rejects_non_categories(bad: int) -> None:
    with pytest.raises(ValueError, match="1-9"):
        logic.axes_for_category(bad)


@pytest.mark.parametrize("actor_axis", COLUMNS)
@pytest.mark.parametrize("financing_axis", ROWS)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), as_of=dates)
def test_every_cell_of_the_grid(
    actor_axis: ActorAxis, financing_axis: FinancingAxis, data: st.DataObject, as_of: date
) -> None:
    actors = data.draw(actors_for(actor_axis))
    funding = data.draw(funding_for(financing_axis, as_of))
    result = logic.categorize(actors, funding, as_of)
    expected = TABEL_2_3[ROWS.index(financing_axis)][COLUMNS.index(actor_axis)]
    assert (result.actor_axis, result.financing_axis) == (actor_axis, financing_axis)
    assert result.category == expected
    assert result.explanation.startswith(f"Kategori {expected} pr. {as_of:%d.%m.%Y}.")
    assert all(s.is_active(as_of) for s in result.active_sources)
    assert {s.funder for s in result.active_sources} == {
        s.funder for s in funding if s.is_active(as_of)
    }


@settings(max_examples=200, deadline=None)
@given(actor_axis=st.sampled_from(COLUMNS), data=st.data())
def test_actor_axis_ignores_context_actors(actor_axis: ActorAxis, data: st.DataObject) -> None:
    """Adding or removing context actors never changes the actor axis (003:L581)."""
    actors = data.draw(actors_for(actor_axis))
    without_context = [a for a in actors if a.role is not CONTEXT]
    assert logic.determine_actor_axis(actors) is actor_axis
    assert logic.determine_actor_axis(without_context) is actor_axis


# ---------------------------------------------------------------------------------------------
# Edge decisions on the actor axis
# ---------------------------------------------------------------------------------------------


def test_kommune_alone_is_a() -> None:
    assert logic.determine_actor_axis([kommune()]) is ActorAxis.A


def test_kommune_with_context_partners_is_still_a() -> None:
    actors = [
        kommune(),
        Actor("DSI", OrgType.STAT, CONTEXT),
        Actor("Region", OrgType.REGION, CONTEXT),
    ]
    assert logic.determine_actor_axis(actors) is ActorAxis.A


def test_participating_kommune_is_b_not_c() -> None:
    """'Sammen om Solsiden': civil society leads, the kommune is a partner -> VIVE's 8 (B)."""
    actors = [
        Actor("De Frivilliges Hus i Aalborg", OrgType.CIVILSAMFUND, PRIMARY),
        kommune("Aalborg Kommune", PARTICIPATING),
    ]
    assert logic.determine_actor_axis(actors) is ActorAxis.B


def test_kommune_as_context_only_is_c() -> None:
    actors = [
        Actor("Café Exit", OrgType.CIVILSAMFUND, PRIMARY),
        kommune("Københavns Kommune", CONTEXT),
    ]
    assert logic.determine_actor_axis(actors) is ActorAxis.C


def test_lead_kommune_with_participating_kommune_is_b_with_warning() -> None:
    actors = [kommune("Lolland Kommune"), kommune("Guldborgsund Kommune", PARTICIPATING)]
    issues = logic.validate_actors(actors)
    assert [(i.code, i.severity) for i in issues] == [("municipalities_only", "warning")]
    assert logic.determine_actor_axis(actors) is ActorAxis.B


# ---------------------------------------------------------------------------------------------
# Financing over time
# ---------------------------------------------------------------------------------------------


def test_category_follows_funding_over_time_like_kit() -> None:
    """KIT: state pool 2018-2021, region from 2021, kommuner throughout (003:L1062)."""
    actors = [
        Actor("Region Hovedstaden", OrgType.REGION, PRIMARY),
        Actor("Kommunerne", KOMMUNE, PRIMARY),
    ]
    funding = [
        source("Satspuljen", False, date(2018, 1, 1), date(2021, 12, 31)),
        source("Region Hovedstaden", True, date(2021, 1, 1), org_type=OrgType.REGION),
        source("Kommunerne", True, date(2018, 1, 1), org_type=KOMMUNE),
    ]
    assert logic.categorize(actors, funding, date(2017, 12, 31)).category is None
    assert logic.categorize(actors, funding, date(2019, 6, 1)).category == 5
    assert logic.categorize(actors, funding, date(2021, 12, 31)).category == 5
    assert logic.categorize(actors, funding, date(2022, 1, 1)).category == 2


def test_project_then_drift_like_en_fremstrakt_haand() -> None:
    actors = [kommune("Svendborg Kommune")]
    funding = [
        source("Sammen på sporet", False, date(2020, 1, 1), date(2022, 12, 31)),
        source("Svendborg Kommune", True, date(2023, 1, 1), date(2026, 12, 31), org_type=KOMMUNE),
    ]
    assert logic.categorize(actors, funding, date(2021, 7, 1)).category == 7
    assert logic.categorize(actors, funding, date(2024, 1, 1)).category == 1
    after = logic.categorize(actors, funding, date(2027, 1, 1))
    assert after.category is None
    assert after.actor_axis is ActorAxis.A
    assert "ingen finansieringskilde er aktiv pr. 01.01.2027" in after.explanation


@settings(max_examples=300, deadline=None)
@given(
    start=dates,
    length=st.integers(0, 3000),
    probe=st.integers(-400, 3400),
    inside=st.booleans(),
)
def test_single_source_period_is_inclusive(
    start: date, length: int, probe: int, inside: bool
) -> None:
    end = start + timedelta(days=length)
    as_of = start + timedelta(days=probe)
    result = logic.categorize([kommune()], [source("Kilde", inside, start, end)], as_of)
    if start <= as_of <= end:
        assert result.category == (1 if inside else 7)
    else:
        assert result.category is None
        assert result.financing_axis is None


@settings(max_examples=200, deadline=None)
@given(data=st.data(), as_of=dates, later=st.integers(1, 5000))
def test_sources_starting_later_do_not_count_yet(
    data: st.DataObject, as_of: date, later: int
) -> None:
    actors = data.draw(actors_for(ActorAxis.C))
    funding = data.draw(funding_for(FinancingAxis.INTERN, as_of))
    future = source("Fremtidig fond", False, as_of + timedelta(days=later))
    assert logic.categorize(actors, [*funding, future], as_of).category == 3
    later_date = as_of + timedelta(days=later)
    still_inside = any(s.inside and s.is_active(later_date) for s in funding)
    expected = 6 if still_inside else 9  # the fund joins; internal money may have ended
    assert logic.categorize(actors, [*funding, future], later_date).category == expected


def test_several_inside_funders_are_still_intern() -> None:
    """Several funders inside the intervention make intern (003:L592, KIT)."""
    actors = [Actor("Region", OrgType.REGION, PRIMARY), kommune(role=PARTICIPATING)]
    funding = [source("Region", True), source("Holbæk Kommune", True, org_type=KOMMUNE)]
    assert logic.categorize(actors, funding, AS_OF).financing_axis is FinancingAxis.INTERN


def test_no_funding_at_all_gives_no_category() -> None:
    result = logic.categorize([kommune()], [], AS_OF)
    assert result.category is None
    assert "ikke angivet nogen finansieringskilder" in result.explanation


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def codes(issues: list[logic.ValidationIssue]) -> list[str]:
    return [i.code for i in issues]


def test_no_actors() -> None:
    assert codes(logic.validate_actors([])) == ["no_actors"]


def test_no_primary_actor() -> None:
    actors = [kommune(role=PARTICIPATING), Actor("Region", OrgType.REGION, PARTICIPATING)]
    issues = logic.validate_actors(actors)
    assert codes(issues) == ["no_primary_actor"]
    assert "primær" in issues[0].message
    result = logic.categorize(actors, [source("Fond", False)], AS_OF)
    assert result.category is None
    assert result.actor_axis is None
    assert result.financing_axis is FinancingAxis.EKSTERN
    assert "Ingen aktør er angivet som primær aktør" in result.explanation


def test_only_context_actors_has_no_primary() -> None:
    assert "no_primary_actor" in codes(logic.validate_actors([kommune(role=CONTEXT)]))


def test_two_kommuner_both_primary_and_alone_is_contradictory() -> None:
    actors = [kommune("Lolland Kommune"), kommune("Guldborgsund Kommune")]
    issues = logic.validate_actors(actors)
    assert codes(issues) == ["several_primary_municipalities"]
    assert "'Lolland Kommune', 'Guldborgsund Kommune'" in issues[0].message
    assert logic.categorize(actors, [source("K", True)], AS_OF).category is None


def test_two_primary_kommuner_with_a_region_is_fine() -> None:
    actors = [kommune("A Kommune"), kommune("B Kommune"), Actor("Region", OrgType.REGION, PRIMARY)]
    assert logic.validate_actors(actors) == []
    assert logic.determine_actor_axis(actors) is ActorAxis.B


def test_duplicate_and_contradictory_actors() -> None:
    dup = logic.validate_actors([kommune(), kommune()])
    assert codes(dup) == ["duplicate_actor"]
    contra = logic.validate_actors([kommune(), Actor(" holbæk  kommune", OrgType.REGION, PRIMARY)])
    assert codes(contra) == ["contradictory_actor"]
    assert "modstridende" in contra[0].message


def test_blank_name_and_invalid_values() -> None:
    assert "blank_actor_name" in codes(logic.validate_actors([Actor("  ", KOMMUNE, PRIMARY)]))
    bad = Actor("X", "amt", PRIMARY)  # type: ignore[arg-type]
    assert codes(logic.validate_actors([bad])) == ["invalid_org_type"]
    bad_role = Actor("X", KOMMUNE, "leder")  # type: ignore[arg-type]
    assert codes(logic.validate_actors([bad_role])) == ["invalid_role"]


def test_funding_validation() -> None:
    issues = logic.validate_funding(
        [
            source("Fond uden start", False, start=None),
            source("Baglæns", False, date(2024, 1, 1), date(2023, 1, 1)),
            source("Negativ", True, amount=Decimal("-1")),
            source(" ", True),
        ]
    )
    assert codes(issues) == ["missing_start", "end_before_start", "negative_amount", "blank_funder"]
    assert "slutter (01.01.2023) før den begynder (01.01.2024)" in issues[1].message
    assert all(i.severity == "error" for i in issues)


def test_source_without_start_is_never_active() -> None:
    assert not source("X", True, start=None).is_active(AS_OF)


def test_funding_cross_checked_against_actors() -> None:
    actors = [kommune(), Actor("DSI", OrgType.STAT, CONTEXT)]
    issues = logic.validate_funding(
        [source("DSI", True), source("Holbæk Kommune", False, org_type=KOMMUNE)], actors
    )
    assert codes(issues) == ["inside_funder_is_context", "outside_funder_is_actor"]
    assert {i.severity for i in issues} == {"warning"}


def test_valid_input_has_no_issues() -> None:
    actors = [kommune(), Actor("DSI", OrgType.STAT, CONTEXT)]
    funding = [source("DSI", False), source("Holbæk Kommune", True, org_type=KOMMUNE)]
    result = logic.categorize(actors, funding, AS_OF)
    assert result.issues == ()
    assert result.category == 4


# ---------------------------------------------------------------------------------------------
# The four conditions
# ---------------------------------------------------------------------------------------------


def test_den_groenne_trepart_fails_condition_one_only() -> None:
    """Boks 2.2 (003:L358-360): public actors, several areas, a ministry coordinating."""
    results = logic.check_conditions(
        welfare_area=False,
        public_actor_involved=True,
        fagomraader_count=3,
        cross_area_coordination=True,
        coordinating_function=True,
    )
    assert [(r.number, r.passed) for r in results] == [(1, False), (2, True), (3, True), (4, True)]
    verdict = logic.within_definition(results)
    assert verdict.within is False
    assert verdict.failed == (1,)
    assert verdict.unknown == ()
    assert "3 af 4" in verdict.explanation
    assert "1. Indsats rettet til borgere på velfærdsområderne" in verdict.explanation


def test_all_four_pass() -> None:
    results = logic.check_conditions(
        welfare_area=True,
        public_actor_involved=True,
        fagomraader_count=2,
        cross_area_coordination=True,
        coordinating_function=True,
    )
    verdict = logic.within_definition(results)
    assert verdict.within is True
    assert verdict.failed == verdict.unknown == ()


@pytest.mark.parametrize(
    ("count", "coordination", "expected"),
    [
        (0, True, False),
        (1, True, False),  # tværfaglig inside one area is not enough (003:L352)
        (1, None, False),
        (2, False, False),
        (2, True, True),
        (5, None, None),
        (None, True, True),
        (None, None, None),
        (None, False, False),
    ],
)
def test_condition_three(
    count: int | None, coordination: bool | None, expected: bool | None
) -> None:
    results = logic.check_conditions(
        welfare_area=True,
        public_actor_involved=True,
        fagomraader_count=count,
        cross_area_coordination=coordination,
        coordinating_function=True,
    )
    assert results[2].number == 3
    assert results[2].passed is expected


def test_negative_count_is_rejected() -> None:
    with pytest.raises(ValueError):
        logic.check_conditions(
            welfare_area=True,
            public_actor_involved=True,
            fagomraader_count=-1,
            coordinating_function=True,
        )


tri = st.sampled_from([True, False, None])


@settings(max_examples=300)
@given(c1=tri, c2=tri, c3=tri, c4=tri)
def test_verdict_names_exactly_what_fails(
    c1: bool | None, c2: bool | None, c3: bool | None, c4: bool | None
) -> None:
    results = logic.check_conditions(
        welfare_area=c1,
        public_actor_involved=c2,
        cross_area_coordination=c3,
        coordinating_function=c4,
    )
    values = [c1, c2, c3, c4]
    assert [r.passed for r in results] == values
    assert all(r.explanation and r.title for r in results)
    verdict = logic.within_definition(results)
    assert verdict.failed == tuple(i + 1 for i, v in enumerate(values) if v is False)
    assert verdict.unknown == tuple(i + 1 for i, v in enumerate(values) if v is None)
    if all(v is True for v in values):
        assert verdict.within is True
    elif False in values:
        assert verdict.within is False
        for number in verdict.failed:
            assert logic.CONDITION_TITLES[number] in verdict.explanation
    else:
        assert verdict.within is None
    # Order of the results must not matter.
    assert logic.within_definition(list(reversed(results))) == verdict


def test_within_definition_needs_all_four() -> None:
    results = logic.check_conditions(
        welfare_area=True, public_actor_involved=True, coordinating_function=True
    )
    with pytest.raises(ValueError, match="exactly once"):
        logic.within_definition(results[:3])
    with pytest.raises(ValueError, match="exactly once"):
        logic.within_definition([*results, results[0]])


def test_public_actor_counts_even_as_context() -> None:
    """Condition 2 needs only contact with a public authority (003:L326)."""
    assert logic.public_actor_involved(
        [Actor("KFUM", OrgType.CIVILSAMFUND, PRIMARY), kommune(role=CONTEXT)]
    )
    assert not logic.public_actor_involved([Actor("KFUM", OrgType.CIVILSAMFUND, PRIMARY)])
    assert {t for t in OrgType if logic.is_public(t)} == {KOMMUNE, OrgType.REGION, OrgType.STAT}


# ---------------------------------------------------------------------------------------------
# Fagområder
# ---------------------------------------------------------------------------------------------

REPORT_ORDER = [
    "Dagtilbudsområdet (0-6-årige)",
    "Skoleområdet (6-16-årige)",
    "Kultur- og fritidsområdet",
    "Det specialiserede børn og unge-område (handicap og socialt udsatte)",
    "Det specialiserede voksenområde (handicap, socialpsykiatri, socialt udsatte)",
    "Beskæftigelsesområdet (jobcenter, kontanthjælp etc.)",
    "Det kommunale sundhedsområde (fx sygepleje)",
    "Ældreområdet (fx hjemmepleje, plejehjem)",
    "Somatisk sygehusbehandling",
    "Psykiatrisk sygehusbehandling",
    "Almen praksis (privatpraktiserende læger)",
    "Uddannelsesområdet (fra grundskole til videregående uddannelser)",
    "Det boligsociale område",
    "Kriminalitetsområdet (Danmarks Fængsler m.m.).",
]


def test_fourteen_areas_in_report_order() -> None:
    assert len(logic.WELFARE_AREAS) == 14
    slugs = [slug for slug, _da, _en in logic.WELFARE_AREAS]
    assert len(set(slugs)) == 14
    assert all(slug.isascii() and slug == slug.lower() for slug in slugs)
    assert [logic.normalize_welfare_area(t.rstrip(".")) for t in REPORT_ORDER] == slugs


@pytest.mark.parametrize(("slug", "danish", "english"), logic.WELFARE_AREAS)
def test_every_name_form_normalises(slug: str, danish: str, english: str) -> None:
    for form in (
        slug,
        danish,
        english,
        danish.upper(),
        f"  {danish} ",
        logic.WELFARE_AREA_SCOPES[slug],
    ):
        assert logic.normalize_welfare_area(form) == slug


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        # Tabel 3.2 (003:L714-725) spellings
        ("Specialiseret voksenalder", "specialiseret-voksen"),
        ("Specialiseret børn og unge", "specialiseret-boern-unge"),
        ("Det kommunale sundhedsområde", "kommunalt-sundhed"),
        ("Det psykiatriske sygehusområde (børn og unge-psykiatrien)", "psykiatri"),
        ("Det somatiske sygehusområde", "somatik"),
        ("Kriminalforsorg", "kriminalitet"),
        ("Psykiatri", "psykiatri"),
        ("Boligsocial", "boligsocial"),
        ("Kultur og fritid", "kultur-fritid"),
        # Boks 2.1 red box (003:L108-116) and prose
        ("Beskæftigelsesområdet", "beskaeftigelse"),
        ("Kultur- og fritidsområdet", "kultur-fritid"),
        ("Uddannelsesområdet", "uddannelse"),
        ("det specialiserede børn og ungeområde", "specialiseret-boern-unge"),
    ],
)
def test_report_synonyms(raw: str, slug: str) -> None:
    assert logic.normalize_welfare_area(raw) == slug


def test_unknown_area_is_rejected_helpfully() -> None:
    with pytest.raises(ValueError) as info:
        logic.normalize_welfare_area("Beskæftigelsesomrde")
    message = str(info.value)
    assert "Beskæftigelsesomrde" in message
    assert "Did you mean: beskaeftigelse" in message
    assert "Kriminalitetsområdet" in message
    with pytest.raises(ValueError, match="Unknown fagområde 'Klima'"):
        logic.normalize_welfare_area("Klima")
    with pytest.raises(ValueError, match="Empty"):
        logic.normalize_welfare_area("  ")


def test_count_welfare_areas_counts_distinct_areas() -> None:
    assert logic.count_welfare_areas(["Psykiatri", "Psykiatrisk sygehusbehandling", "Skole"]) == 2
    assert logic.count_welfare_areas([]) == 0


def test_areas_come_from_core_reference_data() -> None:
    """One list of the 14 fagområder: the registry re-exports core's, in the report's order."""
    from helhed.core import reference_data

    assert logic.WELFARE_AREAS is reference_data.WELFARE_AREAS
    assert len(logic.WELFARE_AREAS) == 14
    assert logic.WELFARE_AREAS[0][1].startswith("Dagtilbud")
    assert logic.WELFARE_AREAS[-1][1] == "Kriminalitetsområdet"
