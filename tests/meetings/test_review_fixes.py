"""The review's findings about meetings, each as a test of what a user would notice: unsafe
virtual links, recommendations to units outside the team, decisions about measures the consent
does not cover, timeliness reads without a log entry, 404 vs 403 on unknown ids, stale meeting
objects, the bodyless "choose the earliest common time", double submissions, closing minutes of
a meeting that has not happened, notifications to the citizen and the rest of the team, task due
dates before the meeting, the citizen's presence, and former staff of the deciding unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Unit, User
from helhed.courses.models import Course, LegalBasis, Measure, TeamMember
from helhed.meetings import logic, services
from helhed.meetings.models import (
    Decision,
    Meeting,
    MeetingStatus,
    ParticipantKind,
    Recommendation,
    Ruling,
)
from helhed.notifications.models import Notification
from tests.meetings.conftest import at, happened

pytestmark = pytest.mark.django_db
BASE = "/api/meetings"
NOWHERE = "00000000-0000-0000-0000-0000000000ab"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(BASE + url, body, content_type="application/json")


def plan_meeting(user: User, course: Course, **extra: Any) -> Meeting:
    team = list(course.team.all())
    fields: dict[str, Any] = {
        "purpose": "Job og bolig",
        "place": "Rådhuset",
        "team_members": team,
        "proposed_times": [at(3)],
    }
    fields.update(extra)
    return services.create_meeting(user, course, **fields)


# P3 -------------------------------------------------------------------------------------------


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


# P8 -------------------------------------------------------------------------------------------


def test_recommendation_only_to_a_current_team_unit(
    course: Course,
    coordinator: User,
    measure: Measure,
    outsider_unit: Unit,
    outsider_user: User,
    login: Callable[[User], Client],
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator, course, measure=measure, reasoning="Mentor", authority_unit=outsider_unit
        )
    assert list(exc.value.message_dict) == ["authority_unit"]
    response = post(
        login(coordinator),
        f"/courses/{course.pk}/recommendations",
        {
            "measure_id": str(measure.pk),
            "reasoning": "Mentor",
            "authority_unit_id": str(outsider_unit.pk),
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "authority_unit"]
    assert not Recommendation.objects.exists()
    assert not Notification.objects.filter(recipient=outsider_user).exists()


def test_recommendation_to_a_unit_that_has_left_the_team_is_refused(
    course: Course, coordinator: User, measure: Measure, jobcenter_unit: Unit
) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    TeamMember.objects.filter(course=course, unit=jobcenter_unit).update(
        valid_from=yesterday - timedelta(days=30), valid_to=yesterday
    )
    with pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator, course, measure=measure, reasoning="Mentor", authority_unit=jobcenter_unit
        )
    assert list(exc.value.message_dict) == ["authority_unit"]


def test_decision_about_a_measure_outside_the_consent_is_refused(
    meeting: Meeting, jobcenter_user: User, health_measure: Measure
) -> None:
    """Writes check the same rights as reads: a decision or task about a measure the user may not
    see is refused with the same 403 as reading it (issue 10; it was a 422 on the field)."""
    owner = meeting.participants.get(user=jobcenter_user)
    with pytest.raises(PermissionDenied):
        services.add_decision(jobcenter_user, meeting, text="Udredning", measure=health_measure)
    with pytest.raises(PermissionDenied):
        services.add_decision(
            jobcenter_user,
            meeting,
            text="Udredning",
            tasks=[
                {
                    "title": "Book tid",
                    "owner": owner,
                    "due_date": at(10).date(),
                    "measure": health_measure,
                }
            ],
        )
    assert not Decision.objects.exists()


def test_recommendation_to_a_unit_the_consent_does_not_cover_for_the_measure_is_refused(
    course: Course, coordinator: User, jobcenter_unit: Unit, health_measure: Measure
) -> None:
    """Sending a recommendation shows its measure to the deciding unit: not to a unit whose
    consent does not cover the measure's category."""
    with pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator,
            course,
            measure=health_measure,
            reasoning="Udredning først",
            authority_unit=jobcenter_unit,
        )
    assert list(exc.value.message_dict) == ["authority_unit"]
    assert not Recommendation.objects.exists()


def test_ruling_on_a_recommendation_outside_the_consent_is_refused_by_the_service(
    course: Course,
    coordinator: User,
    jobcenter_user: User,
    jobcenter_unit: Unit,
    health_measure: Measure,
) -> None:
    # Sent before the consent stopped covering it (the service refuses to send it now).
    rec = Recommendation.objects.create(
        course=course,
        measure=health_measure,
        measure_title=health_measure.title,
        data_category=health_measure.data_category,
        reasoning="Udredning først",
        authority_unit=jobcenter_unit,
        recommended_on=timezone.localdate(),
        recommended_by=coordinator,
    )
    with pytest.raises(PermissionDenied):
        services.record_ruling(
            jobcenter_user,
            rec,
            outcome="bevilling",
            legal_basis=LegalBasis.objects.get(pk="lab-187"),
        )
    assert not Ruling.objects.exists()


# P9 -------------------------------------------------------------------------------------------


def test_timeliness_api_is_logged_and_counts_only_visible_recommendations(
    course: Course,
    coordinator: User,
    jobcenter_user: User,
    coordinator_unit: Unit,
    health_measure: Measure,
    login: Callable[[User], Client],
) -> None:
    services.recommend(
        coordinator,
        course,
        measure=health_measure,
        reasoning="Udredning først",
        authority_unit=coordinator_unit,
    )
    before = AccessLogEntry.objects.filter(actor=jobcenter_user).count()
    figures = login(jobcenter_user).get(f"{BASE}/courses/{course.pk}/timeliness").json()
    assert figures["open_recommendations"] == 0
    entries = AccessLogEntry.objects.filter(actor=jobcenter_user)
    assert entries.count() == before + 1
    assert entries.order_by("-at")[0].what == "rettidighed"
    assert (
        login(coordinator)
        .get(f"{BASE}/courses/{course.pk}/timeliness")
        .json()["open_recommendations"]
        == 1
    )
    from helhed.meetings import selectors

    section = selectors.course_meetings(jobcenter_user, course.pk)
    assert not section.figures.get(selectors.OPEN_RECOMMENDATIONS)


# P10 ------------------------------------------------------------------------------------------


def test_unknown_ids_on_pages_give_403_not_404(
    meeting: Meeting, outsider_user: User, login: Callable[[User], Client]
) -> None:
    client = login(outsider_user)
    for name in ("availability", "choose_time", "meeting_cancel"):
        unknown = client.post(reverse(f"meetings:{name}", args=[NOWHERE]))
        existing = client.post(reverse(f"meetings:{name}", args=[meeting.pk]))
        assert unknown.status_code == existing.status_code == 403, name
    assert client.post(reverse("meetings:task_done", args=[NOWHERE])).status_code == 403
    assert client.get(reverse("meetings:ruling_create", args=[NOWHERE])).status_code == 403


# E3 -------------------------------------------------------------------------------------------


def test_answers_use_the_current_state_of_the_meeting(meeting: Meeting, coordinator: User) -> None:
    stale = Meeting.objects.get(pk=meeting.pk)
    services.cancel_meeting(coordinator, meeting)
    p = meeting.participants.first()
    t = meeting.proposed_times.first()
    assert p is not None and t is not None
    with pytest.raises(ValidationError):
        services.answer_availability(coordinator, stale, {(p.pk, t.pk): "ja"})


def test_citizen_answer_uses_the_current_state_of_the_meeting(
    meeting: Meeting, coordinator: User, citizen_user: User
) -> None:
    course = meeting.course
    course.citizen.user = citizen_user
    course.citizen.save()
    stale = Meeting.objects.select_related("course__citizen").get(pk=meeting.pk)
    services.choose_time(coordinator, meeting, meeting.proposed_times.first())
    t = meeting.proposed_times.first()
    assert t is not None
    with pytest.raises(ValidationError):
        services.answer_as_citizen(citizen_user, stale, {t.pk: "ja"})


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
        services.answer_availability(coordinator, meeting, {(p.pk, t.pk): "ja"})
    assert "answers" in exc.value.message_dict


# E4 -------------------------------------------------------------------------------------------


def test_choose_time_without_a_body_takes_the_earliest_common_time(
    meeting: Meeting, coordinator: User, login: Callable[[User], Client]
) -> None:
    services.answer_availability(
        coordinator,
        meeting,
        {
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


# E5 -------------------------------------------------------------------------------------------


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
    decision = services.add_decision(coordinator, meeting, text="Mentor", idempotency_key="d1")
    with pytest.raises(services.DuplicateSubmissionError) as exc:
        services.add_decision(coordinator, meeting, text="Mentor", idempotency_key="d1")
    assert exc.value.existing == decision and Decision.objects.count() == 1
    rec = services.recommend(
        coordinator,
        meeting.course,
        measure=measure,
        reasoning="Mentor",
        authority_unit=jobcenter_unit,
        idempotency_key="r1",
    )
    with pytest.raises(services.DuplicateSubmissionError) as exc:
        services.recommend(
            coordinator,
            meeting.course,
            measure=measure,
            reasoning="Mentor",
            authority_unit=jobcenter_unit,
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


# S1 -------------------------------------------------------------------------------------------


def test_minutes_of_a_meeting_that_has_not_happened_cannot_be_closed(
    meeting: Meeting, coordinator: User
) -> None:
    services.choose_time(coordinator, meeting, meeting.proposed_times.first())
    meeting.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.save_minutes(
            coordinator,
            meeting,
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
            meeting,
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


# S2 -------------------------------------------------------------------------------------------


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
        meeting,
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
    services.cancel_meeting(coordinator, meeting)
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
    meeting = plan_meeting(coordinator, course, team_members=[coordinator_member])
    meeting = happened(meeting, coordinator)
    assert not Notification.objects.filter(recipient=colleague).exists()
    services.save_minutes(
        coordinator,
        meeting,
        close=True,
        citizen_present=True,
        problem_focus="Bolig",
        next_meeting_date=timezone.localdate() + timedelta(days=30),
    )
    note = Notification.objects.get(recipient=colleague)
    assert note.url == reverse("meetings:meeting_detail", args=[meeting.pk])


# S3 -------------------------------------------------------------------------------------------


def test_task_due_before_the_meeting_is_refused(
    meeting: Meeting, coordinator: User, jobcenter_user: User
) -> None:
    services.choose_time(coordinator, meeting, meeting.proposed_times.first())
    meeting.refresh_from_db()
    owner = meeting.participants.get(user=jobcenter_user)
    meeting_day = timezone.localtime(meeting.starts_at).date()
    with pytest.raises(ValidationError) as exc:
        services.add_decision(
            coordinator,
            meeting,
            text="Mentor",
            tasks=[
                {"title": "Find mentor", "owner": owner, "due_date": meeting_day - timedelta(1)}
            ],
        )
    assert list(exc.value.message_dict) == ["task_due_date"]
    assert not Decision.objects.exists()
    decision = services.add_decision(
        coordinator,
        meeting,
        text="Mentor",
        tasks=[{"title": "Find mentor", "owner": owner, "due_date": meeting_day}],
    )
    assert decision.tasks.count() == 1


def test_task_due_before_the_earliest_proposed_time_is_refused(
    meeting: Meeting, coordinator: User, jobcenter_user: User
) -> None:
    owner = meeting.participants.get(user=jobcenter_user)
    with pytest.raises(ValidationError) as exc:
        services.add_decision(
            coordinator,
            meeting,
            text="Mentor",
            tasks=[{"title": "Find mentor", "owner": owner, "due_date": timezone.localdate()}],
        )
    assert list(exc.value.message_dict) == ["task_due_date"]


# C6 -------------------------------------------------------------------------------------------


def test_citizen_participant_presence_follows_citizen_present(
    meeting: Meeting, coordinator: User
) -> None:
    meeting = happened(meeting, coordinator)
    everyone = [p.pk for p in meeting.participants.all()]
    services.save_minutes(
        coordinator,
        meeting,
        citizen_present=False,
        citizen_absence_reason="Syg",
        present_participant_ids=everyone,
    )
    citizen = meeting.participants.get(kind=ParticipantKind.CITIZEN)
    assert citizen.present is False
    services.save_minutes(coordinator, meeting, citizen_present=True, present_participant_ids=[])
    citizen.refresh_from_db()
    assert citizen.present is True


# Minor ----------------------------------------------------------------------------------------


def test_recommendation_does_not_notify_former_staff_of_the_deciding_unit(
    course: Course,
    coordinator: User,
    measure: Measure,
    jobcenter_unit: Unit,
    jobcenter_user: User,
    make_user: Callable[..., User],
) -> None:
    former = make_user("fagperson", jobcenter_unit, first_name="Freja")
    Membership.objects.filter(user=former).update(
        valid_from=date(2020, 1, 1), valid_to=timezone.localdate() - timedelta(days=1)
    )
    services.recommend(
        coordinator, course, measure=measure, reasoning="Mentor", authority_unit=jobcenter_unit
    )
    assert Notification.objects.filter(recipient=jobcenter_user, kind="afgoerelse").exists()
    assert not Notification.objects.filter(recipient=former).exists()


def test_new_field_errors_are_translated_to_english(
    course: Course, coordinator: User, measure: Measure, outsider_unit: Unit
) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator, course, measure=measure, reasoning="Mentor", authority_unit=outsider_unit
        )
    assert exc.value.message_dict["authority_unit"] == [
        "The unit is not on the course's team. Choose one of the team's units."
    ]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        plan_meeting(coordinator, course, virtual_link="javascript:alert(1)")
    assert "web address" in exc.value.message_dict["virtual_link"][0]
