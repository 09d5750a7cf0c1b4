"""Fixtures for meetings: the courses fixtures (a course coordinated by ``coordinator`` with the
jobcenter professional on the team and a consent covering both units; an outsider from another
municipality without consent), plus a measure in the plan and a meeting planned for next week.

The measure is the jobcenter's own mentor measure (``unit``: the jobcenter). Under LAB it is
employment data, which the fixture consent (plan, social, economy) does not cover: the
jobcenter sees it because it is its own contribution (docs/security.md)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import BudgetArea, Course, LegalBasis, Measure, Plan, TeamMember
from helhed.meetings import services
from helhed.meetings.models import Meeting

# The courses fixtures, re-exported for these tests.
from tests.courses.conftest import consent as consent
from tests.courses.conftest import coordinator_unit as coordinator_unit
from tests.courses.conftest import course as course
from tests.courses.conftest import initiative as initiative
from tests.courses.conftest import jobcenter_member as jobcenter_member
from tests.courses.conftest import jobcenter_unit as jobcenter_unit
from tests.courses.conftest import jobcenter_user as jobcenter_user
from tests.courses.conftest import outsider_unit as outsider_unit
from tests.courses.conftest import outsider_user as outsider_user

BASE = "/api/meetings"
NOWHERE = "00000000-0000-0000-0000-0000000000ab"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    """A JSON POST to the meetings API."""
    return client.post(BASE + url, body, content_type="application/json")


def plan_meeting(user: User, course: Course, **extra: Any) -> Meeting:
    """A meeting with the whole team, in three days (``extra`` overrides)."""
    team = list(course.team.all())
    fields: dict[str, Any] = {
        "purpose": "Job og bolig",
        "place": "Rådhuset",
        "team_member_ids": [t.pk for t in team],
        "proposed_times": [at(3)],
    }
    fields.update(extra)
    return services.create_meeting(user, course_id=course.pk, **fields)


def at(days: int, hour: int = 10) -> datetime:
    """A local time ``days`` from today."""
    return timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, 0))
    )


@pytest.fixture
def coordinator_member(course: Course, coordinator: User) -> TeamMember:
    return course.team.get(user=coordinator)


@pytest.fixture
def measure(course: Course, coordinator: User, jobcenter_unit: Unit) -> Measure:
    plan = Plan.objects.get(course=course)
    measure = course_services.save_measure(
        coordinator,
        plan.pk,
        plan.version,
        title="Mentorforløb",
        welfare_area_id="beskaeftigelse",
        legal_basis=LegalBasis.objects.get(pk="lab-187"),
        organisation=jobcenter_unit.organisation,
        unit=jobcenter_unit,
        budget_area=BudgetArea.EMPLOYMENT,
    )
    assert measure.data_category == "employment"
    return measure


@pytest.fixture
def meeting(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_member: TeamMember,
) -> Meeting:
    return services.create_meeting(
        coordinator,
        course_id=course.pk,
        purpose="Fælles plan for job og bolig",
        place="Borgerservice, mødelokale 2",
        team_member_ids=[coordinator_member.pk, jobcenter_member.pk],
        include_citizen=True,
        proposed_times=[at(7), at(8), at(9)],
    )


def happened(meeting: Meeting, user: User, days_ago: int = 1) -> Meeting:
    """Fix the meeting at its first proposed time, then move that time ``days_ago`` days into
    the past: the meeting has taken place, so its minutes may be closed."""
    services.choose_time(
        user,
        meeting_id=meeting.pk,
        proposed_time_id=meeting.proposed_times.order_by("starts_at").first().pk,
    )
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=at(-days_ago))
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def health_measure(course: Course, coordinator: User) -> Measure:
    """A measure in the health category, which the jobcenter's consent does not cover."""
    plan = Plan.objects.get(course=course)
    measure = course_services.save_measure(
        coordinator,
        plan.pk,
        plan.version,
        title="Psykiatrisk udredning",
        welfare_area_id="psykiatri",
        legal_basis=LegalBasis.objects.get(pk="psyk-13b"),
        organisation=course.coordinator_unit.organisation,
        budget_area=BudgetArea.REGION,
    )
    assert measure.data_category == "health"
    return measure
