"""What a professional sees of a course's progress follows the data categories their consent
covers: the life areas item by item (answers, comments, the mean, charts, table, API), and the
plan's events on the charts event by event; the citizen sees all of their own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from helhed.courses.sections import TimelineEvent
from helhed.progress import logic, selectors, services, views
from helhed.progress.models import Measurement
from tests.progress.conftest import World

pytestmark = pytest.mark.django_db


def test_chart_events_are_filtered_by_the_readers_categories(
    world: World, client: Client, isolated_sources: dict[str, dict[str, object]]
) -> None:
    day = timezone.localdate() - timedelta(days=3)

    def source(course_ids: Any) -> list[TimelineEvent]:
        return [
            TimelineEvent(
                c, day, "measure-start", "Indsats starter: Psykiatrisk udredning", "", "health"
            )
            for c in course_ids
        ] + [TimelineEvent(c, day, "meeting", "Netværksmøde", "", "plan") for c in course_ids]

    isolated_sources["events"]["test"] = source
    labels = lambda p: {e.label for e in p.events}  # noqa: E731
    job = selectors.course_progress(world.jobcenter, world.course.pk)
    assert labels(job) == {"Netværksmøde"}
    coordinator = selectors.course_progress(world.coordinator, world.course.pk)
    assert "Indsats starter: Psykiatrisk udredning" in labels(coordinator)
    (own,) = selectors.citizen_progress(world.citizen)
    assert "Indsats starter: Psykiatrisk udredning" in labels(own)
    client.force_login(world.jobcenter)
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert "Psykiatrisk udredning" not in page


def _life(world: World) -> Measurement:
    answers = {i.key: 6 for i in logic.LIFE_AREAS}
    answers["kriminalitet"] = 2
    return services.record_measurement(
        world.coordinator,
        course_id=world.course.pk,
        instrument="livsomraader",
        answers=answers,
        comments={"kriminalitet": "Sigtet for tyveri", "psykisk": "Sover dårligt"},
    )


def test_life_area_items_follow_their_own_category(world: World, client: Client) -> None:
    _life(world)
    # health consent (plan, health, social): no economy, employment or crime items, no crime
    # comment
    p = selectors.course_progress(world.health, world.course.pk)
    assert p.life_areas is not None
    (m,) = p.life_areas
    assert "kriminalitet" not in m.answers and "oekonomi" not in m.answers
    assert "arbejde" not in m.answers  # work/education is employment data since issue 10
    assert m.answers["psykisk"] == 6 and m.comments == {"psykisk": "Sover dårligt"}
    assert m.score is None  # the mean would rest on items they may not see
    assert [i.key for i in p.life_items] == [
        i.key for i in logic.LIFE_AREAS if i.key not in ("oekonomi", "arbejde", "kriminalitet")
    ]
    table = views._life_table(p)
    assert len(table[0]["values"]) == len(p.life_items)
    charts = views.course_charts(p)
    assert "Kriminalitet" not in {c.title for c in charts["life"]}
    client.force_login(world.health)
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert "Sigtet for tyveri" not in page and "Kriminalitet" not in page
    api = client.get(f"/api/progress/courses/{world.course.pk}/measurements").json()
    life = [m for m in api if m["instrument"] == "livsomraader"]
    assert life and "kriminalitet" not in life[0]["answers"]
    assert "oekonomi" not in life[0]["answers"]
    # jobcenter (plan, employment, economy): only the economy and work/education items
    p = selectors.course_progress(world.jobcenter, world.course.pk)
    assert p.life_areas is not None and [i.key for i in p.life_items] == ["oekonomi", "arbejde"]
    assert p.life_areas[0].answers == {"oekonomi": 6, "arbejde": 6}
    # the coordinator and the citizen see everything
    p = selectors.course_progress(world.coordinator, world.course.pk)
    assert p.life_areas is not None and p.life_areas[0].answers["kriminalitet"] == 2
    assert p.life_areas[0].comments["kriminalitet"] == "Sigtet for tyveri"
    (own,) = selectors.citizen_progress(world.citizen)
    assert own.life_areas is not None and own.life_areas[0].score is not None


def test_life_area_categories_are_per_item() -> None:
    cats = {i.key: logic.item_category(logic.LIFE_AREAS_INSTRUMENT, i) for i in logic.LIFE_AREAS}
    assert cats["fysisk"] == cats["psykisk"] == cats["rusmidler"] == "health"
    assert cats["oekonomi"] == "economy" and cats["kriminalitet"] == "crime"
    assert cats["bolig"] == cats["familie"] == "social"
    assert cats["arbejde"] == "employment"  # apart from economy since issue 10
    assert set(logic.LIFE_AREAS_INSTRUMENT.categories) == {
        "health",
        "social",
        "employment",
        "economy",
        "crime",
    }
