"""Transitions of the children in a family whose course plan covers the whole family: the
coordinator is alerted (without names) when a child nears 16 or 18; the section names the child
and logs the read of the child's data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import User
from helhed.courses import services as course_services
from helhed.courses.models import Citizen, Course
from helhed.handovers import alerts, selectors
from tests.courses.builders import cpr_for

pytestmark = pytest.mark.django_db


def add_child(course: Course, coordinator: User, born: date, name: str) -> Citizen:
    course_services.create_household(
        coordinator,
        course,
        "Familien Sørensen",
        [
            {
                "cpr": cpr_for(born, tail="777"),
                "first_name": name,
                "last_name": "Sørensen",
                "relation": "barn",
            }
        ],
    )
    return Citizen.objects.get(first_name=name)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, month=3, day=1)


def test_child_turning_18_is_alerted_without_name_and_shown_with_name(
    course: Course, coordinator: User, jobcenter_user: User
) -> None:
    today = timezone.localdate()
    child = add_child(course, coordinator, years_before(today + timedelta(days=90), 18), "Liva")
    found = [a for a in alerts.transition_alerts(today) if a.dedupe_key.endswith(str(child.pk))]
    (alert,) = found
    assert alert.dedupe_key == f"overgang-18:{course.pk}:{child.pk}"
    assert alert.title == "Overgang om 90 dage for et barn i et forløb, du koordinerer"
    assert "Liva" not in alert.title + alert.body
    assert list(alerts.transition_alerts(today - timedelta(days=1))) == []

    data = selectors.course_handovers(jobcenter_user, course.pk)
    (t18,) = [t for t in data.transitions if t.who == "Liva"]
    assert t18.kind == "turns-18" and t18.on == today + timedelta(days=90)
    assert AccessLogEntry.objects.filter(
        actor=jobcenter_user, citizen_id=child.pk, what="overgange i familien"
    ).exists()

    overview = selectors.coordinator_overview(coordinator)
    assert [(c.pk, t.who) for c, t in overview.transitions] == [(course.pk, "Liva")]
    assert AccessLogEntry.objects.filter(actor=coordinator, citizen_id=child.pk).exists()


def test_adult_family_member_has_no_age_transitions(course: Course, coordinator: User) -> None:
    add_child(course, coordinator, date(2000, 1, 1), "Voksen")
    data = selectors.course_handovers(coordinator, course.pk)
    assert [t for t in data.transitions if t.who] == []
    assert list(alerts.transition_alerts(timezone.localdate())) == []
    # …as they were when the member was a child: 30 days before turning 18
    (alert,) = alerts.transition_alerts(date(2018, 1, 1) - timedelta(days=30))
    assert alert.title.startswith("Overgang om 30 dage for et barn")
