"""Issue 14, consistent figures: a course's progress charts start at the course (its first
measurement or its start), not at the citizen's 16th birthday decades earlier; the date fields of
the measurement forms show their default (today) in a form the browser displays."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.test import Client

from helhed.core.selectors import today
from helhed.progress import logic, services
from tests.progress.conftest import World

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def _svg(page: str, key: str) -> str:
    start = page.index(f'id="chart-{key}"')
    return page[start : page.index("</svg>", start)]


def test_the_who5_chart_starts_at_the_course_not_at_a_16th_birthday(
    world: World, client: Client, isolated_sources: dict[str, dict[str, object]]
) -> None:
    from helhed.handovers.extensions import timeline_events

    isolated_sources["events"]["handovers"] = timeline_events  # birthdays on the time axis
    course = world.course  # citizen born 15.03.1985: 16 in 2001, 18 in 2003
    measured = today() - timedelta(days=10)
    services.record_measurement(
        world.citizen,
        course_id=course.pk,
        instrument="who5",
        answers=FULL,
        measured_on=measured,
    )
    client.force_login(world.health)
    page = client.get(f"/forloeb/{course.pk}/progression/").content.decode()
    svg = _svg(page, f"who5-{course.pk}")
    ticks = re.findall(r'font-size="10">([\d.]+)</text>', svg)
    assert ticks[0] == f"{course.referred_on:%d.%m.%Y}", ticks  # referred, not started yet
    assert ticks[-1] == f"{today():%d.%m.%Y}", ticks
    assert "2001" not in svg and "2003" not in svg
    assert "Fylder 16" not in page and "fylder 16" not in page  # nor in the events table


def test_the_citizen_sees_the_same_axis(
    world: World, client: Client, isolated_sources: dict[str, dict[str, object]]
) -> None:
    from helhed.handovers.extensions import timeline_events

    isolated_sources["events"]["handovers"] = timeline_events
    course = world.course
    services.record_measurement(
        world.citizen,
        course_id=course.pk,
        instrument="who5",
        answers=FULL,
        measured_on=course.referred_on - timedelta(days=5),  # a baseline before the referral
    )
    client.force_login(world.citizen)
    page = client.get("/mig/progression/").content.decode()
    svg = _svg(page, f"who5-{course.pk}")
    ticks = re.findall(r'font-size="10">([\d.]+)</text>', svg)
    first = course.referred_on - timedelta(days=5)
    assert ticks[0] == f"{first:%d.%m.%Y}", ticks
    assert "2001" not in svg


def test_the_axis_runs_from_the_first_measurement_or_start_to_the_last_or_today() -> None:
    day = date(2026, 6, 1)
    axis = logic.chart_axis
    assert axis(
        start=date(2026, 3, 1), referred_on=date(2026, 2, 1), end=None, measured=[], on=day
    ) == (
        date(2026, 3, 1),
        day,
    )
    # not started: the referral; a baseline before it: the baseline
    assert axis(
        start=None, referred_on=date(2026, 2, 1), end=None, measured=[date(2026, 1, 20)], on=day
    ) == (
        date(2026, 1, 20),
        day,
    )
    # a finished course ends at its end date, unless measured later (a follow-up)
    assert axis(
        start=date(2025, 1, 1),
        referred_on=date(2024, 12, 1),
        end=date(2025, 6, 30),
        measured=[date(2025, 2, 1)],
        on=day,
    ) == (
        date(2025, 1, 1),
        date(2025, 6, 30),
    )
    assert axis(
        start=date(2025, 1, 1),
        referred_on=date(2024, 12, 1),
        end=date(2025, 6, 30),
        measured=[date(2025, 9, 1)],
        on=day,
    )[1] == date(2025, 9, 1)


def test_the_who5_date_field_shows_today(world: World, client: Client) -> None:
    shown = f"{today():%d.%m.%Y}"
    client.force_login(world.health)
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    for name in ("who5-measured_on", "gas-measured_on", "res-valid_from"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert field is not None, name
        # a type="date" input shows nothing for a dd.mm.åååå value: the field looked empty
        assert 'type="date"' not in field.group(0), field.group(0)
        assert f'value="{shown}"' in field.group(0), field.group(0)
    client.force_login(world.citizen)
    page = client.get("/mig/progression/").content.decode()
    field = re.search(r'<input[^>]*name="who5-measured_on"[^>]*>', page)
    assert field is not None and f'value="{shown}"' in field.group(0), page
    assert 'type="date"' not in field.group(0)


def test_a_date_typed_as_shown_is_saved(world: World, client: Client) -> None:
    client.force_login(world.health)
    day = today() - timedelta(days=3)
    data = {f"who5-who5_{i}": "3" for i in range(1, 6)}
    data["who5-measured_on"] = f"{day:%d.%m.%Y}"
    response = client.post(f"/forloeb/{world.course.pk}/progression/who5/", data, follow=True)
    assert "Målingen er gemt" in response.content.decode()
    from helhed.progress.models import Measurement

    assert Measurement.objects.get().measured_on == day
