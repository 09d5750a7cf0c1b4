"""The earliest common time and the other plain rules, with worked examples."""

from __future__ import annotations

from datetime import UTC, date, datetime

from helhed.meetings import logic
from helhed.meetings.logic import Person, TimeOption

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
MON = TimeOption("mon", datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
TUE = TimeOption("tue", datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
WED = TimeOption("wed", datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
KAREN = Person("k", "Karen")
JONAS = Person("j", "Jonas")
METTE = Person("m", "Mette")
LISE = Person("l", "Lise", required=False)


def answers(**by_person: str) -> dict[tuple[str, str], str]:
    """``k="ja nej ja"`` → Karen's answers for Monday, Tuesday, Wednesday ("-" = no answer)."""
    result = {}
    for person, line in by_person.items():
        for key, answer in zip(("mon", "tue", "wed"), line.split(), strict=True):
            if answer != "-":
                result[(person, key)] = answer
    return result


def test_earliest_time_where_everyone_required_says_yes() -> None:
    a = answers(k="ja ja ja", j="nej ja ja", m="ja maaske ja")
    result = logic.earliest_common_time([WED, MON, TUE], [KAREN, JONAS, METTE], a, NOW)
    assert result.found
    assert result.time == WED
    # Why Monday and Tuesday did not fit:
    assert [(b.time.key, b.unavailable, b.maybe) for b in result.blockers] == [
        ("mon", ("Jonas",), ()),
        ("tue", (), ("Mette",)),
    ]


def test_optional_participant_never_blocks_a_time() -> None:
    a = answers(k="ja ja ja", j="ja ja ja", m="ja ja ja", l="nej nej nej")
    result = logic.earliest_common_time([MON, TUE, WED], [KAREN, JONAS, METTE, LISE], a, NOW)
    assert result.time == MON


def test_missing_answer_blocks_and_is_named() -> None:
    a = answers(k="ja ja ja", j="ja - nej")
    result = logic.earliest_common_time([MON, TUE, WED], [KAREN, JONAS, METTE], a, NOW)
    assert not result.found
    assert result.blockers[0].unanswered == ("Mette",)
    assert result.blockers[1].unanswered == ("Jonas", "Mette")
    assert result.blockers[2].unavailable == ("Jonas",)


def test_no_time_fits_gives_tentative_time_with_maybes() -> None:
    a = answers(k="nej ja ja", j="ja maaske ja", m="ja ja nej")
    result = logic.earliest_common_time([MON, TUE, WED], [KAREN, JONAS, METTE], a, NOW)
    assert result.time is None
    assert result.tentative == TUE
    assert result.maybe == ("Jonas",)
    assert len(result.blockers) == 3


def test_past_times_are_ignored_at_the_boundary() -> None:
    a = answers(k="ja ja ja", j="ja ja ja")
    # Monday 09:00 is exactly now: still possible; a minute later it is gone.
    assert logic.earliest_common_time([MON, TUE], [KAREN, JONAS], a, MON.starts_at).time == MON
    later = datetime(2026, 11, 23, 9, 1, tzinfo=UTC)
    assert logic.earliest_common_time([MON, TUE], [KAREN, JONAS], a, later).time == TUE


def test_all_times_passed_is_explained() -> None:
    result = logic.earliest_common_time([MON], [KAREN], {("k", "mon"): "ja"}, WED.starts_at)
    assert result.time is None and result.no_future_times


def test_ruling_deviation_needs_justification() -> None:
    on = date(2026, 11, 1)
    assert logic.ruling_errors("bevilling", "bevilling", "", on, on) == {}
    assert "justification" in logic.ruling_errors("bevilling", "afslag", " ", on, on)
    assert "justification" in logic.ruling_errors("bevilling", "delvis", "", on, on)
    assert logic.ruling_errors("bevilling", "afslag", "Ikke i målgruppen", on, on) == {}
    assert "decided_on" in logic.ruling_errors("afslag", "afslag", "", date(2026, 10, 31), on)


def test_waiting_days_boundaries() -> None:
    assert logic.waiting_days(date(2026, 2, 28), date(2026, 3, 1)) == 1
    assert logic.waiting_days(date(2028, 2, 28), date(2028, 3, 1)) == 2  # leap year
    assert logic.waiting_days(date(2026, 5, 5), date(2026, 5, 5)) == 0
    assert logic.waiting_days(date(2026, 5, 5), date(2026, 5, 4)) == 0


def test_closing_minutes_needs_next_date_after_the_meeting_and_citizen_presence() -> None:
    meeting_day = date(2026, 11, 23)
    ok = dict(citizen_present=True, citizen_absence_reason="", problem_focus="Bolig")
    assert "next_meeting_date" in logic.closing_errors(
        meeting_date=meeting_day, next_meeting_date=None, **ok
    )
    assert "next_meeting_date" in logic.closing_errors(
        meeting_date=meeting_day, next_meeting_date=meeting_day, **ok
    )
    assert (
        logic.closing_errors(meeting_date=meeting_day, next_meeting_date=date(2026, 11, 24), **ok)
        == {}
    )
    absent = logic.closing_errors(
        meeting_date=meeting_day,
        next_meeting_date=date(2026, 12, 1),
        citizen_present=False,
        citizen_absence_reason="",
        problem_focus="Bolig",
    )
    assert set(absent) == {"citizen_absence_reason"}


def test_overdue_from_the_day_after_the_due_date() -> None:
    due = date(2026, 11, 22)
    assert not logic.is_overdue(due, False, due)
    assert logic.is_overdue(due, False, date(2026, 11, 23))
    assert not logic.is_overdue(due, True, date(2026, 11, 23))


def test_a_next_meeting_on_a_weekend_or_a_danish_holiday_is_warned_about() -> None:
    assert logic.day_warnings(date(2026, 12, 9)) == []  # a Wednesday
    assert logic.day_warnings(None) == []
    (saturday,) = logic.day_warnings(date(2026, 12, 12))
    assert "12.12.2026 falder på en lørdag" in saturday
    # Easter moves: the library computes it (2. påskedag 2027 is Monday 29 March)
    (easter,) = logic.day_warnings(date(2027, 3, 29))
    assert "Anden påskedag" in easter and "helligdag" in easter
    assert logic.danish_holiday(date(2027, 5, 6)) == "Kristi himmelfartsdag"
    # not public holidays, but days most public workplaces are closed
    assert logic.danish_holiday(date(2026, 6, 5)) == "Grundlovsdag"
    assert logic.danish_holiday(date(2026, 12, 24)) == "Juleaftensdag"
    assert logic.danish_holiday(date(2026, 5, 1)) is None  # 1 May: open in most workplaces
    assert logic.danish_holiday(date(2027, 3, 29), "en") == "Easter Monday"
