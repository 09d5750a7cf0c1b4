"""Pages and access: the citizen sees only their own progress, a professional sees WHO-5 only
with consent for health data, every read is in the access log, the course page's summary costs
one query, and bad input on the pages gets messages, not a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.courses.sections import TimelineEvent
from helhed.courses.selectors import course_overview
from helhed.progress import extensions as panels
from helhed.progress import services
from helhed.progress.models import Measurement
from tests.progress.conftest import World

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def _who5_post(value: int = 3, key: str = "abc") -> dict[str, str]:
    data = {f"who5-who5_{i}": str(value) for i in range(1, 6)}
    data["who5-idempotency_key"] = key
    data["who5-measured_on"] = timezone.localdate().isoformat()
    return data


def test_citizen_fills_who5_and_sees_the_point(world: World, client: Client) -> None:
    client.force_login(world.citizen)
    url = f"/mig/progression/{world.course.pk}/who5/"
    response = client.post(url, _who5_post(4), follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Dit svar er gemt" in text
    assert "80" in text and 'data-points="1"' in text
    # the same POST again (double click / reload) is harmless and says so
    again = client.post(url, _who5_post(4), follow=True)
    assert "allerede modtaget" in again.content.decode()
    assert Measurement.objects.count() == 1
    assert AccessLogEntry.objects.filter(
        citizen_id=world.course.citizen_id, purpose="egen-adgang"
    ).exists()


def test_citizen_page_shows_errors_for_missing_answers(world: World, client: Client) -> None:
    client.force_login(world.citizen)
    data = _who5_post(3)
    del data["who5-who5_3"]
    data["who5-who5_1"] = "7"
    response = client.post(f"/mig/progression/{world.course.pk}/who5/", data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Der er fejl i formularen" in text and "Besvar spørgsmålet" in text
    assert not Measurement.objects.exists()


def test_citizen_cannot_post_to_another_citizens_course(world: World, client: Client) -> None:
    from tests.courses.builders import make_citizen_user

    client.force_login(make_citizen_user())
    response = client.post(f"/mig/progression/{world.course.pk}/who5/", _who5_post())
    assert response.status_code == 403
    assert not Measurement.objects.exists()


def test_staff_cannot_use_the_citizen_page(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    assert client.get("/mig/progression/").status_code == 403


def test_professional_without_health_consent_does_not_see_who5(
    world: World, client: Client
) -> None:
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL
    )
    client.force_login(world.jobcenter)
    response = client.get(f"/forloeb/{world.course.pk}/progression/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Trivsel (WHO-5)" not in text and "WHO-5 Trivselsindeks" in text  # named as hidden
    assert "Målopfyldelse (GAS)" in text  # plan data: consented
    assert AccessLogEntry.objects.filter(
        citizen_id=world.course.citizen_id, actor=world.jobcenter, what="progression og målinger"
    ).exists()
    client.force_login(world.health)
    text = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert "Trivsel (WHO-5)" in text and "60" in text


def test_outsider_gets_403_and_sees_nothing(world: World, client: Client) -> None:
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL
    )
    client.force_login(world.outsider)
    assert client.get(f"/forloeb/{world.course.pk}/progression/").status_code == 403
    response = client.post(f"/forloeb/{world.course.pk}/progression/who5/", _who5_post())
    assert response.status_code == 403
    assert Measurement.objects.count() == 1


def test_professional_records_who5_with_the_citizen(world: World, client: Client) -> None:
    client.force_login(world.health)
    data = _who5_post(2)
    data["who5-with_citizen"] = "on"
    response = client.post(f"/forloeb/{world.course.pk}/progression/who5/", data, follow=True)
    assert "Målingen er gemt" in response.content.decode()
    m = Measurement.objects.get()
    assert m.entered_as == "med-borger" and m.entered_by == world.health and m.score == 40


def test_goal_rating_and_outcome_forms(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    data = {f"gas-goal_{g.pk}": "0" for g in world.goals}
    data["gas-measured_on"] = timezone.localdate().isoformat()
    response = client.post(f"/forloeb/{world.course.pk}/progression/maal/", data, follow=True)
    assert "Målopfyldelsen er gemt" in response.content.decode()
    assert Measurement.objects.filter(instrument="gas-t", score=50).exists()
    bad = {"res-kind": "skolefremmoede", "res-percent": "120"}
    response = client.post(f"/forloeb/{world.course.pk}/progression/resultat/", bad)
    assert response.status_code == 400 and "mellem 0 og 100" in response.content.decode()


def test_events_are_marked_on_the_time_axis(
    world: World, client: Client, isolated_sources: dict[str, dict[str, object]]
) -> None:
    day = timezone.localdate() - timedelta(days=3)
    isolated_sources["events"]["test"] = lambda ids: [
        TimelineEvent(course_id=i, on=day, kind="meeting", label="Netværksmøde") for i in ids
    ]
    services.record_measurement(
        world.citizen,
        course_id=world.course.pk,
        instrument="who5",
        answers=FULL,
        measured_on=day - timedelta(days=10),
    )
    client.force_login(world.health)
    text = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert "progress-event" in text and "Netværksmøde" in text


def test_course_section_costs_one_query_and_respects_consent(world: World) -> None:
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers={**FULL, "who5_1": 0}
    )
    overview = course_overview(world.health, world.course.pk)
    with CaptureQueriesContext(connection) as captured:
        ctx = panels._latest_section(None, overview)  # type: ignore[arg-type]
    assert len(captured.captured_queries) == 1
    assert ctx is not None and ctx["s"].who5_score == 48 and ctx["s"].shows_gas
    assert str(ctx["s"].who5_interpretation.label) == "Lav trivsel"
    jc = course_overview(world.jobcenter, world.course.pk)
    ctx = panels._latest_section(None, jc)  # type: ignore[arg-type]
    assert ctx is not None and not ctx["s"].shows_who5 and ctx["s"].who5_score is None


def test_course_page_shows_the_section(world: World, client: Client) -> None:
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL
    )
    client.force_login(world.health)
    text = client.get(f"/forloeb/{world.course.pk}/").content.decode()
    assert "Seneste progression" in text
    assert "60 af 100" in text


def test_citizen_start_page_has_the_panel(world: World, client: Client) -> None:
    client.force_login(world.citizen)
    text = client.get("/").content.decode()
    assert "/mig/progression/" in text


def test_an_invalid_goal_form_logs_one_read(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    before = AccessLogEntry.objects.count()
    r = client.post(f"/forloeb/{world.course.pk}/progression/maal/", {"maal-measured_on": "x"})
    assert r.status_code == 400
    assert AccessLogEntry.objects.count() == before + 1
