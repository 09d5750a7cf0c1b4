"""Availability answers act on the meeting as it is now (locked), not as the caller read it, and a
concurrent twin answer is a field error, not a 500."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from helhed.core.models import User
from helhed.meetings import services
from helhed.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_answers_use_the_current_state_of_the_meeting(meeting: Meeting, coordinator: User) -> None:
    stale = Meeting.objects.get(pk=meeting.pk)
    services.cancel_meeting(coordinator, meeting_id=meeting.pk)
    p = meeting.participants.first()
    t = meeting.proposed_times.first()
    assert p is not None and t is not None
    with pytest.raises(ValidationError):
        services.answer_availability(coordinator, meeting_id=stale.pk, answers={(p.pk, t.pk): "ja"})


def test_citizen_answer_uses_the_current_state_of_the_meeting(
    meeting: Meeting, coordinator: User, citizen_user: User
) -> None:
    course = meeting.course
    course.citizen.user = citizen_user
    course.citizen.save()
    stale = Meeting.objects.select_related("course__citizen").get(pk=meeting.pk)
    services.choose_time(
        coordinator, meeting_id=meeting.pk, proposed_time_id=meeting.proposed_times.first().pk
    )
    t = meeting.proposed_times.first()
    assert t is not None
    with pytest.raises(ValidationError):
        services.answer_as_citizen(citizen_user, meeting_id=stale.pk, answers={t.pk: "ja"})


def test_a_concurrent_twin_answer_is_a_field_error_not_a_500(
    meeting: Meeting, coordinator: User
) -> None:
    p = meeting.participants.first()
    t = meeting.proposed_times.first()
    assert p is not None and t is not None
    with (
        mock.patch(
            "helhed.meetings.models.Availability.objects.update_or_create",
            side_effect=IntegrityError("availability_once"),
        ),
        pytest.raises(ValidationError) as exc,
    ):
        services.answer_availability(
            coordinator, meeting_id=meeting.pk, answers={(p.pk, t.pk): "ja"}
        )
    assert "answers" in exc.value.message_dict
