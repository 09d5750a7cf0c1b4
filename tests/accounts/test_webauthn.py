"""A WebAuthn security key counts as the staff member's second factor (core.accounts,
LoginPolicyMiddleware): its enrolment pages are open while the second factor is missing, and once
a key is enrolled the application opens and the next password login asks for the key. The key's
own ceremony runs in Chromium: tests/browser/test_passkeys.py."""

from __future__ import annotations

from typing import Any as SettingsWrapper

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from helhed.core.accounts import has_authenticator
from helhed.core.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/log-ind/"


def enrol_security_key(user: User) -> None:
    """What allauth stores when a key is added (the credential itself is checked in Chromium)."""
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Blå nøgle", "credential": {}}
    )


def test_the_security_key_pages_are_open_while_the_second_factor_is_missing(
    client: Client, coordinator: User, settings: SettingsWrapper
) -> None:
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    client.post(LOGIN, {"login": coordinator.username, "password": PASSWORD})
    add = client.get(reverse("mfa_add_webauthn"))
    assert add.status_code == 200
    html = add.content.decode()
    assert "Tilføj sikkerhedsnøgle" in html and "Helhed kræver to faktorer" in html
    assert "mfa/js/webauthn.js" in html  # allauth's static script, under script-src 'self'
    assert client.get(reverse("mfa_list_webauthn")).status_code == 200
    # The TOTP page offers the key instead; the application itself stays closed.
    totp = client.get(reverse("mfa_activate_totp")).content.decode()
    assert reverse("mfa_add_webauthn") in totp
    assert client.get(reverse("core:home"))["Location"] == reverse("mfa_activate_totp")


def test_an_enrolled_security_key_counts_as_the_second_factor(
    client: Client, coordinator: User, settings: SettingsWrapper
) -> None:
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    client.post(LOGIN, {"login": coordinator.username, "password": PASSWORD})
    assert client.get(reverse("core:home")).status_code == 302
    enrol_security_key(coordinator)
    assert has_authenticator(coordinator)
    # Enrolled in this session: the start page opens (not sent to the TOTP enrolment).
    assert client.get(reverse("core:home")).status_code == 200
    client.post(reverse("core:logout"))
    # The next password login stops at allauth's second step, where the key is used.
    response = client.post(LOGIN, {"login": coordinator.username, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
