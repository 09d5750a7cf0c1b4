"""Issue 11 for meetings: one write path per use case. Every service takes the acting user and
then ids and plain values, keyword-only (no model objects from the caller: the service looks
them up and checks them), and the page and the API reach the same outcome, messages and log
entries through it."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import User
from helhed.courses.models import Course, TeamMember
from helhed.meetings import services
from helhed.meetings.models import Meeting, MeetingStatus
from tests.meetings.conftest import post

MODELS = re.compile(
    r"\b(Meeting|Course|TeamMember|Measure|Goal|Unit|Participant|ProposedTime|Decision|Task|"
    r"Recommendation|LegalBasis|Relative|Citizen)\b"
)


def use_cases() -> list[tuple[str, Any]]:
    return [
        (name, fn)
        for name, fn in inspect.getmembers(services, inspect.isfunction)
        if fn.__module__ == services.__name__
        and not name.startswith("_")
        and name != "day_warnings"
    ]


def test_every_write_use_case_takes_ids_and_plain_values_keyword_only() -> None:
    found = dict(use_cases())
    assert {"create_meeting", "register_held_meeting", "save_minutes", "add_decision"} <= set(found)
    for name, fn in found.items():
        params = list(inspect.signature(fn).parameters.values())
        assert params[0].name == "user", name
        for p in params[1:]:
            assert p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD), (name, p.name)
            assert not MODELS.search(str(p.annotation)), (name, p.name, p.annotation)


@pytest.mark.django_db
def test_a_model_object_passed_positionally_is_a_programming_error(
    meeting: Meeting, coordinator: User
) -> None:
    with pytest.raises(TypeError):
        services.cancel_meeting(coordinator, meeting)  # type: ignore[misc]
    meeting.refresh_from_db()
    assert meeting.status != MeetingStatus.CANCELLED


def _ago(days: int) -> datetime:
    return timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=days), time(9, 30))
    )


def _through_page(client: Client, course: Course, member: TeamMember, start: datetime) -> str:
    local = timezone.localtime(start)
    response = client.post(
        reverse("meetings:meeting_register", args=[course.pk]),
        {
            "kind": "netvaerk",
            "purpose": "Netværksmøde holdt i går",
            "place": "Rådhuset",
            "starts_on": local.strftime("%d.%m.%Y"),
            "starts_time": local.strftime("%H:%M"),
            "duration_minutes": "60",
            "team_members": [str(member.pk)],
            "citizen_present": "ja",
            "problem_focus": "Job",
            "minutes_category": "plan",
            "next_meeting_date": (timezone.localdate() + timedelta(days=21)).strftime("%d.%m.%Y"),
        },
    )
    return response.content.decode()


def _through_api(client: Client, course: Course, member: TeamMember, start: datetime) -> str:
    response = post(
        client,
        f"/courses/{course.pk}/meetings/held",
        {
            "kind": "netvaerk",
            "purpose": "Netværksmøde holdt i går",
            "place": "Rådhuset",
            "starts_at": start.isoformat(),
            "team_member_ids": [str(member.pk)],
            "citizen_present": True,
            "problem_focus": "Job",
            "next_meeting_date": (timezone.localdate() + timedelta(days=21)).isoformat(),
        },
    )
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("adapter", [_through_page, _through_api], ids=["page", "api"])
def test_page_and_api_register_a_held_meeting_alike(
    adapter: Callable[..., str],
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    login: Callable[[User], Client],
) -> None:
    client = login(coordinator)
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    # the same refusal, in the same words
    refused = adapter(client, course, coordinator_member, timezone.now() + timedelta(days=2))
    assert "Mødet ligger i fremtiden." in refused.replace("\\u00f8", "ø")
    assert not Meeting.objects.exists()
    # the same outcome
    adapter(client, course, coordinator_member, _ago(1))
    meeting = Meeting.objects.get(purpose="Netværksmøde holdt i går")
    assert meeting.status == MeetingStatus.HELD and meeting.minutes_closed
    assert meeting.starts_at == _ago(1)
    assert sorted((p.kind, p.present) for p in meeting.participants.all()) == [
        ("borger", True),
        ("team", True),
    ]
    assert meeting.next_meeting is not None
    written = AccessLogEntry.objects.exclude(pk__in=before)
    # both read the choices (the form, or the answer's meeting) and log the citizen's record
    assert set(written.values_list("citizen_id", flat=True)) == {course.citizen_id}
