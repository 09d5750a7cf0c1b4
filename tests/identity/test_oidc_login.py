"""Logging in through an organisation's OpenID Connect provider — the real test provider, a
separate process on loopback — maps the claims to a Helhed user, unit and role, or to an existing
citizen (docs/security.md, "Log ind med OpenID Connect")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from helhed.core.models import Membership, Unit, User, UserKind
from helhed.courses.models import Citizen
from helhed.identity.logic import SESSION_ACR, SESSION_ISSUER
from helhed.identity.models import OrganisationLogin
from tests.identity.conftest import CITIZEN_CPR, CITIZEN_ID, STAFF_ID, UNIT_CODE
from tests.oidc_idp.fixture import CPR_CLAIM, LOW, SUBSTANTIAL, IdP

pytestmark = pytest.mark.django_db


def kirsten(idp: IdP, **extra: Any) -> None:
    claims = {
        "sub": "kirsten-sub-1",
        "name": "Kirsten Holm",
        "email": "kirsten@kommune.example",
        "helhed_unit": UNIT_CODE,
        "helhed_role": "Koordinator",
        "acr": SUBSTANTIAL,
    }
    idp.set_claims("kirsten", **{**claims, **extra})


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Membership.objects.count(), SocialAccount.objects.count()


def test_the_login_page_offers_the_organisations_login(
    client: Client, staff_login: OrganisationLogin
) -> None:
    page = client.get("/log-ind/").content.decode()
    assert "Log ind med MitID Erhverv" in page
    assert f'action="/log-ind/oidc/{STAFF_ID}/"' in page


def test_first_login_creates_the_staff_user_with_the_mapped_unit_and_role(
    client: Client,
    idp: IdP,
    staff_login: OrganisationLogin,
    unit: Unit,
    oidc_sign_in: Callable[..., Any],
) -> None:
    kirsten(idp)
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(socialaccount__uid="kirsten-sub-1")
    assert (user.first_name, user.last_name, user.email, user.kind) == (
        "Kirsten",
        "Holm",
        "kirsten@kommune.example",
        UserKind.STAFF,
    )
    assert not user.has_usable_password()
    assert list(user.memberships.values_list("unit_id", "role")) == [(unit.pk, "koordinator")]
    assert client.session[SESSION_ACR] == SUBSTANTIAL
    assert client.session[SESSION_ISSUER] == idp.url
    home = client.get("/")
    assert home.status_code == 200
    assert home.templates[0].name == "core/home_koordinator.html"


def test_a_second_login_finds_the_same_user_and_records_a_lower_level(
    client: Client, idp: IdP, staff_login: OrganisationLogin, oidc_sign_in: Callable[..., Any]
) -> None:
    kirsten(idp)
    oidc_sign_in(STAFF_ID, "kirsten")
    client.logout()
    before = counts()
    kirsten(idp, acr=LOW)
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 302
    assert counts() == before
    assert client.session[SESSION_ACR] == LOW


def test_a_new_role_from_the_broker_adds_the_membership(
    client: Client,
    idp: IdP,
    staff_login: OrganisationLogin,
    unit: Unit,
    oidc_sign_in: Callable[..., Any],
) -> None:
    kirsten(idp)
    oidc_sign_in(STAFF_ID, "kirsten")
    client.logout()
    # a list; values that are not configured are ignored, the unit gets each configured role
    kirsten(idp, helhed_role=["Ukendt", "Koordinator", "Fagperson"])
    oidc_sign_in(STAFF_ID, "kirsten")
    user = User.objects.get(socialaccount__uid="kirsten-sub-1")
    assert sorted(user.memberships.values_list("role", flat=True)) == ["fagperson", "koordinator"]


def test_claims_that_map_to_no_unit_are_refused_and_nothing_is_created(
    client: Client,
    idp: IdP,
    staff_login: OrganisationLogin,
    oidc_sign_in: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.set_claims(
        "ukendt",
        sub="ukendt-sub",
        name="Uno Kendt",
        helhed_unit="999-XX",
        helhed_role="Koordinator",
        acr=SUBSTANTIAL,
    )
    before = counts()
    response, _ = oidc_sign_in(STAFF_ID, "ukendt")
    assert response.status_code == 403
    assert "hvilken enhed og rolle du har i Helhed" in response.content.decode()
    assert counts() == before
    assert "_auth_user_id" not in client.session
    line = next(r.getMessage() for r in caplog.records if r.name == "helhed.identity")
    assert "reason=no_mapping" in line and "sub=ukendt-sub" in line
    assert "Uno" not in line


def test_a_role_value_that_is_not_configured_is_refused(
    idp: IdP, staff_login: OrganisationLogin, oidc_sign_in: Callable[..., Any]
) -> None:
    kirsten(idp, helhed_role="Direktør")
    before = counts()
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 403
    assert counts() == before


def test_an_ended_membership_is_not_reopened_by_the_broker(
    client: Client, idp: IdP, staff_login: OrganisationLogin, oidc_sign_in: Callable[..., Any]
) -> None:
    from datetime import date

    kirsten(idp)
    oidc_sign_in(STAFF_ID, "kirsten")
    client.logout()
    Membership.objects.update(valid_from=date(2020, 1, 1), valid_to=date(2021, 1, 1))
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 403
    assert "medlemskab af enheden er afsluttet" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_citizen_with_a_cpr_claim_reaches_their_own_page(
    client: Client,
    idp: IdP,
    citizen_login: OrganisationLogin,
    citizen: Citizen,
    oidc_sign_in: Callable[..., Any],
) -> None:
    idp.set_claims("borger", sub="borger-sub", **{CPR_CLAIM: CITIZEN_CPR, "acr": SUBSTANTIAL})
    response, _ = oidc_sign_in(CITIZEN_ID, "borger")
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.user is not None and citizen.user.kind == UserKind.CITIZEN
    assert not citizen.user.memberships.exists()
    # The CPR number is not kept with the stored account's claims (allauth keeps the rest).
    stored = SocialAccount.objects.get(user=citizen.user).extra_data
    assert stored["id_token"]["sub"] == "borger-sub"
    assert CITIZEN_CPR not in str(stored)
    home = client.get("/")
    assert home.templates[0].name == "core/home_citizen.html"
    assert "Hej Bo" in home.content.decode()
    # The next login finds the same account.
    client.logout()
    before = counts()
    oidc_sign_in(CITIZEN_ID, "borger")
    assert counts() == before
    assert client.session["_auth_user_id"] == str(citizen.user.pk)


def test_a_citizen_who_is_not_in_helhed_is_refused_and_no_citizen_is_created(
    client: Client,
    idp: IdP,
    citizen_login: OrganisationLogin,
    citizen: Citizen,
    oidc_sign_in: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.set_claims("borger", sub="fremmed-sub", **{CPR_CLAIM: "0101011234", "acr": SUBSTANTIAL})
    before = (*counts(), Citizen.objects.count())
    response, _ = oidc_sign_in(CITIZEN_ID, "borger")
    assert response.status_code == 403
    assert "Vi kan ikke finde dig i Helhed" in response.content.decode()
    assert (*counts(), Citizen.objects.count()) == before
    assert "reason=unknown_citizen" in caplog.text
    assert "0101011234" not in caplog.text  # the log line names the sub, never the CPR
