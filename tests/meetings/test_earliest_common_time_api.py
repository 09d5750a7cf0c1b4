"""Fixing the time over the API without a body takes the earliest common time."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from helhed.core.models import User
from helhed.meetings import services
from helhed.meetings.models import Meeting, MeetingStatus
from tests.meetings.conftest import BASE, at

pytestmark = pytest.mark.django_db


def test_choose_time_without_a_body_takes_the_earliest_common_time(
    meeting: Meeting, coordinator: User, login: Callable[[User], Client]
) -> None:
    services.answer_availability(
        coordinator,
        meeting_id=meeting.pk,
        answers={
            (p.pk, t.pk): "ja"
            for p in meeting.participants.all()
            for t in meeting.proposed_times.all()
        },
    )
    # A POST with no body at all (as `curl -X POST` sends it).
    response = login(coordinator).generic("POST", f"{BASE}/meetings/{meeting.pk}/time")
    assert response.status_code == 200, response.content
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.starts_at == at(7)
