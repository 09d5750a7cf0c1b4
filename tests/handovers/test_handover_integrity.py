"""A handover stays what it was: two open handovers of the same thing to the same unit cannot
both exist (the database refuses), and deleting the measure handed over does not widen the
handover to the whole course."""

from __future__ import annotations

import pytest
from django.utils import timezone

from helhed.core.models import User
from helhed.handovers import services
from helhed.handovers.models import Handover

pytestmark = pytest.mark.django_db


def test_database_refuses_a_duplicate_open_handover(
    health_handover: Handover, coordinator: User
) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(
            course=health_handover.course,
            measure=health_handover.measure,
            from_unit=health_handover.from_unit,
            to_unit=health_handover.to_unit,
            mode="henvist",
            reason="igen",
            requested_at=timezone.now(),
            requested_by=coordinator,
        )
    whole = services.request_handover(
        coordinator,
        course_id=health_handover.course_id,
        mode="henvist",
        reason="Hele",
        to_unit_id=health_handover.to_unit_id,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(
            course=whole.course,
            measure=None,
            from_unit=whole.from_unit,
            to_unit=whole.to_unit,
            mode="henvist",
            reason="igen",
            requested_at=timezone.now(),
            requested_by=coordinator,
        )


def test_deleting_the_measure_keeps_the_handover_about_that_measure(
    health_handover: Handover,
) -> None:
    measure_id = health_handover.measure_id
    from helhed.courses.models import Measure

    Measure.objects.filter(pk=measure_id).delete()
    health_handover.refresh_from_db()
    assert health_handover.measure_id == measure_id
    assert health_handover.measure_title == "Metadonbehandling"
    assert health_handover.measure_category == "health"
