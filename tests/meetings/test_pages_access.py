"""Pages, access and the access log: the team sees meetings and minutes, an outsider from a unit
without consent does not (403, nothing shown), every read is logged; the course page's lazy
section answers htmx with a fragment; the citizen sees the plain-language minutes; the daily
alerts job notifies about an overdue task once; timeliness figures and timeline events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import User
from helhed.core.prepared import Fixed
from helhed.courses.models import Consent, Course, LegalBasis, Measure, TeamMember
from helhed.courses.sections import events_for_courses, timeliness_for_courses
from helhed.meetings import logic, selectors, services
from helhed.meetings.models import Meeting, Task
from helhed.notifications.models import Notification
from tests.meetings.conftest import at, happened

pytestmark = pytest.mark.django_db


def held(meeting: Meeting, coordinator: User, member: TeamMember) -> Meeting:
    meeting = happened(meeting, coordinator)
    services.save_minutes(
        coordinator,
        meeting_id=meeting.pk,
        close=True,
        citizen_present=True,
        problem_focus="Bolig og job",
        plain_summary="Vi aftalte, at du får en mentor.",
        coordinated_by_id=member.pk,
        next_meeting_date=timezone.localdate() + timedelta(days=40),
    )
    meeting.refresh_from_db()
    return meeting


def test_team_member_sees_meeting_and_read_is_logged(
    meeting: Meeting, jobcenter_user: User, login: Callable[[User], Client]
) -> None:
    client = login(jobcenter_user)
    before = AccessLogEntry.objects.filter(actor=jobcenter_user).count()
    response = client.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    assert "Fælles plan for job og bolig" in response.content.decode()
    entries = AccessLogEntry.objects.filter(actor=jobcenter_user)
    assert entries.count() == before + 1
    entry = entries.order_by("-at").first()
    assert entry is not None and entry.citizen_id == meeting.course.citizen_id
    assert entry.what == "møde og referat"


def test_outsider_without_consent_sees_no_meeting_minutes_or_section(
    meeting: Meeting,
    coordinator: User,
    coordinator_member: TeamMember,
    outsider_user: User,
    login: Callable[[User], Client],
) -> None:
    held(meeting, coordinator, coordinator_member)
    client = login(outsider_user)
    for url in (
        reverse("meetings:meeting_detail", args=[meeting.pk]),
        reverse("meetings:minutes", args=[meeting.pk]),
        reverse("meetings:course_section", args=[meeting.course_id]),
        reverse("meetings:meeting_create", args=[meeting.course_id]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode()
        assert "Bolig og job" not in body and "Mette" not in body
    api = client.get(f"/api/meetings/meetings/{meeting.pk}")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/problem+json"
    assert not AccessLogEntry.objects.filter(actor=outsider_user).exists()


def test_withdrawn_consent_hides_minutes_from_the_team(
    meeting: Meeting, coordinator: User, jobcenter_user: User, login: Callable[[User], Client]
) -> None:
    from helhed.courses import services as course_services

    course_services.withdraw_consent(coordinator, meeting.course.consents.get(), by_name="Mette")
    response = login(jobcenter_user).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 403


def test_course_section_fragment_for_htmx_and_page_otherwise(
    meeting: Meeting, coordinator: User, login: Callable[[User], Client]
) -> None:
    client = login(coordinator)
    url = reverse("meetings:course_section", args=[meeting.course_id])
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Fælles plan for job og bolig" in fragment and "<html" not in fragment
    full = client.get(url).content.decode()
    assert "<html" in full and ">Møder og opgaver</h2>" in full
    # the course page's header and tab bar, this tab current (issue 14)
    assert f'id="tab-moeder" href="{url}" aria-current="page"' in full
    course_page = client.get(reverse("courses:course_detail", args=[meeting.course_id]))
    assert url in course_page.content.decode()


def _held_with_task(
    meeting: Meeting, coordinator: User, owner_user: User, title: str, *, days: int
) -> None:
    """The meeting held three days ago, with a decision giving ``owner_user`` a task due in
    ``days`` days (negative: overdue)."""
    meeting = happened(meeting, coordinator, days_ago=3)
    owner = meeting.participants.get(user=owner_user)
    services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Praktik",
        tasks=[
            logic.TaskSpec(
                title=title,
                owner_id=owner.pk,
                due_date=timezone.localdate() + timedelta(days=days),
            )
        ],
    )


def test_my_tasks_page_and_start_panel(
    meeting: Meeting, coordinator: User, jobcenter_user: User, login: Callable[[User], Client]
) -> None:
    _held_with_task(meeting, coordinator, jobcenter_user, "Find praktikplads", days=-1)
    client = login(jobcenter_user)
    page = client.get(reverse("meetings:my_tasks")).content.decode()
    assert "Find praktikplads" in page and "overskredet" in page
    home = client.get("/").content.decode()
    assert "Mine opgaver" in home and "Find praktikplads" in home
    task = Task.objects.get()
    client.post(reverse("meetings:task_done", args=[task.pk]))
    task.refresh_from_db()
    assert task.done_at is not None
    # Read from SQL compiled once per process (``core.prepared``) with each request's courses:
    # when the consent is withdrawn, the task is no longer listed.
    Task.objects.filter(pk=task.pk).update(done_at=None)
    assert "Find praktikplads" in client.get(reverse("meetings:my_tasks")).content.decode()
    assert selectors._MY_TASKS.kept("[]", jobcenter_user.pk, Fixed(False), Fixed(None))
    Consent.objects.filter(course_id=task.course_id).update(
        withdrawn_on=timezone.localdate() - timedelta(days=1)
    )
    assert "Find praktikplads" not in client.get(reverse("meetings:my_tasks")).content.decode()
    assert "Find praktikplads" not in client.get("/").content.decode()


def test_my_tasks_are_logged_through_the_unit_the_consent_covers(
    meeting: Meeting, coordinator: User, jobcenter_user: User, login: Callable[[User], Client]
) -> None:
    """The list of my tasks names the citizen: one entry, attributed to the team member's unit
    (through which the consent lets them see the course), not flagged."""
    from helhed.core.models import Membership

    _held_with_task(meeting, coordinator, jobcenter_user, "Ring til jobcentret", days=7)
    assert (
        "Ring til jobcentret"
        in login(jobcenter_user).get(reverse("meetings:my_tasks")).content.decode()
    )
    [entry] = AccessLogEntry.objects.filter(actor=jobcenter_user, what="mine opgaver")
    course = Course.objects.get(pk=meeting.course_id)
    assert entry.citizen_id == course.citizen_id and entry.listing and not entry.without_consent
    assert entry.actor_unit_id == Membership.objects.get(user=jobcenter_user).unit_id


def test_overdue_alerts_notify_once(
    meeting: Meeting, coordinator: User, jobcenter_user: User
) -> None:
    meeting = happened(meeting, coordinator)
    owner = meeting.participants.get(user=jobcenter_user)
    services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Praktik",
        tasks=[
            logic.TaskSpec(
                title="Ring til virksomheden", owner_id=owner.pk, due_date=timezone.localdate()
            )
        ],
    )
    Notification.objects.all().delete()
    call_command("alerts", stdout=StringIO())  # due today: not overdue yet
    assert not Notification.objects.exists()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    call_command("alerts", "--date", tomorrow, stdout=StringIO())
    call_command("alerts", "--date", tomorrow, stdout=StringIO())
    assert Notification.objects.filter(recipient=jobcenter_user).count() == 1
    assert Notification.objects.filter(recipient=coordinator).count() == 1
    note = Notification.objects.get(recipient=jobcenter_user)
    assert "Mette" not in note.title + note.body


def test_citizen_sees_plain_minutes_in_own_view(
    meeting: Meeting,
    coordinator: User,
    coordinator_member: TeamMember,
    citizen_user: User,
    login: Callable[[User], Client],
) -> None:
    course = meeting.course
    course.citizen.user = citizen_user
    course.citizen.save()
    held(meeting, coordinator, coordinator_member)
    client = login(citizen_user)
    page = client.get(reverse("meetings:my_meetings")).content.decode()
    assert "Vi aftalte, at du får en mentor." in page
    assert "Bolig og job" not in page  # the professionals' minutes are not the citizen's version
    assert AccessLogEntry.objects.filter(
        actor=citizen_user, what="egne møder og referater"
    ).exists()
    home = client.get("/").content.decode()
    assert reverse("meetings:my_meetings") in home
    assert login(coordinator).get(reverse("meetings:my_meetings")).status_code == 403


def test_timeliness_and_events(
    meeting: Meeting,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_user: User,
    jobcenter_unit: object,
    measure: Measure,
    course: Course,
) -> None:
    held(meeting, coordinator, coordinator_member)
    today = timezone.localdate()
    r1 = services.recommend(
        coordinator,
        course_id=course.pk,
        measure_id=measure.pk,
        reasoning="Mentor",
        authority_unit_id=jobcenter_unit.pk,
        recommended_on=today - timedelta(days=6),
    )
    services.recommend(
        coordinator,
        course_id=course.pk,
        measure_id=measure.pk,
        reasoning="Mentor igen",
        authority_unit_id=jobcenter_unit.pk,
        recommended_on=today - timedelta(days=2),
    )
    services.record_ruling(
        jobcenter_user,
        recommendation_id=r1.pk,
        outcome="bevilling",
        legal_basis_id=LegalBasis.objects.get(pk="lab-187").pk,
    )
    figures = timeliness_for_courses([course.pk])[course.pk]
    referral_to_meeting = (timezone.localtime(meeting.starts_at).date() - course.referred_on).days
    assert figures[selectors.DAYS_TO_FIRST_MEETING] == referral_to_meeting
    assert figures[selectors.DAYS_RECOMMENDATION_TO_RULING] == 6.0
    assert figures[selectors.OPEN_RECOMMENDATIONS] == 1
    assert selectors.OVERDUE_TASKS not in figures
    events = [e for e in events_for_courses([course.pk]) if e.kind == "meeting"]
    assert [e.on for e in events] == [timezone.localtime(meeting.starts_at).date()]
    open_recs = selectors.open_recommendations(jobcenter_user)
    assert [(r.reasoning, r.waiting) for r in open_recs] == [("Mentor igen", 2)]  # type: ignore[attr-defined]


def test_citizen_answers_when_they_can_come(
    meeting: Meeting, coordinator: User, citizen_user: User, login: Callable[[User], Client]
) -> None:
    course = meeting.course
    course.citizen.user = citizen_user
    course.citizen.save()
    first, second, third = meeting.proposed_times.all()
    client = login(citizen_user)
    page = client.get(reverse("meetings:my_meetings")).content.decode()
    assert "Hvornår kan du komme?" in page and f'name="t:{second.pk}"' in page
    client.post(
        reverse("meetings:my_answers", args=[meeting.pk]),
        {f"t:{first.pk}": "nej", f"t:{second.pk}": "ja", f"t:{third.pk}": "maaske"},
    )
    citizen = meeting.participants.get(kind="borger")
    assert dict(citizen.answers.values_list("proposed_time_id", "answer")) == {
        first.pk: "nej",
        second.pk: "ja",
        third.pk: "maaske",
    }
    common = selectors.common_time(meeting)
    assert common.blockers[0].unavailable == ("Mette Sørensen",)
    # Another citizen cannot answer for this meeting; staff cannot use the citizen's form.
    from helhed.core.models import UserKind

    other = User.objects.create_user(username="anden", password="x", kind=UserKind.CITIZEN)
    response = login(other).post(
        reverse("meetings:my_answers", args=[meeting.pk]), {f"t:{first.pk}": "ja"}
    )
    assert response.status_code == 403
    response = login(coordinator).post(
        reverse("meetings:my_answers", args=[meeting.pk]), {f"t:{first.pk}": "ja"}
    )
    assert response.status_code == 403
    assert citizen.answers.get(proposed_time=first).answer == "nej"


def test_meeting_page_in_english(
    meeting: Meeting, coordinator: User, login: Callable[[User], Client]
) -> None:
    client = login(coordinator)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Earliest common time" in page and "Times and answers" in page
    assert "Tidligste fælles tidspunkt" not in page


def test_course_section_query_count_does_not_grow_with_meetings(
    meeting: Meeting,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_user: User,
    login: Callable[[User], Client],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(coordinator)
    url = reverse("meetings:course_section", args=[meeting.course_id])
    headers = {"HX-Request": "true"}
    client.get(url, headers=headers)  # warm caches (session, reference data)
    with CaptureQueriesContext(connection) as one:
        client.get(url, headers=headers)
    owner = meeting.participants.get(user=jobcenter_user)
    for n in range(3):
        services.create_meeting(
            coordinator,
            course_id=meeting.course.pk,
            purpose=f"Møde {n}",
            place="Rådhuset",
            team_member_ids=[coordinator_member.pk],
            proposed_times=[at(10 + n)],
        )
        services.add_decision(
            coordinator,
            meeting_id=meeting.pk,
            text=f"Beslutning {n}",
            tasks=[logic.TaskSpec(title=f"Opgave {n}", owner_id=owner.pk, due_date=at(10).date())],
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, headers=headers)
    assert "Opgave 2" in response.content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)


def test_timeliness_is_four_queries_for_any_number_of_courses(
    meeting: Meeting, django_assert_num_queries: Any
) -> None:
    import uuid

    ids = [meeting.course_id, *(uuid.uuid4() for _ in range(50))]
    with django_assert_num_queries(4):
        selectors.timeliness(ids)
    with django_assert_num_queries(1):
        selectors.meeting_events(ids)


def test_a_linked_measure_is_named_only_to_readers_whose_consent_covers_it(
    meeting: Meeting, coordinator: User, jobcenter_user: User, login: Callable[[User], Client]
) -> None:
    """The jobcenter's consent covers plan, social and economy — not health. A task and a
    decision linked to a psychiatric measure must not reveal its title to them."""
    from helhed.courses import services as course_services
    from helhed.courses.models import Plan

    plan = Plan.objects.get(course=meeting.course)
    psychiatric = course_services.save_measure(
        coordinator,
        plan.pk,
        plan.version,
        title="Psykiatrisk udredning",
        welfare_area_id="psykiatri",
        legal_basis=LegalBasis.objects.get(pk="sul-119"),
        organisation=meeting.course.coordinator_unit.organisation,
        budget_area="region",
    )
    owner = meeting.participants.get(user=jobcenter_user)
    services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Udredning bestilles",
        measure_id=psychiatric.pk,
        tasks=[
            logic.TaskSpec(
                title="Send henvisning",
                owner_id=owner.pk,
                due_date=timezone.localdate() + timedelta(days=7),
                measure_id=psychiatric.pk,
            )
        ],
    )
    section = reverse("meetings:course_section", args=[meeting.course_id])
    detail = reverse("meetings:meeting_detail", args=[meeting.pk])
    for url in (section, detail):
        own = login(coordinator).get(url).content.decode()
        assert "Psykiatrisk udredning" in own
        theirs = login(jobcenter_user).get(url).content.decode()
        assert "Send henvisning" in theirs
        assert "Psykiatrisk udredning" not in theirs
        assert "en indsats, dit samtykke ikke omfatter" in theirs
