"""The handovers part of ``helhed demo`` (the showcase states, idempotent) and the timeline
events; a property test of the gap computation against counting uncovered days one by one."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from helhed.core.models import Unit, User
from helhed.courses.models import Course
from helhed.courses.sections import events_for_courses
from helhed.handovers import logic, selectors, services
from helhed.handovers.models import Handover, HandoverEvent, InstitutionalStay


def run_demo() -> str:
    out = StringIO()
    call_command("demo", seed=1, citizens=60, no_progress=True, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_demo_shows_the_cases_the_issue_names_and_is_idempotent() -> None:
    run_demo()
    counts = (
        Handover.objects.count(),
        HandoverEvent.objects.count(),
        InstitutionalStay.objects.count(),
    )
    koordinator = User.objects.get(username="koordinator")
    mine = Handover.objects.filter(course__coordinator=koordinator)
    to_drugs = mine.filter(to_unit__name="Rusmiddelcenter")
    assert to_drugs.filter(status="requested", reopened_count=0).exists()  # waiting for ack
    assert to_drugs.filter(status="completed", arrival="moedt").exists()
    assert to_drugs.filter(status="requested", arrival="ikke-moedt", reopened_count=1).exists()
    fagperson = User.objects.get(username="fagperson")
    assert selectors.waiting_for_my_units(fagperson)  # the Jobcenter has one to acknowledge
    overview = selectors.coordinator_overview(koordinator)
    assert any(t.kind == "varetaegt" for _c, t in overview.transitions)
    figures = selectors.timeliness_for(list(Course.objects.values_list("pk", flat=True)))
    assert any((v.get("gap_days_longest") or 0) > 0 for v in figures.values())
    # every stored status is a FHIR Task status and every event follows the state machine
    for e in HandoverEvent.objects.exclude(action="create"):
        assert logic.TRANSITIONS[(e.from_status, e.action)] == e.to_status
    run_demo()
    assert counts == (
        Handover.objects.count(),
        HandoverEvent.objects.count(),
        InstitutionalStay.objects.count(),
    )


@pytest.mark.django_db
def test_timeline_has_handover_steps_and_birthdays(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="x", to_unit_id=drug_unit.pk
    )
    services.act(drug_user, handover_id=h.pk, action=logic.DECLINE, reason="Ingen plads")
    events = [e for e in events_for_courses([course.pk]) if e.course_id == course.pk]
    labels = sorted(e.label for e in events if e.kind == "handover")  # same day: by label
    assert labels == [
        "Afvist: Rusmiddelcenter Odense",
        "Anmodning om overdragelse: Rusmiddelcenter Odense",
    ]
    birthdays = [e for e in events if e.kind == "transition"]
    assert [e.on for e in birthdays] == [
        logic.birthday(course.citizen.birth_date, 16),
        logic.birthday(course.citizen.birth_date, 18),
    ]


@pytest.mark.django_db
def test_gap_alert_uses_expected_end_of_running_measure(course: Course, coordinator: User) -> None:
    from helhed.handovers import alerts
    from tests.handovers.builders import add_measure

    today = timezone.localdate()
    m = add_measure(coordinator, course, today - timedelta(days=50), None)
    type(m).objects.filter(pk=m.pk).update(expected_end=today + timedelta(days=10))
    (alert,) = alerts.gap_alerts(today)
    # The measure ends in 10 days; the gap begins the day after, as the page shows it.
    assert alert.title == "Hul om 11 dage: en indsats slutter, uden at en ny starter"
    (gap,) = selectors.course_gaps(course, today)
    assert gap.planned and gap.first_day == today + timedelta(days=11)
    assert alert.dedupe_key == gap.alert_key
    # no day without a measure has happened yet
    assert selectors.course_gap_picture(course, today).total == 0


days = st.integers(min_value=0, max_value=120)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(days, st.one_of(st.none(), st.integers(0, 40))), max_size=6),
    st.integers(min_value=0, max_value=200),
)
def test_gap_days_equal_uncovered_days_counted_one_by_one(
    spans: list[tuple[int, int | None]], until_offset: int
) -> None:
    base = date(2028, 2, 1)  # a leap year: 29 February is inside the range
    periods = [
        logic.Period(
            i, base + timedelta(days=s), None if n is None else base + timedelta(days=s + n)
        )
        for i, (s, n) in enumerate(spans)
    ]
    until = base + timedelta(days=until_offset)
    found = logic.gaps(periods, until=until)
    if not periods:
        assert found == []
        return
    first = min(p.start for p in periods)
    last_known = max((p.end for p in periods if p.end is not None), default=first)
    horizon = max(until, max(p.start for p in periods), last_known)

    def covered(day: date) -> bool:
        return any(p.start <= day and (p.end is None or day <= p.end) for p in periods)

    uncovered = {
        first + timedelta(days=k)
        for k in range((horizon - first).days + 1)
        if not covered(first + timedelta(days=k))
    }
    # days after the last measure count only up to ``until``
    expected = {d for d in uncovered if d <= until or any(p.start > d for p in periods)}
    got = {g.first_day + timedelta(days=k) for g in found for k in range(g.days)}
    assert got == expected
    assert sum(g.days for g in found) == len(expected)
