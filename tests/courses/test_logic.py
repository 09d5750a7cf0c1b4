"""The plain rules of courses: CPR numbers, ages and who consents, consent validity, team
turnover, overlapping appointments, plan snapshots and diffs. No database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest

from helhed.courses import logic
from helhed.courses.logic import ConsentFacts, CprError, Slot, TeamFacts

TODAY = date(2026, 3, 1)

# --------------------------------------------------------------------------------------------
# CPR numbers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["0101901234", "010190-1234", "010190 1234", " 0101901234 "])
def test_cpr_formats_are_normalised(raw: str) -> None:
    assert logic.normalize_cpr(raw) == "0101901234"
    assert logic.validate_cpr(raw, TODAY) == "0101901234"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "010190123",  # 9 digits
        "01019012345",  # 11 digits
        "010190-123a",
        "01-01-90-1234x",
        "abcdefghij",
        "٠١٠١٩٠١٢٣٤",  # Arabic-Indic digits: isdigit() but not a CPR number
        "010190²234",  # superscript two: isdigit() but int() refuses it
        "0101901234\x00",
    ],
)
def test_malformed_cpr_is_a_cpr_error(raw: str) -> None:
    with pytest.raises(CprError):
        logic.normalize_cpr(raw)
    with pytest.raises(CprError):
        logic.validate_cpr(raw, TODAY)


@pytest.mark.parametrize(
    ("cpr", "born"),
    [
        # 7th digit 0-3: always the 1900s
        ("0101000123", date(1900, 1, 1)),
        ("3112993123", date(1999, 12, 31)),
        ("0101362123", date(1936, 1, 1)),
        ("0101583123", date(1958, 1, 1)),
        # 4 and 9: 2000s up to yy = 36, then 1900s
        ("0101004123", date(2000, 1, 1)),
        ("0101364123", date(2036, 1, 1)),
        ("0101374123", date(1937, 1, 1)),
        ("0101999123", date(1999, 1, 1)),
        ("0101369123", date(2036, 1, 1)),
        ("0101379123", date(1937, 1, 1)),
        # 5-8: 2000s up to yy = 57, then 1800s
        ("0101575123", date(2057, 1, 1)),
        ("0101585123", date(1858, 1, 1)),
        ("0101578123", date(2057, 1, 1)),
        ("0101588123", date(1858, 1, 1)),
        ("0101006123", date(2000, 1, 1)),
        ("0101997123", date(1899, 1, 1)),
    ],
)
def test_century_digit_table(cpr: str, born: date) -> None:
    assert logic.cpr_birth_date(cpr) == born


@pytest.mark.parametrize(
    ("cpr", "ok"),
    [
        ("2902004123", True),  # 2000 is a leap year (divisible by 400)
        ("2902002123", False),  # 1900 is not (divisible by 100)
        ("2902044123", True),  # 2004
        ("2902034123", False),  # 2003
        ("2902881123", True),  # 1988
        ("2902891123", False),  # 1989
        ("2902005123", True),  # 2000 via the 5-8 table
        ("2902965123", True),  # 1896 via the 5-8 table (yy > 57)
        ("2902975123", False),  # 1897
        ("3104901123", False),  # 31 April
        ("0013901123", False),  # month 13
        ("0001901123", False),  # day 0
    ],
)
def test_29_february_only_in_leap_years_and_impossible_dates(cpr: str, ok: bool) -> None:
    if ok:
        assert logic.cpr_birth_date(cpr).month == 2
    else:
        with pytest.raises(CprError, match="dato"):
            logic.cpr_birth_date(cpr)


def test_future_birth_date_is_rejected_today_is_accepted() -> None:
    assert logic.validate_cpr("0103264123", TODAY) == "0103264123"  # born today
    with pytest.raises(CprError, match="fremtiden"):
        logic.validate_cpr("0203264123", TODAY)  # born tomorrow
    with pytest.raises(CprError, match="fremtiden"):
        logic.validate_cpr("0101364123", TODAY)  # 2036


def test_cpr_error_messages_never_contain_the_control_digits() -> None:
    with pytest.raises(CprError) as info:
        logic.validate_cpr("3102901234", TODAY)
    assert "1234" not in str(info.value)


def test_masking_keeps_only_the_birth_date() -> None:
    assert logic.mask_cpr("0101901234") == "010190-xxxx"
    assert "1234" not in logic.mask_cpr("0101901234")


# --------------------------------------------------------------------------------------------
# Age and who consents
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (date(2000, 2, 29), 0),
        (date(2001, 2, 28), 0),  # no 29 February in 2001: the birthday is 1 March
        (date(2001, 3, 1), 1),
        (date(2004, 2, 28), 3),
        (date(2004, 2, 29), 4),
        (date(2015, 2, 28), 14),
        (date(2015, 3, 1), 15),
    ],
)
def test_age_on_for_a_29_february_birthday(on: date, age: int) -> None:
    assert logic.age_on(date(2000, 2, 29), on) == age


def test_who_consents_switches_on_the_15th_birthday() -> None:
    born = date(2010, 5, 10)
    assert logic.who_consents(born, date(2025, 5, 9)) == "custody_holder"
    assert logic.who_consents(born, date(2025, 5, 10)) == "citizen"
    assert logic.who_consents(born, date(2030, 1, 1)) == "citizen"


def test_who_consents_for_a_leap_day_child() -> None:
    born = date(2008, 2, 29)
    assert logic.who_consents(born, date(2023, 2, 28)) == "custody_holder"
    assert logic.who_consents(born, date(2023, 3, 1)) == "citizen"


# --------------------------------------------------------------------------------------------
# Consent validity and the access rule
# --------------------------------------------------------------------------------------------


def consent(**overrides: Any) -> ConsentFacts:
    values: dict[str, Any] = {
        "organisation_ids": frozenset(),
        "unit_ids": frozenset({"u1"}),
        "categories": frozenset({"plan"}),
        "valid_from": date(2026, 1, 10),
        "valid_to": date(2026, 1, 20),
        "withdrawn_on": None,
    }
    values.update(overrides)
    return ConsentFacts(**values)


def test_consent_valid_from_and_valid_to_are_inclusive() -> None:
    c = consent()
    assert not c.valid_on(date(2026, 1, 9))
    assert c.valid_on(date(2026, 1, 10))
    assert c.valid_on(date(2026, 1, 20))
    assert not c.valid_on(date(2026, 1, 21))


def test_open_ended_consent() -> None:
    c = consent(valid_to=None)
    assert c.valid_on(date(2099, 1, 1))
    assert not c.valid_on(date(2026, 1, 9))


def test_withdrawal_takes_effect_the_same_day() -> None:
    c = consent(withdrawn_on=date(2026, 1, 15))
    assert c.valid_on(date(2026, 1, 14))
    assert not c.valid_on(date(2026, 1, 15))
    assert not c.valid_on(date(2026, 1, 16))
    assert not consent(withdrawn_on=date(2026, 1, 10)).valid_on(date(2026, 1, 10))
    assert not consent(withdrawn_on=date(2026, 1, 1)).valid_on(date(2026, 1, 12))


def test_consent_covers_by_unit_or_by_organisation() -> None:
    c = consent(unit_ids=frozenset({"u1"}), organisation_ids=frozenset({"o2"}))
    assert c.covers("u1", "o1")
    assert c.covers("u9", "o2")
    assert not c.covers("u9", "o1")


def test_access_needs_team_membership_and_valid_consent_with_plan() -> None:
    on = date(2026, 1, 15)
    team = [TeamFacts("u1", "o1", date(2026, 1, 1), None)]
    user = [("u1", "o1")]
    assert logic.may_see_course(
        is_coordinator=False, user_units=user, team=team, consents=[consent()], on=on
    )
    # not on the team
    assert not logic.may_see_course(
        is_coordinator=False, user_units=[("u2", "o1")], team=team, consents=[consent()], on=on
    )
    # team period not active on the day
    late = [TeamFacts("u1", "o1", date(2026, 1, 16), None)]
    assert not logic.may_see_course(
        is_coordinator=False, user_units=user, team=late, consents=[consent()], on=on
    )
    # consent without the plan category
    assert not logic.may_see_course(
        is_coordinator=False,
        user_units=user,
        team=team,
        consents=[consent(categories=frozenset({"health"}))],
        on=on,
    )
    assert logic.consented_categories(
        user, team, [consent(categories=frozenset({"health"}))], on
    ) == {"health"}
    # no consent at all; the coordinator and an explicit grant see it anyway
    assert not logic.may_see_course(
        is_coordinator=False, user_units=user, team=team, consents=[], on=on
    )
    assert logic.may_see_course(is_coordinator=True, user_units=[], team=[], consents=[], on=on)
    assert logic.may_see_course(
        is_coordinator=False, user_units=[], team=[], consents=[], on=on, without_consent_grant=True
    )


def test_team_period_boundaries_are_inclusive() -> None:
    t = TeamFacts("u1", "o1", date(2026, 1, 10), date(2026, 1, 20))
    assert [t.active_on(date(2026, 1, d)) for d in (9, 10, 20, 21)] == [False, True, True, False]


def test_categories_are_the_union_of_covering_consents() -> None:
    on = date(2026, 1, 15)
    team = [TeamFacts("u1", "o1", date(2026, 1, 1), None)]
    consents = [
        consent(categories=frozenset({"plan", "economy"})),
        consent(
            unit_ids=frozenset(),
            organisation_ids=frozenset({"o1"}),
            categories=frozenset({"health"}),
        ),
        consent(categories=frozenset({"crime"}), withdrawn_on=on),
        consent(unit_ids=frozenset({"u2"}), categories=frozenset({"social"})),
    ]
    assert logic.consented_categories([("u1", "o1")], team, consents, on) == {
        "plan",
        "economy",
        "health",
    }


def test_data_category_for_area() -> None:
    assert logic.data_category_for_area("psykiatri") == "health"
    assert logic.data_category_for_area("kriminalitet") == "crime"
    assert logic.data_category_for_area("beskaeftigelse") == "employment"
    assert logic.data_category_for_area("specialiseret-voksen") == "social"
    assert logic.data_category_for_area("skole") == "plan"
    assert logic.data_category_for_area(None) == "plan"


# --------------------------------------------------------------------------------------------
# Team overview
# --------------------------------------------------------------------------------------------


def test_team_overview_counts_current_and_turnover() -> None:
    on = date(2026, 3, 1)
    year_ago = on - timedelta(days=365)
    periods: list[tuple[date, date | None]] = [
        (date(2020, 1, 1), None),  # current, joined long ago
        (date(2026, 2, 1), None),  # current, joined this year
        (on, on),  # joined today, ends today: current, joined
        (date(2025, 6, 1), date(2026, 1, 31)),  # joined and left within the year
        (date(2019, 1, 1), year_ago),  # left exactly a year ago: counts as left
        (date(2019, 1, 1), year_ago - timedelta(days=1)),  # left before the window
        (year_ago, None),  # joined exactly a year ago: outside the window (start > year_ago)
        (date(2026, 4, 1), None),  # not started yet
    ]
    overview = logic.team_overview(periods, on)
    assert overview.current == 4
    assert overview.joined_last_12_months == 3
    assert overview.left_last_12_months == 2
    # Both who left were replaced by someone who joined after them (issue 14: replacements,
    # not additions — the third who joined is an addition).
    assert overview.turnover == 2


def test_team_overview_of_an_empty_team() -> None:
    overview = logic.team_overview([], date(2026, 1, 1))
    assert (overview.current, overview.turnover) == (0, 0)


# --------------------------------------------------------------------------------------------
# Overlapping appointments
# --------------------------------------------------------------------------------------------


def slot(key: str, start: str, end: str) -> Slot:
    day = "2026-03-02T"
    return Slot(key, datetime.fromisoformat(day + start), datetime.fromisoformat(day + end))


def test_touching_appointments_do_not_overlap() -> None:
    assert logic.overlapping([slot("a", "09:00", "10:00"), slot("b", "10:00", "11:00")]) == []


def test_overlapping_and_contained_appointments() -> None:
    slots = [
        slot("c", "12:00", "13:00"),
        slot("a", "09:00", "11:00"),
        slot("b", "10:30", "10:45"),  # inside a
        slot("d", "10:59", "12:01"),  # overlaps a and c
    ]
    assert sorted(logic.overlapping(slots)) == sorted([("a", "b"), ("a", "d"), ("d", "c")])


def test_identical_appointments_overlap_once() -> None:
    assert logic.overlapping([slot("a", "09:00", "10:00"), slot("b", "09:00", "10:00")]) == [
        ("a", "b")
    ]


def test_no_slots() -> None:
    assert logic.overlapping([]) == []


# --------------------------------------------------------------------------------------------
# Plan diffs
# --------------------------------------------------------------------------------------------


def snapshot(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "citizen_statement": "Jeg vil have et job",
        "summary": "",
        "goals": [{"id": "g1", "text": "Få et job", "priority": 1}],
        "measures": [{"id": "m1", "title": "Mentor", "status": "planlagt"}],
        "demands": [],
        "appointments": [],
    }
    base.update(overrides)
    return base


def test_identical_snapshots_have_no_changes() -> None:
    assert logic.diff_snapshots(snapshot(), snapshot()) == []


def test_diff_names_added_removed_and_changed_items() -> None:
    old = snapshot()
    new = snapshot(
        summary="Fælles resumé",
        goals=[
            {"id": "g1", "text": "Få et job", "priority": 2},
            {"id": "g2", "text": "Bo for mig selv", "priority": 3},
        ],
        measures=[],
        demands=[{"id": "d1", "title": "Møde op på jobcentret"}],
    )
    assert logic.diff_snapshots(old, new) == sorted(
        [
            "Nyt mål: Bo for mig selv",
            "Ændret mål «Få et job»: prioritet",
            "Fjernet indsats: Mentor",
            "Nyt krav: Møde op på jobcentret",
            "Ændret planens resumé",
        ]
    )


def test_diff_of_the_citizens_words() -> None:
    assert logic.diff_snapshots(snapshot(), snapshot(citizen_statement="Noget andet")) == [
        "Ændret borgerens egne ord"
    ]


def test_diff_from_an_empty_plan() -> None:
    assert logic.diff_snapshots({}, snapshot(measures=[])) == sorted(
        [
            "Nyt mål: Få et job",
            "Ændret borgerens egne ord",
            "Ændret planens resumé",
        ]
    )


# --------------------------------------------------------------------------------------------
# Plan snapshots
# --------------------------------------------------------------------------------------------

G1, G2, S1, S2 = (UUID(int=n) for n in (0x61, 0x62, 0x51, 0x52))
M1, M2, D1, A1 = (UUID(int=n) for n in (0x71, 0x72, 0xD1, 0xA1))
ORG, UNIT, MEMBER = (UUID(int=n) for n in (0x0A, 0x0B, 0x0C))


def goal(id: UUID, priority: int, **extra: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "text": "Jeg vil have et job",
        "horizon": "kort",
        "importance": 4,
        "status": "aaben",
        "target_date": date(2026, 6, 1),
    }
    return SimpleNamespace(id=id, priority=priority, **(fields | extra))


def subgoal(id: UUID, owner: UUID | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        id=id, text="Afklaring", owner_id=owner, welfare_area_id="beskaeftigelse"
    )


def measure(id: UUID, **extra: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "title": "Mentorstøtte",
        "welfare_area_id": "beskaeftigelse",
        "legal_basis_id": "lab-187",
        "organisation_id": ORG,
        "unit_id": UNIT,
        "responsible_id": None,
        "start_date": date(2026, 2, 1),
        "end_date": None,
        "expected_end": date(2026, 8, 1),
        "status": "aktiv",
        "budget_area": "beskaeftigelse",
        "description": "",
    }
    return SimpleNamespace(id=id, **(fields | extra))


def demand(id: UUID) -> SimpleNamespace:
    return SimpleNamespace(
        id=id,
        title="Søg to job om ugen",
        kind="jobsoegning",
        organisation_id=ORG,
        welfare_area_id="beskaeftigelse",
        details="",
        frequency="Hver uge",
        consequence="Sanktion",
        legal_basis_id=None,
        start_date=date(2026, 2, 1),
        end_date=None,
    )


def appointment(id: UUID) -> SimpleNamespace:
    return SimpleNamespace(
        id=id,
        title="Opfølgning",
        organisation_id=ORG,
        welfare_area_id=None,
        place="Jobcentret",
        with_member_id=MEMBER,
        starts_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        demand_id=D1,
        note="",
    )


def test_an_empty_plan_snapshot() -> None:
    assert logic.plan_snapshot() == {
        "citizen_statement": "",
        "summary": "",
        "goals": [],
        "measures": [],
        "demands": [],
        "appointments": [],
    }


def test_a_plan_snapshot_is_plain_json() -> None:
    snap = logic.plan_snapshot(
        citizen_statement="Jeg vil have et job",
        summary="Resumé",
        goals=[(goal(G1, 1), [subgoal(S1, owner=MEMBER)])],
        measures=[(measure(M1), [G1])],
        demands=[demand(D1)],
        appointments=[appointment(A1)],
    )
    assert snap == {
        "citizen_statement": "Jeg vil have et job",
        "summary": "Resumé",
        "goals": [
            {
                "id": str(G1),
                "text": "Jeg vil have et job",
                "horizon": "kort",
                "priority": 1,
                "importance": 4,
                "status": "aaben",
                "target_date": "2026-06-01",
                "subgoals": [
                    {
                        "id": str(S1),
                        "text": "Afklaring",
                        "owner": str(MEMBER),
                        "welfare_area": "beskaeftigelse",
                    }
                ],
            }
        ],
        "measures": [
            {
                "id": str(M1),
                "title": "Mentorstøtte",
                "welfare_area": "beskaeftigelse",
                "legal_basis": "lab-187",
                "organisation": str(ORG),
                "unit": str(UNIT),
                "responsible": None,
                "goals": [str(G1)],
                "start_date": "2026-02-01",
                "end_date": None,
                "expected_end": "2026-08-01",
                "status": "aktiv",
                "budget_area": "beskaeftigelse",
                "description": "",
            }
        ],
        "demands": [
            {
                "id": str(D1),
                "title": "Søg to job om ugen",
                "kind": "jobsoegning",
                "organisation": str(ORG),
                "welfare_area": "beskaeftigelse",
                "details": "",
                "frequency": "Hver uge",
                "consequence": "Sanktion",
                "legal_basis": None,
                "start_date": "2026-02-01",
                "end_date": None,
            }
        ],
        "appointments": [
            {
                "id": str(A1),
                "title": "Opfølgning",
                "organisation": str(ORG),
                "welfare_area": None,
                "place": "Jobcentret",
                "with_member": str(MEMBER),
                "starts_at": "2026-03-02T09:00:00+00:00",
                "ends_at": "2026-03-02T10:00:00+00:00",
                "demand": str(D1),
                "note": "",
            }
        ],
    }
    assert json.loads(json.dumps(snap)) == snap  # what a JSONField stores is what it gives back


def test_a_plan_snapshot_does_not_depend_on_the_order_of_its_items() -> None:
    one = logic.plan_snapshot(
        goals=[(goal(G2, 1), []), (goal(G1, 2), [subgoal(S2), subgoal(S1)])],
        measures=[(measure(M2), [G2, G1]), (measure(M1), [])],
    )
    other = logic.plan_snapshot(
        goals=[(goal(G1, 2), [subgoal(S2), subgoal(S1)]), (goal(G2, 1), [])],
        measures=[(measure(M1), []), (measure(M2), [G1, G2])],
    )
    assert one == other
    # Goals by priority, then id; measures by id; a measure's goals sorted
    assert [g["id"] for g in one["goals"]] == [str(G2), str(G1)]
    assert [m["id"] for m in one["measures"]] == [str(M1), str(M2)]
    assert one["measures"][1]["goals"] == [str(G1), str(G2)]
    # Sub-goals keep the order they were given in
    assert [s["id"] for s in one["goals"][1]["subgoals"]] == [str(S2), str(S1)]


def test_snapshots_of_two_plan_states_diff_to_what_changed() -> None:
    before = logic.plan_snapshot(goals=[(goal(G1, 1), [])], measures=[(measure(M1), [G1])])
    after = logic.plan_snapshot(
        goals=[(goal(G1, 1), [])], measures=[(measure(M1, status="afsluttet"), [G1])]
    )
    assert logic.diff_snapshots(before, before) == []
    assert logic.diff_snapshots(before, after) == ["Ændret indsats «Mentorstøtte»: status"]
    assert logic.diff_snapshots(logic.plan_snapshot(), before) == [
        "Ny indsats: Mentorstøtte",
        "Nyt mål: Jeg vil have et job",
    ]
