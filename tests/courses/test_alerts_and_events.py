"""What the courses app adds to the daily alerts job and to the progress charts' timeline, and
how print views are named in the access log."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Organisation, User
from helhed.courses import selectors, services
from helhed.courses.models import Consent, Course
from helhed.courses.sections import events_for_courses
from helhed.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_coordinator_is_told_once_when_the_last_consent_is_about_to_expire(
    course: Course, coordinator: User, consent: Consent
) -> None:
    today = timezone.localdate()
    consent.valid_to = today + timedelta(days=20)
    consent.save()
    for _ in range(2):
        call_command("alerts", "--date", today.isoformat(), stdout=StringIO())
    alerts = Notification.objects.filter(recipient=coordinator, title__startswith="Et samtykke")
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.url == reverse("courses:course_detail", args=[course.pk])
    assert course.citizen.first_name not in alert.title + alert.body  # no personal data


def test_no_consent_alert_while_another_consent_lasts_or_far_ahead(
    course: Course, coordinator: User, consent: Consent
) -> None:
    today = timezone.localdate()
    call_command("alerts", "--date", today.isoformat(), stdout=StringIO())  # valid a year ahead
    assert not Notification.objects.filter(title__startswith="Et samtykke").exists()
    consent.valid_to = today + timedelta(days=10)
    consent.save()
    lasting = Consent.objects.get(pk=consent.pk)
    lasting.pk = None
    lasting.valid_to = None
    lasting.save()
    call_command("alerts", "--date", today.isoformat(), stdout=StringIO())
    assert not Notification.objects.filter(title__startswith="Et samtykke").exists()


def test_measure_events_carry_their_category_and_are_filtered_by_access(
    course: Course, coordinator: User, jobcenter_user: User, municipality: Organisation
) -> None:
    plan = course.plan
    services.save_measure(
        coordinator,
        plan.pk,
        plan.version,
        title="Psykiatrisk udredning",
        welfare_area_id="psykiatri",
        legal_basis_id="sul-119",
        organisation=municipality,
        budget_area="region",
        start_date=date(2026, 3, 1),
        end_date=date(2026, 6, 1),
    )
    events = events_for_courses([course.pk])
    mine = [e for e in events if "Psykiatrisk udredning" in e.label]
    assert [(e.kind, e.on) for e in mine] == [
        ("measure-start", date(2026, 3, 1)),
        ("measure-end", date(2026, 6, 1)),
    ]
    assert {e.category for e in mine} == {"health"}
    # The jobcenter's consent does not cover health: the events are not shown to them
    access = selectors.access_for(jobcenter_user, course.pk)
    shown = events_for_courses([course.pk], may=access.may)
    assert not any("Psykiatrisk udredning" in e.label for e in shown)


def test_print_view_is_logged_as_a_print(course: Course, coordinator: User) -> None:
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("courses:print_view", args=[course.pk, "sel-141"]))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.filter(actor=coordinator).order_by("-at").first()
    assert entry is not None and entry.what == "udskrift: Handleplan for voksne"
