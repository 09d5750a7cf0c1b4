"""Issue 14: planned measurement points. The coordinator plans e.g. "WHO-5 at the start and every
4 weeks"; each point is due while its window (±14 days) is open — on the course's progress page,
in the course page's progress section and as a notification to the coordinator — is taken by a
measurement of the instrument inside the window, and is overdue after it. Page and API share one
service; another organisation, a plan-only consent and guessed ids are refused."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client

from helhed.core.selectors import today
from helhed.notifications.models import Notification
from helhed.progress import logic, services
from helhed.progress.models import MeasurementSchedule
from tests.progress.conftest import World

FULL = {f"who5_{i}": 3 for i in range(1, 6)}
D = logic.PointStatus


def _who5(world: World, on: date) -> None:
    services.record_measurement(
        world.coordinator,
        course_id=world.course.pk,
        instrument="who5",
        answers=FULL,
        measured_on=on,
    )


# -- the rule ---------------------------------------------------------------------------------


def test_points_every_n_weeks_until_the_end() -> None:
    first = date(2026, 1, 5)
    dates = logic.schedule_dates(first, 4, date(2026, 3, 2), horizon=date(2027, 1, 1))
    assert dates == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2)]
    assert logic.schedule_dates(first, None, None, horizon=date(2027, 1, 1)) == [first]
    assert len(logic.schedule_dates(first, 1, None, horizon=date(2099, 1, 1))) == logic.MAX_POINTS


def test_a_point_is_due_in_its_window_taken_by_a_measurement_in_it_and_overdue_after() -> None:
    point = date(2026, 3, 1)
    states = lambda measured, on: [s.status for s in logic.point_states([point], measured, on)]  # noqa: E731
    assert states([], date(2026, 2, 1)) == [D.UPCOMING]
    assert states([], date(2026, 2, 15)) == [D.DUE]  # 14 days before: the window opens
    assert states([], date(2026, 3, 15)) == [D.DUE]  # 14 days after: still due
    assert states([], date(2026, 3, 16)) == [D.OVERDUE]
    assert states([date(2026, 3, 14)], date(2026, 3, 16)) == [D.TAKEN]
    assert states([date(2026, 3, 16)], date(2026, 3, 20)) == [D.OVERDUE]  # too late to count
    # one measurement takes one point
    two = logic.point_states([point, point + timedelta(weeks=1)], [point], date(2026, 3, 20))
    assert [s.status for s in two] == [D.TAKEN, D.DUE]


# -- the service ------------------------------------------------------------------------------


def test_the_coordinator_plans_who5_and_the_rules_are_checked(world: World) -> None:
    plan = services.schedule_measurements(
        world.coordinator,
        course_id=world.course.pk,
        instrument="who5",
        first_on=world.course.referred_on,
        every_weeks=4,
    )
    assert plan.created_by == world.coordinator
    with pytest.raises(ValidationError) as exc:
        services.schedule_measurements(
            world.coordinator, course_id=world.course.pk, instrument="who5", first_on=today()
        )
    assert "allerede en måleplan for WHO-5" in exc.value.message_dict["instrument"][0]
    with pytest.raises(ValidationError) as exc:
        services.schedule_measurements(
            world.coordinator,
            course_id=world.course.pk,
            instrument="livsomraader",
            first_on=today(),
            every_weeks=0,
            until=today() - timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"every_weeks", "until"}
    with pytest.raises(ValidationError) as exc:
        services.schedule_measurements(
            world.coordinator, course_id=world.course.pk, instrument="phq9", first_on=None
        )
    assert set(exc.value.message_dict) == {"instrument", "first_on"}
    assert MeasurementSchedule.objects.count() == 1


@pytest.mark.parametrize("who", ["outsider", "health", "jobcenter", "citizen"])
def test_only_the_coordinator_plans(world: World, who: str) -> None:
    """Another organisation's professional, a team member with health consent, one with a
    consent without health data, the citizen: refused, nothing written."""
    with pytest.raises(PermissionDenied):
        services.schedule_measurements(
            getattr(world, who), course_id=world.course.pk, instrument="who5", first_on=today()
        )
    assert not MeasurementSchedule.objects.exists()


def test_guessed_ids_are_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.schedule_measurements(
            world.coordinator, course_id=uuid.uuid4(), instrument="who5", first_on=today()
        )
    plan = services.schedule_measurements(
        world.coordinator, course_id=world.course.pk, instrument="who5", first_on=today()
    )
    for stranger_id in (uuid.uuid4(), "not-an-id"):
        with pytest.raises(PermissionDenied):
            services.end_measurement_schedule(world.coordinator, schedule_id=stranger_id)
    with pytest.raises(PermissionDenied):
        services.end_measurement_schedule(world.outsider, schedule_id=plan.pk)
    assert MeasurementSchedule.objects.filter(pk=plan.pk).exists()
    services.end_measurement_schedule(world.coordinator, schedule_id=plan.pk)
    assert not MeasurementSchedule.objects.exists()


# -- the pages --------------------------------------------------------------------------------


def test_a_due_point_is_shown_until_a_measurement_takes_it(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    url = f"/forloeb/{world.course.pk}/progression/"
    response = client.post(
        url + "maaleplan/",
        {
            "plan-instrument": "who5",
            "plan-first_on": f"{today() - timedelta(days=3):%d.%m.%Y}",
            "plan-every_weeks": "4",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Målingerne er planlagt" in page
    assert "WHO-5 skal måles" in page
    assert "Fra " in page and "hver 4. uge" in page
    overview = client.get(f"/forloeb/{world.course.pk}/").content.decode()
    assert "WHO-5 skal måles" in overview  # the course page's progress section
    _who5(world, today())
    assert "WHO-5 skal måles" not in client.get(url).content.decode()
    assert "WHO-5 skal måles" not in client.get(f"/forloeb/{world.course.pk}/").content.decode()


def test_an_untaken_point_is_overdue_after_its_window(world: World, client: Client) -> None:
    first = today() - timedelta(days=20)
    services.schedule_measurements(
        world.coordinator, course_id=world.course.pk, instrument="who5", first_on=first
    )
    client.force_login(world.coordinator)
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert f"WHO-5 skulle være målt {first:%d.%m.%Y}" in page


def test_bad_input_comes_back_on_the_form(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    response = client.post(
        f"/forloeb/{world.course.pk}/progression/maaleplan/",
        {
            "plan-instrument": "who5",
            "plan-first_on": f"{today():%d.%m.%Y}",
            "plan-every_weeks": "4",
            "plan-until": f"{today() - timedelta(days=7):%d.%m.%Y}",
        },
    )
    assert response.status_code == 400
    assert "Slutdatoen skal ligge efter den første måling" in response.content.decode()
    assert not MeasurementSchedule.objects.exists()


def test_a_reader_without_health_consent_does_not_see_a_who5_plan(
    world: World, client: Client
) -> None:
    services.schedule_measurements(
        world.coordinator, course_id=world.course.pk, instrument="who5", first_on=today()
    )
    client.force_login(world.jobcenter)  # consent: plan, employment, economy
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert "WHO-5 skal måles" not in page and "Planlæg målinger" not in page
    assert client.get(f"/api/progress/courses/{world.course.pk}/measurement-plan").json() == []
    client.force_login(world.health)  # health consent: sees it, may not plan
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert "WHO-5 skal måles" in page and "Planlæg målinger" not in page
    client.force_login(world.outsider)
    assert client.get(f"/forloeb/{world.course.pk}/progression/").status_code == 403
    assert (
        client.get(f"/api/progress/courses/{world.course.pk}/measurement-plan").status_code == 403
    )


# -- the API ----------------------------------------------------------------------------------


def test_the_api_plans_reads_and_removes_through_the_same_service(
    world: World, client: Client
) -> None:
    client.force_login(world.coordinator)
    url = f"/api/progress/courses/{world.course.pk}/measurement-plan"
    bad = client.post(
        url,
        {"instrument": "who5", "first_on": today().isoformat(), "every_weeks": 0},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "every_weeks" in bad.content.decode()
    made = client.post(
        url,
        {
            "instrument": "who5",
            "first_on": (today() - timedelta(days=2)).isoformat(),
            "every_weeks": 4,
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["name"] == "WHO-5" and body["points"][0]["status"] == "forfalden"
    again = client.post(
        url,
        {"instrument": "who5", "first_on": today().isoformat()},
        content_type="application/json",
    )
    assert again.status_code == 422 and "allerede en måleplan" in str(again.json())
    assert [p["id"] for p in client.get(url).json()] == [body["id"]]
    client.force_login(world.health)
    assert client.delete(f"/api/progress/measurement-plan/{body['id']}").status_code == 403
    assert client.delete(f"/api/progress/measurement-plan/{uuid.uuid4()}").status_code == 403
    client.force_login(world.coordinator)
    assert client.delete(f"/api/progress/measurement-plan/{body['id']}").status_code == 204
    assert client.get(url).json() == []


# -- the coordinator's alerts -----------------------------------------------------------------


def test_the_coordinator_is_alerted_once_when_due_and_once_when_overdue(world: World) -> None:
    services.schedule_measurements(
        world.coordinator,
        course_id=world.course.pk,
        instrument="who5",
        first_on=today() + timedelta(days=10),
    )
    call_command("alerts", stdout=StringIO())
    call_command("alerts", stdout=StringIO())
    [note] = Notification.objects.filter(recipient=world.coordinator)
    assert note.title == "WHO-5 skal måles"
    assert note.url == f"/forloeb/{world.course.pk}/progression/"
    citizen = world.course.citizen
    assert citizen.first_name not in note.title + note.body
    assert citizen.last_name not in note.title + note.body
    # nobody else on the team is told
    assert not Notification.objects.exclude(recipient=world.coordinator).exists()


def test_no_alert_once_taken_and_an_overdue_one_after_the_window(world: World) -> None:
    taken = services.schedule_measurements(
        world.coordinator, course_id=world.course.pk, instrument="who5", first_on=today()
    )
    _who5(world, today() - timedelta(days=1))
    call_command("alerts", stdout=StringIO())
    assert not Notification.objects.filter(recipient=world.coordinator).exists()
    services.end_measurement_schedule(world.coordinator, schedule_id=taken.pk)
    services.schedule_measurements(
        world.coordinator,
        course_id=world.course.pk,
        instrument="maalopfyldelse",
        first_on=today() - timedelta(days=20),
    )
    call_command("alerts", stdout=StringIO())
    [note] = Notification.objects.filter(recipient=world.coordinator)
    first = today() - timedelta(days=20)
    assert note.title == f"Målopfyldelse (GAS) skulle være målt {first:%d.%m.%Y}"


def test_the_course_page_section_reads_the_plan_in_a_constant_number_of_queries(
    world: World,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helhed.courses.selectors import course_overview
    from helhed.progress import extensions

    for instrument, weeks in (("who5", 1), ("maalopfyldelse", 2), ("livsomraader", 4)):
        services.schedule_measurements(
            world.coordinator,
            course_id=world.course.pk,
            instrument=instrument,
            first_on=today() - timedelta(days=300),
            every_weeks=weeks,
        )
    overview = course_overview(world.coordinator, world.course.pk)
    with CaptureQueriesContext(connection) as captured:
        ctx = extensions._latest_section(None, overview)  # type: ignore[arg-type]
    assert len(captured.captured_queries) == 3
    assert ctx is not None
    assert {plan.name for plan, _point in ctx["due"]} == {
        "WHO-5",
        "Målopfyldelse (GAS)",
        "Livsområder",
    }


def test_missed_weeks_are_one_overdue_notice_not_one_each(world: World, client: Client) -> None:
    services.schedule_measurements(
        world.coordinator,
        course_id=world.course.pk,
        instrument="who5",
        first_on=today() - timedelta(weeks=10),
        every_weeks=1,
    )
    client.force_login(world.coordinator)
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert page.count("WHO-5 skulle være målt") == 1
    assert page.count("WHO-5 skal måles") == 1  # the first of the points due now
