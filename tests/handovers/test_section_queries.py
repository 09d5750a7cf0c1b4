"""The course's handovers sub-page (issue 14, "Done means"): at most 15 queries, the same number
for a plan of two measures as for one of twenty (gaps, alerts sent and titles are one query
each, whatever the plan's size)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helhed.core.models import User
from helhed.courses.models import Course
from tests.handovers.builders import add_measure

pytestmark = pytest.mark.django_db


def data_queries(captured: CaptureQueriesContext) -> int:
    """Statements that read or write data: transaction and lock control left out (savepoints,
    PostgreSQL's advisory lock around the access-log append), as the course page's test counts."""
    control = (
        "SAVEPOINT",
        "RELEASE SAVEPOINT",
        "ROLLBACK TO SAVEPOINT",
        "BEGIN",
        "COMMIT",
        "SELECT PG_ADVISORY_XACT_LOCK",
    )
    return sum(1 for q in captured.captured_queries if not q["sql"].upper().startswith(control))


def queries(client: Client, course: Course) -> int:
    url = f"/forloeb/{course.pk}/overdragelser/"
    client.get(url, headers={"HX-Request": "true"})  # warm the session and caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return data_queries(captured)


def test_the_handovers_sub_page_is_constant_in_plan_size(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    client = login(coordinator)
    for k in range(2):
        add_measure(coordinator, course, today - timedelta(days=100 - 10 * k), today + timedelta(5))
    few = queries(client, course)
    for k in range(18):
        start = today - timedelta(days=80 - 7 * k)
        add_measure(coordinator, course, start, start + timedelta(days=3))
    many = queries(client, course)
    assert many == few, (few, many)
    assert many <= 15, many
