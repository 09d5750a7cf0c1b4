"""Scores and what they rest on: non-finite answers are field errors (never a 500 or a stored
row), a backdated goal rating recomputes every later GAS T-score, the T chart's range follows
the data, and instruments are kept per version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helhed.progress import logic, selectors, services, views
from helhed.progress.models import CourseSummary, Measurement
from tests.progress.conftest import World

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def test_non_finite_answers_are_field_errors(world: World, client: Client) -> None:
    for bad in (float("inf"), float("-inf"), float("nan"), 1e400):
        _clean, errors = logic.validate_answers(logic.WHO5, {**FULL, "who5_2": bad})
        assert errors == {"who5_2": "Svaret skal være et helt tal."}
    client.force_login(world.citizen)
    url = f"/api/progress/courses/{world.course.pk}/measurements"
    rest = ", ".join(f'"who5_{i}": 3' for i in range(2, 6))
    body = '{"instrument": "who5", "answers": {"who5_1": 1e400, ' + rest + "}}"
    r = client.post(url, body, content_type="application/json")
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert not Measurement.objects.exists()


def test_a_backdated_rating_recomputes_later_t_scores(world: World) -> None:
    a, b, c = world.goals
    d0 = timezone.localdate() - timedelta(days=30)
    rate = lambda levels, on: services.record_goal_ratings(  # noqa: E731
        world.coordinator, course_id=world.course.pk, levels=levels, measured_on=on
    )
    rate({str(a.pk): 0, str(b.pk): 0, str(c.pk): 0}, d0)
    rate({str(a.pk): 2}, d0 + timedelta(days=20))
    rate({str(b.pk): 2}, d0 + timedelta(days=10))  # backdated
    weights = [logic.goal_weight(g.importance) for g in (a, b, c)]
    expected = round(logic.gas_t_score([2, 2, 0], weights), 2)
    later = Measurement.objects.get(instrument="gas-t", measured_on=d0 + timedelta(days=20))
    assert later.score == expected
    assert CourseSummary.objects.get(course=world.course).gas_t_last == expected
    middle = Measurement.objects.get(instrument="gas-t", measured_on=d0 + timedelta(days=10))
    assert middle.score == round(logic.gas_t_score([0, 2, 0], weights), 2)


def test_t_chart_range_follows_the_data(world: World) -> None:
    from tests.progress.conftest import add_goals

    goals = [*world.goals, *add_goals(world.course, [("Mål 4", None), ("Mål 5", None)])]
    for g in goals:
        g.importance = None
        g.save()
    services.record_goal_ratings(
        world.coordinator, course_id=world.course.pk, levels={str(g.pk): 2 for g in goals}
    )
    p = selectors.course_progress(world.coordinator, world.course.pk)
    t = p.gas_t[0].score
    assert t is not None and t > 80
    chart = views.course_charts(p)["gas_t"]
    assert all(0 <= pt.y <= chart.top + chart.plot_h for pt in chart.points)
    assert chart.points[0].y >= chart.top


def test_instruments_are_kept_per_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    v2 = replace(logic.WHO5, version=2)
    monkeypatch.setitem(logic.INSTRUMENTS, ("who5", 2), v2)
    assert logic.instrument("who5") is v2
    assert logic.instrument("who5", 1) is logic.WHO5
    assert logic.instrument("who5", 2) is v2
    with pytest.raises(ValueError):
        logic.instrument("who5", 3)
    assert logic.rescore(logic.WHO5.key, 1, FULL) == 60.0
