"""Writes check the same rights as reads: a decision about a measure, or a ruling on a
recommendation, the consent does not cover is refused with the same 403 as reading it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses.models import Course, LegalBasis, Measure
from helhed.meetings import logic, services
from helhed.meetings.models import Decision, Meeting, Recommendation, Ruling
from tests.meetings.conftest import at

pytestmark = pytest.mark.django_db


def test_decision_about_a_measure_outside_the_consent_is_refused(
    meeting: Meeting, jobcenter_user: User, health_measure: Measure
) -> None:
    """Writes check the same rights as reads: a decision or task about a measure the user may not
    see is refused with the same 403 as reading it (issue 10; it was a 422 on the field)."""
    owner = meeting.participants.get(user=jobcenter_user)
    with pytest.raises(PermissionDenied):
        services.add_decision(
            jobcenter_user, meeting_id=meeting.pk, text="Udredning", measure_id=health_measure.pk
        )
    with pytest.raises(PermissionDenied):
        services.add_decision(
            jobcenter_user,
            meeting_id=meeting.pk,
            text="Udredning",
            tasks=[
                logic.TaskSpec(
                    title="Book tid",
                    owner_id=owner.pk,
                    due_date=at(10).date(),
                    measure_id=health_measure.pk,
                )
            ],
        )
    assert not Decision.objects.exists()


def test_ruling_on_a_recommendation_outside_the_consent_is_refused_by_the_service(
    course: Course,
    coordinator: User,
    jobcenter_user: User,
    jobcenter_unit: Unit,
    health_measure: Measure,
) -> None:
    # Sent before the consent stopped covering it (the service refuses to send it now).
    rec = Recommendation.objects.create(
        course=course,
        measure=health_measure,
        measure_title=health_measure.title,
        data_category=health_measure.data_category,
        reasoning="Udredning først",
        authority_unit=jobcenter_unit,
        recommended_on=timezone.localdate(),
        recommended_by=coordinator,
    )
    with pytest.raises(PermissionDenied):
        services.record_ruling(
            jobcenter_user,
            recommendation_id=rec.pk,
            outcome="bevilling",
            legal_basis_id=LegalBasis.objects.get(pk="lab-187").pk,
        )
    assert not Ruling.objects.exists()
