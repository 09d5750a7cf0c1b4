"""A family intake in a real browser (issue 14, "Done means"): a mother and her three children —
rows added with »Tilføj person«, which works without JavaScript — then one consent step in which
she consents for herself and, as custody holder, for the two children under 15 (the 16-year-old
consents personally and is not offered). Danish, on a desktop and on a 390 px wide phone; axe runs
on every page on the way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from helhed.core.models import Organisation, User
from helhed.courses.models import Consent, Course, HouseholdRelation
from helhed.devtools.factories import cpr_for
from tests.browser.conftest import close_when_served, ui_login
from tests.conftest import PASSWORD
from tests.courses.conftest import ensure_legal_bases, make_initiative, make_unit

pytestmark = pytest.mark.browser

SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def years_ago(years: int) -> date:
    today = date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=30)


CHILDREN = [
    ("Ida", cpr_for(years_ago(12), tail="911")),
    ("Oskar", cpr_for(years_ago(16), tail="912")),
    ("Vera", cpr_for(years_ago(4), tail="913")),
]
MOTHER_CPR = cpr_for(years_ago(38), tail="910")


def dashed(cpr: str) -> str:
    return f"{cpr[:6]}-{cpr[6:]}"


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest, browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(
        locale="da-DK", base_url=live_server.url, **SCREENS[request.param]
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    close_when_served(context)


@pytest.fixture
def coordinator(make_user: Callable[..., User], municipality: Organisation) -> User:
    ensure_legal_bases()
    make_initiative()
    unit = make_unit(municipality, "Familieteamet", "specialiseret-boern-unge")
    return make_user("koordinator", unit, username="karen", first_name="Karen")


def fill_row(page: Page, index: int, first_name: str, cpr: str) -> None:
    row = page.locator(f"#familie-{index}")
    row.get_by_label("Fornavn").fill(first_name)
    row.get_by_label("Efternavn").fill("Lund")
    row.get_by_label("CPR-nummer").fill(dashed(cpr))
    row.get_by_label("Relation til borgeren").select_option(label="Borgerens barn")
    row.get_by_label("Forælderen har forældremyndighed over barnet").check()


def test_a_family_intake_with_three_children_and_one_consent_step(
    screen: Page, coordinator: User, assert_accessible: Callable[[Page], None]
) -> None:
    page = screen
    ui_login(page, "karen", PASSWORD)
    page.goto("/forloeb/visitation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny visitation")
    page.get_by_label("Indsats (fra registret)").select_option(label="FAMKO (Odense)")
    page.locator("#id_cpr").fill(dashed(MOTHER_CPR))
    page.locator("#id_first_name").fill("Sara")
    page.locator("#id_last_name").fill("Lund")
    page.get_by_label("Familiens navn").fill("Familien Lund")
    # The first child in the one empty row; each further child through »Tilføj person«.
    fill_row(page, 0, *CHILDREN[0])
    for index, (name, cpr) in enumerate(CHILDREN[1:], start=1):
        page.get_by_role("button", name="Tilføj person").click()
        expect(page.locator(f"#familie-{index}")).to_be_visible()
        expect(page.locator(f"#id_familie-{index}-first_name")).to_be_focused()
        # nothing typed so far is lost, and nothing is checked yet
        expect(page.locator("#id_first_name")).to_have_value("Sara")
        expect(page.locator("#id_familie-0-first_name")).to_have_value("Ida")
        expect(page.locator(".form-error-message")).to_have_count(0)
        fill_row(page, index, name, cpr)
    assert_accessible(page)
    page.get_by_role("button", name="Opret forløb").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sara Lund")
    assert_accessible(page)
    course = Course.objects.get()
    assert course.household is not None
    assert course.household.members.count() == 4
    assert HouseholdRelation.objects.filter(custody=True).count() == 3

    # One consent step: Sara for herself and, as custody holder, for Ida and Vera (under 15).
    page.goto(f"/forloeb/{course.pk}/samtykke/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrér samtykke")
    children = page.get_by_role("group", name="Samtykket gives også for disse børn")
    expect(children).to_contain_text("Ida Lund")
    expect(children).to_contain_text("Vera Lund")
    expect(children).not_to_contain_text("Oskar")  # 16: gives his own consent
    assert_accessible(page)
    page.get_by_label("Navn på den, der giver samtykke").fill("Sara Lund")
    page.get_by_label("Familieteamet, Odense Kommune").check()
    children.get_by_label("Ida Lund").check()
    children.get_by_label("Vera Lund").check()
    page.get_by_role("button", name="Registrér samtykke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sara Lund")
    consent = Consent.objects.get()
    assert {c.first_name for c in consent.children.all()} == {"Ida", "Vera"}
    assert consent.given_by == "borger"
