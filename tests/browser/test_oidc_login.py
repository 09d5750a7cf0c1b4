"""Log ind med OpenID Connect in a real Chromium: the login button, the real test provider's login
form (a separate server process on loopback), back to Helhed's start page — a coordinator with
the unit and role the broker named and no second factor asked for (NSIS substantial), and a
citizen on their own page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from helhed.core.models import Organisation, Unit, User
from helhed.courses.models import Citizen
from helhed.identity.models import OrganisationLogin, RoleMapping, UnitMapping
from tests.identity.conftest import CITIZEN_CPR, CITIZEN_ID, STAFF_ID, UNIT_CODE, make_app
from tests.oidc_idp.fixture import CPR_CLAIM, PASSWORD, SUBSTANTIAL, IdP, oidc_idp

__all__ = ["oidc_idp"]


@pytest.fixture
def idp(oidc_idp: IdP, live_server: Any) -> Iterator[IdP]:
    for provider_id in (STAFF_ID, CITIZEN_ID):
        oidc_idp.allow_redirect(f"{live_server.url}/log-ind/oidc/{provider_id}/callback/")
    yield oidc_idp


@pytest.fixture
def logins(idp: IdP, transactional_db: None) -> Unit:
    kommune = Organisation.objects.get(org_type_id="kommune", official_code="461")
    unit = Unit.objects.create(organisation=kommune, name="Koordinerende Team")
    staff = OrganisationLogin.objects.create(
        app=make_app(idp, STAFF_ID, "MitID Erhverv"), organisation=kommune
    )
    UnitMapping.objects.create(login=staff, value=UNIT_CODE, unit=unit)
    RoleMapping.objects.create(login=staff, value="Koordinator", role="koordinator")
    OrganisationLogin.objects.create(
        app=make_app(idp, CITIZEN_ID, "MitID"), organisation=kommune, audience="citizen"
    )
    return unit


def sign_in_at_the_provider(page: Page, username: str) -> None:
    """The provider's own (allauth's default, English) login form."""
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()


def test_a_coordinator_logs_in_through_the_broker_and_lands_on_the_start_page(
    page: Page,
    live_server: Any,
    idp: IdP,
    logins: Unit,
    assert_accessible: Callable[[Page], None],
) -> None:
    idp.set_claims(
        "kirsten",
        sub="kirsten-sub-1",
        name="Kirsten Holm",
        email="kirsten@kommune.example",
        helhed_unit=UNIT_CODE,
        helhed_role="Koordinator",
        acr=SUBSTANTIAL,
    )
    page.goto("/log-ind/")
    assert_accessible(page)
    page.get_by_role("button", name="Log ind med MitID Erhverv").click()
    assert page.url.startswith(idp.url)  # at the provider, not a page of Helhed's
    sign_in_at_the_provider(page, "kirsten")

    page.wait_for_url(f"{live_server.url}/")  # Helhed's start page
    main = page.locator("main")
    expect(main).to_contain_text("Koordinerende Team")
    expect(main).to_contain_text("Koordinator")
    # NSIS substantial from the broker: no second factor of Helhed's own is asked for.
    expect(page.locator("input[name=code]")).to_have_count(0)
    user = User.objects.get(socialaccount__uid="kirsten-sub-1")
    assert list(user.memberships.values_list("unit__name", "role")) == [
        ("Koordinerende Team", "koordinator")
    ]
    assert_accessible(page)


def test_a_citizen_logs_in_with_mitid_and_sees_their_own_page(
    page: Page, idp: IdP, logins: Unit
) -> None:
    Citizen.objects.create(
        cpr=CITIZEN_CPR, birth_date=date(1990, 3, 14), first_name="Bo", last_name="Hansen"
    )
    idp.set_claims("borger", sub="borger-sub", **{CPR_CLAIM: CITIZEN_CPR, "acr": SUBSTANTIAL})
    page.goto("/log-ind/")
    page.get_by_role("button", name="Log ind med MitID", exact=True).click()
    sign_in_at_the_provider(page, "borger")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Bo")
    expect(page.get_by_role("link", name="Hvem har set mine oplysninger?")).to_be_visible()


def test_a_login_whose_unit_is_not_set_up_gets_a_danish_refusal(
    page: Page, idp: IdP, logins: Unit, assert_accessible: Callable[[Page], None]
) -> None:
    idp.set_claims("ukendt", sub="ukendt-sub", helhed_unit="999-XX", helhed_role="Koordinator")
    users = User.objects.count()
    page.goto("/log-ind/")
    page.get_by_role("button", name="Log ind med MitID Erhverv").click()
    sign_in_at_the_provider(page, "ukendt")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du kan ikke logge ind")
    expect(page.get_by_role("alert")).to_contain_text("hvilken enhed og rolle du har i Helhed")
    assert User.objects.count() == users
    assert_accessible(page)
