"""Who counts as a party to a handover: the sender role follows the sending unit's current staff,
and the requester cannot answer their own handover even from the receiving unit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.core.models import Membership, Unit, User
from helhed.courses.models import Course, TeamMember
from helhed.handovers import logic, selectors, services

pytestmark = pytest.mark.django_db


def test_requester_who_left_the_unit_is_no_longer_sender(
    course: Course, jobcenter_user: User, jobcenter_member: TeamMember, drug_unit: Unit
) -> None:
    h = services.request_handover(
        jobcenter_user, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    assert logic.SENDER in selectors.roles_for(jobcenter_user, h)
    Membership.objects.filter(user=jobcenter_user).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    assert logic.SENDER not in selectors.roles_for(jobcenter_user, h)


def test_requester_cannot_accept_own_handover_in_other_unit(
    course: Course, coordinator: User, drug_unit: Unit
) -> None:
    Membership.objects.create(user=coordinator, unit=drug_unit, role="fagperson")
    h = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Hjælp",
        to_unit_id=drug_unit.pk,
        from_unit_id=course.coordinator_unit.pk,
    )
    with pytest.raises(logic.NotPermittedError):
        services.act(coordinator, handover_id=h.pk, action=logic.ACCEPT)
