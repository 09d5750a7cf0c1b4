"""A task cannot be due before its meeting (or, while the time is open, the earliest proposed
time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from helhed.core.models import User
from helhed.meetings import logic, services
from helhed.meetings.models import Decision, Meeting

pytestmark = pytest.mark.django_db


def test_task_due_before_the_meeting_is_refused(
    meeting: Meeting, coordinator: User, jobcenter_user: User
) -> None:
    services.choose_time(
        coordinator, meeting_id=meeting.pk, proposed_time_id=meeting.proposed_times.first().pk
    )
    meeting.refresh_from_db()
    owner = meeting.participants.get(user=jobcenter_user)
    meeting_day = timezone.localtime(meeting.starts_at).date()
    with pytest.raises(ValidationError) as exc:
        services.add_decision(
            coordinator,
            meeting_id=meeting.pk,
            text="Mentor",
            tasks=[
                logic.TaskSpec(
                    title="Find mentor", owner_id=owner.pk, due_date=meeting_day - timedelta(1)
                )
            ],
        )
    assert list(exc.value.message_dict) == ["task_due_date"]
    assert not Decision.objects.exists()
    decision = services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Mentor",
        tasks=[logic.TaskSpec(title="Find mentor", owner_id=owner.pk, due_date=meeting_day)],
    )
    assert decision.tasks.count() == 1


def test_task_due_before_the_earliest_proposed_time_is_refused(
    meeting: Meeting, coordinator: User, jobcenter_user: User
) -> None:
    owner = meeting.participants.get(user=jobcenter_user)
    with pytest.raises(ValidationError) as exc:
        services.add_decision(
            coordinator,
            meeting_id=meeting.pk,
            text="Mentor",
            tasks=[
                logic.TaskSpec(
                    title="Find mentor", owner_id=owner.pk, due_date=timezone.localdate()
                )
            ],
        )
    assert list(exc.value.message_dict) == ["task_due_date"]
