"""Consent with evidence (issue 15) in a real browser, in Danish, on a desktop and a phone: the
coordinator attaches a signed PDF, the citizen logs in and confirms the consent on her own page,
the course page shows both, and the history tab shows the steps — axe clean on every page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from helhed.courses.models import Consent, ConsentDocument
from tests.browser.conftest import close_when_served, ui_login
from tests.conftest import PASSWORD
from tests.courses.citizen_world import World, build_world

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SCOPE = "Jobcenter Odense, Voksenstøtte"  # the first consent's units (citizen_world)


@pytest.fixture
def world(transactional_db: None, tmp_path: Path) -> Iterator[World]:
    media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path / "dokumenter"
    yield build_world()
    settings.MEDIA_ROOT = media


@pytest.fixture(params=["desktop", "phone"])
def any_page(request: Any, browser: Browser, live_server: Any) -> Iterator[Page]:
    options: dict[str, Any] = {"locale": "da-DK", "base_url": live_server.url}
    if request.param == "phone":
        options |= {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    else:
        options |= {"viewport": {"width": 1280, "height": 900}}
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    close_when_served(context)


def fits(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert max(widths[0], widths[1]) <= widths[2], f"page wider than the screen: {widths}"


def test_a_signed_pdf_and_the_citizens_confirmation_show_on_the_course_and_in_its_history(
    any_page: Page,
    world: World,
    tmp_path: Path,
    assert_accessible: Callable[[Page], None],
) -> None:
    page = any_page
    signed = tmp_path / "Underskrevet samtykke.pdf"
    signed.write_bytes(PDF)

    # The coordinator attaches the signed PDF.
    ui_login(page, "karen", PASSWORD)
    page.goto(f"/forloeb/{world.course.pk}/")
    consent_card = page.locator("#samtykke").locator("xpath=..")
    expect(consent_card).to_contain_text("Ikke bekræftet")
    page.get_by_role("link", name=f"Vedhæft underskrevet erklæring ({SCOPE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vedhæft underskrevet samtykkeerklæring"
    )
    assert_accessible(page)
    # A text file named .pdf is refused at the field, in Danish.
    fake = tmp_path / "samtykke.pdf"
    fake.write_bytes(b"ikke en pdf")
    page.get_by_label("Underskrevet samtykkeerklæring").set_input_files(str(fake))
    page.get_by_role("button", name="Vedhæft erklæringen").click()
    expect(page.locator("#id_file_error")).to_contain_text("Filen skal være en PDF, PNG eller JPEG")
    assert_accessible(page)
    page.get_by_label("Underskrevet samtykkeerklæring").set_input_files(str(signed))
    page.get_by_role("button", name="Vedhæft erklæringen").click()
    expect(page.get_by_role("status")).to_contain_text("erklæring er vedhæftet")
    expect(page.locator("main")).to_contain_text("Underskrevet erklæring")
    expect(
        page.get_by_role("link", name=f"Hent den underskrevne erklæring ({SCOPE}")
    ).to_be_visible()
    fits(page)
    assert_accessible(page)
    page.context.clear_cookies()

    # The citizen logs in and confirms it on her own page.
    ui_login(page, "mette", PASSWORD)
    page.goto("/mig/samtykke/")
    expect(page.get_by_role("heading", name="Samtykker, du kan bekræfte")).to_be_visible()
    fits(page)
    assert_accessible(page)
    page.get_by_role("link", name=f"Se og bekræft samtykket ({SCOPE})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Er samtykket rigtigt?")
    fits(page)
    assert_accessible(page)
    page.get_by_role("button", name="Ja, samtykket er rigtigt – bekræft det").click()
    expect(page.get_by_role("status")).to_contain_text("Du har bekræftet samtykket")
    expect(page.locator("main")).to_contain_text("Bekræftet af Mette Sørensen")
    assert_accessible(page)
    page.context.clear_cookies()

    # The course page shows both; the history tab shows the steps.
    ui_login(page, "karen", PASSWORD)
    page.goto(f"/forloeb/{world.course.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("Bekræftet af borgeren")
    expect(main).to_contain_text("Underskrevet erklæring")
    expect(main).to_contain_text("Ikke bekræftet")  # the psychiatry consent
    fits(page)
    assert_accessible(page)
    page.goto(f"/forloeb/{world.course.pk}/historik/")
    history = page.locator("#samtykke-historik").locator("xpath=..")
    for step in (
        "Samtykke registreret",
        "Underskrevet erklæring vedhæftet",
        "Bekræftet af borgeren",
    ):
        expect(history).to_contain_text(step)
    expect(history).to_contain_text("Mette Sørensen")
    expect(history).to_contain_text("Karen Koordinator")
    fits(page)
    assert_accessible(page)

    consent = Consent.objects.get(pk=world.consent.pk)
    assert consent.confirmed_via == "egen-side"
    assert ConsentDocument.objects.get(consent=consent).file.read() == PDF
