"""Timeliness figures: acknowledgement time, gap days, contact persons and changes — per course
(registered with courses.sections) and per initiative; a bounded number of queries for many
courses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Course
from helhed.courses.sections import timeliness_for_courses, timeliness_metrics
from helhed.handovers import logic, selectors, services
from helhed.handovers.models import HandoverEvent
from tests.courses.builders import join_team
from tests.handovers.builders import add_measure, other_course

pytestmark = pytest.mark.django_db


def test_figures_for_one_course(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    drug_user: User,
    jobcenter_member: object,
) -> None:
    today = timezone.localdate()
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="x", to_unit_id=drug_unit.pk
    )
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    # requested 30 hours before the acknowledgement
    ack = HandoverEvent.objects.get(handover=h, action="accept")
    HandoverEvent.objects.filter(handover=h, action="create").update(
        at=ack.at - timedelta(hours=30)
    )
    type(h).objects.filter(pk=h.pk).update(requested_at=ack.at - timedelta(hours=30))
    add_measure(coordinator, course, today - timedelta(days=60), today - timedelta(days=41))
    add_measure(coordinator, course, today - timedelta(days=30), today - timedelta(days=11))
    # gaps: 10 days (-40..-31) and an open gap of 11 days (-10..today, both inclusive)
    course_services.end_team_member(coordinator, jobcenter_member, today - timedelta(days=1))  # type: ignore[arg-type]
    figures = selectors.timeliness_for([course.pk])[course.pk]
    assert figures["handover_ack_hours"] == 30.0
    assert figures["handovers_waiting"] == 0
    assert figures["gap_days_total"] == 21 and figures["gap_days_longest"] == 11
    assert figures["contact_persons_current"] == 1  # the coordinator (the jobcenter left)
    assert figures["contact_person_changes"] == 1  # one left; nobody joined later
    join_team(course, coordinator, drug_unit, valid_from=today - timedelta(days=5))
    figures = selectors.timeliness_for([course.pk])[course.pk]
    assert figures["contact_persons_current"] == 2
    assert figures["contact_person_changes"] == 2  # one left, one joined later


def test_registered_with_core_sections(course: Course) -> None:
    keys = {m.key for m in timeliness_metrics()}
    assert {"handover_ack_hours", "gap_days_total", "contact_person_changes"} <= keys
    assert "gap_days_longest" in timeliness_for_courses([course.pk])[course.pk]


def test_query_count_does_not_grow_with_courses(course: Course, coordinator: User) -> None:
    courses = [course] + [other_course(coordinator, course) for _ in range(6)]
    for c in courses:
        add_measure(coordinator, c, timezone.localdate() - timedelta(days=9), None)
    ids = [c.pk for c in courses]
    with CaptureQueriesContext(connection) as few:
        selectors.timeliness_for(ids[:2])
    with CaptureQueriesContext(connection) as many:
        result = selectors.timeliness_for(ids)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert all(v["gap_days_total"] == 0 for v in result.values())


def test_initiative_figures_need_a_role_and_name_no_citizen(
    course: Course, coordinator: User, outsider_user: User
) -> None:
    out = selectors.initiative_timeliness(coordinator, course.initiative_id)
    # one course is one citizen: no figure below five courses
    assert out["courses"] == 1 and out["gap_days_total"] == {"mean": None, "n": "<5"}
    with pytest.raises(PermissionDenied):
        selectors.initiative_timeliness(outsider_user, course.initiative_id)  # a fagperson
