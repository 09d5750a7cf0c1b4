"""Who hears about a meeting: the citizen with a login (invitation, time, minutes — never their
name), the participants of a cancelled meeting, the whole current team when minutes close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses.models import Course, TeamMember
from helhed.meetings import services
from helhed.meetings.models import Meeting
from helhed.notifications.models import Notification
from tests.meetings.conftest import happened, plan_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen_with_login(course: Course, citizen_user: User) -> User:
    course.citizen.user = citizen_user
    course.citizen.save()
    return citizen_user


def _citizen_notes(user: User) -> list[Notification]:
    notes = list(Notification.objects.filter(recipient=user).order_by("created_at"))
    for note in notes:
        text = note.title + note.body
        assert "Mette" not in text and "Sørensen" not in text
        assert note.url == reverse("meetings:my_meetings")
    return notes


def test_citizen_with_a_login_hears_about_invitation_time_and_minutes(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    citizen_with_login: User,
) -> None:
    meeting = plan_meeting(coordinator, course)
    assert len(_citizen_notes(citizen_with_login)) == 1
    meeting = happened(meeting, coordinator)
    assert len(_citizen_notes(citizen_with_login)) == 2
    services.save_minutes(
        coordinator,
        meeting_id=meeting.pk,
        close=True,
        citizen_present=True,
        problem_focus="Bolig",
        next_meeting_date=timezone.localdate() + timedelta(days=30),
    )
    assert len(_citizen_notes(citizen_with_login)) == 3


def test_cancelling_a_meeting_tells_the_participants(
    meeting: Meeting, coordinator: User, jobcenter_user: User, citizen_with_login: User
) -> None:
    Notification.objects.all().delete()
    services.cancel_meeting(coordinator, meeting_id=meeting.pk)
    note = Notification.objects.get(recipient=jobcenter_user)
    assert "aflyst" in note.title and "Mette" not in note.title + note.body
    assert len(_citizen_notes(citizen_with_login)) == 1
    assert not Notification.objects.filter(recipient=coordinator).exists()


def test_closed_minutes_are_shared_with_the_whole_team(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    make_user: Callable[..., User],
    jobcenter_unit: Unit,
) -> None:
    from helhed.courses import services as course_services

    colleague = make_user("fagperson", jobcenter_unit, first_name="Bo")
    course_services.add_team_member(
        coordinator,
        course,
        organisation=jobcenter_unit.organisation,
        unit=jobcenter_unit,
        name="Bo Bruger",
        role="Mentor",
        valid_from=course.referred_on,
        member_user=colleague,
    )
    meeting = plan_meeting(coordinator, course, team_member_ids=[coordinator_member.pk])
    meeting = happened(meeting, coordinator)
    assert not Notification.objects.filter(recipient=colleague).exists()
    services.save_minutes(
        coordinator,
        meeting_id=meeting.pk,
        close=True,
        citizen_present=True,
        problem_focus="Bolig",
        next_meeting_date=timezone.localdate() + timedelta(days=30),
    )
    note = Notification.objects.get(recipient=colleague)
    assert note.url == reverse("meetings:meeting_detail", args=[meeting.pk])
