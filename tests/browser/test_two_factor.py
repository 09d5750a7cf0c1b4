"""Two factors in a real Chromium: a staff member who logs in with a password must enrol an
authenticator app (TOTP), then logs in with password + code; a replayed or wrong code is refused
with a clear Danish message. The codes are computed here from the secret the page shows, as the
app on the phone would (RFC 6238)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from helhed.core.models import Unit, User
from tests.accounts.conftest import totp_code
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _required(settings: Any) -> Iterator[None]:
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    cache.clear()  # allauth's counts and used codes
    yield
    cache.clear()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log ud").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind på Helhed")


def test_staff_enrols_totp_then_logs_in_with_password_and_code(
    page: Page,
    make_user: Callable[..., User],
    unit: Unit,
    assert_accessible: Callable[[Page], None],
) -> None:
    make_user("koordinator", unit, username="karen", first_name="Karen")
    ui_login(page, "karen", PASSWORD)
    # Forced to the enrolment page, told why in Danish; the application stays closed.
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivér to-faktor-login")
    expect(page.get_by_text("Helhed kræver to faktorer")).to_be_visible()
    assert_accessible(page)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/konto/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    # A wrong code: a clear error, still not enrolled.
    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name="Aktivér").click()
    expect(page.get_by_text("Forkert kode").first).to_be_visible()
    # The app's code enrols; the recovery codes are shown; the start page opens.
    page.locator("#id_code").fill(totp_code(secret, offset=-1))
    page.get_by_role("button", name="Aktivér").click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))
    page.goto("/")
    expect(page.get_by_text("Velkommen, Karen")).to_be_visible()
    log_out(page)

    # Password, then the code from the app.
    code = totp_code(secret)
    ui_login(page, "karen", PASSWORD)
    expect(page).to_have_url(re.compile(r"/konto/2fa/authenticate/$"))
    assert_accessible(page)
    page.get_by_label("Kode").fill(code)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_text("Velkommen, Karen")).to_be_visible()
    log_out(page)

    # The same code again (replayed): refused, and no way in.
    ui_login(page, "karen", PASSWORD)
    page.get_by_label("Kode").fill(code)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_text("Forkert kode").first).to_be_visible()
    # Not in: the start page still asks for the code.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("To-faktor-autentificering")
    expect(page.get_by_text("Velkommen, Karen")).to_have_count(0)
    # A wrong code: the same clear refusal.
    page.get_by_label("Kode").fill("123456" if code != "123456" else "654321")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_text("Forkert kode").first).to_be_visible()
    expect(page.get_by_text("Velkommen, Karen")).to_have_count(0)
