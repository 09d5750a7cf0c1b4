"""A double submission creates nothing twice: idempotency keys per user in the services, 409 over
the API, one row from a double click on a form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from helhed.core.models import Unit, User
from helhed.courses.models import Course, Measure
from helhed.meetings import services
from helhed.meetings.models import Decision, Meeting, Recommendation
from tests.meetings.conftest import at, plan_meeting, post

pytestmark = pytest.mark.django_db


def test_double_submitted_meeting_is_created_once(
    course: Course, coordinator: User, jobcenter_user: User
) -> None:
    first = plan_meeting(coordinator, course, idempotency_key="k1")
    with pytest.raises(services.DuplicateSubmissionError) as exc:
        plan_meeting(coordinator, course, idempotency_key="k1")
    assert exc.value.existing == first
    assert Meeting.objects.count() == 1
    # Keys belong to their user: another user's key never reveals their meeting.
    other = plan_meeting(jobcenter_user, course, idempotency_key="k1")
    assert other != first and Meeting.objects.count() == 2


def test_double_submitted_decision_and_recommendation_are_created_once(
    meeting: Meeting, coordinator: User, measure: Measure, jobcenter_unit: Unit
) -> None:
    decision = services.add_decision(
        coordinator, meeting_id=meeting.pk, text="Mentor", idempotency_key="d1"
    )
    with pytest.raises(services.DuplicateSubmissionError) as exc:
        services.add_decision(
            coordinator, meeting_id=meeting.pk, text="Mentor", idempotency_key="d1"
        )
    assert exc.value.existing == decision and Decision.objects.count() == 1
    rec = services.recommend(
        coordinator,
        course_id=meeting.course.pk,
        measure_id=measure.pk,
        reasoning="Mentor",
        authority_unit_id=jobcenter_unit.pk,
        idempotency_key="r1",
    )
    with pytest.raises(services.DuplicateSubmissionError) as exc:
        services.recommend(
            coordinator,
            course_id=meeting.course.pk,
            measure_id=measure.pk,
            reasoning="Mentor",
            authority_unit_id=jobcenter_unit.pk,
            idempotency_key="r1",
        )
    assert exc.value.existing == rec and Recommendation.objects.count() == 1


def test_double_submission_over_the_api_is_a_409(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    client = login(coordinator)
    body = {
        "purpose": "Møde",
        "place": "Rådhuset",
        "team_member_ids": [str(t.pk) for t in course.team.all()],
        "proposed_times": [at(3).isoformat()],
        "idempotency_key": "api-1",
    }
    created = post(client, f"/courses/{course.pk}/meetings", body)
    assert created.status_code == 201
    again = post(client, f"/courses/{course.pk}/meetings", body)
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["existing_id"] == created.json()["id"]
    assert Meeting.objects.count() == 1


def test_double_click_on_the_meeting_form_creates_one_meeting(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    client = login(coordinator)
    url = reverse("meetings:meeting_create", args=[course.pk])
    form = client.get(url).content.decode()
    assert 'name="idempotency_key"' in form
    data = {
        "kind": "netvaerk",
        "purpose": "Job",
        "place": "Rådhuset",
        "team_members": [str(t.pk) for t in course.team.all()],
        "include_citizen": "on",
        "proposed_times": at(3).strftime("%d.%m.%Y %H:%M"),
        "duration_minutes": "60",
        "idempotency_key": "form-1",
    }
    first = client.post(url, data)
    second = client.post(url, data)
    meeting = Meeting.objects.get()
    assert first.status_code == second.status_code == 302
    assert (
        first["Location"]
        == second["Location"]
        == reverse("meetings:meeting_detail", args=[meeting.pk])
    )


def test_double_click_on_the_decision_form_records_one_decision(
    meeting: Meeting, coordinator: User, login: Callable[[User], Client]
) -> None:
    client = login(coordinator)
    url = reverse("meetings:decision_add", args=[meeting.pk])
    assert 'name="idempotency_key"' in client.get(url).content.decode()
    data = {"text": "Mette får en mentor", "idempotency_key": "form-2"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert Decision.objects.count() == 1
