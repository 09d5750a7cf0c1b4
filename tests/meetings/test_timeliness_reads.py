"""The timeliness figures over the API: the read is logged and counts only the recommendations
the reader may see."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Unit, User
from helhed.courses.models import Course, Measure
from helhed.meetings import services
from tests.meetings.conftest import BASE

pytestmark = pytest.mark.django_db


def test_timeliness_api_is_logged_and_counts_only_visible_recommendations(
    course: Course,
    coordinator: User,
    jobcenter_user: User,
    coordinator_unit: Unit,
    health_measure: Measure,
    login: Callable[[User], Client],
) -> None:
    services.recommend(
        coordinator,
        course_id=course.pk,
        measure_id=health_measure.pk,
        reasoning="Udredning først",
        authority_unit_id=coordinator_unit.pk,
    )
    before = AccessLogEntry.objects.filter(actor=jobcenter_user).count()
    figures = login(jobcenter_user).get(f"{BASE}/courses/{course.pk}/timeliness").json()
    assert figures["open_recommendations"] == 0
    entries = AccessLogEntry.objects.filter(actor=jobcenter_user)
    assert entries.count() == before + 1
    assert entries.order_by("-at")[0].what == "rettidighed"
    assert (
        login(coordinator)
        .get(f"{BASE}/courses/{course.pk}/timeliness")
        .json()["open_recommendations"]
        == 1
    )
    from helhed.meetings import selectors

    section = selectors.course_meetings(jobcenter_user, course.pk)
    assert not section.figures.get(selectors.OPEN_RECOMMENDATIONS)
