"""The alert producers behind ``helhed alerts``: a youth turning 18 is alerted 90 days ahead
(configurable), once; stays ending; gaps ahead; unanswered handovers escalate to the sender and
the coordinator. Running the job twice notifies once."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses.models import Course
from helhed.handovers import alerts, logic, services
from helhed.handovers.models import Handover
from helhed.notifications.models import Notification
from tests.handovers.builders import add_measure, youth_course

pytestmark = pytest.mark.django_db


def run(on: date) -> str:
    out = StringIO()
    call_command("alerts", date=on.isoformat(), stdout=out)
    return out.getvalue()


def test_youth_turning_18_is_alerted_three_months_ahead_once(
    course: Course, coordinator: User, coordinator_unit: Unit
) -> None:
    youth = youth_course(coordinator, coordinator_unit, course, date(2008, 6, 15))
    eighteen = date(2026, 6, 15)
    run(eighteen - timedelta(days=91))
    assert not Notification.objects.filter(dedupe_key=f"overgang-18:{youth.pk}").exists()
    run(eighteen - timedelta(days=90))
    n = Notification.objects.get(dedupe_key=f"overgang-18:{youth.pk}")
    assert n.recipient == coordinator and n.kind == "varsel"
    assert n.title == "Overgang om 90 dage i et forløb, du koordinerer"  # no label: no data
    assert n.url == f"/forloeb/{youth.pk}/overdragelser/"
    assert "Ungsen" not in n.title + n.body
    out = run(eighteen - timedelta(days=89))  # the next day: found again, not notified again
    assert "handovers:transitions: 1 found, 0 new" in out
    assert Notification.objects.filter(dedupe_key=f"overgang-18:{youth.pk}").count() == 1


def test_leap_day_youth_turns_18_on_1_march(
    course: Course, coordinator: User, coordinator_unit: Unit
) -> None:
    youth = youth_course(coordinator, coordinator_unit, course, date(2008, 2, 29))
    found = list(alerts.transition_alerts(date(2026, 3, 1) - timedelta(days=90)))
    assert [a.dedupe_key for a in found] == [f"overgang-18:{youth.pk}"]
    assert list(alerts.transition_alerts(date(2026, 3, 1) - timedelta(days=91))) == []


@override_settings(HELHED_TRANSITION_LEAD_DAYS={"turns-18": 120, "turns-16": 10})
def test_lead_time_setting_moves_the_alert(
    course: Course, coordinator: User, coordinator_unit: Unit
) -> None:
    youth_course(coordinator, coordinator_unit, course, date(2008, 6, 15))
    assert len(list(alerts.transition_alerts(date(2026, 6, 15) - timedelta(days=120)))) == 1
    assert list(alerts.transition_alerts(date(2026, 6, 15) - timedelta(days=121))) == []


def test_turning_16_alert(course: Course, coordinator: User, coordinator_unit: Unit) -> None:
    youth = youth_course(coordinator, coordinator_unit, course, date(2011, 1, 10))
    (alert,) = alerts.transition_alerts(date(2027, 1, 10) - timedelta(days=30))
    assert alert.dedupe_key == f"overgang-16:{youth.pk}"
    assert alert.title == "Overgang om 30 dage i et forløb, du koordinerer"


def test_closed_courses_are_not_alerted(
    course: Course, coordinator: User, coordinator_unit: Unit
) -> None:
    youth = youth_course(coordinator, coordinator_unit, course, date(2008, 6, 15))
    Course.objects.filter(pk=youth.pk).update(status="afsluttet", closing_reason="Flyttet")
    assert list(alerts.transition_alerts(date(2026, 6, 1))) == []


def test_release_from_custody_is_alerted_with_its_lead_time(
    course: Course, coordinator: User
) -> None:
    today = timezone.localdate()
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="varetaegt",
        start_date=today - timedelta(days=10),
        expected_end=today + timedelta(days=30),
    )
    (alert,) = alerts.transition_alerts(today)
    assert alert.dedupe_key.startswith(f"overgang-varetaegt:{stay.pk}")
    assert alert.title == "Overgang om 30 dage i et forløb, du koordinerer"  # no crime data
    assert list(alerts.transition_alerts(today - timedelta(days=1))) == []


def test_gap_ahead_is_alerted(course: Course, coordinator: User) -> None:
    today = timezone.localdate()
    m = add_measure(coordinator, course, today - timedelta(days=100), today + timedelta(days=20))
    (alert,) = alerts.gap_alerts(today)
    assert alert.dedupe_key == f"hul:{m.pk}:{(today + timedelta(days=20)).isoformat()}"
    add_measure(coordinator, course, today + timedelta(days=21), None)
    assert list(alerts.gap_alerts(today)) == []  # the next measure starts the day after


def test_unanswered_handover_escalates_to_sender_coordinator_and_receiver_once(
    course: Course, coordinator: User, jobcenter_user: User, drug_unit: Unit, drug_user: User
) -> None:
    h = services.request_handover(
        jobcenter_user, course_id=course.pk, mode="henvist", reason="x", to_unit_id=drug_unit.pk
    )
    today = timezone.localdate()
    Handover.objects.filter(pk=h.pk).update(requested_at=timezone.now() - timedelta(days=2))
    assert list(alerts.handover_alerts(today)) == []
    Handover.objects.filter(pk=h.pk).update(requested_at=timezone.now() - timedelta(days=3))
    found = list(alerts.handover_alerts(today))
    assert {a.recipient_id for a in found} == {coordinator.pk, jobcenter_user.pk, drug_user.pk}
    run(today)
    run(today)
    assert (
        Notification.objects.filter(dedupe_key__startswith=f"overdragelse-ubesvaret:{h.pk}").count()
        == 3
    )
    services.act(
        drug_user, handover_id=h.pk, action=logic.ACCEPT
    )  # acknowledged but not confirmed: new alert
    run(today)
    assert (
        Notification.objects.filter(dedupe_key__startswith=f"overdragelse-ubesvaret:{h.pk}").count()
        == 6
    )
    services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    assert list(alerts.handover_alerts(today)) == []


@override_settings(HELHED_HANDOVER_ESCALATE_DAYS=1)
def test_escalation_days_are_configurable(
    course: Course, coordinator: User, drug_unit: Unit
) -> None:
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="x", to_unit_id=drug_unit.pk
    )
    Handover.objects.filter(pk=h.pk).update(requested_at=timezone.now() - timedelta(days=1))
    assert len(list(alerts.handover_alerts(timezone.localdate()))) == 1
