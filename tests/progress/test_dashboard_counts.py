"""What the dashboard counts: a citizen with courses in two cohorts is one citizen in the total
(and in the comparison's categories), and only held meetings are meetings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from helhed.courses.models import Course
from helhed.progress import selectors
from tests.progress.conftest import World

pytestmark = pytest.mark.django_db


def test_a_citizen_with_two_courses_counts_once_in_the_total(world: World) -> None:
    Course.objects.filter(pk=world.course.pk).update(
        start_date=date(2024, 2, 1), referred_on=date(2024, 2, 1)
    )
    second = Course.objects.create(
        citizen=world.course.citizen,
        initiative=world.course.initiative,
        coordinator_unit=world.unit,
        coordinator=world.course.coordinator,
        referred_on=date(2024, 5, 1),
        start_date=date(2024, 5, 1),
    )
    assert second.citizen_id == world.course.citizen_id
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    assert d.total.raw["courses"] == 2 and d.total.raw["citizens"] == 1
    _by_init, by_cat = selectors.comparison(world.leader)
    assert sum(r.row.raw["citizens"] for r in by_cat) == 1


def test_only_held_meetings_count(world: World) -> None:
    from helhed.meetings.models import Meeting

    now = timezone.now()
    for status in ("afholdt", "aflyst", "planlaegges", "afholdt"):
        Meeting.objects.create(
            course=world.course,
            purpose="Netværksmøde",
            status=status,
            starts_at=now - timedelta(days=1),
            created_by=world.coordinator,
        )
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    assert d.total.raw["meetings"] == 2
