"""Issue 14, "Meetings": a meeting that took place is registered afterwards — its time in the
past, who took part and the minutes, closed in one step — through the same service from the page
("Registrér et afholdt møde") and the API, with field-level errors; a next meeting on a weekend
or a Danish public holiday gives a warning (a DKFDS warning alert; ``warnings`` in the API)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import holidays
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, User
from helhed.courses.models import Course, TeamMember
from helhed.meetings import services
from helhed.meetings.models import Meeting, MeetingKind, MeetingStatus, ParticipantKind
from helhed.notifications.models import Notification
from tests.meetings.conftest import BASE, NOWHERE, happened, post
from tests.refusals import refused

pytestmark = pytest.mark.django_db


def ago(days: int, hour: int = 10) -> datetime:
    return timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=days), time(hour, 0))
    )


def next_weekday(weekday: int, after: int = 7) -> date:
    """The first ``weekday`` (0 = Monday) at least ``after`` days from today that is no Danish
    holiday of any kind."""
    day = timezone.localdate() + timedelta(days=after)
    dk = holidays.country_holidays("DK", categories=("public", "optional"))
    while day.weekday() != weekday or day in dk:
        day += timedelta(days=1)
    return day


def next_weekday_holiday() -> tuple[date, str]:
    """The first Danish public holiday on a weekday after today (there is one within months)."""
    day = timezone.localdate() + timedelta(days=1)
    while True:
        public = holidays.country_holidays("DK", years=day.year, language="da")
        if day in public and day.weekday() < 5:
            return day, str(public[day])
        day += timedelta(days=1)


def held(**extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": MeetingKind.COORDINATION,
        "purpose": "Akut møde om bolig",
        "place": "Borgerservice",
        "starts_at": ago(2),
        "citizen_present": True,
        "problem_focus": "Mette mister sin bolig",
        "plain_summary": "Vi hjælper dig med en ny bolig.",
        "next_meeting_date": next_weekday(2),
    }
    return fields | extra


def test_a_past_meeting_is_registered_held_with_its_minutes_closed_and_a_follow_up(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_member: TeamMember,
    jobcenter_user: User,
) -> None:
    result = services.register_held_meeting(
        coordinator,
        course_id=course.pk,
        team_member_ids=[coordinator_member.pk, jobcenter_member.pk],
        coordinated_by_id=coordinator_member.pk,
        **held(),
    )
    meeting = Meeting.objects.get(pk=result.meeting.pk)
    assert meeting.status == MeetingStatus.HELD and meeting.minutes_closed
    assert meeting.starts_at == ago(2) and meeting.coordinated_by_id == coordinator_member.pk
    assert {(p.kind, p.present) for p in meeting.participants.all()} == {
        (ParticipantKind.TEAM, True),
        (ParticipantKind.CITIZEN, True),
    }
    follow_up = meeting.next_meeting
    assert follow_up is not None and follow_up.status == MeetingStatus.SCHEDULED
    assert timezone.localtime(follow_up.starts_at).date() == meeting.next_meeting_date
    assert follow_up.participants.count() == 3
    assert result.warnings == []
    # the team is told the minutes are ready (not the one who wrote them)
    assert Notification.objects.filter(
        recipient=jobcenter_user, title="Referatet fra et møde er klar"
    ).exists()


def test_field_errors_name_what_is_wrong_and_nothing_is_written(
    course: Course, coordinator: User, coordinator_member: TeamMember
) -> None:
    cases = [
        ({"starts_at": timezone.now() + timedelta(hours=2)}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": ago(30)}, "starts_at"),  # before the course was referred
        ({"next_meeting_date": None}, "next_meeting_date"),
        ({"next_meeting_date": timezone.localdate() - timedelta(days=1)}, "next_meeting_date"),
        ({"citizen_present": False}, "citizen_absence_reason"),
        ({"citizen_present": None}, "citizen_present"),
        ({"problem_focus": " "}, "problem_focus"),
        ({"place": ""}, "place"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.register_held_meeting(
                coordinator,
                course_id=course.pk,
                team_member_ids=[coordinator_member.pk],
                **held(**extra),
            )
        assert field in exc.value.message_dict, (extra, exc.value.message_dict)
    # nobody present at all
    with pytest.raises(ValidationError) as exc:
        services.register_held_meeting(
            coordinator,
            course_id=course.pk,
            **held(citizen_present=False, citizen_absence_reason="Syg"),
        )
    assert "participants" in exc.value.message_dict
    assert not Meeting.objects.exists()


def test_a_planned_meetings_future_rule_is_unchanged(
    course: Course, coordinator: User, coordinator_member: TeamMember
) -> None:
    """Planning still needs future times: the past belongs to the registration."""
    with pytest.raises(ValidationError) as exc:
        services.create_meeting(
            coordinator,
            course_id=course.pk,
            purpose="Møde",
            place="Rådhuset",
            team_member_ids=[coordinator_member.pk],
            proposed_times=[ago(1)],
        )
    assert list(exc.value.message_dict) == ["proposed_times"]


def test_next_meeting_on_a_weekend_or_public_holiday_is_saved_with_a_warning(
    course: Course, coordinator: User, coordinator_member: TeamMember
) -> None:
    saturday = next_weekday(5)
    result = services.register_held_meeting(
        coordinator,
        course_id=course.pk,
        team_member_ids=[coordinator_member.pk],
        **held(next_meeting_date=saturday),
    )
    assert result.warnings == [
        f"Næste møde den {saturday:%d.%m.%Y} falder på en lørdag. Tjek, at alle kan komme, "
        "eller vælg en hverdag."
    ]
    assert result.meeting.next_meeting_date == saturday  # a warning, not a refusal
    holiday, name = next_weekday_holiday()
    result = services.register_held_meeting(
        coordinator,
        course_id=course.pk,
        team_member_ids=[coordinator_member.pk],
        **held(next_meeting_date=holiday, starts_at=ago(1)),
    )
    assert len(result.warnings) == 1 and name in result.warnings[0]
    assert "helligdag" in result.warnings[0]


def test_the_api_registers_a_past_meeting_and_answers_warnings(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    login: Callable[[User], Client],
) -> None:
    client = login(coordinator)
    saturday = next_weekday(5)
    body = {
        "kind": "koordinering",
        "purpose": "Telefonmøde om bolig",
        "place": "Telefon",
        "starts_at": ago(3).isoformat(),
        "team_member_ids": [str(coordinator_member.pk)],
        "others": [{"name": "Lise Holm", "role": "bisidder"}],
        "citizen_present": False,
        "citizen_absence_reason": "Mette var syg.",
        "problem_focus": "Boligen",
        "next_meeting_date": saturday.isoformat(),
    }
    response = post(client, f"/courses/{course.pk}/meetings/held", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "afholdt" and data["minutes"]["closed_at"] is not None
    assert data["minutes"]["next_meeting_id"] is not None
    assert data["warnings"] == [
        f"Næste møde den {saturday:%d.%m.%Y} falder på en lørdag. Tjek, at alle kan komme, "
        "eller vælg en hverdag."
    ]
    present = {p["name"]: p["present"] for p in data["participants"]}
    assert present["Lise Holm"] is True and present[course.citizen.full_name] is False
    # a meeting in the future is refused on its field
    future = post(
        client,
        f"/courses/{course.pk}/meetings/held",
        body | {"starts_at": (timezone.now() + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 422
    assert ["body", "starts_at"] in [e["loc"] for e in future.json()["errors"]]
    assert Meeting.objects.filter(purpose="Telefonmøde om bolig").count() == 1


def test_the_page_registers_a_past_meeting_with_field_errors_and_a_warning_alert(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    login: Callable[[User], Client],
) -> None:
    client = login(coordinator)
    url = reverse("meetings:meeting_register", args=[course.pk])
    form = client.get(url).content.decode()
    assert "Registrér et afholdt møde" in form and "Hvem deltog fra teamet" in form
    data = {
        "kind": "koordinering",
        "purpose": "Akut møde",
        "place": "Borgerservice",
        "starts_on": (timezone.localdate() + timedelta(days=2)).strftime("%d.%m.%Y"),
        "starts_time": "10:00",
        "duration_minutes": "60",
        "team_members": [str(coordinator_member.pk)],
        "citizen_present": "ja",
        "problem_focus": "Bolig",
        "minutes_category": "plan",
        "next_meeting_date": next_weekday(6).strftime("%d.%m.%Y"),
    }
    refused = client.post(url, data)
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Mødet ligger i fremtiden" in page
    assert 'id="id_starts_on-error"' in page or "starts_on" in page.split("Mødet ligger")[0]
    data["starts_on"] = (timezone.localdate() - timedelta(days=1)).strftime("%d.%m.%Y")
    done = client.post(url, data, follow=True)
    meeting = Meeting.objects.get(kind=MeetingKind.COORDINATION)
    assert done.redirect_chain[-1][0] == reverse("meetings:meeting_detail", args=[meeting.pk])
    shown = done.content.decode()
    assert "Mødet er registreret, og referatet er lukket" in shown
    assert "alert-warning" in shown and "falder på en søndag" in shown
    assert meeting.status == MeetingStatus.HELD


# --------------------------------------------------------------------------------------------
# As an attacker
# --------------------------------------------------------------------------------------------


def test_another_organisations_account_cannot_register_a_meeting(
    course: Course,
    outsider_user: User,
    coordinator_member: TeamMember,
    login: Callable[[User], Client],
) -> None:
    with pytest.raises(PermissionDenied):
        services.register_held_meeting(
            outsider_user,
            course_id=course.pk,
            team_member_ids=[coordinator_member.pk],
            **held(),
        )
    client = login(outsider_user)
    url = reverse("meetings:meeting_register", args=[course.pk])
    assert client.get(url).status_code == 403
    body = {"purpose": "X", "place": "Y", "starts_at": ago(1).isoformat()}
    assert post(client, f"/courses/{course.pk}/meetings/held", body).status_code == 403
    assert not Meeting.objects.exists()
    assert not AccessLogEntry.objects.filter(actor=outsider_user).exists()


def test_an_ended_membership_and_a_guessed_course_id_get_the_same_403(
    course: Course,
    jobcenter_user: User,
    jobcenter_member: TeamMember,
    login: Callable[[User], Client],
) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    Membership.objects.filter(user=jobcenter_user).update(
        valid_from=yesterday - timedelta(days=300), valid_to=yesterday
    )
    client = login(jobcenter_user)
    body = {"purpose": "X", "place": "Y", "starts_at": ago(1).isoformat()}
    answers = [
        post(client, f"/courses/{course.pk}/meetings/held", body),
        post(client, f"/courses/{NOWHERE}/meetings/held", body),
    ]
    # the account's last membership ended: it is logged out at its first request (issue 15),
    # before anything about either course is looked up
    assert [a.status_code for a in answers] == [401, 401]
    for course_id in (course.pk, NOWHERE):
        url = reverse("meetings:meeting_register", args=[course_id])
        assert refused(client.post(url, {"purpose": "X"}), 403)
    with pytest.raises(PermissionDenied):
        services.register_held_meeting(
            jobcenter_user,
            course_id=course.pk,
            team_member_ids=[jobcenter_member.pk],
            **held(),
        )
    assert not Meeting.objects.exists()


def test_guessed_and_foreign_ids_are_refused_on_their_fields(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    make_course_elsewhere: Course,
) -> None:
    foreign_member = make_course_elsewhere.team.first()
    assert foreign_member is not None
    for extra, field in [
        ({"team_member_ids": [NOWHERE]}, "team_member_ids"),
        ({"team_member_ids": [foreign_member.pk]}, "team_member_ids"),
        ({"team_member_ids": ["not-an-id"]}, "team_member_ids"),
        ({"relative_ids": [NOWHERE]}, "relative_ids"),
        ({"coordinated_by_id": foreign_member.pk}, "coordinated_by_id"),
    ]:
        fields = {"team_member_ids": [coordinator_member.pk]} | extra
        with pytest.raises(ValidationError) as exc:
            services.register_held_meeting(coordinator, course_id=course.pk, **(held() | fields))
        assert field in exc.value.message_dict, extra
    assert not Meeting.objects.exists()


def test_minutes_under_a_category_the_writer_may_not_see_are_refused(
    course: Course, jobcenter_user: User, jobcenter_member: TeamMember
) -> None:
    with pytest.raises(PermissionDenied):
        services.register_held_meeting(
            jobcenter_user,
            course_id=course.pk,
            team_member_ids=[jobcenter_member.pk],
            **held(minutes_category="health"),
        )
    assert not Meeting.objects.exists()


@pytest.fixture
def make_course_elsewhere(
    make_user: Callable[..., User], outsider_unit: Any, initiative: Any
) -> Course:
    """Another organisation's course, its coordinator on its team."""
    from helhed.devtools.factories import cpr_for
    from tests.courses.conftest import make_course

    other = make_user("koordinator", outsider_unit, first_name="Otto")
    return make_course(other, outsider_unit, initiative, cpr=cpr_for(date(1990, 1, 1), "321"))


def test_a_double_submission_registers_the_meeting_once(
    course: Course, coordinator: User, coordinator_member: TeamMember
) -> None:
    fields = held(idempotency_key="held-1") | {"team_member_ids": [coordinator_member.pk]}
    first = services.register_held_meeting(coordinator, course_id=course.pk, **fields)
    with pytest.raises(services.DuplicateSubmissionError) as exc:
        services.register_held_meeting(coordinator, course_id=course.pk, **fields)
    assert exc.value.existing == first.meeting
    assert Meeting.objects.filter(idempotency_key="held-1").count() == 1


def test_a_team_member_the_writer_may_not_name_is_refused_like_a_read(
    course: Course, coordinator: User, jobcenter_user: User, jobcenter_member: TeamMember
) -> None:
    """The jobcenter's consent does not cover health: it may not learn that a Rusmiddelcenter is
    on the team, so it cannot record that one took part either."""
    from helhed.core.models import Unit
    from helhed.courses import services as course_services

    unit = Unit.objects.create(
        organisation=course.coordinator_unit.organisation,
        name="Rusmiddelcenter Odense",
        welfare_area_id="specialiseret-voksen",
        data_category="health",
    )
    drug = course_services.add_team_member(
        coordinator,
        course,
        organisation=unit.organisation,
        unit=unit,
        name="Rasmus Rusbehandler",
        role="Misbrugsbehandler",
        valid_from=course.referred_on,
    )
    with pytest.raises(PermissionDenied):
        services.register_held_meeting(
            jobcenter_user,
            course_id=course.pk,
            team_member_ids=[jobcenter_member.pk, drug.pk],
            **held(),
        )
    assert not Meeting.objects.exists()


def test_closing_minutes_warns_of_the_date_just_entered_on_page_and_in_the_api(
    meeting: Meeting, coordinator: User, login: Callable[[User], Client]
) -> None:
    """The warning names the next meeting date the user just closed the minutes with (the page
    used to warn about the date the meeting had before the save), and the API answers it too."""
    happened(meeting, coordinator)
    client = login(coordinator)
    saturday = next_weekday(5)
    response = client.put(
        f"{BASE}/meetings/{meeting.pk}/minutes",
        {
            "problem_focus": "Job",
            "citizen_present": True,
            "close": True,
            "next_meeting_date": saturday.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["warnings"] == [
        f"Næste møde den {saturday:%d.%m.%Y} falder på en lørdag. Tjek, at alle kan komme, "
        "eller vælg en hverdag."
    ]
    draft = client.put(
        f"{BASE}/meetings/{response.json()['minutes']['next_meeting_id']}/minutes",
        {"problem_focus": "Bolig"},
        content_type="application/json",
    )
    assert draft.status_code == 200 and draft.json()["warnings"] == []


def test_the_minutes_page_warns_of_the_date_in_the_form(
    meeting: Meeting, coordinator: User, login: Callable[[User], Client]
) -> None:
    happened(meeting, coordinator)
    client = login(coordinator)
    url = reverse("meetings:minutes", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if not isinstance(value, (list, tuple))
    }
    saturday = next_weekday(5)
    data |= {
        "problem_focus": "Job",
        "citizen_present": "ja",
        "next_meeting_date": saturday.strftime("%d.%m.%Y"),
        "close": "1",
    }
    response = client.post(url, data, follow=True)
    text = response.content.decode()
    assert response.redirect_chain, response.context["form"].errors
    assert f"Næste møde den {saturday:%d.%m.%Y} falder på en lørdag" in text
