"""Issue 10 in meetings, tried as an attacker would: the jobcenter professional on the team, whose
consent covers plan, social and economy — not health, not crime, not employment — reads every
page and endpoint of a meeting and looks for what the consent does not cover; a former employee
and a guessed id look for anything at all. Each test failed on the code before issue 10."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Organisation, Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Course, Measure, TeamMember
from helhed.meetings import logic, selectors, services
from helhed.meetings.models import Meeting
from tests.meetings.conftest import at, happened
from tests.refusals import refused

pytestmark = pytest.mark.django_db
BASE = "/api/meetings"
HEALTH_TEXT = "Psykosen er blusset op efter indlæggelsen"
PSYCHIATRIST = "Book tid hos psykiateren"
HIDDEN_PERSON = "en kontaktperson fra et område, du ikke har adgang til"


def everything(client: Client, meeting: Meeting) -> str:
    """Every page and API answer about the meeting and its course that the client may read."""
    course_id = meeting.course_id
    urls = [
        reverse("meetings:meeting_detail", args=[meeting.pk]),
        reverse("meetings:course_section", args=[course_id]),
        reverse("meetings:my_tasks"),
        reverse("meetings:recommendations"),
        f"{BASE}/meetings/{meeting.pk}",
        f"{BASE}/courses/{course_id}/meetings",
        f"{BASE}/courses/{course_id}/tasks",
        f"{BASE}/courses/{course_id}/recommendations",
        f"{BASE}/tasks/mine",
        f"{BASE}/recommendations/open",
    ]
    texts = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    return json.dumps(texts, ensure_ascii=False)


@pytest.fixture
def drug_member(course: Course, coordinator: User, municipality: Organisation) -> TeamMember:
    """A contact person from the Rusmiddelcenter: naming the unit reveals drug treatment."""
    unit = Unit.objects.create(
        organisation=municipality,
        name="Rusmiddelcenter Odense",
        welfare_area_id="specialiseret-voksen",
        data_category="health",
    )
    return course_services.add_team_member(
        coordinator,
        course,
        organisation=municipality,
        unit=unit,
        name="Rasmus Rusbehandler",
        role="Misbrugsbehandler",
        valid_from=course.referred_on,
    )


def test_a_plan_only_reader_does_not_see_the_minutes_health_text(
    meeting: Meeting,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_user: User,
    citizen_user: User,
    login: Callable[[User], Client],
) -> None:
    meeting = happened(meeting, coordinator)
    services.save_minutes(
        coordinator,
        meeting_id=meeting.pk,
        close=True,
        citizen_present=True,
        problem_focus=HEALTH_TEXT,
        plain_summary="Du får hjælp af en psykiater.",
        next_meeting_date=timezone.localdate() + timedelta(days=30),
        minutes_category="health",
    )
    meeting.refresh_from_db()
    services.add_decision(
        coordinator, meeting_id=meeting.next_meeting.pk, text=f"{HEALTH_TEXT}: ny plan"
    )
    client = login(jobcenter_user)
    seen = everything(client, meeting) + everything(client, meeting.next_meeting)
    assert HEALTH_TEXT not in seen and "psykiater" not in seen
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Referatet er skrevet under »Helbred" in page  # that minutes exist is shown
    minutes = client.get(f"{BASE}/meetings/{meeting.pk}").json()["minutes"]
    assert minutes["withheld"] is True and minutes["category"] == "health"
    assert minutes["problem_focus"] is None and minutes["plain_summary"] is None
    # and nobody writes into minutes they may not read
    assert client.get(reverse("meetings:minutes", args=[meeting.next_meeting_id])).status_code == (
        403
    )
    with pytest.raises(PermissionDenied):
        services.save_minutes(
            jobcenter_user, meeting_id=meeting.next_meeting.pk, problem_focus="Job"
        )
    # the coordinator reads them; the citizen reads their own plain-language minutes
    assert HEALTH_TEXT in everything(login(coordinator), meeting)
    course = meeting.course
    course.citizen.user = citizen_user
    course.citizen.save()
    own = login(citizen_user).get(reverse("meetings:my_meetings")).content.decode()
    assert "Du får hjælp af en psykiater." in own


def test_the_writer_files_the_minutes_only_under_a_category_they_may_see(
    meeting: Meeting, jobcenter_user: User, login: Callable[[User], Client]
) -> None:
    client = login(jobcenter_user)
    form = client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert "Hvem må læse referatet?" in form
    assert 'value="social"' in form and 'value="health"' not in form
    with pytest.raises(PermissionDenied):
        services.save_minutes(jobcenter_user, meeting_id=meeting.pk, minutes_category="health")
    response = client.put(
        f"{BASE}/meetings/{meeting.pk}/minutes",
        {"problem_focus": "Job", "minutes_category": "crime"},
        content_type="application/json",
    )
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.minutes_category == "plan" and meeting.problem_focus == ""


def test_a_hidden_measures_title_is_not_in_tasks_or_decisions(
    meeting: Meeting,
    coordinator: User,
    health_measure: Measure,
    jobcenter_user: User,
    login: Callable[[User], Client],
) -> None:
    owner = meeting.participants.get(user=jobcenter_user)
    services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Udredning før job",
        measure_id=health_measure.pk,
        tasks=[
            logic.TaskSpec(
                title=PSYCHIATRIST,
                owner_id=meeting.participants.get(user=coordinator).pk,
                due_date=at(10).date(),
                measure_id=health_measure.pk,
            ),
            logic.TaskSpec(title="Send cv", owner_id=owner.pk, due_date=at(10).date()),
        ],
    )
    client = login(jobcenter_user)
    seen = everything(client, meeting)
    assert "Psykiatrisk udredning" not in seen and PSYCHIATRIST not in seen
    assert "Udredning før job" not in seen  # the decision follows its measure
    assert "Send cv" in seen  # their own task
    api = client.get(f"{BASE}/meetings/{meeting.pk}").json()
    (decision,) = api["decisions"]
    assert decision["text"] is None and decision["measure_id"] is None
    titles = {t["title"] for t in decision["tasks"]}
    assert titles == {None, "Send cv"}
    assert "Psykiatrisk udredning" in everything(login(coordinator), meeting)


def test_a_team_member_of_a_hidden_unit_is_not_named(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_member: TeamMember,
    drug_member: TeamMember,
    jobcenter_user: User,
    login: Callable[[User], Client],
) -> None:
    meeting = services.create_meeting(
        coordinator,
        course_id=course.pk,
        purpose="Fælles plan",
        place="Rådhuset",
        team_member_ids=[coordinator_member.pk, jobcenter_member.pk, drug_member.pk],
        proposed_times=[at(5)],
    )
    client = login(jobcenter_user)
    seen = everything(client, meeting)
    assert "Rasmus Rusbehandler" not in seen and "Rusmiddelcenter" not in seen
    assert "Misbrugsbehandler" not in seen
    assert HIDDEN_PERSON in seen
    # the common-time explanation names nobody the reader may not know either
    why = client.get(f"{BASE}/meetings/{meeting.pk}").json()["common_time"]["explanation"]
    assert "Rasmus" not in json.dumps(why)
    # nor can the reader invite them
    form = client.get(reverse("meetings:meeting_create", args=[course.pk])).content.decode()
    assert "Rasmus Rusbehandler" not in form
    with pytest.raises(PermissionDenied):
        services.create_meeting(
            jobcenter_user,
            course_id=course.pk,
            purpose="Møde",
            place="Jobcentret",
            team_member_ids=[drug_member.pk],
            proposed_times=[at(5)],
        )
    assert "Rasmus Rusbehandler" in everything(login(coordinator), meeting)


def test_a_jobcenter_with_a_plan_only_consent_sees_its_own_employment_measure(
    meeting: Meeting,
    coordinator: User,
    measure: Measure,
    jobcenter_user: User,
    jobcenter_unit: Unit,
    login: Callable[[User], Client],
) -> None:
    """The consent does not cover employment, but the mentor measure is the jobcenter's own."""
    assert measure.unit_id == jobcenter_unit.pk and measure.data_category == "employment"
    services.add_decision(
        coordinator, meeting_id=meeting.pk, text="Mentor starter", measure_id=measure.pk
    )
    client = login(jobcenter_user)
    seen = everything(client, meeting)
    assert "Mentor starter" in seen and "Mentorforløb" in seen
    form = client.get(reverse("meetings:decision_add", args=[meeting.pk])).content.decode()
    assert "Mentorforløb" in form
    choices = selectors.recommendation_choices(jobcenter_user, meeting.course_id)
    assert measure in choices.measures
    # and writes about it are its own to make
    services.add_decision(
        jobcenter_user, meeting_id=meeting.pk, text="Mentor fortsætter", measure_id=measure.pk
    )


def test_an_ended_membership_and_a_guessed_id_get_403_without_leaking(
    meeting: Meeting,
    coordinator: User,
    jobcenter_user: User,
    login: Callable[[User], Client],
) -> None:
    services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Fælles beslutning",
        tasks=[
            logic.TaskSpec(
                title="Ring til Mette",
                owner_id=meeting.participants.get(user=jobcenter_user).pk,
                due_date=at(10).date(),
            )
        ],
    )
    task = meeting.course.meeting_tasks.get()
    yesterday = timezone.localdate() - timedelta(days=1)
    Membership.objects.filter(user=jobcenter_user).update(
        valid_from=yesterday - timedelta(days=300), valid_to=yesterday
    )
    client = login(jobcenter_user)
    guessed = uuid.uuid4()
    pairs = [
        (reverse("meetings:meeting_detail", args=[meeting.pk]), None),
        (reverse("meetings:meeting_detail", args=[guessed]), None),
        (f"{BASE}/meetings/{meeting.pk}", None),
        (f"{BASE}/meetings/{guessed}", None),
        (f"{BASE}/courses/{meeting.course_id}/tasks", None),
        (reverse("meetings:task_done", args=[task.pk]), "post"),
        (reverse("meetings:task_done", args=[guessed]), "post"),
        (f"{BASE}/tasks/{task.pk}/done", "post"),
        (f"{BASE}/tasks/{guessed}/done", "post"),
    ]
    bodies = []
    for url, method in pairs:
        response = client.post(url) if method == "post" else client.get(url)
        assert refused(response, 403), url
        body = response.content.decode()
        for secret in (str(meeting.pk), str(task.pk), str(guessed)):  # the id asked for
            body = body.replace(secret, "ID")
        bodies.append(
            re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', "", body)
        )
    # the same answer for what exists and what does not
    assert bodies[0] == bodies[1] and bodies[2] == bodies[3] and bodies[7] == bodies[8]
    assert not any("Mette" in b or "Ring til" in b for b in bodies)
    assert client.get(reverse("meetings:my_tasks")).content.decode().count("Ring til") == 0
    assert not AccessLogEntry.objects.filter(actor=jobcenter_user).exists()
    task.refresh_from_db()
    assert task.done_at is None


def test_every_read_is_logged_with_the_unit_the_reader_acts_from(
    meeting: Meeting,
    coordinator: User,
    coordinator_unit: Unit,
    jobcenter_user: User,
    jobcenter_unit: Unit,
    make_user: Callable[..., User],
    login: Callable[[User], Client],
) -> None:
    # the jobcenter user also belongs to a unit that sorts first and is not on the team
    jobcenter_user.memberships.create(
        unit=Unit.objects.create(
            organisation=jobcenter_unit.organisation, name="Aaa Ledelse", welfare_area_id=None
        ),
        role="fagperson",
    )
    services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Fælles beslutning",
        tasks=[
            logic.TaskSpec(
                title="Send cv",
                owner_id=meeting.participants.get(user=jobcenter_user).pk,
                due_date=at(10).date(),
            )
        ],
    )
    client = login(jobcenter_user)
    everything(client, meeting)
    entries = AccessLogEntry.objects.filter(actor=jobcenter_user)
    assert entries.count() >= 6
    assert set(entries.values_list("actor_unit_id", flat=True)) == {jobcenter_unit.pk}
    everything(login(coordinator), meeting)
    entries = AccessLogEntry.objects.filter(actor=coordinator)
    assert set(entries.values_list("actor_unit_id", flat=True)) == {coordinator_unit.pk}
