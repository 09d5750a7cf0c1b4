"""The pure rules: the state machine (every legal step and every illegal one), birthdays at date
boundaries (29 February), gaps at date boundaries (same-day and next-day start, open-ended
measures, overlaps), lead times."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest

from helhed.handovers import logic
from helhed.handovers.logic import (
    ACCEPT,
    ACCEPTED,
    ACTIONS,
    ARRIVED,
    CANCELLED,
    COMPLETED,
    CONFIRM,
    COORDINATOR,
    DECLINE,
    IN_PROGRESS,
    NOT_ARRIVED,
    RECEIVER,
    REJECTED,
    REQUESTED,
    REVOKE,
    SENDER,
    Gap,
    Period,
)

STATUSES = [s for s, _l in logic.STATUS_LABELS]
ALL_ROLES = {SENDER, RECEIVER, COORDINATOR}

# ------------------------------------------------------------------ state machine


def test_statuses_are_the_fhir_task_codes() -> None:
    assert set(STATUSES) == {
        "requested",
        "accepted",
        "rejected",
        "in-progress",
        "completed",
        "cancelled",
    }


LEGAL = {
    (REQUESTED, ACCEPT): ACCEPTED,
    (REQUESTED, DECLINE): REJECTED,
    (REQUESTED, REVOKE): CANCELLED,
    (ACCEPTED, CONFIRM): IN_PROGRESS,
    (ACCEPTED, REVOKE): CANCELLED,
    (IN_PROGRESS, ARRIVED): COMPLETED,
    (IN_PROGRESS, NOT_ARRIVED): REQUESTED,
}


@pytest.mark.parametrize(("status", "action"), list(product(STATUSES, ACTIONS)))
def test_every_step_is_either_legal_or_refused_as_illegal(status: str, action: str) -> None:
    if (status, action) in LEGAL:
        assert (
            logic.next_status(status, action, ALL_ROLES, external=False) == LEGAL[(status, action)]
        )
    else:
        with pytest.raises(logic.IllegalTransitionError) as exc:
            logic.next_status(status, action, ALL_ROLES, external=False)
        assert exc.value.status == 409
        assert exc.value.message  # a Danish sentence, not empty


def test_terminal_states_refuse_everything() -> None:
    for status in (REJECTED, COMPLETED, CANCELLED):
        assert logic.allowed_actions(status, ALL_ROLES, external=False) == []
        assert logic.allowed_actions(status, ALL_ROLES, external=True) == []


def test_acknowledging_twice_says_already_acknowledged() -> None:
    with pytest.raises(logic.IllegalTransitionError, match="allerede kvitteret"):
        logic.next_status(ACCEPTED, ACCEPT, {RECEIVER}, external=False)


@pytest.mark.parametrize(
    ("action", "who_may"),
    [
        (ACCEPT, {RECEIVER}),
        (DECLINE, {RECEIVER}),
        (CONFIRM, {RECEIVER}),
        (REVOKE, {SENDER, COORDINATOR}),
        (ARRIVED, {RECEIVER, COORDINATOR}),
        (NOT_ARRIVED, {RECEIVER, COORDINATOR}),
    ],
)
def test_who_may_take_each_step_internal(action: str, who_may: set[str]) -> None:
    status = next(s for (s, a) in LEGAL if a == action)
    for role in ALL_ROLES:
        if role in who_may:
            logic.next_status(status, action, {role}, external=False)
        else:
            with pytest.raises(logic.NotPermittedError) as exc:
                logic.next_status(status, action, {role}, external=False)
            assert exc.value.status == 403


def test_external_receiver_answers_are_recorded_by_sender_or_coordinator() -> None:
    for (status, action), target in LEGAL.items():
        assert logic.next_status(status, action, {SENDER}, external=True) == target
        assert logic.next_status(status, action, {COORDINATOR}, external=True) == target
        with pytest.raises(logic.NotPermittedError):
            logic.next_status(status, action, {RECEIVER}, external=True)


def test_responsibility_stays_with_sender_until_knowledge_confirmed() -> None:
    assert logic.responsible_side(REQUESTED) == SENDER
    assert logic.responsible_side(ACCEPTED) == SENDER  # acknowledged is not enough
    assert logic.responsible_side(IN_PROGRESS) == RECEIVER
    assert logic.responsible_side(COMPLETED) == RECEIVER
    assert logic.responsible_side(REJECTED) == SENDER
    assert logic.responsible_side(CANCELLED) == SENDER
    # "did not arrive" reopens: back to requested, i.e. back on the sender
    reopened = logic.next_status(IN_PROGRESS, NOT_ARRIVED, {RECEIVER}, external=False)
    assert logic.responsible_side(reopened) == SENDER


def test_unknown_action_is_refused() -> None:
    with pytest.raises(logic.IllegalTransitionError):
        logic.next_status(REQUESTED, "delete", ALL_ROLES, external=False)


# ------------------------------------------------------------------ birthdays and transitions


def test_birthday_of_someone_born_on_29_february() -> None:
    born = date(2008, 2, 29)
    assert logic.birthday(born, 16) == date(2024, 2, 29)  # 2024 is a leap year
    assert logic.birthday(born, 18) == date(2026, 3, 1)  # 2026 is not: 1 March
    assert logic.birthday(born, 17) == date(2025, 3, 1)


def test_birthday_matches_the_age_rule_of_courses() -> None:
    from helhed.courses.logic import age_on

    for born in (date(2008, 2, 29), date(2008, 3, 1), date(2008, 2, 28), date(2007, 12, 31)):
        for years in (16, 18):
            day = logic.birthday(born, years)
            assert age_on(born, day) == years
            assert age_on(born, day - timedelta(days=1)) == years - 1


def test_turning_18_is_alerted_90_days_ahead_by_default() -> None:
    born = date(2008, 6, 15)
    t16, t18 = logic.age_transitions(born)
    assert (t16.kind, t16.on) == (logic.TURNS_16, date(2024, 6, 15))
    assert (t18.kind, t18.on) == (logic.TURNS_18, date(2026, 6, 15))
    assert t18.alert_from == date(2026, 6, 15) - timedelta(days=90)
    assert not t18.due_for_alert(t18.alert_from - timedelta(days=1))
    assert t18.due_for_alert(t18.alert_from)
    assert t18.due_for_alert(t18.on)  # up to and including the day itself
    assert not t18.due_for_alert(t18.on + timedelta(days=1))
    assert t18.days_until(date(2026, 6, 1)) == 14


def test_lead_time_can_be_configured_per_kind() -> None:
    born = date(2008, 2, 29)
    (_t16, t18) = logic.age_transitions(born, {"turns-18": 120})
    assert t18.on == date(2026, 3, 1)
    assert t18.alert_from == date(2026, 3, 1) - timedelta(days=120)
    assert logic.lead_days("psykiatri") == logic.DEFAULT_LEAD_DAYS["psykiatri"]
    assert logic.lead_days("unknown-kind") == 30


def test_stay_transitions_skip_ended_stays() -> None:
    stays = [
        logic.StayFacts("a", "varetaegt", date(2026, 3, 1), None),
        logic.StayFacts("b", "psykiatri", date(2026, 1, 10), date(2026, 1, 5)),
    ]
    (t,) = logic.stay_transitions(stays)
    assert t.kind == "varetaegt" and t.key == "a"
    assert t.alert_from == date(2026, 3, 1) - timedelta(days=30)
    assert t.label == "Løsladelse fra varetægt"


def test_upcoming_is_sorted_and_bounded() -> None:
    today = date(2026, 1, 1)
    ts = [
        logic.Transition("x", date(2026, 5, 1), date(2026, 4, 1), "x"),
        logic.Transition("y", date(2025, 12, 31), date(2025, 12, 1), "y"),  # yesterday
        logic.Transition("z", date(2026, 1, 1), date(2025, 12, 1), "z"),  # today
        logic.Transition("w", date(2028, 1, 1), date(2027, 12, 1), "w"),  # beyond horizon
    ]
    assert [t.kind for t in logic.upcoming(ts, today, horizon_days=365)] == ["z", "x"]


# ------------------------------------------------------------------ gaps


def per(key: str, start: date, end: date | None) -> Period:
    return Period(key, start, end)


D = date


def test_same_day_end_and_start_is_no_gap() -> None:
    assert logic.gaps([per("a", D(2026, 1, 1), D(2026, 3, 1)), per("b", D(2026, 3, 1), None)]) == []


def test_next_day_start_is_no_gap() -> None:
    assert logic.gaps([per("a", D(2026, 1, 1), D(2026, 3, 1)), per("b", D(2026, 3, 2), None)]) == []


def test_two_days_later_is_a_one_day_gap() -> None:
    (gap,) = logic.gaps([per("a", D(2026, 1, 1), D(2026, 3, 1)), per("b", D(2026, 3, 3), None)])
    assert gap == Gap("a", "b", D(2026, 3, 2), D(2026, 3, 2), open=False)
    assert gap.days == 1


def test_gap_across_29_february_counts_the_leap_day() -> None:
    (gap,) = logic.gaps([per("a", D(2028, 2, 1), D(2028, 2, 27)), per("b", D(2028, 3, 2), None)])
    assert (gap.first_day, gap.last_day, gap.days) == (D(2028, 2, 28), D(2028, 3, 1), 3)
    (common,) = logic.gaps([per("a", D(2027, 2, 1), D(2027, 2, 27)), per("b", D(2027, 3, 2), None)])
    assert common.days == 2  # 28 February and 1 March


def test_open_ended_measure_covers_everything_after() -> None:
    periods = [
        per("a", D(2026, 1, 1), None),
        per("b", D(2026, 2, 1), D(2026, 2, 10)),
        per("c", D(2026, 6, 1), D(2026, 6, 30)),
    ]
    assert logic.gaps(periods, until=D(2027, 1, 1)) == []


def test_overlapping_measures_and_a_longer_one_inside() -> None:
    periods = [
        per("a", D(2026, 1, 1), D(2026, 6, 30)),
        per("b", D(2026, 2, 1), D(2026, 3, 1)),  # inside a
        per("c", D(2026, 7, 11), D(2026, 8, 1)),
    ]
    (gap,) = logic.gaps(periods)
    assert (gap.after, gap.before, gap.days) == ("a", "c", 10)


def test_last_measure_ended_with_nothing_after_is_an_open_gap_until_today() -> None:
    periods = [per("a", D(2026, 1, 1), D(2026, 1, 31))]
    (gap,) = logic.gaps(periods, until=D(2026, 2, 10))
    assert gap.open and gap.before is None
    assert (gap.first_day, gap.last_day, gap.days) == (D(2026, 2, 1), D(2026, 2, 10), 10)
    assert logic.gaps(periods, until=D(2026, 1, 31)) == []  # ends today: no gap yet
    assert logic.gaps(periods) == []  # a closed course: the end is the end


def test_gap_figures() -> None:
    periods = [
        per("a", D(2026, 1, 1), D(2026, 1, 10)),
        per("b", D(2026, 1, 16), D(2026, 1, 20)),  # 5-day gap (11-15)
        per("c", D(2026, 1, 23), D(2026, 1, 25)),  # 2-day gap (21-22)
    ]
    found = logic.gaps(periods)
    assert [g.days for g in found] == [5, 2]
    assert logic.gap_figures(found) == (7, 5)
    assert logic.gap_figures([]) == (0, 0)


def test_no_measures_no_gaps() -> None:
    assert logic.gaps([], until=D(2026, 1, 1)) == []


def test_gaps_to_alert_are_the_planned_gaps_of_the_picture() -> None:
    today = D(2026, 1, 1)
    periods = [
        per("a", D(2025, 6, 1), D(2026, 1, 20)),  # ends in 19 days …
        per("b", D(2025, 6, 1), D(2026, 1, 25)),  # … but b covers the next day; c follows b
        per("c", D(2026, 1, 26), D(2026, 6, 1)),  # ends beyond the lead time
    ]
    picture = logic.gap_picture(periods, today, running=True)
    (planned,) = picture.planned  # after c: nothing planned
    assert (planned.after, planned.first_day, planned.last_day) == ("c", D(2026, 6, 2), None)
    assert picture.total == picture.longest == 0  # nothing has happened yet
    assert logic.gaps_to_alert(picture, today, 30) == []  # beyond the lead time
    assert logic.gaps_to_alert(picture, D(2026, 5, 2), 30) == [planned]
    alone = [per("a", D(2025, 6, 1), D(2026, 1, 20))]
    (gap,) = logic.gaps_to_alert(logic.gap_picture(alone, today, running=True), today, 30)
    assert gap.alert_key == "hul:a:2026-01-20"
    assert gap.alert_from(30) == D(2025, 12, 21)
    assert logic.gaps_to_alert(logic.gap_picture(alone, today, running=True), today, 10) == []


def test_a_planned_gap_between_measures_and_one_the_course_end_closes() -> None:
    today = D(2026, 1, 1)
    periods = [per("a", D(2025, 6, 1), D(2026, 1, 10)), per("b", D(2026, 2, 1), D(2026, 3, 1))]
    picture = logic.gap_picture(periods, today, running=True, course_end=D(2026, 3, 1))
    (between,) = picture.gaps  # the course ends with b: no gap after it
    assert between.planned and (between.first_day, between.days) == (D(2026, 1, 11), 21)
    # a closed course ends with its last measure, and a gap that has begun is not planned
    closed = logic.gap_picture(periods, today, running=False)
    assert [g.last_day for g in closed.gaps] == [D(2026, 1, 31)]
    begun = logic.gap_picture(periods, D(2026, 1, 20), running=True)
    assert [g.planned for g in begun.gaps] == [False, True]
    assert (begun.total, begun.longest) == (10, 10)


def test_transition_alert_keys() -> None:
    t16, t18 = logic.age_transitions(D(2010, 5, 4))
    assert logic.transition_alert_key(t18, "c") == "overgang-18:c"
    assert logic.transition_alert_key(t16, "c") == "overgang-16:c"
    (child,) = [t for t in logic.age_transitions(D(2010, 5, 4), member="m") if t.on.year == 2028]
    assert logic.transition_alert_key(child, "c") == "overgang-18:c:m"
    (stay,) = logic.stay_transitions([logic.StayFacts("s", "varetaegt", D(2026, 2, 1), None)])
    assert logic.transition_alert_key(stay, "c") == "overgang-varetaegt:s:2026-02-01"


def test_handover_time_helpers() -> None:
    from datetime import datetime

    start = datetime(2026, 1, 1, 8, 0)
    assert logic.hours_between(start, datetime(2026, 1, 2, 20, 0)) == 36.0
    assert logic.days_waiting(start, datetime(2026, 1, 4, 7, 0)) == 2
    assert logic.overdue(start, datetime(2026, 1, 4, 8, 0), 3)
    assert not logic.overdue(start, datetime(2026, 1, 4, 7, 59), 3)


def test_only_the_receiving_unit_answers_a_handover() -> None:
    own, other = "unit-a", "unit-b"
    assert logic.answers_for_receiver("accepted", other, {own})
    assert logic.answers_for_receiver("in-progress", other, {own})
    assert not logic.answers_for_receiver("accepted", own, {own})  # the writer's own unit
    assert not logic.answers_for_receiver("requested", other, {own})  # not yet answered
    assert not logic.answers_for_receiver("completed", other, {own})  # closed: history
    assert not logic.answers_for_receiver("accepted", None, {own})  # an outside receiver
