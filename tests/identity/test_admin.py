"""The technical administrator sets up an organisation's OpenID Connect login in the admin, in
Danish; an organisation's administrator does not see it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from helhed.core.models import Organisation, Unit, User
from helhed.identity.models import OrganisationLogin, UnitMapping
from tests.identity.conftest import make_app
from tests.oidc_idp.fixture import IdP

pytestmark = pytest.mark.django_db


def test_the_superuser_configures_a_login_with_danish_labels(
    client: Client,
    make_user: Callable[..., User],
    municipality: Organisation,
    unit: Unit,
    idp: IdP,
) -> None:
    client.force_login(make_user(None, is_staff=True, is_superuser=True))
    app = make_app(idp, "kommune", "MitID Erhverv")
    page = client.get("/admin/identity/organisationlogin/add/").content.decode()
    for label in ("OpenID Connect-forbindelse", "Hvem logger ind", "Claim med enhedskode"):
        assert label in page
    response = client.post(
        "/admin/identity/organisationlogin/add/",
        {
            "app": app.pk,
            "organisation": municipality.pk,
            "audience": "staff",
            "shown": "on",
            "sub_claim": "sub",
            "name_claim": "name",
            "email_claim": "email",
            "unit_claim": "helhed_unit",
            "role_claim": "helhed_role",
            "cpr_claim": "",
            "acr_claim": "acr",
            "unit_mappings-TOTAL_FORMS": "1",
            "unit_mappings-INITIAL_FORMS": "0",
            "unit_mappings-0-value": "461-KT",
            "unit_mappings-0-unit": unit.pk,
            "role_mappings-TOTAL_FORMS": "1",
            "role_mappings-INITIAL_FORMS": "0",
            "role_mappings-0-value": "Koordinator",
            "role_mappings-0-role": "koordinator",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    login = OrganisationLogin.objects.get()
    assert login.unit_mappings.get().unit == unit
    assert login.role_mappings.get().role == "koordinator"


def test_a_unit_of_another_organisation_is_refused(
    municipality: Organisation, other_municipality: Organisation, idp: IdP
) -> None:
    from django.core.exceptions import ValidationError

    login = OrganisationLogin.objects.create(
        app=make_app(idp, "kommune", "MitID Erhverv"), organisation=municipality
    )
    foreign = Unit.objects.create(organisation=other_municipality, name="Fremmed enhed")
    with pytest.raises(ValidationError, match="Enheden skal høre til organisationen"):
        UnitMapping(login=login, value="X", unit=foreign).full_clean()


def test_an_organisations_administrator_does_not_see_the_logins(
    client: Client, make_user: Callable[..., User], unit: Unit
) -> None:
    client.force_login(make_user("administrator", unit))
    assert client.get("/admin/identity/organisationlogin/").status_code == 403
