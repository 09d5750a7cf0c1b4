"""Issue 10, hole 7: the evaluation export, tried as an analyst who wants more than the consents
give. It must refuse an initiative with fewer than 5 citizens who consent to evaluation (the
dashboard's threshold), and use only a consent valid today that names evaluation as a purpose and
the analyst's organisation as a recipient — and only the categories that consent covers. Each test
failed on the code before issue 10 (which exported 1-3 citizens, on any valid consent)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.progress import services
from tests.courses.builders import make_unit, open_course, organisation
from tests.progress.conftest import World, evaluation_consent, more_evaluated_citizens

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def _page(client: Client, world: World) -> Any:
    url = f"/progression/indsatser/{world.course.initiative_id}/udtraek/"
    return client.post(url, {"fmt": "csv", "date_mode": "month", "purpose": "evaluering"})


def _api(client: Client, world: World) -> Any:
    url = f"/api/progress/initiatives/{world.course.initiative_id}/export"
    body = {"purpose": "evaluering", "date_mode": "month"}
    return client.post(url, json.dumps(body), content_type="application/json")


def _rows(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _measured(world: World) -> None:
    day = timezone.localdate() - timedelta(days=20)
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL, measured_on=day
    )


def test_the_export_refuses_an_initiative_with_four_citizens(world: World, client: Client) -> None:
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    more_evaluated_citizens(world, 3)  # four citizens in all
    _measured(world)
    client.force_login(world.analyst)
    page = client.get(f"/progression/indsatser/{world.course.initiative_id}/udtraek/")
    assert page.status_code == 200 and "færre end 5 borgere" in page.content.decode()
    refused = _page(client, world)
    assert refused.status_code == 422 and not refused.streaming
    assert refused["Content-Type"].startswith("text/html")
    assert "færre end 5 borgere" in refused.content.decode()
    api = _api(client, world)
    assert api.status_code == 422 and api["Content-Type"] == "application/problem+json"
    problem = api.json()
    assert problem["title"] == "For få borgere" and problem["minimum"] == 5
    assert "rows" not in problem
    assert not AccessLogEntry.objects.filter(purpose="evaluering").exists()
    # the fifth citizen who consents makes it an export
    more_evaluated_citizens(world, 1)
    rows = _rows(_page(client, world))
    assert [r["maaleredskab"] for r in rows] == ["who5"]
    assert AccessLogEntry.objects.filter(purpose="evaluering").count() == 5
    api = _api(client, world)
    assert api.status_code == 200 and [r["maaleredskab"] for r in api.json()["rows"]] == ["who5"]


def test_a_consent_without_evaluation_purpose_or_given_to_another_organisation_does_not_count(
    world: World, client: Client
) -> None:
    day = timezone.localdate() - timedelta(days=20)
    # casework only: covers the analyst's unit, health included, but not for evaluation
    casework = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    evaluation_consent(casework, world.coordinator, units=[world.unit], for_evaluation=False)
    services.record_measurement(
        world.coordinator, course_id=casework.pk, instrument="who5", answers=FULL, measured_on=day
    )
    # for evaluation, but by another municipality
    elsewhere = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    other = make_unit(organisation("316"), "Evaluering Holbæk")
    evaluation_consent(elsewhere, world.coordinator, units=[other])
    evaluation_consent(
        elsewhere, world.coordinator, organisations=[organisation("316")], categories=("plan",)
    )
    services.record_measurement(
        world.coordinator, course_id=elsewhere.pk, instrument="who5", answers=FULL, measured_on=day
    )
    # with these two, five citizens have a valid consent covering the analyst's unit or some
    # evaluation consent — but only three consent to evaluation by the analyst's municipality
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    _measured(world)
    more_evaluated_citizens(world, 2)
    client.force_login(world.analyst)
    assert _page(client, world).status_code == 422
    # two more who consent: now an export, without the two who did not consent to it
    more_evaluated_citizens(world, 2)
    rows = _rows(_page(client, world))
    assert len(rows) == 1 and len({r["forloeb"] for r in rows}) == 1
    logged = set(
        AccessLogEntry.objects.filter(purpose="evaluering").values_list("citizen_id", flat=True)
    )
    assert world.course.citizen_id in logged and len(logged) == 5
    assert not logged & {casework.citizen_id, elsewhere.citizen_id}
    assert set(
        AccessLogEntry.objects.filter(purpose="evaluering").values_list("actor_unit_id", flat=True)
    ) == {world.unit.pk}


def test_a_consent_to_the_analysts_organisation_counts_for_its_units(
    world: World, client: Client
) -> None:
    """The municipality is the data controller: a consent that names it, or one of its units,
    covers its analyst."""
    evaluation_consent(world.course, world.coordinator, organisations=[world.unit.organisation])
    _measured(world)
    for course in more_evaluated_citizens(world, 4):
        course.consents.update(for_evaluation=False)  # their casework consents only …
        jobcenter = make_unit(world.unit.organisation, f"Jobcenter {course.pk.hex[:6]}")
        evaluation_consent(course, world.coordinator, units=[jobcenter])  # … and this one
    client.force_login(world.analyst)
    rows = _rows(_page(client, world))
    assert [r["maaleredskab"] for r in rows] == ["who5"]


def test_only_the_categories_the_evaluation_consent_covers_are_exported(
    world: World, client: Client
) -> None:
    """The casework consents of the world cover health for the health unit; the evaluation
    consent covers only the plan: no WHO-5 (health) row, the goal ratings (plan) stay."""
    evaluation_consent(world.course, world.coordinator, units=[world.unit], categories=("plan",))
    more_evaluated_citizens(world, 4)
    _measured(world)
    services.record_goal_ratings(
        world.coordinator, course_id=world.course.pk, levels={str(g.pk): 0 for g in world.goals}
    )
    client.force_login(world.analyst)
    rows = _rows(_page(client, world))
    instruments = {r["maaleredskab"] for r in rows}
    assert "who5" not in instruments and "maalopfyldelse" in instruments
