"""How long a handover has waited and who hears about it: after "did not arrive" the wait starts
again (in the rows and the alerts, in calendar days); an unanswered handover escalates to the
receiving unit, then to its leader."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses.models import Course
from helhed.handovers import alerts, logic, selectors, services
from helhed.handovers.models import Handover

pytestmark = pytest.mark.django_db


def test_reopened_handover_waits_from_the_reopening(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    Handover.objects.filter(pk=h.pk).update(requested_at=timezone.now() - timedelta(days=40))
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    services.act(drug_user, handover_id=h.pk, action=logic.NOT_ARRIVED)
    (row,) = selectors.waiting_for_my_units(drug_user)
    assert row.days_waiting == 0 and not row.overdue
    today = timezone.localdate()
    assert not [a for a in alerts.handover_alerts(today) if str(h.pk) in a.url]
    later = [a for a in alerts.handover_alerts(today + timedelta(days=3)) if str(h.pk) in a.url]
    assert later  # three calendar days after the reopening it escalates


def test_escalation_reaches_receiving_unit_then_its_leader(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    drug_user: User,
    make_user: Callable[..., User],
) -> None:
    boss = make_user("leder", drug_unit, first_name="Bo", last_name="Leder")
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    today = timezone.localdate()
    first = [a for a in alerts.handover_alerts(today + timedelta(days=3)) if str(h.pk) in a.url]
    recipients = {a.recipient_id for a in first}
    assert {coordinator.pk, drug_user.pk, boss.pk} <= recipients
    assert all(":1" in a.dedupe_key for a in first)
    second = [a for a in alerts.handover_alerts(today + timedelta(days=6)) if str(h.pk) in a.url]
    level2 = [a for a in second if a.dedupe_key.endswith(":2")]
    assert {a.recipient_id for a in level2} == {boss.pk}
