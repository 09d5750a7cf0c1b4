"""The course page's reads compiled once per process (``core.prepared``): a course's parts read
through ``access_for`` and ``course_overview`` behave as Django's prefetches do — also when a
caller filters them further, which must stay within that course."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helhed.courses import selectors
from tests.courses.builders import (
    give_consent,
    join_team,
    make_staff,
    make_unit,
    open_course,
    organisation,
)

pytestmark = pytest.mark.django_db


def test_a_courses_parts_filtered_further_stay_that_courses_and_keep_what_was_read() -> None:
    odense = organisation("461")
    coord_unit, job = make_unit(odense, "Koordinering"), make_unit(odense, "Jobcenter")
    karen = make_staff(coord_unit, role="koordinator")
    mine, other = open_course(karen, coord_unit), open_course(karen, coord_unit)
    for course in (mine, other):
        give_consent(course, karen, units=[job])
        join_team(course, karen, job)
    for _ in range(2):  # the second time from the kept SQL
        access = selectors.access_for(karen, mine.pk)
        assert selectors._ACCESS_COURSE.kept(
            mine.pk, karen.pk, [coord_unit.pk], selectors.timezone.now()
        )
        course = access.course
        consents = list(course.consents.filter(given_by_name="Mette Hansen"))
        assert [c.course_id for c in consents] == [mine.pk]
        assert all(hasattr(c, "has_document") and c.course is not None for c in consents)
        team = course.team.filter(unit=job)
        with CaptureQueriesContext(connection) as queries:
            members = list(team)
            names = [(m.unit.name, m.organisation.name) for m in members]
        assert [m.course_id for m in members] == [mine.pk]
        assert names == [("Jobcenter", odense.name)]
        assert len(queries.captured_queries) == 1  # unit and organisation read with them
        rest = list(course.team.exclude(unit=job))  # the coordinator's own place, this course's
        assert [m.course_id for m in rest] == [mine.pk] and rest[0].unit_id == coord_unit.pk
        overview = selectors.course_overview(karen, mine.pk)
        assert overview.plan is not None
        assert overview.plan.conflicts.filter().count() == 0
        assert list(overview.plan.goals.all()) == list(overview.plan.goals.filter())
