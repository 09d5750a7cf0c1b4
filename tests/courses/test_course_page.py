"""Issue 14: the course page in tabs. The first screen answers "what needs me now" (status,
alerts, coordinator and team, consent, what waits for a decision, the next appointments, the
latest progress) without rendering the plan; the plan, the demands, the appointments, the
history and the other apps' pages (meetings, handovers, progress) are sub-pages at stable URLs
with the same header and tab bar. Every sub-page goes through the guard and the access log, reads
a constant number of queries whatever the size of the plan, and is tried as an attacker would:
another organisation's account, an ended membership, a plan-only consent, a guessed id.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Organisation, Unit, User
from helhed.courses import services
from helhed.courses.models import (
    Appointment,
    Course,
    Demand,
    DemandKind,
    Goal,
    GoalStatus,
    Measure,
)
from tests.courses import builders as b
from tests.refusals import refused

pytestmark = pytest.mark.django_db

# The course page's own sub-pages and the other apps' tabs, by URL name.
COURSE_TABS = {
    "overblik": "courses:course_detail",
    "plan": "courses:course_plan",
    "krav": "courses:course_demands",
    "aftaler": "courses:course_appointments",
    "historik": "courses:course_history",
}
APP_TABS = {
    "moeder": "meetings:course_section",
    "overdragelser": "handovers:course_section",
    "progression": "progress:course_progress",
}
ALL_TABS = {**COURSE_TABS, **APP_TABS}
# The limit is 15 per sub-page, every tab — the access log's append included (since the
# log is hash-chained, issue 15, it reads the chain's head before its insert: two statements).
# What each of the course's own pages writes in the access log.
LOGGED_AS = {
    "overblik": "forløb (overblik)",
    "plan": "plan",
    "krav": "krav til borgeren",
    "aftaler": "aftaler",
    "historik": "forløbets historik",
}


@dataclass
class World:
    odense: Organisation
    coordinating: Unit
    jobcenter: Unit
    drugs: Unit
    coordinator: User
    jobworker: User  # the jobcenter: a consent covering the plan only
    outsider: User  # another municipality, not on the team
    course: Course


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def url(world: World, tab: str, course_id: object = None) -> str:
    return reverse(ALL_TABS[tab], args=[course_id or world.course.pk])


@pytest.fixture
def world(db: None) -> World:
    odense, holbaek = b.organisation("461"), b.organisation("316")
    coordinating = b.make_unit(odense, "Koordinerende Team", None)
    jobcenter = b.make_unit(odense, "Jobcenter Odense")
    drugs = b.make_unit(odense, "Rusmiddelcenter Odense", "specialiseret-voksen")
    outsider_unit = b.make_unit(holbaek, "Jobcenter Holbæk")
    coordinator = b.make_staff(coordinating, "koordinator", first_name="Karen", phone="66131313")
    jobworker = b.make_staff(jobcenter, "fagperson", first_name="Jonas")
    outsider = b.make_staff(outsider_unit, "fagperson", first_name="Olga")
    course = b.open_course(coordinator, coordinating, cpr="1503851234")
    b.join_team(course, coordinator, jobcenter, member_user=jobworker, name="Jonas Jobcenter")
    b.join_team(course, coordinator, drugs, name="Rikke Rusmiddel")
    b.give_consent(course, coordinator, units=[coordinating, jobcenter], categories=["plan"])
    return World(odense, coordinating, jobcenter, drugs, coordinator, jobworker, outsider, course)


def fill_plan(world: World, *, goals: int, measures: int, demands: int, appointments: int) -> None:
    """A plan with the given numbers of items: one of each through the services (so the plan
    has versions), the rest as copies of it."""
    c, plan = world.coordinator, world.course.plan
    goal = services.save_goal(c, plan.pk, plan.version, text="Et arbejde", horizon="kort")
    plan.refresh_from_db()
    measure = services.save_measure(
        c,
        plan.pk,
        plan.version,
        goals=[goal],
        title="Mentorstøtte",
        welfare_area_id="beskaeftigelse",
        legal_basis_id="lab-187",
        organisation=world.odense,
        unit=world.jobcenter,
        budget_area="beskaeftigelse",
    )
    plan.refresh_from_db()
    demand = services.save_demand(
        c,
        plan.pk,
        plan.version,
        organisation=world.odense,
        welfare_area_id="beskaeftigelse",
        kind=DemandKind.TREATMENT,
        title="Møde op hos jobcentret",
    )
    plan.refresh_from_db()
    start = timezone.now() + timedelta(days=2)
    appointment = services.save_appointment(
        c,
        plan.pk,
        plan.version,
        title="Samtale",
        organisation=world.odense,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    copies: list[Goal] = [goal]
    for n in range(goals - 1):
        copies.append(Goal.objects.create(plan=plan, text=f"Mål {n}", priority=n + 2))
    for n in range(measures - 1):
        copy = Measure.objects.get(pk=measure.pk)
        copy.pk, copy.title = uuid.uuid4(), f"Indsats {n}"
        copy._state.adding = True
        copy.save()
        copy.goals.set(copies[: 1 + n % len(copies)])
    for n in range(demands - 1):
        d = Demand.objects.get(pk=demand.pk)
        d.pk, d.title, d._state.adding = uuid.uuid4(), f"Krav {n}", True
        d.save()
    for n in range(appointments - 1):
        a = Appointment.objects.get(pk=appointment.pk)
        a.pk, a.title, a._state.adding = uuid.uuid4(), f"Aftale {n}", True
        a.starts_at = start + timedelta(hours=2 * (n + 1))
        a.ends_at = a.starts_at + timedelta(hours=1)
        a.save()


def data_queries(client: Client, address: str) -> int:
    """The statements one request runs that read or write data (transaction control left out,
    as the benchmark counts them)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200, address
    # (PostgreSQL's advisory lock around the access-log append is lock control too, like
    # SQLite's BEGIN IMMEDIATE)
    control = (
        "SAVEPOINT",
        "RELEASE SAVEPOINT",
        "ROLLBACK TO SAVEPOINT",
        "BEGIN",
        "COMMIT",
        "SELECT PG_ADVISORY_XACT_LOCK",
    )
    return sum(1 for q in captured.captured_queries if not q["sql"].upper().startswith(control))


# --------------------------------------------------------------------------------------------
# The first screen
# --------------------------------------------------------------------------------------------


def test_the_first_screen_answers_what_needs_me_now_without_the_plan(world: World) -> None:
    fill_plan(world, goals=1, measures=1, demands=2, appointments=1)
    c, plan, course = world.coordinator, world.course.plan, world.course
    first, second = course.plan.demands.all()
    services.mark_conflict(c, plan.pk, first=first, second=second, description="Kan ikke begge")
    plan.refresh_from_db()
    past = timezone.now() - timedelta(days=3)
    services.save_appointment(
        c,
        plan.pk,
        plan.version,
        title="Gammel samtale",
        organisation=world.odense,
        starts_at=past,
        ends_at=past + timedelta(hours=1),
    )
    page = html(client_for(c).get(url(world, "overblik")))
    # status, coordinator, team, consent
    assert course.get_status_display() in page
    assert "Karen" in page and 'href="tel:66131313"' in page
    assert "Jonas Jobcenter" in page
    assert re.search(r'id="samtykke".*?Gyldigt', page, re.S)
    # what waits for a decision: the open conflict, with the way to resolve it
    assert 'id="open-conflicts"' in page and "Kan ikke begge" in page
    conflict = course.plan.conflicts.get()
    assert reverse("courses:conflict_resolve", args=[course.pk, conflict.pk]) in page
    # the next appointments, not the past ones
    assert "Samtale" in page and "Gammel samtale" not in page
    # no plan rendering: the goals and measures are on the plan's tab
    assert "Et arbejde" not in page and "Mentorstøtte" not in page
    assert "Et arbejde" in html(client_for(c).get(url(world, "plan")))


def test_the_first_screen_shows_team_and_consent_before_everything_else(world: World) -> None:
    page = html(client_for(world.coordinator).get(url(world, "overblik")))
    positions = [page.index(marker) for marker in ('id="team"', 'id="samtykke"', 'id="borgeren"')]
    assert positions == sorted(positions)
    # the sub-pages' content is not on the first screen
    assert 'id="plan-heading"' not in page and 'id="krav"' not in page


def test_a_withdrawn_consent_leaves_a_warning_on_the_first_screen(world: World) -> None:
    consent = world.course.consents.get()
    services.withdraw_consent(world.coordinator, consent, by_name="Mette Hansen")
    page = html(client_for(world.coordinator).get(url(world, "overblik")))
    assert 'id="no-valid-consent"' in page
    assert "1 samtykke trukket tilbage" in page


# --------------------------------------------------------------------------------------------
# Tabs: stable URLs, one header and tab bar
# --------------------------------------------------------------------------------------------


def test_every_tab_is_a_page_at_a_stable_url_with_the_same_header_and_tab_bar(
    world: World,
) -> None:
    client = client_for(world.coordinator)
    pk = world.course.pk
    assert url(world, "plan") == f"/forloeb/{pk}/plan/"
    assert url(world, "krav") == f"/forloeb/{pk}/krav/"
    assert url(world, "aftaler") == f"/forloeb/{pk}/aftaler/"
    assert url(world, "historik") == f"/forloeb/{pk}/historik/"
    for tab in ALL_TABS:
        page = html(client.get(url(world, tab)))
        assert "<h1" in page and "Mette Hansen</h1>" in page, tab
        assert 'class="tab-container courses-tabs"' in page, tab
        for other in ALL_TABS:
            assert f'id="tab-{other}" href="{url(world, other)}"' in page, (tab, other)
        current = re.findall(r'id="tab-([a-z]+)"[^>]*aria-current="page"', page)
        assert current == [tab]


@pytest.mark.parametrize(
    ("view", "data", "lands_on"),
    [
        (
            "courses:goal_add",
            {"text": "Et sted at bo", "horizon": "kort", "priority": 1, "status": GoalStatus.OPEN},
            "plan",
        ),
        (
            "courses:plan_edit",
            {
                "citizen_statement": "Jeg vil bo selv",
                "citizen_statement_category": "plan",
                "summary_category": "plan",
            },
            "plan",
        ),
    ],
)
def test_a_save_lands_on_the_sub_page_that_shows_it(
    world: World, view: str, data: dict[str, object], lands_on: str
) -> None:
    response = client_for(world.coordinator).post(
        reverse(view, args=[world.course.pk]), {"version": world.course.plan.version, **data}
    )
    assert response.status_code == 302, html(response)
    assert response["Location"].split("#")[0] == url(world, lands_on)
    assert "Et sted at bo" in html(client_for(world.coordinator).get(url(world, lands_on))) or (
        "Jeg vil bo selv" in html(client_for(world.coordinator).get(url(world, lands_on)))
    )


def test_a_demand_and_an_appointment_land_on_their_tabs(world: World) -> None:
    client = client_for(world.coordinator)
    pk = world.course.pk
    demand = client.post(
        reverse("courses:demand_add", args=[pk]),
        {
            "version": world.course.plan.version,
            "title": "Afhold møder",
            "organisation": str(world.odense.pk),
            "welfare_area": "beskaeftigelse",
            "kind": DemandKind.TREATMENT,
        },
    )
    assert demand.status_code == 302, html(demand)
    assert demand["Location"] == url(world, "krav") + "#krav"
    world.course.plan.refresh_from_db()
    day = (timezone.localdate() + timedelta(days=2)).strftime("%d.%m.%Y")
    appointment = client.post(
        reverse("courses:appointment_add", args=[pk]),
        {
            "version": world.course.plan.version,
            "title": "Samtale",
            "organisation": str(world.odense.pk),
            "day": day,
            "start_time": "10:00",
            "end_time": "11:00",
        },
    )
    assert appointment.status_code == 302, html(appointment)
    assert appointment["Location"] == url(world, "aftaler") + "#aftaler"
    assert "Afhold møder" in html(client.get(url(world, "krav")))
    assert "Samtale" in html(client.get(url(world, "aftaler")))


def test_no_rendered_html_is_kept_a_renamed_organisation_shows_at_once(world: World) -> None:
    """The plan was rendered once and cached (``PLAN_SECTIONS_TTL``): a renamed organisation
    showed its old name for ten minutes. Now every view renders what is stored."""
    fill_plan(world, goals=1, measures=1, demands=1, appointments=1)
    client = client_for(world.coordinator)
    assert "Odense Kommune" in html(client.get(url(world, "plan")))
    Organisation.objects.filter(pk=world.odense.pk).update(name="Odense Kommune (ny)")
    assert "Odense Kommune (ny)" in html(client.get(url(world, "plan")))
    assert "Odense Kommune (ny)" in html(client.get(url(world, "krav")))


# --------------------------------------------------------------------------------------------
# Queries: at most 15, the same for a small and a large plan
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tab", list(ALL_TABS))
def test_each_sub_page_reads_at_most_15_queries_whatever_the_size_of_the_plan(
    world: World, tab: str
) -> None:
    small = world.course
    fill_plan(world, goals=1, measures=1, demands=1, appointments=1)
    large = b.open_course(world.coordinator, world.coordinating, cpr="1504851234")
    b.join_team(large, world.coordinator, world.jobcenter, name="Jonas Jobcenter")
    b.join_team(large, world.coordinator, world.drugs, name="Rikke Rusmiddel")
    b.give_consent(large, world.coordinator, units=[world.coordinating], categories=["plan"])
    world.course = large
    fill_plan(world, goals=12, measures=30, demands=20, appointments=60)
    client = client_for(world.coordinator)
    client.get(url(world, tab, small.pk))  # the session and the first reads warmed
    counts = [data_queries(client, url(world, tab, c.pk)) for c in (small, large)]
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts


# --------------------------------------------------------------------------------------------
# Access: the guard and the access log on every sub-page, tried as an attacker
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tab", list(ALL_TABS))
def test_another_organisations_account_is_refused_on_every_tab(world: World, tab: str) -> None:
    response = client_for(world.outsider).get(url(world, tab))
    assert response.status_code == 403
    assert "Mette" not in html(response)


@pytest.mark.parametrize("tab", list(ALL_TABS))
def test_an_ended_membership_is_refused_on_every_tab(world: World, tab: str) -> None:
    client = client_for(world.jobworker)
    assert client.get(url(world, tab)).status_code == 200
    Membership.objects.filter(user=world.jobworker).update(valid_to=b.today() - timedelta(days=1))
    response = client.get(url(world, tab))
    assert refused(response, 403)
    assert "Mette" not in html(response)


@pytest.mark.parametrize("tab", list(ALL_TABS))
def test_a_guessed_course_id_is_refused_like_a_hidden_course(world: World, tab: str) -> None:
    client = client_for(world.coordinator)
    guessed = client.get(url(world, tab, uuid.uuid4()))
    hidden = client_for(world.outsider).get(url(world, tab))
    assert guessed.status_code == hidden.status_code == 403


def test_a_plan_only_reader_sees_every_tab_filtered(world: World) -> None:
    fill_plan(world, goals=1, measures=1, demands=1, appointments=1)
    c, plan = world.coordinator, world.course.plan
    plan.refresh_from_db()
    services.save_measure(
        c,
        plan.pk,
        plan.version,
        title="Ambulant stofbehandling",
        welfare_area_id="specialiseret-voksen",
        legal_basis_id="sel-101",
        organisation=world.odense,
        unit=world.drugs,
        budget_area="voksne",
    )
    plan.refresh_from_db()
    services.save_demand(
        c,
        plan.pk,
        plan.version,
        organisation=world.odense,
        welfare_area_id="psykiatri",
        kind=DemandKind.SOBRIETY,
        title="Stoffri ved hvert fremmøde",
    )
    plan.refresh_from_db()
    start = timezone.now() + timedelta(days=1)
    services.save_appointment(
        c,
        plan.pk,
        plan.version,
        title="Behandlingssamtale",
        organisation=world.odense,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        welfare_area_id="psykiatri",
    )
    client = client_for(world.jobworker)
    pages = {tab: html(client.get(url(world, tab))) for tab in ALL_TABS}
    everything = "".join(pages.values())
    for hidden in (
        "Ambulant stofbehandling",
        "Stoffri ved hvert fremmøde",
        "Behandlingssamtale",
        "Rusmiddelcenter",
        "Rikke Rusmiddel",
    ):
        assert hidden not in everything, hidden
    # what is hidden is named on the tab that would show it
    assert "Du kan ikke se: Helbred" in pages["plan"]
    for tab in ("krav", "aftaler", "overblik"):  # the first screen: the next appointments
        assert 'id="hidden-categories"' in pages[tab], tab
    # the version history holds every category: refused on the history tab
    assert 'id="versions-hidden"' in pages["historik"]
    assert reverse("courses:versions", args=[world.course.pk]) not in everything
    # the unit's own contribution is there (its measure), though the consent covers the plan only
    assert "Mentorstøtte" in pages["plan"]
    # the coordinator sees them all
    coordinator = client_for(c)
    assert "Ambulant stofbehandling" in html(coordinator.get(url(world, "plan")))
    assert "Stoffri ved hvert fremmøde" in html(coordinator.get(url(world, "krav")))
    assert "Behandlingssamtale" in html(coordinator.get(url(world, "aftaler")))


@pytest.mark.parametrize("tab", list(COURSE_TABS))
def test_every_tab_writes_the_access_log_for_the_reader_unit(world: World, tab: str) -> None:
    client = client_for(world.jobworker)
    before = AccessLogEntry.objects.filter(actor=world.jobworker).count()
    assert client.get(url(world, tab)).status_code == 200
    entries = AccessLogEntry.objects.filter(actor=world.jobworker, what=LOGGED_AS[tab])
    assert AccessLogEntry.objects.filter(actor=world.jobworker).count() > before
    entry = entries.get()
    assert entry.citizen_id == world.course.citizen_id
    assert entry.actor_unit_id == world.jobcenter.pk
