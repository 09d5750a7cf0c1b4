"""The UI shell in a real browser: login per role, start pages, keyboard use, language, axe."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import Membership, Unit, User, UserKind
from helhed.core.panels import register_citizen_resolver
from tests.browser.conftest import ui_login
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
    # First Tab reaches the skip link; following it puts focus in the main landmark.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Gå til sidens indhold")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "main-content")
    # Log in with the keyboard only.
    page.locator("#id_username").focus()
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
    ui_login(page, "udloebet", PASSWORD)
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
