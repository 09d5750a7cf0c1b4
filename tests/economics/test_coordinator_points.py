"""The coordinator's due measurements on her start page (economics.coordinator_points): logged
from the coordinating unit, and only while she is a member of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership
from helhed.economics import selectors, services
from tests.courses.builders import make_unit, today
from tests.economics.test_services import contract_values

pytestmark = pytest.mark.django_db


def _enrolled(world: Any) -> None:
    contract = services.save_contract(world.leader, **contract_values(world))
    start = today() - timedelta(weeks=26) + timedelta(days=3)
    services.enrol(
        world.coordinator, contract_id=contract.pk, course_id=world.course.pk, start_date=start
    )


def test_due_points_are_logged_from_the_coordinating_unit(world: Any) -> None:
    """She is also in a unit whose name sorts first: the reads are still the coordinating
    unit's, so that unit's leader sees them in supervision."""
    Membership.objects.create(
        user=world.coordinator, unit=make_unit(world.org, "Aa-team"), role="fagperson"
    )
    _enrolled(world)
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    assert selectors.coordinator_points(world.coordinator)
    units = set(
        AccessLogEntry.objects.filter(what="planlagte målinger")
        .exclude(pk__in=before)
        .values_list("actor_unit_id", flat=True)
    )
    assert units == {world.course.coordinator_unit_id}


def test_a_coordinator_who_left_the_coordinating_unit_gets_no_due_points(world: Any) -> None:
    """Her membership of the coordinating unit ended; she still sees the course through the
    job centre's consent, but not as its coordinator — so not every category's points."""
    from helhed.courses import selectors as course_selectors

    jobcenter_unit = Membership.objects.filter(user=world.jobcenter).first().unit
    Membership.objects.create(user=world.coordinator, unit=jobcenter_unit, role="fagperson")
    _enrolled(world)
    Membership.objects.filter(user=world.coordinator, unit=world.unit).update(
        valid_from=today() - timedelta(days=400), valid_to=today() - timedelta(days=1)
    )
    assert course_selectors.visible_courses(world.coordinator).filter(pk=world.course.pk).exists()
    assert selectors.coordinator_points(world.coordinator) == []
