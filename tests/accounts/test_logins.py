"""Logins through the real login form (test client POSTs): throttling and lockout, ended
memberships, the idle timeout, the required second factor, password policy, change and reset."""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable
from typing import Any as SettingsWrapper

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from helhed.core.accounts import SESSION_ACR, SESSION_ACR_USER, SESSION_LAST_ACTIVITY
from helhed.core.models import Membership, Unit, User, UserKind
from tests.accounts.conftest import totp_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/log-ind/"
GENERIC = "Brugernavn eller adgangskode er forkert"
LOCKED = "Der har været for mange forkerte forsøg på at logge ind"


def post_login(client: Client, username: str, password: str) -> str:
    return client.post(
        LOGIN, {"login": username, "password": password}, follow=True
    ).content.decode()


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# ---- throttling and lockout ---------------------------------------------------------------


def test_forty_wrong_passwords_lock_the_account_with_a_danish_message_saying_when(
    client: Client, coordinator: User
) -> None:
    pages = [post_login(client, coordinator.username, f"forkert-{i}-kode") for i in range(40)]
    # The first five are "wrong"; from the sixth the account is locked, and the page says for
    # how long (the key window of ACCOUNT_RATE_LIMITS["login_failed"]: 15 minutes).
    assert all(GENERIC in page for page in pages[:5])
    assert all(LOCKED in page and "15 minutter" in page for page in pages[5:])
    # Locked means locked: the right password is refused too, and no session opens.
    assert LOCKED in post_login(client, coordinator.username, PASSWORD)
    assert not logged_in(client)


def test_a_locked_account_does_not_lock_another(
    client: Client, coordinator: User, make_user: Callable[..., User], unit: Unit
) -> None:
    other = make_user("fagperson", unit)
    for i in range(6):
        post_login(client, coordinator.username, f"forkert-{i}-kode")
    html = post_login(Client(), other.username, PASSWORD)
    assert LOCKED not in html and "Velkommen" in html


def test_a_correct_login_between_guesses_does_not_reset_the_count(
    client: Client, coordinator: User
) -> None:
    for i in range(4):
        post_login(client, coordinator.username, f"forkert-{i}-kode")
    assert "Velkommen" in post_login(Client(), coordinator.username, PASSWORD)
    post_login(client, coordinator.username, "forkert-5-kode")
    assert LOCKED in post_login(client, coordinator.username, "forkert-6-kode")


# ---- ended memberships --------------------------------------------------------------------


def end_memberships(user: User) -> None:
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    Membership.objects.filter(user=user).update(
        valid_from=datetime.date(2020, 1, 1), valid_to=yesterday
    )


def test_an_account_whose_last_membership_has_ended_cannot_log_in(
    client: Client, coordinator: User
) -> None:
    end_memberships(coordinator)
    html = post_login(client, coordinator.username, PASSWORD)
    assert "Din adgang til Helhed er ophørt" in html
    assert not logged_in(client)
    # Not even the API answers it with that password-less session.
    assert client.get("/api/courses/courses").status_code in (401, 403)


def test_an_open_session_ends_at_the_next_request_after_the_membership_ends(
    client: Client, coordinator: User
) -> None:
    post_login(client, coordinator.username, PASSWORD)
    assert logged_in(client)
    end_memberships(coordinator)
    response = client.get(reverse("core:home"), follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "Din adgang til Helhed er ophørt" in response.content.decode()
    assert not logged_in(client)


def test_a_future_membership_keeps_the_account_open(client: Client, coordinator: User) -> None:
    end_memberships(coordinator)
    Membership.objects.create(
        user=coordinator,
        unit=Membership.objects.filter(user=coordinator).first().unit,  # type: ignore[union-attr]
        role="fagperson",
        valid_from=datetime.date.today() + datetime.timedelta(days=3),
    )
    post_login(client, coordinator.username, PASSWORD)
    assert logged_in(client)


def test_citizens_and_the_superuser_have_no_memberships_and_log_in(
    client: Client, make_user: Callable[..., User]
) -> None:
    citizen = make_user(None, kind=UserKind.CITIZEN, first_name="Bo")
    root = make_user(None, is_superuser=True, is_staff=True)
    assert "Hej Bo" in post_login(client, citizen.username, PASSWORD)
    other = Client()
    post_login(other, root.username, PASSWORD)
    assert logged_in(other)


# ---- idle timeout -------------------------------------------------------------------------


def test_an_idle_session_is_logged_out_with_a_danish_message(
    client: Client, coordinator: User, settings: SettingsWrapper
) -> None:
    settings.HELHED_IDLE_TIMEOUT_MINUTES = 30
    post_login(client, coordinator.username, PASSWORD)
    assert client.get(reverse("core:home")).status_code == 200
    session = client.session
    session[SESSION_LAST_ACTIVITY] = time.time() - 29 * 60
    session.save()
    assert client.get(reverse("core:home")).status_code == 200  # 29 minutes: still in
    session = client.session
    session[SESSION_LAST_ACTIVITY] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("core:home"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[0][0].startswith(LOGIN + "?next=%2F")
    assert "Du er blevet logget ud, fordi du ikke har brugt Helhed i 30 minutter" in html
    assert not logged_in(client)


# ---- the required second factor -----------------------------------------------------------


def test_staff_password_login_must_enrol_totp_before_anything_else(
    client: Client, coordinator: User, settings: SettingsWrapper
) -> None:
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    response = client.post(
        LOGIN, {"login": coordinator.username, "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert "Helhed kræver to faktorer" in html
    # Every other page and the API are closed until then.
    assert client.get(reverse("core:home"))["Location"] == reverse("mfa_activate_totp")
    api = client.get("/api/courses/courses")
    assert api.status_code == 403 and api["Content-Type"] == "application/problem+json"
    # A wrong code is refused; the right one enrols, and the application opens.
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', html)
    assert secret, html
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert "Forkert kode" in wrong.content.decode()
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret[1])})
    assert client.get(reverse("core:home")).status_code == 200


def test_the_next_login_asks_for_the_code_and_refuses_a_replayed_one(
    client: Client, coordinator: User, settings: SettingsWrapper
) -> None:
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    html = post_login(client, coordinator.username, PASSWORD)
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', html)[1]  # type: ignore[index]
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret, offset=-1)})
    client.post(reverse("core:logout"))
    # Password, then the code.
    response = client.post(LOGIN, {"login": coordinator.username, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    code = totp_code(secret)
    assert (
        "Velkommen"
        in client.post(reverse("mfa_authenticate"), {"code": code}, follow=True).content.decode()
    )
    client.post(reverse("core:logout"))
    # The same code again: refused, no session.
    client.post(LOGIN, {"login": coordinator.username, "password": PASSWORD})
    replay = client.post(reverse("mfa_authenticate"), {"code": code})
    assert "Forkert kode" in replay.content.decode()
    assert not logged_in(client)


@pytest.mark.parametrize(
    ("acr", "closed"),
    [("https://data.gov.dk/concept/core/nsis/loa/Substantial", False),
     ("https://data.gov.dk/concept/core/nsis/loa/Low", True)],
)  # fmt: skip
def test_an_identity_providers_nsis_level_decides(
    acr: str, closed: bool, coordinator: User, settings: SettingsWrapper
) -> None:
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    client = Client()
    client.force_login(coordinator)
    session = client.session
    session[SESSION_ACR] = acr  # what the OpenID Connect login records
    session[SESSION_ACR_USER] = str(coordinator.pk)
    session.save()
    response = client.get(reverse("core:home"))
    assert (response.status_code == 302) is closed


def test_a_level_left_in_the_session_by_another_login_does_not_skip_the_second_factor(
    coordinator: User, make_user: Callable[..., User], settings: SettingsWrapper
) -> None:
    """An OIDC login abandoned at its code step leaves its NSIS level in the (still anonymous)
    session; a password login in that session — with a stolen password — must still be asked
    for the second factor (Django's login() keeps the session's contents)."""
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    other = make_user(None, kind=UserKind.CITIZEN, first_name="Bo")
    client = Client()
    client.get(LOGIN)
    session = client.session
    session[SESSION_ACR] = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
    session[SESSION_ACR_USER] = str(other.pk)
    session.save()
    client.post(LOGIN, {"login": coordinator.username, "password": PASSWORD})
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and "/2fa/" in response["Location"], response


def test_citizens_need_no_second_factor(
    client: Client, make_user: Callable[..., User], settings: SettingsWrapper
) -> None:
    settings.HELHED_REQUIRE_SECOND_FACTOR = True
    citizen = make_user(None, kind=UserKind.CITIZEN, first_name="Bo")
    assert "Hej Bo" in post_login(client, citizen.username, PASSWORD)


# ---- password policy, change and reset ----------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sommer2026!", "for kort"),
        ("Sommer2026!!!", "årstid eller en måned"),
        ("kommune1234", "for kort"),
        ("kommune123456", "navnet på Helhed, en kommune"),
        ("Januar-2027!!", "årstid eller en måned"),
        ("Efteraar2026#", "årstid eller en måned"),
        ("Helhed!2026helhed", "navnet på Helhed"),
        ("Velkommen12345", "for almindelig"),
        ("Adgangskode2026", "for almindelig"),
    ],
)
def test_the_password_policy_refuses_in_danish(
    password: str, message: str, coordinator: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, coordinator)
    assert any(message in m for m in refused.value.messages), refused.value.messages


def test_the_users_own_organisations_name_is_refused(coordinator: User) -> None:
    town = coordinator.memberships.get().unit.organisation.name.split()[0]
    with pytest.raises(ValidationError) as refused:
        validate_password(f"{town}2026!!!xy", coordinator)
    assert any("din organisation" in m for m in refused.value.messages), (town, refused.value)


def test_the_username_is_refused_and_a_passphrase_is_accepted(coordinator: User) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(f"{coordinator.username}!2026xyz", coordinator)
    assert any("brugernavn" in m for m in refused.value.messages)
    validate_password("grøn-cykel-under-broen-9", coordinator)  # no exception


def test_password_change_applies_the_policy(client: Client, coordinator: User) -> None:
    post_login(client, coordinator.username, PASSWORD)
    url = reverse("account_change_password")
    refused = client.post(
        url, {"oldpassword": PASSWORD, "password1": "Sommer2026!!!", "password2": "Sommer2026!!!"}
    )
    assert "årstid eller en måned" in refused.content.decode()
    new = "grøn-cykel-under-broen-9"
    client.post(url, {"oldpassword": PASSWORD, "password1": new, "password2": new})
    client.post(reverse("core:logout"))
    assert "Velkommen" in post_login(client, coordinator.username, new)


def test_password_reset_by_email_end_to_end(
    client: Client, coordinator: User, settings: SettingsWrapper
) -> None:
    settings.HELHED_BASE_URL = "https://helhed.kommune.dk"
    coordinator.email = "karen@kommune.dk"
    coordinator.save()
    page = client.post(
        reverse("account_reset_password"), {"email": "KAREN@kommune.dk"}, follow=True
    )
    assert page.status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (
        message.to == ["karen@kommune.dk"] and message.subject == "Helhed: Nulstil din adgangskode"
    )
    link = re.search(r"https://helhed\.kommune\.dk(/konto/password/reset/key/\S+)", message.body)
    assert link, message.body
    assert f"Dit brugernavn er {coordinator.username}" in message.body
    form = client.get(link[1], follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link[1]
    refused = client.post(action, {"password1": "kommune123456", "password2": "kommune123456"})
    assert "navnet på Helhed, en kommune" in refused.content.decode()
    new = "grøn-cykel-under-broen-9"
    client.post(action, {"password1": new, "password2": new})
    assert not logged_in(client)  # a reset does not log in: the login (and 2FA) follows
    assert GENERIC in post_login(client, coordinator.username, PASSWORD)
    assert "Velkommen" in post_login(Client(), coordinator.username, new)
    # The link works once.
    assert client.post(action, {"password1": new + "x", "password2": new + "x"}).status_code in (
        200,
        302,
    )
    assert "Velkommen" in post_login(Client(), coordinator.username, new)


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(
    client: Client, coordinator: User
) -> None:
    page = client.post(
        reverse("account_reset_password"), {"email": "ingen@kommune.dk"}, follow=True
    )
    assert page.status_code == 200 and mail.outbox == []
