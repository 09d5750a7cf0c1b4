"""Issue 5, "Done means", in a real browser: a coordinator finds the earliest common meeting
time, runs the meeting, and closes the minutes with a task (refused without an owner) and the next
date (refused without it); then a jobcenter ruling that deviates from the coordinator's
recommendation is refused until it is justified. axe runs on every meetings page on the way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from helhed.core.models import Organisation, User
from helhed.courses import services as course_services
from helhed.courses.models import BudgetArea, Course, LegalBasis, Plan
from helhed.meetings.models import Meeting, MeetingStatus, Ruling
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD
from tests.courses.builders import give_consent, join_team
from tests.courses.conftest import ensure_legal_bases, make_course, make_initiative, make_unit


@pytest.fixture
def world(make_user: Callable[..., User], municipality: Organisation) -> dict[str, object]:
    ensure_legal_bases()
    coordination = make_unit(municipality, "Koordinerende Team", "beskaeftigelse")
    jobcenter = make_unit(municipality, "Jobcenter Odense", "beskaeftigelse")
    karen = make_user(
        "koordinator", coordination, username="karen", first_name="Karen", last_name="Koordinator"
    )
    jonas = make_user(
        "fagperson", jobcenter, username="jonas", first_name="Jonas", last_name="Jobcenter"
    )
    course = make_course(karen, coordination, make_initiative())
    join_team(course, karen, jobcenter, member_user=jonas, name="Jonas Jobcenter")
    give_consent(
        course, karen, units=[coordination, jobcenter], categories=["plan", "employment", "economy"]
    )
    plan = Plan.objects.get(course=course)
    course_services.save_measure(
        karen,
        plan.pk,
        plan.version,
        title="Mentorstøtte",
        welfare_area_id="beskaeftigelse",
        legal_basis=LegalBasis.objects.get(pk="lab-187"),
        organisation=municipality,
        budget_area=BudgetArea.EMPLOYMENT,
    )
    return {"course": course, "karen": karen, "jonas": jonas}


def took_place(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=2))


def when(days: int, hour: int) -> datetime:
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, 0))


def test_common_time_minutes_with_tasks_and_justified_ruling(
    page: Page, world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    course = world["course"]
    assert isinstance(course, Course)
    first, second, third = when(7, 10), when(8, 13), when(9, 9)
    ui_login(page, "karen", PASSWORD)
    # The course's meetings have their own page (the course page links to it as a tab).
    page.goto(f"/moeder/forloeb/{course.pk}/")
    section = page.locator("main")
    expect(section).to_contain_text("Ingen kommende møder")
    section.get_by_role("link", name="Planlæg møde").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planlæg et møde")
    assert_accessible(page)

    # A meeting without participants is refused.
    page.get_by_label("Formål med mødet").fill("Fælles plan for job og mentor")
    page.get_by_label("Sted").fill("Borgerservice, lokale 2")
    page.get_by_label("Borgeren deltager (det er udgangspunktet)").uncheck()
    page.get_by_label("Karen Koordinator", exact=False).uncheck()  # ticked for the planner
    page.get_by_label("Foreslåede tidspunkter").fill(
        "\n".join(t.strftime("%d.%m.%Y %H:%M") for t in (first, second, third))
    )
    page.get_by_role("button", name="Opret møde og invitér").click()
    expect(page.locator("#form-error-summary")).to_contain_text("Et møde skal have deltagere")
    assert not Meeting.objects.exists()
    page.get_by_label("Borgeren deltager (det er udgangspunktet)").check()
    page.get_by_label("Karen Koordinator", exact=False).check()
    page.get_by_label("Jonas Jobcenter", exact=False).check()
    page.get_by_role("button", name="Opret møde og invitér").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Netværksmøde: Fælles plan for job og mentor"
    )

    # Everyone answers; Jonas cannot come at the first time, so the second is the earliest.
    grid = page.get_by_role("table", name="Kan deltagerne komme?")
    for name in ("Karen Koordinator", "Jonas Jobcenter", "Mette Sørensen"):
        for t in (first, second, third):
            label = f"{name} {t.strftime('%d.%m.%Y %H:%M')}"
            grid.get_by_label(label, exact=True).select_option(label="Ja")
    grid.get_by_label(f"Jonas Jobcenter {first:%d.%m.%Y %H:%M}", exact=True).select_option(
        label="Nej"
    )
    page.get_by_role("button", name="Gem svar").click()
    result = page.locator("#common-time-result")
    expect(result).to_contain_text(second.strftime("%d.%m.%Y %H:%M"))
    expect(page.locator("#common-time-why")).to_contain_text("kan ikke: Jonas Jobcenter")
    assert_accessible(page)
    page.get_by_role("button", name="Vælg dette tidspunkt").click()
    expect(page.locator("#meeting-status")).to_have_text("Planlagt")
    expect(page.locator("#meeting-time")).to_contain_text(second.strftime("%d.%m.%Y %H:%M"))
    # The meeting takes place: its time moves to two hours ago, so its minutes may be closed
    # (minutes of a meeting that has not happened yet cannot be).
    took_place(Meeting.objects.get(status=MeetingStatus.SCHEDULED))

    # A decision becomes a task: refused without an owner, saved with one.
    page.get_by_role("link", name="Tilføj beslutning og opgave").click()
    page.get_by_label("Beslutning", exact=True).fill("Mette får en mentor i praktikken")
    page.get_by_label("Hvem betaler (budgetområde)").select_option(label="Beskæftigelse (kommune)")
    page.get_by_label("Opgave", exact=True).fill("Indstil mentorstøtte")
    due = timezone.localdate() + timedelta(days=14)
    page.get_by_label("Frist for opgaven").fill(due.strftime("%d.%m.%Y"))
    page.get_by_label("Opgaven hører til indsatsen").select_option(label="Mentorstøtte")
    page.get_by_role("button", name="Gem beslutning").click()
    expect(page.locator("#form-error-summary")).to_contain_text("En opgave skal have en ansvarlig")
    assert_accessible(page)
    page.get_by_label("Ansvarlig for opgaven").select_option(
        label="Jonas Jobcenter (Kontaktperson)"
    )
    page.get_by_role("button", name="Gem beslutning").click()
    decisions = page.locator("#beslutninger")
    expect(decisions).to_contain_text("Indstil mentorstøtte – Jonas Jobcenter")
    expect(decisions).to_contain_text("Beskæftigelse (kommune)")

    # The minutes: closing them needs the next meeting date.
    page.get_by_role("link", name="Skriv referat").click()
    page.get_by_label("Dagens problem i fokus").fill("Mette vil gerne i job, men mangler støtte")
    page.get_by_label("Hvad virker").fill("Praktikken i Netto")
    page.get_by_label("Deltog borgeren?").select_option(label="Ja")
    page.get_by_label("Referat i et enkelt sprog til borgeren").fill(
        "Vi aftalte, at du får en mentor."
    )
    page.get_by_label("Hvem koordinerer").select_option(index=1)
    page.get_by_role("button", name="Luk referatet").click()
    expect(page.locator("#form-error-summary")).to_contain_text("Angiv datoen for næste møde")
    assert_accessible(page)
    next_date = timezone.localdate() + timedelta(days=36)
    page.get_by_label("Dato for næste møde").fill(next_date.strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Luk referatet").click()
    expect(page.locator("#meeting-status")).to_have_text("Afholdt")
    expect(page.locator("main")).to_contain_text(next_date.strftime("%d.%m.%Y"))
    expect(page.locator("#referat")).to_contain_text("Mette vil gerne i job")
    assert Meeting.objects.filter(status=MeetingStatus.SCHEDULED).count() == 1  # the next one

    # A recommendation to the jobcenter.
    page.goto(f"/moeder/forloeb/{course.pk}/indstilling/")
    page.get_by_label("Indsats").select_option(label="Mentorstøtte")
    page.get_by_label("Faglig begrundelse").fill("Mentor er nødvendig for at fastholde praktikken.")
    page.get_by_label("Afgøres af (enhed)").select_option(label="Jobcenter Odense (Odense Kommune)")
    page.get_by_role("button", name="Send indstilling").click()
    # back on the course's meetings
    expect(page.locator("main")).to_contain_text("Indstillinger, der venter")
    expect(page.locator("main")).to_contain_text("0 dage")
    page.get_by_role("button", name="Log ud").click()

    # The jobcenter sees the task and the open recommendation; a deviating ruling needs a reason.
    ui_login(page, "jonas", PASSWORD)
    expect(page.locator("main")).to_contain_text("Indstil mentorstøtte")
    page.goto("/moeder/indstillinger/")
    assert_accessible(page)
    page.get_by_role("link", name="Træf afgørelse om Mentorstøtte").click()
    page.get_by_role("combobox", name="Afgørelse").select_option(label="Afslag")
    page.get_by_role("button", name="Registrér afgørelse").click()
    expect(page.locator("#form-error-summary")).to_contain_text(
        "Afgørelsen afviger fra indstillingen"
    )
    assert not Ruling.objects.exists()
    assert_accessible(page)
    page.get_by_label("Begrundelse").fill("Mentorstøtte gives først efter fire ugers praktik.")
    page.get_by_role("button", name="Registrér afgørelse").click()
    expect(page.locator("main")).to_contain_text("Afgørelsen er registreret")
    ruling = Ruling.objects.get()
    assert ruling.deviates and ruling.outcome == "afslag"


def test_citizen_reads_plain_minutes_and_outsider_is_refused(
    page: Page,
    world: dict[str, object],
    make_user: Callable[..., User],
    other_municipality: Organisation,
    assert_accessible: Callable[[Page], None],
) -> None:
    from helhed.core.models import UserKind
    from helhed.meetings import services

    course = world["course"]
    karen = world["karen"]
    assert isinstance(course, Course) and isinstance(karen, User)
    mette = make_user(None, username="mette", kind=UserKind.CITIZEN, first_name="Mette")
    course.citizen.user = mette
    course.citizen.save()
    team = list(course.team.all())
    meeting = services.create_meeting(
        karen,
        course_id=course.pk,
        purpose="Job og mentor",
        place="Borgerservice",
        team_member_ids=[x.pk for x in team],
        proposed_times=[timezone.make_aware(when(3, 10))],
    )
    services.choose_time(
        karen, meeting_id=meeting.pk, proposed_time_id=meeting.proposed_times.get().pk
    )
    took_place(meeting)
    meeting.refresh_from_db()
    services.save_minutes(
        karen,
        meeting_id=meeting.pk,
        close=True,
        citizen_present=True,
        problem_focus="Fagligt referat om job",
        plain_summary="Vi aftalte, at du får en mentor.",
        next_meeting_date=timezone.localdate() + timedelta(days=30),
    )
    make_user(
        "fagperson",
        make_unit(other_municipality, "Socialafdelingen Holbæk", "specialiseret-voksen"),
        username="olga",
    )
    ui_login(page, "mette", PASSWORD)
    page.get_by_role("link", name="Se mine møder og hvad vi aftalte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine møder")
    expect(page.locator("main")).to_contain_text("Vi aftalte, at du får en mentor.")
    expect(page.locator("main")).not_to_contain_text("Fagligt referat om job")
    assert_accessible(page)
    page.get_by_role("button", name="Log ud").click()
    ui_login(page, "olga", PASSWORD)
    response = page.goto(f"/moeder/{meeting.pk}/")
    assert response is not None and response.status == 403
    expect(page.locator("main")).not_to_contain_text("Job og mentor")


def next_saturday(after: int = 7) -> date:
    day = timezone.localdate() + timedelta(days=after)
    while day.weekday() != 5:
        day += timedelta(days=1)
    return day


def test_registering_a_meeting_that_took_place(
    page: Page, world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    """Issue 14: a coordinator registers yesterday's meeting afterwards — who took part, the
    minutes, the next meeting — in one step; a date in the future is refused on its field, and
    a next meeting on a Saturday is saved with a warning."""
    course = world["course"]
    assert isinstance(course, Course)
    yesterday = timezone.localdate() - timedelta(days=1)
    saturday = next_saturday()
    ui_login(page, "karen", PASSWORD)
    page.goto(f"/moeder/forloeb/{course.pk}/")  # the course's meetings
    section = page.locator("main")
    expect(section).to_contain_text("Ingen kommende møder")
    section.get_by_role("link", name="Registrér et afholdt møde").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrér et afholdt møde")
    assert_accessible(page)

    page.get_by_label("Formål med mødet").fill("Akut møde om Mettes bolig")
    page.get_by_label("Dato for mødet").fill(
        (timezone.localdate() + timedelta(days=1)).strftime("%d.%m.%Y")
    )
    page.get_by_label("Klokkeslæt").fill("10:00")
    page.get_by_label("Sted").fill("Borgerservice, lokale 2")
    page.get_by_label("Karen Koordinator", exact=False).check()
    page.get_by_label("Jonas Jobcenter", exact=False).check()
    page.get_by_label("Deltog borgeren?").select_option(label="Ja")
    page.get_by_label("Dagens problem i fokus").fill("Mette er sagt op fra sin bolig")
    page.get_by_label("Referat i et enkelt sprog til borgeren").fill(
        "Vi hjælper dig med at finde en ny bolig."
    )
    page.get_by_label("Dato for næste møde").fill(saturday.strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Registrér mødet").click()
    summary = page.locator("#form-error-summary")
    expect(summary).to_contain_text("Mødet ligger i fremtiden")
    assert not Meeting.objects.exists()
    assert_accessible(page)

    page.get_by_label("Dato for mødet").fill(yesterday.strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Registrér mødet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Akut møde om Mettes bolig")
    main = page.locator("main")
    expect(main).to_contain_text("Mødet er registreret, og referatet er lukket")
    warning = page.locator(".alert-warning").filter(has_text="falder på en lørdag")
    expect(warning).to_contain_text(saturday.strftime("%d.%m.%Y"))
    expect(page.locator("#meeting-status")).to_have_text("Afholdt")
    assert_accessible(page)
    meeting = Meeting.objects.get(purpose="Akut møde om Mettes bolig")
    assert meeting.status == MeetingStatus.HELD and meeting.minutes_closed
    assert timezone.localtime(meeting.starts_at).date() == yesterday
    assert meeting.next_meeting is not None and meeting.next_meeting_date == saturday
    assert sorted(p.name for p in meeting.participants.filter(present=True)) == [
        "Jonas Jobcenter",
        "Karen Koordinator",
        "Mette Sørensen",
    ]
