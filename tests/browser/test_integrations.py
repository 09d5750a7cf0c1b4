"""The administrators' integration clients in a real browser (Danish): a new client's secret is
shown once on its own page and never again; the token endpoint accepts it; axe on every page."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import ui_login
from tests.gdpr import world as w

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db: None) -> w.World:
    return w.build()


def test_an_administrator_creates_a_client_and_sees_its_secret_once(
    page: Page, world: w.World, assert_accessible: Callable[[Page], None], live_server
) -> None:
    ui_login(page, "anders", w.PASSWORD)
    page.goto("/administration/integrationer/")
    assert_accessible(page)
    page.get_by_role("link", name="Ny klient").click()
    assert_accessible(page)
    page.get_by_label("Navn").fill("Jobcentrets fagsystem")
    page.get_by_label("Enhed").select_option(label="Odense Kommune: Jobcenter Odense")
    page.get_by_label("courses:read", exact=False).first.check()
    expires = (timezone.localdate() + timedelta(days=90)).strftime("%d.%m.%Y")
    page.get_by_label("Udløber").fill(expires)
    page.get_by_role("button", name="Opret klienten").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jobcentrets fagsystem")
    assert_accessible(page)
    client_id = page.locator("#client-id").inner_text()
    secret = page.locator("#client-secret").inner_text()
    assert len(secret) >= 20

    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = page.request.post(
        f"{live_server.url}/api/oauth/token",
        form={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert token.status == 200, token.text()

    page.get_by_role("link", name="Jeg har gemt hemmeligheden").click()
    assert_accessible(page)
    assert secret not in page.content()  # never again
    page.reload()
    assert secret not in page.content()
