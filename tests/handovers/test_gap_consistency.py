"""Gaps and transitions agree everywhere (issue 14, "Consistent figures"): one function
(``logic.gap_picture`` over ``selectors.measure_periods``) is the source of the page's table, its
summary ("I alt … dage; længste hul …"), the API, the alert and the timeliness figures; a planned
gap — a measure ending with nothing planned after it — is a gap in all of them; and
"Koordinatoren er varslet" appears only once an alert was actually sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from helhed.core.models import User
from helhed.courses.models import Course, Measure
from helhed.handovers import alerts, selectors
from helhed.handovers.models import InstitutionalStay
from helhed.notifications.models import Notification
from tests.handovers.builders import add_measure

pytestmark = pytest.mark.django_db


def dmy(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def run_alerts(on: date) -> str:
    out = StringIO()
    call_command("alerts", date=on.isoformat(), stdout=out)
    return out.getvalue()


def section(client: Client, course: Course) -> str:
    return client.get(
        f"/forloeb/{course.pk}/overdragelser/", headers={"HX-Request": "true"}
    ).content.decode()


def test_a_running_measure_expected_to_end_is_a_planned_gap_on_page_summary_api_and_alert(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    """The alert used the measure's expected end while the page counted it open-ended and said
    "Ingen huller"; now both read the same gap, with the same first day."""
    today = timezone.localdate()
    m = add_measure(coordinator, course, today - timedelta(days=50), None, title="Mentor")
    Measure.objects.filter(pk=m.pk).update(expected_end=today + timedelta(days=10))
    begins = today + timedelta(days=11)
    client = login(coordinator)

    page = section(client, course)
    assert "Ingen huller" not in page
    assert f"Planlagt hul: fra {dmy(begins)} (om 11 dage)" in page  # the summary
    assert "I alt 0 dage uden indsats til og med i dag; længste hul 0 dage." in page
    assert "Planlagt hul om 11 dage" in page and "Intet nyt tilbud planlagt" in page  # the row
    assert "Koordinatoren er varslet" not in page  # the daily job has not run yet
    assert "Ikke varslet endnu" in page

    (alert,) = alerts.gap_alerts(today)
    assert alert.title == "Hul om 11 dage: en indsats slutter, uden at en ny starter"
    assert "1 found, 1 new" in run_alerts(today).split("handovers:gaps:")[1]
    page = section(client, course)
    assert f"Koordinatoren er varslet {dmy(today)}" in page
    assert "Ikke varslet endnu" not in page

    api = client.get(f"/api/handovers/courses/{course.pk}/gaps").json()
    assert (api["total_days"], api["longest_days"], api["planned_count"]) == (0, 0, 1)
    (gap,) = api["gaps"]
    assert (gap["first_day"], gap["last_day"], gap["days_until"]) == (str(begins), None, 11)
    assert gap["planned"] is True and gap["alerted_at"] is not None
    figures = selectors.timeliness_for([course.pk])[course.pk]
    assert (figures["gap_days_total"], figures["gap_days_longest"]) == (0, 0)


def test_gaps_that_happened_agree_between_summary_table_api_and_timeliness(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    add_measure(coordinator, course, today - timedelta(days=90), today - timedelta(days=40))
    add_measure(coordinator, course, today - timedelta(days=30), today - timedelta(days=21))
    add_measure(coordinator, course, today - timedelta(days=10), today + timedelta(days=5))
    add_measure(coordinator, course, today + timedelta(days=20), None)
    client = login(coordinator)
    picture = selectors.course_gap_picture(course, today)
    assert [(g.days, g.planned) for g in picture.gaps] == [(9, False), (10, False), (14, True)]

    page = section(client, course)
    assert "3 huller." in page
    assert "I alt 19 dage uden indsats til og med i dag; længste hul 10 dage." in page
    assert f"Planlagt hul: fra {dmy(today + timedelta(days=6))} (om 6 dage)" in page
    assert page.count('data-testid="gap"') == 3
    api = client.get(f"/api/handovers/courses/{course.pk}/gaps").json()
    assert (api["total_days"], api["longest_days"], len(api["gaps"])) == (19, 10, 3)
    figures = selectors.timeliness_for([course.pk])[course.pk]
    assert (figures["gap_days_total"], figures["gap_days_longest"]) == (19, 10)
    # The alert is about the planned gap, as the page names it.
    (alert,) = alerts.gap_alerts(today)
    assert alert.title.startswith("Hul om 6 dage") and alert.dedupe_key == picture.gaps[2].alert_key


def test_an_ended_stay_alerts_only_when_no_measure_covers_the_next_day_as_the_gaps_count(
    course: Course, coordinator: User, jobcenter_user: User
) -> None:
    from helhed.handovers import services

    today = timezone.localdate()
    # A running measure past its expected end still covers the citizen (as the gaps count it).
    m = add_measure(coordinator, course, today - timedelta(days=60), None)
    Measure.objects.filter(pk=m.pk).update(expected_end=today - timedelta(days=5))
    assert selectors.course_gap_picture(course, today).gaps == ()

    def ended_early() -> bool:
        stay = InstitutionalStay.objects.create(
            course=course,
            kind="anbringelse",
            start_date=today - timedelta(days=30),
            expected_end=today + timedelta(days=30),
            recorded_by=coordinator,
        )
        services.end_stay(jobcenter_user, stay_id=stay.pk, actual_end=today)
        return Notification.objects.filter(
            recipient=coordinator, dedupe_key=f"ophold-slut-tidligt:{stay.pk}"
        ).exists()

    assert not ended_early()
    # The measure ends today: tomorrow begins a gap, the same one the page shows as planned.
    Measure.objects.filter(pk=m.pk).update(end_date=today, status="afsluttet")
    (gap,) = selectors.course_gap_picture(course, today).gaps
    assert gap.planned and gap.first_day == today + timedelta(days=1)
    assert ended_early()


def test_koordinatoren_er_varslet_only_after_the_transition_alert_was_sent(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    InstitutionalStay.objects.create(
        course=course,
        kind="anbringelse",
        start_date=today - timedelta(days=30),
        expected_end=today + timedelta(days=20),  # inside the 90 days' lead time
        recorded_by=coordinator,
    )
    client = login(coordinator)
    page = section(client, course)
    assert "Anbringelsen ophører" in page
    assert "Koordinatoren er varslet" not in page and "Ikke varslet endnu" in page
    transitions = client.get(f"/api/handovers/courses/{course.pk}/transitions").json()
    stay_row = next(t for t in transitions if t["kind"] == "anbringelse")
    assert stay_row["alerting"] is True and stay_row["alerted_at"] is None

    run_alerts(today)
    page = section(client, course)
    assert f"Koordinatoren er varslet {dmy(today)}" in page
    transitions = client.get(f"/api/handovers/courses/{course.pk}/transitions").json()
    stay_row = next(t for t in transitions if t["kind"] == "anbringelse")
    assert stay_row["alerted_at"] is not None
