"""Links to virtual meetings: only web addresses are kept and shown, on the page, over the API and
for rows stored before the check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from helhed.core.models import User
from helhed.courses.models import Course
from helhed.meetings.models import Meeting
from tests.meetings.conftest import BASE, at, plan_meeting, post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "link", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "ftp://x.dk"]
)
def test_virtual_link_must_be_a_web_address(course: Course, coordinator: User, link: str) -> None:
    with pytest.raises(ValidationError) as exc:
        plan_meeting(coordinator, course, place="", virtual_link=link)
    assert list(exc.value.message_dict) == ["virtual_link"]
    assert not Meeting.objects.exists()


def test_unsafe_virtual_link_over_the_api_is_a_422(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    response = post(
        login(coordinator),
        f"/courses/{course.pk}/meetings",
        {
            "purpose": "Møde",
            "virtual_link": "javascript:alert(1)",
            "team_member_ids": [str(t.pk) for t in course.team.all()],
            "proposed_times": [at(3).isoformat()],
        },
    )
    assert response.status_code == 422
    assert ["body", "virtual_link"] in [e["loc"] for e in response.json()["errors"]]
    assert not Meeting.objects.exists()


def test_https_virtual_link_is_kept(course: Course, coordinator: User) -> None:
    meeting = plan_meeting(coordinator, course, place="", virtual_link="https://moede.example.dk/a")
    assert meeting.virtual_link == "https://moede.example.dk/a"


def test_an_unsafe_link_stored_before_the_check_is_never_a_link(
    meeting: Meeting,
    coordinator: User,
    citizen_user: User,
    login: Callable[[User], Client],
) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(virtual_link="javascript:alert(1)")
    course = meeting.course
    course.citizen.user = citizen_user
    course.citizen.save()
    staff_page = login(coordinator).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert "javascript:" not in staff_page.content.decode()
    citizen_page = login(citizen_user).get(reverse("meetings:my_meetings"))
    assert "javascript:" not in citizen_page.content.decode()
    api = login(coordinator).get(f"{BASE}/meetings/{meeting.pk}").json()
    assert api["virtual_link"] == ""
