"""Closing the minutes: only after the meeting took place, with the next meeting within a year,
and the citizen's presence has one answer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from helhed.core.models import User
from helhed.meetings import logic, services
from helhed.meetings.models import Meeting, ParticipantKind
from tests.meetings.conftest import happened

pytestmark = pytest.mark.django_db


def test_minutes_of_a_meeting_that_has_not_happened_cannot_be_closed(
    meeting: Meeting, coordinator: User
) -> None:
    services.choose_time(
        coordinator, meeting_id=meeting.pk, proposed_time_id=meeting.proposed_times.first().pk
    )
    meeting.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.save_minutes(
            coordinator,
            meeting_id=meeting.pk,
            close=True,
            citizen_present=True,
            problem_focus="Bolig",
            next_meeting_date=timezone.localdate() + timedelta(days=30),
        )
    assert list(exc.value.message_dict) == ["starts_at"]
    meeting.refresh_from_db()
    assert not meeting.minutes_closed and Meeting.objects.count() == 1


def test_next_meeting_within_a_year(meeting: Meeting, coordinator: User) -> None:
    meeting = happened(meeting, coordinator)
    with pytest.raises(ValidationError) as exc:
        services.save_minutes(
            coordinator,
            meeting_id=meeting.pk,
            close=True,
            citizen_present=True,
            problem_focus="Bolig",
            next_meeting_date=date(9999, 12, 31),
        )
    assert list(exc.value.message_dict) == ["next_meeting_date"]
    assert Meeting.objects.count() == 1


def test_next_meeting_date_boundary_is_one_year() -> None:
    def errors(next_date: date) -> dict[str, str]:
        return logic.closing_errors(
            meeting_date=date(2026, 3, 10),
            next_meeting_date=next_date,
            citizen_present=True,
            citizen_absence_reason="",
            problem_focus="Bolig",
        )

    assert errors(date(2027, 3, 10)) == {}
    assert set(errors(date(2027, 3, 11))) == {"next_meeting_date"}
    # A meeting on 29 February: a year later is 28 February.
    leap = logic.closing_errors(
        meeting_date=date(2028, 2, 29),
        next_meeting_date=date(2029, 3, 1),
        citizen_present=True,
        citizen_absence_reason="",
        problem_focus="Bolig",
    )
    assert set(leap) == {"next_meeting_date"}


def test_citizen_participant_presence_follows_citizen_present(
    meeting: Meeting, coordinator: User
) -> None:
    meeting = happened(meeting, coordinator)
    everyone = [p.pk for p in meeting.participants.all()]
    services.save_minutes(
        coordinator,
        meeting_id=meeting.pk,
        citizen_present=False,
        citizen_absence_reason="Syg",
        present_participant_ids=everyone,
    )
    citizen = meeting.participants.get(kind=ParticipantKind.CITIZEN)
    assert citizen.present is False
    services.save_minutes(
        coordinator, meeting_id=meeting.pk, citizen_present=True, present_participant_ids=[]
    )
    citizen.refresh_from_db()
    assert citizen.present is True
