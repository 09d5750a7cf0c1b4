"""Small cells on the dashboard and the comparison: a share is suppressed when its numerator (or
the rest) is 1-4 and gets no bar, and a suppressed cohort, initiative or timeliness mean cannot
be derived from the total (secondary suppression)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from helhed.courses.models import Course
from helhed.progress import logic, selectors, services, views
from tests.courses.builders import open_course
from tests.progress.conftest import World

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def test_a_share_with_a_small_numerator_is_suppressed() -> None:
    assert logic.show_share(1, 6) == "<5"  # 1 of 6 improved: "17 %" would reveal one citizen
    assert logic.show_share(5, 6) == "<5"  # 1 of 6 did not
    assert logic.show_share(4, 20) == "<5"
    assert logic.show_share(0, 6) == "0 %" and logic.show_share(6, 6) == "100 %"
    assert logic.show_share(5, 10) == "50 %"
    assert logic.show_share(3, 3) == "<5" and logic.show_share(0, 0) == "–"
    assert logic.share_suppressed(1, 6) and not logic.share_suppressed(5, 10)


def _cohort_courses(world: World, n: int, start: date) -> list[Course]:
    out = []
    for _ in range(n):
        c = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
        Course.objects.filter(pk=c.pk).update(start_date=start, referred_on=start)
        out.append(c)
    return out


def test_share_bar_has_no_width_for_a_small_numerator(world: World) -> None:
    start = date(2024, 2, 1)
    courses = _cohort_courses(world, 6, start)
    for i, c in enumerate(courses):
        services.record_measurement(
            world.coordinator, course_id=c.pk, instrument="who5", answers=FULL, measured_on=start
        )
        later = {**FULL, "who5_1": 5, "who5_2": 5, "who5_3": 5} if i == 0 else FULL
        services.record_measurement(
            world.coordinator,
            course_id=c.pk,
            instrument="who5",
            answers=later,
            measured_on=start + timedelta(days=30),
        )
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    row = next(r for r in d.rows if r.label == "2024 K1")
    assert row.who5_paired == "6" and row.who5_share == "<5"
    bar = next(b for b in views._share_bars(d)["bars"] if b["label"] == "2024 K1")
    assert bar["width"] == 0 and bar["text"] == "<5"


def test_a_suppressed_cohort_cannot_be_derived_from_the_total(world: World) -> None:
    Course.objects.filter(pk=world.course.pk).update(
        start_date=date(2024, 2, 1), referred_on=date(2024, 2, 1)
    )
    _cohort_courses(world, 7, date(2024, 2, 1))
    _cohort_courses(world, 3, date(2024, 5, 1))
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    rows = {r.label: r for r in d.rows}
    assert rows["2024 K2"].courses == "<5"
    # 11 in total minus 8 in K1 would give K2's 3: one of them must be hidden too
    assert not (rows["2024 K1"].courses.isdigit() and d.total.courses.isdigit())
    assert not (rows["2024 K1"].citizens.isdigit() and d.total.citizens.isdigit())
    # the rule itself
    assert logic.secondary_suppression([(8, False), (3, True)], (11, False)) == ({0}, False)
    assert logic.secondary_suppression([(8, False), (3, True), (2, True)], (13, False)) == (
        set(),
        False,
    )
    assert logic.secondary_suppression([(8, False), (6, False), (3, True)], (17, False)) == (
        {1},
        False,
    )
    assert logic.secondary_suppression([(3, True)], (3, True)) == (set(), False)


def test_a_category_hides_a_second_initiative(world: World) -> None:
    from helhed.registry.models import Initiative

    other = Initiative.objects.create(name="Anden", location="Odense")
    for _ in range(3):
        open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    for _ in range(7):
        open_course(world.coordinator, world.unit, initiative=other)
    by_initiative, by_category = selectors.comparison(world.leader)
    # both initiatives are in the same category (none); the category total minus the visible
    # initiative must not reveal the suppressed one
    assert len(by_category) == 1
    shown = [r.row.courses for r in by_initiative]
    assert "<5" in shown
    assert not (any(s.isdigit() for s in shown) and by_category[0].row.courses.isdigit())
    # the visible initiative's figure is its dashboard's "I alt" (shown there), so the category
    # is what is hidden
    assert sorted(shown) == ["7", "<5"] and by_category[0].row.courses == "x"


def test_timeliness_means_get_secondary_suppression(
    world: World, isolated_sources: dict[str, dict[str, object]]
) -> None:
    from helhed.courses.sections import TimelinessMetric

    Course.objects.filter(pk=world.course.pk).update(
        start_date=date(2024, 2, 1), referred_on=date(2024, 2, 1)
    )
    _cohort_courses(world, 7, date(2024, 2, 1))
    _cohort_courses(world, 3, date(2024, 5, 1))
    ids = list(Course.objects.values_list("pk", flat=True))
    isolated_sources["timeliness"]["test"] = (
        [TimelinessMetric("days", "Dage til første møde", "dage")],
        lambda course_ids: {c: {"days": 10.0} for c in course_ids if c in ids},
    )
    d = selectors.dashboard_timeliness(world.leader, world.course.initiative_id)
    cells = {r.label: r.timely_cells[0] for r in d.rows}
    assert cells["2024 K2"] == "<5"
    # the mean of K2 = (11 · total − 8 · K1) / 3 unless K1 or the total is hidden
    assert cells["2024 K1"] == "x" and d.total.timely_cells[0] == "10,0"  # Danish: decimal comma
