"""Issue 11: one write path. The same input through the page and through the API reaches the same
service: the same measurement stored, or the same field errors with the same messages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from helhed.core.selectors import today
from helhed.progress.models import Measurement, MeasurementSchedule
from tests.progress.conftest import World


def _page_who5(client: Client, world: World, answers: dict[str, Any], day: Any) -> list[str]:
    data = {f"who5-{k}": str(v) for k, v in answers.items()}
    data["who5-measured_on"] = f"{day:%d.%m.%Y}"
    response = client.post(f"/forloeb/{world.course.pk}/progression/who5/", data)
    if response.status_code == 302:
        return []
    page = response.content.decode()
    return sorted(set(re.findall(r'class="form-error-message"[^>]*>([^<]+)<', page)))


def _api_who5(client: Client, world: World, answers: dict[str, Any], day: Any) -> list[str]:
    response = client.post(
        f"/api/progress/courses/{world.course.pk}/measurements",
        {"instrument": "who5", "answers": answers, "measured_on": day.isoformat()},
        content_type="application/json",
    )
    if response.status_code == 201:
        return []
    return sorted({e["msg"] for e in response.json()["errors"]})


ADAPTERS = {"page": _page_who5, "api": _api_who5}


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_who5_through_either_adapter_is_the_same_measurement(
    world: World, client: Client, adapter: str
) -> None:
    client.force_login(world.health)
    day = today() - timedelta(days=2)
    assert ADAPTERS[adapter](client, world, {f"who5_{i}": 3 for i in range(1, 6)}, day) == []
    m = Measurement.objects.get()
    assert (m.instrument, m.measured_on, m.score, m.entered_by) == ("who5", day, 60.0, world.health)


def test_bad_answers_give_the_same_messages_through_both_adapters(
    world: World, client: Client
) -> None:
    client.force_login(world.health)
    answers = {"who5_1": 3, "who5_2": 3, "who5_3": 3, "who5_4": 3}  # one missing
    day = today() - timedelta(days=1)
    page = _page_who5(client, world, answers, day)
    api = _api_who5(client, world, answers, day)
    assert page and {m.strip() for m in page} == {m.strip() for m in api}
    assert not Measurement.objects.exists()


def test_a_measurement_plan_through_either_adapter_is_refused_alike(
    world: World, client: Client
) -> None:
    client.force_login(world.coordinator)
    day = today()
    page = client.post(
        f"/forloeb/{world.course.pk}/progression/maaleplan/",
        {
            "plan-instrument": "who5",
            "plan-first_on": f"{day:%d.%m.%Y}",
            "plan-every_weeks": "4",
            "plan-until": f"{day - timedelta(days=1):%d.%m.%Y}",
        },
    ).content.decode()
    api = client.post(
        f"/api/progress/courses/{world.course.pk}/measurement-plan",
        {
            "instrument": "who5",
            "first_on": day.isoformat(),
            "every_weeks": 4,
            "until": (day - timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    ).json()
    [message] = [e["msg"] for e in api["errors"]]
    assert [e["loc"][-1] for e in api["errors"]] == ["until"]
    assert message in page
    assert not MeasurementSchedule.objects.exists()
