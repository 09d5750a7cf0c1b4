"""The UI shell in a real browser: login per role, start pages, keyboard use, language, axe."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import Membership, Unit, User, UserKind
from helhed.core.panels import register_citizen_resolver
from tests.browser.conftest import close_when_served, ui_login
from tests.conftest import PASSWORD

ROLES = {
    "fagperson": "Som fagperson ser du",
    "koordinator": "Som koordinator har du overblikket",
    "leder": "Som leder følger du",
    "analytiker": "Som analytiker arbejder du",
    "administrator": "Som administrator vedligeholder du",
}


@pytest.fixture
def staff(make_user: Callable[..., User], unit: Unit) -> dict[str, User]:
    return {role: make_user(role, unit, username=role, first_name=role.title()) for role in ROLES}


def test_login_page_is_accessible_and_keyboard_usable(
    page: Page, staff: dict[str, User], assert_accessible: Callable[[Page], None]
) -> None:
    page.goto("/log-ind/")
    expect(page).to_have_title("Log ind – Helhed")
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "login.png"))
    # First Tab reaches the skip link; following it puts focus in the main landmark.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Gå til sidens indhold")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "main-content")
    # Log in with the keyboard only.
    page.locator("#id_login").focus()
    page.keyboard.type("koordinator")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Koordinator")


def test_failed_login_shows_generic_error_and_stays_accessible(
    page: Page, staff: dict[str, User], assert_accessible: Callable[[Page], None]
) -> None:
    ui_login(page, "koordinator", "forkert-kode-123")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Brugernavn eller adgangskode er forkert")
    assert_accessible(page)
    ui_login(page, "ingen-saadan-bruger", "forkert-kode-123")
    expect(page.get_by_role("alert")).to_contain_text("Brugernavn eller adgangskode er forkert")


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_lands_on_its_start_page(
    role: str, page: Page, staff: dict[str, User], assert_accessible: Callable[[Page], None]
) -> None:
    ui_login(page, role, PASSWORD)
    expect(page.locator("main")).to_contain_text(ROLES[role])
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind på Helhed")


def test_staff_pages_are_accessible(
    page: Page, staff: dict[str, User], unit: Unit, assert_accessible: Callable[[Page], None]
) -> None:
    log_access(staff["fagperson"], uuid.uuid4(), "plan", Purpose.CASEWORK)
    ui_login(page, "administrator", PASSWORD)
    page.get_by_role("link", name="Organisationer og enheder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisationer")
    assert_accessible(page)
    # Live filtering with htmx updates the result list without a page load.
    page.get_by_label("Søg på navn eller kode").fill("Odense")
    expect(page.locator("#org-results")).to_contain_text("1 organisation")
    page.get_by_role("link", name="Odense Kommune").click()
    expect(page.locator("main")).to_contain_text("Koordinerende Team")
    assert_accessible(page)
    page.goto("/adgangslog/")
    expect(page.locator("main")).to_contain_text("Sagsbehandling og koordinering")
    assert_accessible(page)
    page.get_by_label("Fra dato (dd.mm.åååå)").fill("31.12.2026")
    page.get_by_label("Til dato (dd.mm.åååå)").fill("01.01.2026")
    page.get_by_role("button", name="Filtrér").click()
    expect(page.get_by_role("alert")).to_contain_text("Til-datoen skal ligge efter fra-datoen")
    assert_accessible(page)
    page.goto("/findes-ikke/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")
    assert_accessible(page)


def test_citizen_sees_only_min_side_and_own_log(
    page: Page,
    make_user: Callable[..., User],
    staff: dict[str, User],
    assert_accessible: Callable[[Page], None],
) -> None:
    citizen = make_user(None, username="borger", kind=UserKind.CITIZEN, first_name="Bo")
    citizen_id = uuid.uuid4()
    register_citizen_resolver(lambda user: citizen_id if user.pk == citizen.pk else None)
    log_access(staff["koordinator"], citizen_id, "din plan", Purpose.PLANNING)
    ui_login(page, "borger", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Bo")
    assert_accessible(page)
    page.get_by_role("link", name="Hvem har set mine oplysninger?").click()
    expect(page.locator("main")).to_contain_text("din plan")
    assert_accessible(page)
    page.goto("/organisationer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingen adgang")
    assert_accessible(page)


def test_user_without_role_is_told_so(
    page: Page,
    make_user: Callable[..., User],
    unit: Unit,
    assert_accessible: Callable[[Page], None],
) -> None:
    user = make_user(None, username="udloebet")
    Membership.objects.create(
        user=user, unit=unit, role="fagperson", valid_to="2020-01-01", valid_from="2019-01-01"
    )
    # Its last membership has ended: refused at the login, told why (docs/security.md).
    ui_login(page, "udloebet", PASSWORD)
    expect(page.get_by_text("Din adgang til Helhed er ophørt")).to_be_visible()
    assert_accessible(page)
    # An account without any membership yet is let in and told it has no role.
    make_user(None, username="ny")
    ui_login(page, "ny", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har ingen aktiv rolle")
    assert_accessible(page)


def test_language_can_be_switched_to_english(page: Page, staff: dict[str, User]) -> None:
    page.goto("/log-ind/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Helhed")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Dansk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind på Helhed")


def test_citizen_pages_fit_a_phone(
    phone_page: Page, make_user: Callable[..., User], assert_accessible: Callable[[Page], None]
) -> None:
    make_user(None, username="borger", kind=UserKind.CITIZEN, first_name="Bo")
    ui_login(phone_page, "borger", PASSWORD)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Hej Bo")
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"page scrolls sideways on a phone ({width}px)"
    assert_accessible(phone_page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(SHOTS / "phone-citizen.png"))


SHOTS = Path(os.environ.get("HELHED_SCREENSHOTS", "/tmp/helhed-shots"))


def watch_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions of the page, from now on."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_dkfds_header_on_a_desktop_menu_inline_without_bullets_current_page_marked(
    browser: Browser,
    live_server: Any,
    staff: dict[str, User],
    assert_accessible: Callable[[Page], None],
) -> None:
    context = browser.new_context(
        locale="da-DK", base_url=live_server.url, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    errors = watch_errors(page)
    ui_login(page, "koordinator", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Koordinator")
    page.wait_for_load_state("networkidle")
    # DKFDS's JavaScript is loaded (from static) and started; nothing failed.
    assert page.evaluate("() => typeof window.DKFDS === 'object' && typeof DKFDS.init")
    assert errors == []

    menu = page.get_by_role("navigation", name="Hovedmenu")
    expect(menu).to_be_visible()
    items = menu.locator("ul.mainmenu > li:not(.more-option)")
    assert items.count() >= 3
    # No list bullets: neither a list marker nor DKFDS's ::before bullet.
    for i in range(items.count()):
        style = items.nth(i).evaluate(
            "li => [getComputedStyle(li).listStyleType, getComputedStyle(li, '::before').content]"
        )
        assert style[0] == "none" and style[1] in ("none", "normal", '""'), style
    # All entries on one line, left to right.
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    assert len({round(b["y"]) for b in boxes if b}) == 1, boxes
    xs = [b["x"] for b in boxes if b]
    assert xs == sorted(xs)
    expect(menu.get_by_role("link", name="Forside")).to_have_attribute("aria-current", "page")
    # The user, their organisation and log out are in the header; the menu button is not shown.
    header = page.locator("header.header")
    expect(header.locator(".portal-user")).to_contain_text("Koordinator")
    expect(header.locator(".portal-user")).to_contain_text("Odense Kommune")
    expect(header.get_by_role("button", name="Log ud")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "desktop-home.png"))

    # A sub-page: its menu entry is marked as where we are; DKFDS breadcrumbs lead back.
    page.goto("/forloeb/visitation/")
    expect(menu.get_by_role("link", name="Forløb")).to_have_attribute("aria-current", "true")
    crumbs = page.get_by_role("navigation", name="Brødkrumme")
    expect(crumbs.get_by_role("link", name="Forside")).to_have_attribute("href", "/")
    expect(crumbs.get_by_role("link", name="Forløb")).to_have_attribute("href", "/forloeb/")
    expect(crumbs.locator("[aria-current=page]")).to_have_text("Ny visitation")
    assert crumbs.evaluate("n => getComputedStyle(n.querySelector('ol')).listStyleType") == "none"
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "desktop-breadcrumbs.png"))

    # messages.warning is a DKFDS warning alert (a CPR number typed into the name filter).
    page.goto("/forloeb/?navn=010190-1234")
    warning = page.get_by_role("alert")
    expect(warning).to_have_class("alert alert-warning")
    expect(warning).to_contain_text("CPR")
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "desktop-warning.png"))
    assert errors == []
    close_when_served(context)


def test_dkfds_mobile_menu_on_a_phone_opens_with_the_menu_button(
    browser: Browser,
    live_server: Any,
    staff: dict[str, User],
    assert_accessible: Callable[[Page], None],
) -> None:
    context = browser.new_context(
        locale="da-DK",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors = watch_errors(page)
    ui_login(page, "koordinator", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Koordinator")
    page.wait_for_load_state("networkidle")
    # On a phone the menu, the user and log out are folded into the drawer behind "Menu".
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_hidden()
    expect(page.get_by_role("button", name="Log ud")).to_be_hidden()
    button = page.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "phone-closed.png"))

    button.click()
    drawer = page.get_by_role("dialog", name="Menu")
    expect(drawer).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\bmobile-nav-active\b"))
    expect(page.get_by_role("button", name="Luk menu")).to_be_focused()
    nav = drawer.get_by_role("navigation", name="Hovedmenu")
    expect(nav.get_by_role("link", name="Forside")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Forløb")).to_be_visible()
    expect(drawer).to_contain_text("Odense Kommune")
    expect(drawer.get_by_role("button", name="Log ud")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "phone-open.png"))

    # Escape closes it and gives focus back to the menu button; a link in it navigates.
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(button).to_be_focused()
    button.click()
    page.get_by_role("dialog", name="Menu").get_by_role("link", name="Forløb").click()
    expect(page).to_have_url(re.compile(r"/forloeb/$"))
    expect(page.get_by_role("dialog", name="Menu")).to_be_hidden()
    assert errors == []
    close_when_served(context)
