"""Double submissions: idempotency keys are scoped per user, goal ratings already given that day
are a 409 naming the measurement there, and a concurrent twin of an outcome state is a field
error, never a 500."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from helhed.progress import services
from helhed.progress.models import Measurement, OutcomeState
from tests.courses.builders import make_citizen_user, open_course
from tests.progress.conftest import World

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_idempotency_keys_are_per_user(world: World, client: Client) -> None:
    other = make_citizen_user()
    course = open_course(world.coordinator, world.unit)
    course.citizen.user = other
    course.citizen.save()
    client.force_login(world.citizen)
    url = f"/api/progress/courses/{world.course.pk}/measurements"
    first = _post(client, url, {"instrument": "who5", "answers": FULL, "idempotency_key": "k1"})
    assert first.status_code == 201
    client.force_login(other)
    url2 = f"/api/progress/courses/{course.pk}/measurements"
    second = _post(client, url2, {"instrument": "who5", "answers": FULL, "idempotency_key": "k1"})
    assert second.status_code == 201, second.content
    assert first.json()["id"] not in second.content.decode()
    # the same user and key again is a double submission naming their own measurement
    again = _post(client, url2, {"instrument": "who5", "answers": FULL, "idempotency_key": "k1"})
    assert again.status_code == 409 and again.json()["existing_id"] == second.json()["id"]


def test_a_duplicate_gas_rating_is_409(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    url = f"/api/progress/courses/{world.course.pk}/goal-ratings"
    body = {"levels": {str(g.pk): 0 for g in world.goals}}
    assert _post(client, url, body).status_code == 201
    again = _post(client, url, body)
    assert again.status_code == 409, again.content
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["existing_id"]
    assert Measurement.objects.filter(instrument="maalopfyldelse").count() == 3


def test_a_concurrent_outcome_twin_is_a_field_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = timezone.localdate() - timedelta(days=2)
    services.record_outcome(
        world.coordinator,
        course_id=world.course.pk,
        kind="bolig",
        value="egen-bolig",
        valid_from=day,
    )
    real = QuerySet.exists

    def racing(self: QuerySet[Any]) -> bool:  # the twin is not there yet when we look
        return False if self.model is OutcomeState else real(self)

    monkeypatch.setattr(QuerySet, "exists", racing)
    with pytest.raises(ValidationError) as exc:
        services.record_outcome(
            world.coordinator,
            course_id=world.course.pk,
            kind="bolig",
            value="herberg",
            valid_from=day,
        )
    assert "valid_from" in exc.value.message_dict
    assert OutcomeState.objects.count() == 1
