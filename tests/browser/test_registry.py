"""The registry in a real browser: live preview while creating an initiative, the matrix after
loading VIVE's data, an arrangement outside the definition, live filtering, and axe scans."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from helhed.core.models import Unit, User
from helhed.registry import services
from helhed.registry.models import Initiative
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD


@pytest.fixture
def analyst(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("analytiker", unit, username="analytiker", first_name="Anna")


def login_analyst(page: Page, analyst: User) -> None:
    ui_login(page, analyst.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Velkommen")


def test_analyst_sees_conditions_and_category_update_live(
    page: Page, analyst: User, assert_accessible: Callable[[Page], None]
) -> None:
    login_analyst(page, analyst)
    page.goto("/register/ny/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny indsats")
    preview = page.locator("#registry-preview")
    expect(preview).to_have_attribute("aria-live", "polite")
    expect(page.locator("#preview-category")).to_have_text("Ingen kategori endnu")
    assert_accessible(page)

    page.get_by_label("Navn", exact=False).first.fill("Sammen om Roskilde")
    page.get_by_label("1. rettet til borgere på velfærdsområderne").select_option("ja")
    page.get_by_label("3. behov for koordinering på tværs af fagområder").select_option("ja")
    page.get_by_label("4. koordinerende eller styrende funktion på tværs af borgere").select_option(
        "ja"
    )
    page.get_by_label("Beskæftigelse").check()
    page.get_by_label("Specialiseret voksen").check()

    # A kommune as primary actor: condition 2 is met; no money yet, so no category.
    page.locator("#id_actors-0-name").fill("Roskilde Kommune")
    page.locator("#id_actors-0-org_type").select_option("kommune")
    page.locator("#id_actors-0-role").select_option("primary")
    expect(page.locator("#preview-verdict")).to_have_text("Inden for definitionen.")
    expect(page.locator("#preview-conditions")).to_contain_text(
        "Mindst én offentlig aktør (kommune, region eller stat) er involveret"
    )
    expect(page.locator("#preview-explanation")).to_contain_text(
        "der er ikke angivet nogen finansieringskilder"
    )

    # The kommune pays itself: intern -> category 1.
    page.locator("#id_funding-0-funder").fill("Roskilde Kommune")
    page.locator("#id_funding-0-org_type").select_option("kommune")
    page.locator("#id_funding-0-amount").fill("1.500.000")
    page.locator("#id_funding-0-period_start").fill("01.01.2024")
    page.locator("#id_funding-0-inside").select_option("True")
    expect(page.locator("#preview-category")).to_have_text("Kategori 1 (beregnet)")
    expect(page.locator("#preview-explanation")).to_contain_text("ren intern finansiering")

    # A fund outside the initiative joins: kombineret -> category 4.
    page.locator("#id_funding-1-funder").fill("Den Sociale Investeringsfond")
    page.locator("#id_funding-1-org_type").select_option("stat")
    page.locator("#id_funding-1-period_start").fill("01.01.2024")
    page.locator("#id_funding-1-inside").select_option("False")
    expect(page.locator("#preview-category")).to_have_text("Kategori 4 (beregnet)")
    expect(page.locator("#preview-explanation")).to_contain_text("kombineret finansiering")
    assert_accessible(page)
    assert not Initiative.objects.filter(name="Sammen om Roskilde").exists()

    page.get_by_role("button", name="Gem indsatsen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sammen om Roskilde")
    expect(page.get_by_role("status")).to_contain_text("er gemt")
    expect(page.locator("#effective-category")).to_have_text("Kategori 4 (beregnet)")
    assert_accessible(page)


def test_form_errors_are_summarised_and_tied_to_fields(
    page: Page, analyst: User, assert_accessible: Callable[[Page], None]
) -> None:
    login_analyst(page, analyst)
    page.goto("/register/ny/")
    page.get_by_label("Navn", exact=False).first.fill("Uden primær aktør")
    page.locator("#id_actors-0-name").fill("Roskilde Kommune")
    page.locator("#id_actors-0-org_type").select_option("kommune")
    page.locator("#id_actors-0-role").select_option("participating")
    page.get_by_label("Manuel kategori", exact=True).select_option("7")
    page.get_by_role("button", name="Gem indsatsen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("intet er gemt")
    expect(summary).to_contain_text("Ingen aktør er angivet som primær aktør")
    expect(summary).to_contain_text("En manuel kategori kræver en begrundelse")
    expect(page.locator("#form-error-summary")).to_be_focused()
    expect(page.locator("#id_actors-0-role_error")).to_contain_text("primær aktør")
    assert_accessible(page)
    assert not Initiative.objects.exists()


def test_den_groenne_trepart_is_outside_the_definition(
    page: Page, analyst: User, assert_accessible: Callable[[Page], None]
) -> None:
    login_analyst(page, analyst)
    page.goto("/register/ny/")
    page.get_by_label("Navn", exact=False).first.fill("Den Grønne Trepart")
    page.get_by_label("Kort beskrivelse").fill("Klima, natur og landbrug")
    page.get_by_label("antal politikområder (uden for velfærdsområderne)").fill("3")
    page.get_by_label("3. behov for koordinering på tværs af fagområder").select_option("ja")
    page.get_by_label("4. koordinerende eller styrende funktion på tværs af borgere").select_option(
        "ja"
    )
    page.locator("#id_actors-0-name").fill("Staten")
    page.locator("#id_actors-0-org_type").select_option("stat")
    page.locator("#id_actors-0-role").select_option("primary")
    page.get_by_label("1. rettet til borgere på velfærdsområderne").select_option("nej")
    expect(page.locator("#preview-verdict")).to_have_text("Uden for definitionen.")
    expect(page.locator("#registry-preview")).to_contain_text(
        "Ikke opfyldt: 1. Indsats rettet til borgere på velfærdsområderne"
    )
    expect(page.locator("#registry-preview")).to_contain_text("3 af 4 betingelser er opfyldt")
    page.get_by_role("button", name="Gem indsatsen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Den Grønne Trepart")
    expect(page.locator("main")).to_contain_text("Uden for definitionen.")
    expect(page.locator("main")).to_contain_text(
        "Ikke opfyldt: 1. Indsats rettet til borgere på velfærdsområderne"
    )
    assert_accessible(page)
    # The list's within-definition filter finds it (kept, but marked outside).
    page.goto("/register/?within_definition=nej")
    expect(page.locator("#registry-results")).to_contain_text("1 indsats")
    expect(page.locator("#registry-results")).to_contain_text("Den Grønne Trepart")


def test_matrix_list_detail_and_distribution_after_loading_vive(
    page: Page, analyst: User, assert_accessible: Callable[[Page], None]
) -> None:
    services.load_vive()
    login_analyst(page, analyst)

    page.get_by_role("link", name="Kategorier", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Kategorierne: aktører × finansiering"
    )
    counts = [page.locator(f"#kategori-{n} .helhed-count").inner_text() for n in range(1, 10)]
    assert counts == ["39", "20", "7", "10", "14", "1", "5", "14", "7"]
    expect(page.locator("#kategori-6")).to_contain_text("Café Exit")
    assert_accessible(page)

    # The list filters live with htmx (no page load) and the URL follows.
    page.goto("/register/")
    expect(page.locator("#registry-results")).to_contain_text("117 indsatser")
    assert_accessible(page)
    page.get_by_label("Kategori", exact=True).select_option("6")
    expect(page.locator("#registry-results")).to_contain_text("1 indsats")
    expect(page).to_have_url(re.compile(r"/register/\?.*category=6"))
    expect(page.locator("#registry-results tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Café Exit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Café Exit")
    expect(page.locator("#effective-category")).to_have_text("Kategori 6 (beregnet)")
    page.get_by_text("Vis hvor hver oplysning kommer fra").click()
    expect(page.locator("details")).to_contain_text("linje")
    assert_accessible(page)

    # KIT's category on another date.
    kit = Initiative.objects.get(name__startswith="Koordineret Indsats", location="Hovedstaden")
    page.goto(f"/register/{kit.pk}/")
    expect(page.locator("#effective-category")).to_have_text("Kategori 2 (beregnet)")
    page.get_by_label("Beregn kategorien pr. dato (dd.mm.åååå)").fill("01.06.2019")
    page.get_by_role("button", name="Beregn").click()
    expect(page.locator("#effective-category")).to_have_text("Kategori 5 (beregnet)")
    expect(page.locator("#as-of")).to_have_text("01.06.2019")
    assert_accessible(page)

    # Distribution: pick a parameter, the charts region updates.
    page.goto("/register/fordeling/")
    expect(page.locator("svg[role=img]")).to_have_count(14)
    assert_accessible(page)
    page.get_by_label("Parameter", exact=True).select_option("phase")
    expect(page.locator("svg[role=img]")).to_have_count(1)
    expect(page.locator("#distribution-results table caption")).to_contain_text("Modenhed: fase")

    # The edit form of an in-depth example.
    page.goto(f"/register/{kit.pk}/rediger/")
    expect(page.locator("#preview-category")).to_have_text("Kategori 2 (beregnet)")
    assert_accessible(page)
