"""Art. 15 in a real browser (Danish): the coordinator records a citizen's request on the course
page and downloads the readable document; the citizen asks on their own page and downloads at
once. axe on every page, the downloaded document included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from helhed.gdpr.models import Channel, DataSubjectRequest, RequestStatus
from tests.browser.conftest import ui_login
from tests.gdpr import world as w

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db: None) -> w.World:
    return w.build()


def test_the_coordinator_records_a_request_and_downloads_the_document(
    page: Page, world: w.World, assert_accessible: Callable[[Page], None], tmp_path: Path
) -> None:
    ui_login(page, "karen", w.PASSWORD)
    page.goto(f"/forloeb/{world.course.pk}/")
    page.get_by_role("link", name="Indsigt (art. 15)").click()
    expect(page.get_by_role("heading", level=2, name="Indsigt (art. 15)")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Modtaget").fill(timezone.localdate().strftime("%d.%m.%Y"))
    page.get_by_label("Personligt fremmødt").check()
    page.get_by_role("button", name="Registrér anmodningen").click()
    expect(page.locator("main")).to_contain_text("Anmodningen om indsigt er registreret.")
    expect(page.locator("#indsigt-anmodninger")).to_contain_text("Personligt fremmødt")
    assert_accessible(page)

    request = DataSubjectRequest.objects.get(channel=Channel.IN_PERSON)
    with page.expect_download() as download:
        page.locator(f'a[href$="/indsigt/{request.pk}/html/"]').click()
    target = tmp_path / "indsigt.html"
    download.value.save_as(target)
    body = target.read_text(encoding="utf-8")
    assert "Alle oplysninger om Mette Sørensen" in body
    assert w.tok("goals") in body and w.emil("goal") not in body
    request.refresh_from_db()
    assert request.status == RequestStatus.DELIVERED

    # The downloaded document, opened in the browser: readable and accessible.
    page.goto(target.as_uri())
    expect(page.get_by_role("heading", level=1)).to_have_text("Alle oplysninger om Mette Sørensen")
    expect(
        page.get_by_role("heading", name="Adgangslog: hvem har set dine oplysninger")
    ).to_be_visible()
    assert_accessible(page)


def test_the_citizen_asks_on_their_own_page_and_downloads_at_once(
    page: Page, world: w.World, assert_accessible: Callable[[Page], None], tmp_path: Path
) -> None:
    ui_login(page, "mette-login", w.PASSWORD)
    page.get_by_role("link", name="Få alle mine oplysninger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alle mine oplysninger")
    assert_accessible(page)
    page.get_by_role("button", name="Få alle mine oplysninger").click()
    expect(page.locator("main")).to_contain_text("Dine oplysninger er klar.")
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator('a[href$="/json/"]').first.click()
    target = tmp_path / "mine.json"
    download.value.save_as(target)
    text = target.read_text(encoding="utf-8")
    assert w.tok("access_log") in text and w.emil("goal") not in text
