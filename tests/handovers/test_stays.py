"""Institutional stays: implausible dates are refused (never a crash), a stay cannot end in the
future, an outsider ending one gets 403, an unplanned early release with nothing to take over
tells the coordinator (and only then), and the alerts about a stay's end name no stay."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from helhed.core.models import User
from helhed.courses.models import Course, TeamMember
from helhed.handovers import alerts, logic, services
from tests.handovers.builders import add_measure

pytestmark = pytest.mark.django_db


def test_year_one_stay_is_refused_in_service_and_form(course: Course, coordinator: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.record_stay(
            coordinator,
            course_id=course.pk,
            kind="faengsel",
            start_date=date(1, 1, 1),
            expected_end=date(1, 1, 2),
        )
    assert "start_date" in exc.value.message_dict
    client = Client()
    client.force_login(coordinator)
    r = client.post(
        f"/forloeb/{course.pk}/ophold/ny/",
        {"kind": "faengsel", "start_date": "01.01.0001", "expected_end": "02.01.0001"},
    )
    assert r.status_code == 422
    assert "1900" in r.content.decode()
    assert client.get(f"/forloeb/{course.pk}/overdragelser/").status_code == 200


def test_stay_transitions_clamp_a_year_one_end() -> None:
    facts = [logic.StayFacts("s", "faengsel", date(1, 1, 2), None)]
    (t,) = logic.stay_transitions(facts)
    assert t.alert_from == date.min


def test_stay_cannot_end_in_the_future(course: Course, coordinator: User) -> None:
    today = timezone.localdate()
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="anbringelse",
        start_date=today - timedelta(days=10),
        expected_end=today + timedelta(days=10),
    )
    with pytest.raises(ValidationError) as exc:
        services.end_stay(coordinator, stay_id=stay.pk, actual_end=today + timedelta(days=1))
    assert "actual_end" in exc.value.message_dict


def test_outsider_ending_a_stay_gets_403_not_a_redirect(
    course: Course, coordinator: User, outsider_user: User
) -> None:
    today = timezone.localdate()
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="anbringelse",
        start_date=today - timedelta(days=10),
        expected_end=today + timedelta(days=10),
    )
    client = Client()
    client.force_login(outsider_user)
    r = client.post(f"/ophold/{stay.pk}/afslut/", {"actual_end": "bad"})
    assert r.status_code == 403


def test_early_release_without_a_next_measure_notifies_coordinator(
    course: Course, coordinator: User, jobcenter_user: User, jobcenter_member: TeamMember
) -> None:
    from helhed.notifications.models import Notification

    today = timezone.localdate()
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="anbringelse",
        start_date=today - timedelta(days=20),
        expected_end=today + timedelta(days=30),
    )
    services.end_stay(jobcenter_user, stay_id=stay.pk, actual_end=today - timedelta(days=1))
    (n,) = Notification.objects.filter(recipient=coordinator, title__contains="tidligere")
    assert "anbringelse" not in (n.title + n.body).lower()
    assert n.url.endswith(f"/forloeb/{course.pk}/overdragelser/")


def test_early_release_covered_by_a_measure_is_quiet(
    course: Course, coordinator: User, jobcenter_user: User, jobcenter_member: TeamMember
) -> None:
    from helhed.notifications.models import Notification

    today = timezone.localdate()
    add_measure(coordinator, course, today - timedelta(days=5), None)
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="anbringelse",
        start_date=today - timedelta(days=20),
        expected_end=today + timedelta(days=30),
    )
    services.end_stay(jobcenter_user, stay_id=stay.pk, actual_end=today - timedelta(days=1))
    assert not Notification.objects.filter(recipient=coordinator, title__contains="tidligere")


def test_transition_alert_titles_are_generic(course: Course, coordinator: User) -> None:
    today = timezone.localdate()
    services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="varetaegt",
        start_date=today - timedelta(days=3),
        expected_end=today + timedelta(days=25),
    )
    found = list(alerts.transition_alerts(today))
    assert found
    for a in found:
        assert "varetægt" not in a.title.lower() and "løsladelse" not in a.title.lower()
        assert "forløb, du koordinerer" in a.title
