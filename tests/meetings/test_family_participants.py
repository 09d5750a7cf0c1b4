"""Issue 14, "Families": children (members of the course's household) take part in meetings as
required ("skal deltage") or optional ("kan deltage") participants — chosen on the page and in
the API through the same service, shown in the invitation (the meeting page, the citizen's own
"Mine møder") and in the minutes, carried to the follow-up meeting. Only the course's own family
can be invited, and every page that names a child logs the read of that child."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import User, UserKind
from helhed.courses.models import (
    Citizen,
    Course,
    Household,
    HouseholdRelation,
    RelationKind,
    TeamMember,
)
from helhed.devtools.factories import cpr_for
from helhed.meetings import logic, selectors, services
from helhed.meetings.models import Meeting, ParticipantKind
from tests.meetings.conftest import NOWHERE, at, happened, post

pytestmark = pytest.mark.django_db


def born(years: int) -> date:
    today = timezone.localdate()
    return (
        date(today.year - years, 1, 15) if today.month > 1 else date(today.year - years - 1, 1, 15)
    )


@pytest.fixture
def children(course: Course) -> tuple[Citizen, Citizen]:
    """The course covers the family: Mette and her children Noah (9) and Emma (16)."""
    household = Household.objects.create(name="Familien Sørensen")
    noah = Citizen.objects.create(
        cpr=cpr_for(born(9), "441"), birth_date=born(9), first_name="Noah", last_name="Sørensen"
    )
    emma = Citizen.objects.create(
        cpr=cpr_for(born(16), "442"), birth_date=born(16), first_name="Emma", last_name="Sørensen"
    )
    household.members.add(course.citizen, noah, emma)
    for child in (noah, emma):
        HouseholdRelation.objects.create(
            household=household,
            from_citizen=course.citizen,
            to_citizen=child,
            kind=RelationKind.PARENT,
        )
    course.household = household
    course.save(update_fields=["household"])
    return noah, emma


def family_meeting(
    coordinator: User, course: Course, member: TeamMember, noah: Citizen, emma: Citizen
) -> Meeting:
    return services.create_meeting(
        coordinator,
        course_id=course.pk,
        purpose="Familiens plan",
        place="Familiehuset",
        team_member_ids=[member.pk],
        household_members=[logic.FamilyInvite(noah.pk, True), logic.FamilyInvite(emma.pk, False)],
        proposed_times=[at(5), at(6)],
    )


def test_children_take_part_as_required_or_optional_and_block_times_accordingly(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    children: tuple[Citizen, Citizen],
) -> None:
    noah, emma = children
    meeting = family_meeting(coordinator, course, coordinator_member, noah, emma)
    family = {
        p.household_member_id: p for p in meeting.participants.filter(kind=ParticipantKind.FAMILY)
    }
    assert family[noah.pk].required is True and family[emma.pk].required is False
    assert family[noah.pk].name == "Noah Sørensen" and "9 år" in family[noah.pk].role
    # everyone but Noah says yes to the first time: Noah (required) blocks it, Emma does not
    times = list(meeting.proposed_times.order_by("starts_at"))
    answers = {
        (p.pk, times[0].pk): "ja"
        for p in meeting.participants.all()
        if p.household_member_id not in (noah.pk, emma.pk)
    }
    services.answer_availability(coordinator, meeting_id=meeting.pk, answers=answers)
    common = selectors.common_time(meeting)
    assert common.time is None and "Noah Sørensen" in common.blockers[0].unanswered
    services.answer_availability(
        coordinator, meeting_id=meeting.pk, answers={(family[noah.pk].pk, times[0].pk): "ja"}
    )
    assert selectors.common_time(meeting).time is not None  # Emma (optional) never blocks


def test_the_invitation_and_the_minutes_show_who_must_and_who_may_come(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    children: tuple[Citizen, Citizen],
    make_user: Callable[..., User],
    login: Callable[[User], Client],
) -> None:
    noah, emma = children
    client = login(coordinator)
    form = client.get(reverse("meetings:meeting_create", args=[course.pk])).content.decode()
    assert "Familiemedlemmer, der skal deltage" in form and "Noah Sørensen (9 år" in form
    response = client.post(
        reverse("meetings:meeting_create", args=[course.pk]),
        {
            "kind": "netvaerk",
            "purpose": "Familiens plan",
            "place": "Familiehuset",
            "team_members": [str(coordinator_member.pk)],
            "include_citizen": "on",
            "family_required": [str(noah.pk)],
            "family_optional": [str(emma.pk)],
            "proposed_times": at(5).strftime("%d.%m.%Y %H:%M"),
            "duration_minutes": "60",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    noah_row = page[page.index("Noah Sørensen") :].split("</tr>")[0]
    emma_row = page[page.index("Emma Sørensen") :].split("</tr>")[0]
    assert "Skal deltage" in noah_row and "Kan deltage" in emma_row
    # the parent's own "Mine møder" names the children and whether they are to come
    mette = make_user(None, username="mette", kind=UserKind.CITIZEN, first_name="Mette")
    course.citizen.user = mette
    course.citizen.save()
    own = login(mette).get(reverse("meetings:my_meetings")).content.decode()
    assert "Noah Sørensen – skal deltage" in own and "Emma Sørensen – kan deltage" in own
    # the minutes ask who took part, with the same distinction, and carry it to the follow-up
    client = login(coordinator)
    happened(meeting, coordinator)
    minutes = client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert "Noah Sørensen (skal deltage)" in minutes and "Emma Sørensen (kan deltage)" in minutes
    family = {p.household_member_id: p.pk for p in meeting.participants.all()}
    services.save_minutes(
        coordinator,
        meeting_id=meeting.pk,
        close=True,
        citizen_present=True,
        problem_focus="Skolen",
        present_participant_ids=[family[noah.pk]],
        next_meeting_date=timezone.localdate() + timedelta(days=30),
    )
    meeting.refresh_from_db()
    assert meeting.participants.get(household_member=noah).present is True
    assert meeting.participants.get(household_member=emma).present is False
    assert meeting.next_meeting is not None
    carried = meeting.next_meeting.participants.filter(kind=ParticipantKind.FAMILY)
    assert {(p.household_member_id, p.required) for p in carried} == {
        (noah.pk, True),
        (emma.pk, False),
    }
    own = login(mette).get(reverse("meetings:my_meetings")).content.decode()
    assert "Fra familien deltog: Noah Sørensen" in own


def test_the_api_invites_household_members_and_names_them(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    children: tuple[Citizen, Citizen],
    login: Callable[[User], Client],
) -> None:
    noah, emma = children
    client = login(coordinator)
    response = post(
        client,
        f"/courses/{course.pk}/meetings",
        {
            "purpose": "Familiens plan",
            "place": "Familiehuset",
            "team_member_ids": [str(coordinator_member.pk)],
            "household_members": [
                {"citizen_id": str(noah.pk), "required": True},
                {"citizen_id": str(emma.pk), "required": False},
            ],
            "proposed_times": [at(5).isoformat()],
        },
    )
    assert response.status_code == 201, response.content
    family = {
        p["household_member_id"]: (p["name"], p["kind"], p["required"])
        for p in response.json()["participants"]
        if p["household_member_id"]
    }
    assert family == {
        str(noah.pk): ("Noah Sørensen", "familie", True),
        str(emma.pk): ("Emma Sørensen", "familie", False),
    }


# --------------------------------------------------------------------------------------------
# As an attacker
# --------------------------------------------------------------------------------------------


def test_only_the_courses_own_family_can_be_invited(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    children: tuple[Citizen, Citizen],
    login: Callable[[User], Client],
) -> None:
    stranger = Citizen.objects.create(
        cpr=cpr_for(born(8), "443"), birth_date=born(8), first_name="Fremmed", last_name="Barn"
    )
    for citizen_id in (stranger.pk, course.citizen_id, NOWHERE):
        with pytest.raises(ValidationError) as exc:
            services.create_meeting(
                coordinator,
                course_id=course.pk,
                purpose="Møde",
                place="Rådhuset",
                team_member_ids=[coordinator_member.pk],
                household_members=[logic.FamilyInvite(citizen_id, True)],
                proposed_times=[at(5)],
            )
        assert list(exc.value.message_dict) == ["household_members"]
    client = login(coordinator)
    response = post(
        client,
        f"/courses/{course.pk}/meetings",
        {
            "purpose": "Møde",
            "place": "Rådhuset",
            "household_members": [{"citizen_id": str(stranger.pk)}],
            "proposed_times": [at(5).isoformat()],
        },
    )
    assert response.status_code == 422
    assert ["body", "household_members"] in [e["loc"] for e in response.json()["errors"]]
    assert not Meeting.objects.exists()
    assert not AccessLogEntry.objects.filter(citizen_id=stranger.pk).exists()


def test_an_outsider_cannot_invite_the_children_or_see_them(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    children: tuple[Citizen, Citizen],
    outsider_user: User,
    login: Callable[[User], Client],
) -> None:
    noah, emma = children
    with pytest.raises(PermissionDenied):
        services.create_meeting(
            outsider_user,
            course_id=course.pk,
            purpose="Møde",
            place="Rådhuset",
            household_members=[logic.FamilyInvite(noah.pk, True)],
            proposed_times=[at(5)],
        )
    meeting = family_meeting(coordinator, course, coordinator_member, noah, emma)
    client = login(outsider_user)
    for url in (
        reverse("meetings:meeting_detail", args=[meeting.pk]),
        reverse("meetings:meeting_create", args=[course.pk]),
        f"/api/meetings/meetings/{meeting.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 403 and "Noah" not in response.content.decode()
    assert not AccessLogEntry.objects.filter(actor=outsider_user).exists()


def test_reading_the_meeting_logs_a_read_of_each_child_named(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    children: tuple[Citizen, Citizen],
    login: Callable[[User], Client],
) -> None:
    noah, emma = children
    meeting = family_meeting(coordinator, course, coordinator_member, noah, emma)
    kids = [noah.pk, emma.pk]
    before = list(AccessLogEntry.objects.filter(citizen_id__in=kids).values_list("pk", flat=True))
    login(coordinator).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    logged = AccessLogEntry.objects.filter(citizen_id__in=kids).exclude(pk__in=before)
    assert sorted((e.citizen_id, e.what) for e in logged) == sorted(
        (kid, "familiemedlem som mødedeltager") for kid in kids
    )
