"""The services' newer field errors have English translations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from helhed.core.models import Unit, User
from helhed.courses.models import Course, Measure
from helhed.meetings import services
from tests.meetings.conftest import plan_meeting

pytestmark = pytest.mark.django_db


def test_new_field_errors_are_translated_to_english(
    course: Course, coordinator: User, measure: Measure, outsider_unit: Unit
) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator,
            course_id=course.pk,
            measure_id=measure.pk,
            reasoning="Mentor",
            authority_unit_id=outsider_unit.pk,
        )
    assert exc.value.message_dict["authority_unit"] == [
        "The unit is not on the course's team. Choose one of the team's units."
    ]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        plan_meeting(coordinator, course, virtual_link="javascript:alert(1)")
    assert "web address" in exc.value.message_dict["virtual_link"][0]
