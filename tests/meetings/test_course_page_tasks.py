"""Issue 14: the course page's first screen shows the course's open tasks (from the meetings'
decisions), labelled as the reader may see them — a task about a measure outside the reader's
consent is counted, not named; the full list is on the meetings tab."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.core.models import User
from helhed.courses.models import Measure
from helhed.meetings.models import Decision, Meeting, Task

pytestmark = pytest.mark.django_db


def _task(meeting: Meeting, user: User, title: str, days: int, measure: Measure | None) -> Task:
    decision = Decision.objects.create(
        meeting=meeting, text="Vi aftalte", measure=measure, created_by=user
    )
    return Task.objects.create(
        course=meeting.course,
        decision=decision,
        title=title,
        owner=meeting.participants.get(user=user),
        owner_user=user,
        due_date=timezone.localdate() + timedelta(days=days),
        measure=measure,
    )


def test_the_first_screen_lists_open_tasks_as_the_reader_may_see_them(
    meeting: Meeting,
    coordinator: User,
    jobcenter_user: User,
    health_measure: Measure,
    login: Callable[[User], Client],
) -> None:
    _task(meeting, coordinator, "Søg om boligstøtte", -2, None)
    _task(meeting, coordinator, "Book udredningstid", 5, health_measure)
    done = _task(meeting, coordinator, "Ring til udlejer", 1, None)
    Task.objects.filter(pk=done.pk).update(done_at=timezone.now())
    url = reverse("courses:course_detail", args=[meeting.course_id])
    page = login(coordinator).get(url).content.decode()
    assert 'id="open-tasks"' in page
    assert "Søg om boligstøtte" in page and "overskredet" in page
    assert "Book udredningstid" in page
    assert "Ring til udlejer" not in page  # done
    assert page.index("Søg om boligstøtte") < page.index("Book udredningstid")  # by due date
    # the jobcenter's consent does not cover health: the task is there, its title is not
    jobcenter = login(jobcenter_user).get(url).content.decode()
    assert "Søg om boligstøtte" in jobcenter
    assert "Book udredningstid" not in jobcenter
    assert "En opgave, dit samtykke ikke omfatter" in jobcenter
