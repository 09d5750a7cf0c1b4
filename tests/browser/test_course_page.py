"""Issue 14, "Done means": the course page's first screen and its sub-pages in a real browser, in
Danish, on a desktop (1280 px) and a phone (390 px). The team and the consent are near the top
(they started 14,000 px down on the one long page); each tab opens its sub-page at a stable URL
with the same header and tab bar; axe finds nothing serious on any of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from helhed.core.models import Organisation, User
from helhed.courses import services
from helhed.courses.models import Course, DemandKind
from tests.browser.conftest import close_when_served, ui_login
from tests.conftest import PASSWORD
from tests.courses import builders as b
from tests.courses.conftest import ensure_legal_bases

# Tab text → URL name, in the tab bar's order.
TABS = [
    ("Overblik", "courses:course_detail"),
    ("Plan", "courses:course_plan"),
    ("Krav", "courses:course_demands"),
    ("Aftaler", "courses:course_appointments"),
    ("Møder og opgaver", "meetings:course_section"),
    ("Overdragelser og overgange", "handovers:course_section"),
    ("Progression", "progress:course_progress"),
    ("Historik", "courses:course_history"),
]


@pytest.fixture
def course(make_user: Callable[..., User], municipality: Organisation) -> Course:
    """A busy course: a team of five, a consent, a plan of 8 goals, 12 measures, 10 demands (two
    in conflict) and 20 appointments — the page a coordinator opens every morning."""
    ensure_legal_bases()
    coordination = b.make_unit(municipality, "Koordinerende Team", "beskaeftigelse")
    units = [
        b.make_unit(municipality, name, area)
        for name, area in (
            ("Jobcenter Odense", "beskaeftigelse"),
            ("Socialafdelingen Odense", "specialiseret-voksen"),
            ("Boligsocialt Team", "specialiseret-voksen"),
            ("Ydelseskontoret", "beskaeftigelse"),
        )
    ]
    karen = make_user(
        "koordinator", coordination, username="karen", first_name="Karen", last_name="Koordinator"
    )
    course = b.open_course(karen, coordination, first_name="Mette", last_name="Sørensen")
    for n, unit in enumerate(units):
        b.join_team(course, karen, unit, name=f"Kontaktperson {n + 1}")
    b.give_consent(course, karen, units=[coordination, *units], categories=["plan", "social"])
    plan = course.plan
    for n in range(8):
        plan.refresh_from_db()
        services.save_goal(karen, plan.pk, plan.version, text=f"Mål nummer {n + 1}", priority=n + 1)
    for n in range(12):
        plan.refresh_from_db()
        services.save_measure(
            karen,
            plan.pk,
            plan.version,
            title=f"Indsats {n + 1}",
            welfare_area_id="beskaeftigelse",
            legal_basis_id="lab-187",
            organisation=municipality,
            budget_area="beskaeftigelse",
        )
    demands = []
    for n in range(10):
        plan.refresh_from_db()
        demands.append(
            services.save_demand(
                karen,
                plan.pk,
                plan.version,
                organisation=municipality,
                welfare_area_id="beskaeftigelse",
                kind=DemandKind.TREATMENT,
                title=f"Krav {n + 1}",
            )
        )
    services.mark_conflict(
        karen, plan.pk, first=demands[0], second=demands[1], description="Samme dag, to steder"
    )
    start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    for n in range(20):
        plan.refresh_from_db()
        at = start + timedelta(days=n + 1)
        services.save_appointment(
            karen,
            plan.pk,
            plan.version,
            title=f"Aftale {n + 1}",
            organisation=municipality,
            starts_at=at,
            ends_at=at + timedelta(hours=1),
        )
    return course


@pytest.fixture
def desktop(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(
        locale="da-DK", base_url=live_server.url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    close_when_served(context)


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(
        locale="da-DK",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    close_when_served(context)


def top(page: Page, selector: str) -> float:
    """How far down the page an element starts, in CSS pixels."""
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["y"] + page.evaluate("() => window.scrollY")


def check_first_screen(page: Page, course: Course, team_by: int, consent_by: int) -> None:
    ui_login(page, "karen", PASSWORD)
    page.goto(reverse("courses:course_detail", args=[course.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mette Sørensen")
    # what needs me now: the open conflict, the team, the consent, the next appointments
    expect(page.locator("#open-conflicts")).to_contain_text("Samme dag, to steder")
    expect(page.locator("#team").locator("..")).to_contain_text("Kontaktperson 4")
    expect(page.locator("#samtykke").locator("..")).to_contain_text("Gyldigt")
    expect(page.locator("#naeste-aftaler").locator("..")).to_contain_text("Aftale 1")
    # the plan is not rendered here
    expect(page.get_by_text("Mål nummer 1")).to_have_count(0)
    assert top(page, "#team") < team_by, top(page, "#team")
    assert top(page, "#samtykke") < consent_by, top(page, "#samtykke")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    # was about 18,500 px on a desktop, 25,900 px on a phone; ~6,030 on a phone since the first
    # screen offers the FHIR export (a section of its own)
    assert height < 6500, height


def walk_the_tabs(page: Page, course: Course, check: Callable[[Page], None]) -> None:
    """Each tab is a link to its own page: the URL is the stable one, the header is the same and
    the tab is marked as the current page."""
    for label, name in TABS:
        tabs = page.get_by_role("navigation", name="Forløbets sider")
        tabs.get_by_role("link", name=label, exact=True).click()
        expected = reverse(name, args=[course.pk])
        expect(page).to_have_url(re.compile(re.escape(expected) + "$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Mette Sørensen")
        current = page.get_by_role("navigation", name="Forløbets sider").locator(
            "[aria-current=page]"
        )
        expect(current).to_have_text(label)
        width = page.viewport_size["width"] if page.viewport_size else 1280
        overflow = page.evaluate(
            """(w) => [...document.querySelectorAll('header *, nav *, h1')]
                .filter(e => e.getBoundingClientRect().right > w + 1)
                .map(e => e.outerHTML.slice(0, 80))""",
            width,
        )
        assert overflow == [], (label, overflow)  # the header and tab bar fit the screen
        check(page)
    page.goto(reverse("courses:course_plan", args=[course.pk]))
    expect(page.get_by_text("Mål nummer 8", exact=True)).to_be_visible()
    page.goto(reverse("courses:course_demands", args=[course.pk]))
    expect(page.locator("#krav").locator("..")).to_contain_text("Krav 10")
    page.goto(reverse("courses:course_appointments", args=[course.pk]))
    expect(page.locator("#aftaler").locator("..")).to_contain_text("Aftale 20")


def test_the_first_screen_and_its_tabs_on_a_desktop(
    desktop: Page, course: Course, assert_accessible: Callable[[Page], None]
) -> None:
    check_first_screen(desktop, course, team_by=800, consent_by=800)
    assert_accessible(desktop)
    walk_the_tabs(desktop, course, assert_accessible)


def test_the_first_screen_and_its_tabs_on_a_phone(
    phone: Page, course: Course, assert_accessible: Callable[[Page], None]
) -> None:
    check_first_screen(phone, course, team_by=1200, consent_by=2400)
    assert_accessible(phone)
    walk_the_tabs(phone, course, assert_accessible)
