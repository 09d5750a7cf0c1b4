"""The pseudonymised evaluation export and the API."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from helhed.audit.models import AccessLogEntry
from helhed.progress import logic, selectors, services
from helhed.progress.models import Measurement
from tests.courses.builders import open_course
from tests.progress.conftest import World, evaluation_consent, more_evaluated_citizens

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def _data(world: World) -> None:
    """Two citizens with measurements, both consenting to evaluation by the analyst's unit, and
    three more who consent (without measurements): five citizens, the export's threshold."""
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    day = timezone.localdate() - timedelta(days=40)
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL, measured_on=day
    )
    services.record_measurement(
        world.citizen,
        course_id=world.course.pk,
        instrument="who5",
        answers={**FULL, "who5_1": 5},
        measured_on=day + timedelta(days=20),
    )
    services.record_outcome(
        world.coordinator,
        course_id=world.course.pk,
        kind="beskaeftigelse",
        value="kontanthjaelp",
        valid_from=day,
    )
    second = open_course(
        world.coordinator,
        world.unit,
        initiative=world.course.initiative,
        first_name="Zakarias",
        last_name="Quist",
    )
    evaluation_consent(second, world.coordinator, units=[world.unit], categories=("plan", "health"))
    services.record_measurement(
        world.coordinator, course_id=second.pk, instrument="who5", answers=FULL, measured_on=day
    )
    more_evaluated_citizens(world, 3)


def _text(response: object) -> str:
    return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]


def _csv(response: object) -> list[dict[str, str]]:
    text = _text(response)
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_export_is_pseudonymised_stable_coarsened_and_logged(world: World, client: Client) -> None:
    _data(world)
    client.force_login(world.analyst)
    url = f"/progression/indsatser/{world.course.initiative_id}/udtraek/"
    before = AccessLogEntry.objects.filter(purpose="evaluering").count()
    first = client.post(url, {"fmt": "csv", "date_mode": "month", "purpose": "evaluering"})
    assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
    text = _text(first)
    for secret in (
        "Mette",
        "Hansen",
        "Zakarias",
        "Quist",
        world.course.citizen.cpr,
        str(world.course.citizen_id),
        str(world.course.pk),
    ):
        assert secret not in text
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 4
    assert {r["dato"][:4] for r in rows} and all(len(r["dato"]) == 7 for r in rows)  # YYYY-MM
    pseudonyms = {r["pseudonym"] for r in rows}
    assert len(pseudonyms) == 2
    # stable: the same purpose gives the same pseudonyms; another purpose other ones
    again = _csv(client.post(url, {"fmt": "csv", "date_mode": "quarter", "purpose": "evaluering"}))
    assert {r["pseudonym"] for r in again} == pseudonyms
    assert all("-Q" in r["dato"] for r in again)
    other = _csv(client.post(url, {"fmt": "csv", "date_mode": "shift", "purpose": "forskning"}))
    assert not ({r["pseudonym"] for r in other} & pseudonyms)
    # shifted dates: the same shift for all rows of one citizen, so intervals are kept
    real = sorted(
        Measurement.objects.filter(course=world.course, instrument="who5").values_list(
            "measured_on", flat=True
        )
    )
    mine = sorted(
        r["dato"]
        for r in other
        if r["raekke"] == "maaling"
        and r["forloeb"] == next(x["forloeb"] for x in other if x["svar"] == "kontanthjaelp")
    )
    assert len(mine) == 2
    from datetime import date

    d0, d1 = (date.fromisoformat(x) for x in mine)
    assert (d1 - d0) == (real[1] - real[0]) and d0 != real[0]
    # one entry per citizen whose data the export read (the five who consent to it) and export,
    # purpose "evaluering", attributed to the analyst's unit the consents name
    logged = AccessLogEntry.objects.filter(purpose="evaluering")
    assert logged.count() - before == 3 * 5
    assert set(logged.values_list("actor_unit_id", flat=True)) == {world.unit.pk}
    assert set(logged.values_list("citizen_id", flat=True)) >= {world.course.citizen_id}


def test_xlsx_export(world: World, client: Client) -> None:
    _data(world)
    client.force_login(world.analyst)
    url = f"/progression/indsatser/{world.course.initiative_id}/udtraek/"
    response = client.post(url, {"fmt": "xlsx", "date_mode": "quarter", "purpose": "evaluering"})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0] == selectors.EXPORT_COLUMNS and len(rows) == 5


def test_export_refused_for_others(world: World, client: Client) -> None:
    _data(world)
    url = f"/progression/indsatser/{world.course.initiative_id}/udtraek/"
    # a leader sees the dashboard, but the export of (pseudonymised) rows is for analysts (P11)
    for user in (world.coordinator, world.other_leader, world.citizen, world.leader):
        client.force_login(user)
        assert (
            client.post(url, {"fmt": "csv", "date_mode": "month", "purpose": "x"}).status_code
            == 403
        )
        assert client.get(url).status_code == 403
    client.force_login(world.analyst)
    bad = client.post(url, {"fmt": "pdf", "date_mode": "day", "purpose": "Ø Ø"})
    assert bad.status_code == 200 and "Der er fejl i formularen" in bad.content.decode()


# --- API -------------------------------------------------------------------------------------


def _post(client: Client, url: str, body: dict[str, object]) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_create_and_list(world: World, client: Client) -> None:
    client.force_login(world.citizen)
    url = f"/api/progress/courses/{world.course.pk}/measurements"
    r = _post(client, url, {"instrument": "who5", "answers": FULL, "idempotency_key": "a1"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["score"] == 60 and body["interpretation"] == "God trivsel"
    listed = client.get(url).json()
    assert [m["score"] for m in listed] == [60]
    assert client.get("/api/progress/instruments").status_code == 200


def test_api_citizen_sees_only_their_own_course(world: World, client: Client) -> None:
    from tests.courses.builders import make_citizen_user

    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL
    )
    client.force_login(make_citizen_user())
    url = f"/api/progress/courses/{world.course.pk}/measurements"
    assert client.get(url).status_code == 403
    page = client.get("/mig/progression/").content.decode()
    assert "Du har ikke et forløb i gang" in page and str(world.course.pk) not in page


def test_api_problem_bodies(world: World, client: Client) -> None:
    client.force_login(world.citizen)
    url = f"/api/progress/courses/{world.course.pk}/measurements"
    bad = _post(client, url, {"instrument": "who5", "answers": {**FULL, "who5_3": 8}})
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    assert any(e["loc"] == ["body", "who5_3"] for e in bad.json()["errors"])
    _post(client, url, {"instrument": "who5", "answers": FULL, "idempotency_key": "k"})
    dup = _post(client, url, {"instrument": "who5", "answers": FULL, "idempotency_key": "k"})
    assert dup.status_code == 409 and dup.json()["existing_id"]
    client.force_login(world.outsider)
    assert client.get(url).status_code == 403
    assert _post(client, url, {"instrument": "who5", "answers": FULL}).status_code == 403
    client.force_login(world.jobcenter)  # on the team, but no consent for health data
    listed = client.get(url)
    assert listed.status_code == 200 and listed.json() == []
    assert AccessLogEntry.objects.filter(
        actor=world.jobcenter, citizen_id=world.course.citizen_id
    ).exists()


def test_api_goal_ratings_outcomes_and_dashboard(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    base = f"/api/progress/courses/{world.course.pk}"
    r = _post(client, base + "/goal-ratings", {"levels": {str(g.pk): 0 for g in world.goals}})
    assert r.status_code == 201 and len(r.json()) == 3
    assert Measurement.objects.get(instrument=logic.GAS_T_KEY).score == 50
    r = _post(client, base + "/outcomes", {"kind": "skolefremmoede", "percent": 140})
    assert r.status_code == 422
    r = _post(client, base + "/outcomes", {"kind": "beskaeftigelse", "value": "fleksjob"})
    assert r.status_code == 201
    client.force_login(world.leader)
    d = client.get(f"/api/progress/initiatives/{world.course.initiative_id}/dashboard")
    assert d.status_code == 200 and d.json()["total"]["courses"] == "<5"
    client.force_login(world.coordinator)
    assert (
        client.get(f"/api/progress/initiatives/{world.course.initiative_id}/dashboard").status_code
        == 403
    )
