"""Who a recommendation goes to and who hears about it: a unit on the course's team today, one the
consent lets see the measure, and only its current staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from helhed.core.models import Membership, Unit, User
from helhed.courses.models import Course, Measure, TeamMember
from helhed.meetings import services
from helhed.meetings.models import Recommendation
from helhed.notifications.models import Notification
from tests.meetings.conftest import post

pytestmark = pytest.mark.django_db


def test_recommendation_only_to_a_current_team_unit(
    course: Course,
    coordinator: User,
    measure: Measure,
    outsider_unit: Unit,
    outsider_user: User,
    login: Callable[[User], Client],
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator,
            course_id=course.pk,
            measure_id=measure.pk,
            reasoning="Mentor",
            authority_unit_id=outsider_unit.pk,
        )
    assert list(exc.value.message_dict) == ["authority_unit"]
    response = post(
        login(coordinator),
        f"/courses/{course.pk}/recommendations",
        {
            "measure_id": str(measure.pk),
            "reasoning": "Mentor",
            "authority_unit_id": str(outsider_unit.pk),
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "authority_unit"]
    assert not Recommendation.objects.exists()
    assert not Notification.objects.filter(recipient=outsider_user).exists()


def test_recommendation_to_a_unit_that_has_left_the_team_is_refused(
    course: Course, coordinator: User, measure: Measure, jobcenter_unit: Unit
) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    TeamMember.objects.filter(course=course, unit=jobcenter_unit).update(
        valid_from=yesterday - timedelta(days=30), valid_to=yesterday
    )
    with pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator,
            course_id=course.pk,
            measure_id=measure.pk,
            reasoning="Mentor",
            authority_unit_id=jobcenter_unit.pk,
        )
    assert list(exc.value.message_dict) == ["authority_unit"]


def test_recommendation_to_a_unit_the_consent_does_not_cover_for_the_measure_is_refused(
    course: Course, coordinator: User, jobcenter_unit: Unit, health_measure: Measure
) -> None:
    """Sending a recommendation shows its measure to the deciding unit: not to a unit whose
    consent does not cover the measure's category."""
    with pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator,
            course_id=course.pk,
            measure_id=health_measure.pk,
            reasoning="Udredning først",
            authority_unit_id=jobcenter_unit.pk,
        )
    assert list(exc.value.message_dict) == ["authority_unit"]
    assert not Recommendation.objects.exists()


def test_recommendation_does_not_notify_former_staff_of_the_deciding_unit(
    course: Course,
    coordinator: User,
    measure: Measure,
    jobcenter_unit: Unit,
    jobcenter_user: User,
    make_user: Callable[..., User],
) -> None:
    former = make_user("fagperson", jobcenter_unit, first_name="Freja")
    Membership.objects.filter(user=former).update(
        valid_from=date(2020, 1, 1), valid_to=timezone.localdate() - timedelta(days=1)
    )
    services.recommend(
        coordinator,
        course_id=course.pk,
        measure_id=measure.pk,
        reasoning="Mentor",
        authority_unit_id=jobcenter_unit.pk,
    )
    assert Notification.objects.filter(recipient=jobcenter_user, kind="afgoerelse").exists()
    assert not Notification.objects.filter(recipient=former).exists()
