"""En sikkerhedsnøgle (WebAuthn) som anden faktor i en rigtig Chromium: en medarbejder, der logger
ind med adgangskode, tilføjer en sikkerhedsnøgle i stedet for en autentificeringsapp, logger ud og
ind igen med adgangskode + nøgle og når startsiden. Nøglen er Chromiums virtuelle autentifikator
(DevTools-protokollens WebAuthn-domæne, CTAP2 over USB), så browserens egen WebAuthn-kode, allauths
statiske JavaScript under CSP'en og serverens kontrol (fido2) alle kører rigtigt."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from playwright.sync_api import CDPSession, Page, expect

from helhed.core.models import Unit, User
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _required(settings: Any) -> Iterator[None]:
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    # The live server is http://localhost, a secure context: no insecure-origin exception.
    assert settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN is False
    cache.clear()
    yield
    cache.clear()


def virtual_security_key(page: Page) -> tuple[CDPSession, str]:
    """A USB security key in this page's browser that says yes by itself (the user's touch)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    answer = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, answer["authenticatorId"]


def credentials(cdp: CDPSession, authenticator_id: str) -> list[dict[str, Any]]:
    return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log ud").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind på Helhed")


def test_staff_enrols_a_security_key_then_logs_in_with_password_and_key(
    page: Page,
    make_user: Callable[..., User],
    unit: Unit,
    assert_accessible: Callable[[Page], None],
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    cdp, key = virtual_security_key(page)
    karen = make_user("koordinator", unit, username="karen", first_name="Karen")
    ui_login(page, "karen", PASSWORD)
    # Sent to enrolment; the security key instead of the app.
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivér to-faktor-login")
    page.get_by_role("link", name="Brug en sikkerhedsnøgle i stedet").click()
    expect(page).to_have_url(re.compile(r"/konto/2fa/webauthn/add/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilføj sikkerhedsnøgle")
    expect(page.get_by_text("Helhed kræver to faktorer")).to_be_visible()
    assert_accessible(page)
    # The rest of Helhed stays closed until a key is added.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/konto/2fa/totp/activate/$"))
    page.goto("/konto/2fa/webauthn/add/")
    page.get_by_label("Nøglens navn").fill("Blå nøgle")
    page.get_by_role("button", name="Tilføj").click()
    # Added, with new recovery codes; the key holds one credential for this site. Seeing the
    # codes asks to confirm with the new key (allauth's reauthentication).
    expect(page.get_by_text("Sikkerhedsnøgle tilføjet.")).to_be_visible()
    assert len(credentials(cdp, key)) == 1
    page.get_by_role("link", name="Brug en sikkerhedsnøgle").click()
    page.get_by_role("button", name="Brug en sikkerhedsnøgle").click()
    expect(page).to_have_url(re.compile(r"/konto/2fa/recovery-codes/$"))
    expect(page.get_by_text(re.compile(r"\b[a-z0-9]{8}\b")).first).to_be_visible()
    stored = Authenticator.objects.get(user=karen, type=Authenticator.Type.WEBAUTHN)
    assert stored.wrap().name == "Blå nøgle"
    page.goto("/")
    expect(page.get_by_text("Velkommen, Karen")).to_be_visible()
    log_out(page)

    # Password, then the key.
    ui_login(page, "karen", PASSWORD)
    expect(page).to_have_url(re.compile(r"/konto/2fa/authenticate/$"))
    page.goto("/")  # not in yet
    expect(page.get_by_text("Velkommen, Karen")).to_have_count(0)
    page.goto("/konto/2fa/authenticate/")
    assert_accessible(page)
    page.get_by_role("button", name="Brug en sikkerhedsnøgle").click()
    expect(page.get_by_text("Velkommen, Karen")).to_be_visible()
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert credentials(cdp, key)[0]["signCount"] >= 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
