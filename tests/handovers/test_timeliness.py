"""Timeliness figures: acknowledgement time, gap days, contact persons and changes — per course
(registered with courses.sections) and per initiative; a bounded number of queries for many
courses. The initiative's figures cover the reader's own organisations, show no maximum and
suppress small numbers; the gap days computed in SQL equal ``logic.gaps`` and count no day that
has not happened; the acknowledgement time is the first acknowledgement's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helhed.core.models import Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Course
from helhed.courses.sections import timeliness_for_courses, timeliness_metrics
from helhed.handovers import logic, selectors, services
from helhed.handovers.models import Handover, HandoverEvent
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


def test_initiative_figures_scoped_and_small_numbers_suppressed(
    course: Course, coordinator: User, make_user: Callable[..., User], outsider_unit: Unit
) -> None:
    foreign_coordinator = make_user("koordinator", outsider_unit)
    out = selectors.initiative_timeliness(foreign_coordinator, course.initiative_id)
    assert out["courses"] == 0  # not their organisation's courses
    out = selectors.initiative_timeliness(coordinator, course.initiative_id)
    assert out["courses"] == 1
    figure = out["gap_days_total"]
    assert "max" not in figure and figure["mean"] is None and figure["n"] == "<5"
    for _ in range(5):
        other_course(coordinator, course)
    out = selectors.initiative_timeliness(coordinator, course.initiative_id)
    assert out["courses"] == 6 and out["contact_persons_current"]["n"] == 6


measure_spec = st.tuples(
    st.integers(min_value=-60, max_value=40),  # start, days from today
    st.one_of(st.none(), st.integers(min_value=0, max_value=30)),  # length (None: no end)
    st.sampled_from(["aktiv", "afsluttet", "annulleret", "planlagt"]),
    st.one_of(st.none(), st.integers(min_value=-5, max_value=30)),  # expected end - start
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(st.lists(measure_spec, max_size=5), min_size=1, max_size=3),
    closed=st.lists(st.booleans(), min_size=3, max_size=3),
    ends=st.lists(st.one_of(st.none(), st.integers(-30, 10)), min_size=3, max_size=3),
)
def test_sql_gap_figures_equal_logic_gaps(
    course: Course,
    coordinator: User,
    specs: list[list[tuple[int, int | None, str, int | None]]],
    closed: list[bool],
    ends: list[int | None],
) -> None:
    from helhed.courses.models import Measure, Plan

    today = timezone.localdate()
    courses = list(Course.objects.filter(initiative=course.initiative).order_by("created_at"))
    while len(courses) < 3:
        courses.append(other_course(coordinator, course))
    Measure.objects.filter(plan__course__in=courses).delete()
    for i, (c, measures) in enumerate(zip(courses, specs + [[]] * 3, strict=False)):
        Course.objects.filter(pk=c.pk).update(
            status="afsluttet" if closed[i] else "aktiv",
            closing_reason="Flyttet" if closed[i] else "",
            end_date=today + timedelta(days=ends[i]) if ends[i] is not None else None,
        )
        plan = Plan.objects.get(course=c)
        for start, length, status, expected in measures:
            s = today + timedelta(days=start)
            Measure.objects.create(
                plan=plan,
                title="M",
                welfare_area_id="beskaeftigelse",
                legal_basis_id="lab-187",
                organisation=c.coordinator_unit.organisation,
                start_date=s,
                end_date=s + timedelta(days=length) if length is not None else None,
                expected_end=s + timedelta(days=expected) if expected is not None else None,
                status=status,
                budget_area="beskaeftigelse",
            )
    ids = [c.pk for c in courses]
    sql = selectors.gap_figures_sql(ids, today)
    periods = selectors.measure_periods(ids, on=today)
    for c in Course.objects.filter(pk__in=ids):
        if not periods.get(c.pk):
            assert c.pk not in sql  # no dated measures: no figure, not 0
            assert selectors.timeliness_for([c.pk])[c.pk]["gap_days_total"] is None
            continue
        # The one source of gaps (page, summary, API, alerts): the SQL agrees with it.
        picture = selectors.course_gap_picture(c, today)
        assert sql[c.pk] == (picture.total, picture.longest)
        running = c.status != "afsluttet"
        assert picture == logic.gap_picture(
            periods[c.pk], today, running=running, course_end=c.end_date
        )


def test_future_planned_measure_counts_no_days_that_have_not_happened(
    course: Course, coordinator: User
) -> None:
    today = timezone.localdate()
    add_measure(coordinator, course, today - timedelta(days=20), today - timedelta(days=11))
    add_measure(coordinator, course, today + timedelta(days=30), None, status="planlagt")
    figures = selectors.timeliness_for([course.pk])[course.pk]
    # from the day after the first measure ended up to and including today; not the 29 days
    # after today before the planned measure starts
    assert figures["gap_days_total"] == 11
    assert figures["gap_days_longest"] == 11


def test_course_without_measures_has_no_gap_figure(course: Course) -> None:
    figures = selectors.timeliness_for([course.pk])[course.pk]
    assert figures["gap_days_total"] is None and figures["gap_days_longest"] is None


def test_acknowledgement_hours_use_the_first_acknowledgement(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    Handover.objects.filter(pk=h.pk).update(requested_at=timezone.now() - timedelta(hours=30))
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    services.act(drug_user, handover_id=h.pk, action=logic.NOT_ARRIVED)
    # a later acknowledgement does not count
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    figures = selectors.timeliness_for([course.pk])[course.pk]
    assert figures["handover_ack_hours"] == 30.0
    assert figures["handovers_waiting"] == 0
