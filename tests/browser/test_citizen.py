"""The citizen on a phone (Min plan, the access log, withdrawing a consent) and a coordinator
printing the § 141 view — in a real browser, with axe on every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from helhed.courses import selectors
from tests.browser.conftest import close_when_served, ui_login
from tests.conftest import PASSWORD
from tests.courses import citizen_world as w
from tests.courses.citizen_world import World, build_world


@pytest.fixture
def world(transactional_db: None) -> World:
    return build_world()


def assert_fits_the_screen(page: Page) -> None:
    """No horizontal scrolling: nothing on the page is wider than the viewport."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert max(widths[0], widths[1]) <= widths[2], f"page wider than the screen: {widths}"


def test_citizen_on_a_phone_sees_the_plan_the_log_and_withdraws_a_consent(
    phone_page: Page, world: World, assert_accessible: Callable[[Page], None]
) -> None:
    page = phone_page
    selectors.course_overview(world.coordinator, world.course.pk)  # the coordinator reads
    ui_login(page, "mette", PASSWORD)
    page.get_by_role("link", name="Se min plan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Min plan")
    main = page.locator("main")
    expect(main).to_contain_text(w.GOAL)
    expect(main).to_contain_text("Så vigtigt er det for mig: 5 ud af 5")
    expect(main).to_contain_text("Din koordinator: Karen Koordinator")
    expect(page.get_by_role("link", name="Ring: +45 12 34 56 78")).to_have_attribute(
        "href", "tel:+4512345678"
    )
    expect(main).to_contain_text(w.APPOINTMENT)
    expect(main).to_contain_text("Vi er ved at afklare to krav, der ikke passer sammen")
    # Large text: the goal is at least 18 px on the phone.
    size = page.get_by_text(w.GOAL).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 18
    assert_fits_the_screen(page)
    assert_accessible(page)

    page.get_by_role("link", name="Hvem har set mine oplysninger?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvem har set mine oplysninger?")
    expect(page.locator("main")).to_contain_text("Karen Koordinator")
    expect(page.locator("main")).not_to_contain_text("Mette Sørensen")  # not my own reads
    assert_fits_the_screen(page)
    assert_accessible(page)

    page.goto("/mig/plan/")
    page.get_by_role("link", name="Mine samtykker – hvem må se hvad?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine samtykker")
    assert_fits_the_screen(page)
    assert_accessible(page)
    # An empty new consent: the errors are announced and tied to the fields.
    page.get_by_role("button", name="Giv samtykke").click()
    expect(page.get_by_role("alert")).to_contain_text("Vælg mindst én slags oplysninger.")
    assert_accessible(page)

    page.get_by_role("link", name="Træk samtykket tilbage (Jobcenter Odense, Voksenstøtte)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vil du trække samtykket tilbage?")
    expect(page.locator("main")).to_contain_text("gælder det med det samme")
    assert_fits_the_screen(page)
    assert_accessible(page)
    page.get_by_role("button", name="Ja, træk samtykket tilbage nu").click()

    expect(page.get_by_role("status")).to_contain_text("Det gælder med det samme")
    expect(page.locator("main")).to_contain_text("Trukket tilbage af Mette Sørensen")
    assert_accessible(page)
    assert world.course not in selectors.visible_courses(world.jobcenter_user)


def test_coordinator_prints_the_sel_141_view(
    page: Page, world: World, assert_accessible: Callable[[Page], None]
) -> None:
    ui_login(page, "karen", PASSWORD)
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    page.goto(f"/forloeb/{world.course.pk}/udskrift/sel-141/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Handleplan for voksne")
    document = page.locator("article")
    expect(document).to_contain_text("§ 141")
    expect(document).to_contain_text("150696-xxxx")
    expect(document).not_to_contain_text("1506961234")
    expect(document).to_contain_text(w.SOCIAL_MEASURE)
    expect(document).to_contain_text("Serviceloven § 85")
    expect(document).to_contain_text(f"fra planens version {world.plan.version}")
    assert_accessible(page)

    # The button prints (window.print is replaced so the test does not open a dialog).
    page.evaluate(
        "() => { window.__printed = false; window.print = () => { window.__printed = true; }; }"
    )
    page.get_by_role("button", name="Udskriv / Gem som PDF").click()
    assert page.evaluate("() => window.__printed") is True

    # On paper: no menu, no header, no print tools — only the document.
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_hidden()
    expect(page.get_by_role("button", name="Udskriv / Gem som PDF")).to_be_hidden()
    expect(page.locator("footer")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(document).to_contain_text(w.SOCIAL_MEASURE)


def test_print_view_works_without_javascript(
    browser: Browser, live_server: Any, world: World
) -> None:
    context = browser.new_context(
        locale="da-DK", base_url=live_server.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        ui_login(page, "karen", PASSWORD)
        page.goto(f"/forloeb/{world.course.pk}/udskrift/min-plan/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Min Plan")
        expect(page.locator("article")).to_contain_text(w.JOB_MEASURE)
        expect(page.locator("article")).not_to_contain_text(w.PSYCH_MEASURE)
        expect(page.get_by_text("browserens udskriftsfunktion")).to_be_visible()
    finally:
        close_when_served(context)


def test_citizen_sees_who_opened_the_record_apart_from_the_lists(
    phone_page: Page, world: World, assert_accessible: Callable[[Page], None]
) -> None:
    """The openings of the record first; the lists the name appeared in (the coordinator's
    course list, twice) grouped below with a count (issue 14)."""
    page = phone_page
    selectors.course_overview(world.coordinator, world.course.pk)  # an opening
    for _ in range(2):
        selectors.log_course_list(world.coordinator, [world.course])  # a list view
    ui_login(page, "mette", PASSWORD)
    page.goto("/mig/adgangslog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvem har set mine oplysninger?")

    opened = page.get_by_role("heading", name="Hvem har åbnet dine oplysninger")
    expect(opened).to_be_visible()
    openings = page.locator(".helhed-log-list li")
    expect(openings).to_have_count(1)
    expect(openings.first).to_contain_text("Karen Koordinator")
    expect(openings.first).to_contain_text("Sagsbehandling og koordinering")

    page.get_by_role("link", name="Dit navn har stået på en liste 2 gange").click()
    expect(page.get_by_role("heading", name="Når dit navn stod på en liste")).to_be_visible()
    table = page.get_by_role("table", name="Lister, dit navn har stået på")
    row = table.get_by_role("row").filter(has_text="forløbsliste")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(0)).to_contain_text("Karen Koordinator")
    expect(row.get_by_role("cell").nth(3)).to_have_text("2")
    assert_fits_the_screen(page)
    assert_accessible(page)
