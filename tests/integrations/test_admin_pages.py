"""The administrators' pages: create a client (id and secret shown once), see it listed with
its last use, narrow its scopes, rotate its secret, revoke it — in one's own organisation only."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.integrations.models import IntegrationClient
from tests.courses import builders
from tests.integrations.conftest import fetch_token

pytestmark = pytest.mark.django_db

LIST = "/administration/integrationer/"


def _secret(page: str) -> tuple[str, str]:
    client_id = re.search(r'id="client-id">([^<]+)<', page)
    secret = re.search(r'id="client-secret">([^<]+)<', page)
    assert client_id and secret, page
    return client_id[1], secret[1]


def test_an_administrator_creates_a_client_and_sees_the_secret_once(
    client: Client, administrator: User, unit: Unit
) -> None:
    client.force_login(administrator)
    expires = (timezone.localdate() + timedelta(days=90)).strftime("%d.%m.%Y")
    created = client.post(
        f"{LIST}ny/",
        {
            "name": "Fagsystemet",
            "unit": str(unit.pk),
            "scopes": ["courses:read"],
            "expires_on": expires,
        },
    )
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    client_id, secret = _secret(created.content.decode())
    stored = IntegrationClient.objects.get(name="Fagsystemet")
    assert stored.oauth_client.secret != secret  # stored hashed
    assert fetch_token(Client(), client_id, secret).status_code == 200

    assert LIST in client.get("/").content.decode()  # the menu leads administrators here
    listing = client.get(LIST).content.decode()
    assert "Fagsystemet" in listing and "courses:read" in listing
    assert secret not in listing
    detail = client.get(f"{LIST}{stored.pk}/").content.decode()
    assert client_id in detail and secret not in detail


def test_last_use_shows_on_the_list(
    client: Client, administrator: User, unit: Unit, make_client, bearer
) -> None:
    creds = make_client(unit, name="Brugt system")
    client.force_login(administrator)
    assert "Aldrig" in client.get(LIST).content.decode()
    Client().get("/api/courses/courses", HTTP_AUTHORIZATION=bearer(creds))
    used = IntegrationClient.objects.get(pk=creds.client.pk).last_used_at
    assert used is not None
    page = client.get(LIST).content.decode()
    assert timezone.localtime(used).strftime("%d.%m.%Y %H:%M") in page


def test_bad_input_is_named_per_field_and_nothing_is_saved(
    client: Client, administrator: User, unit: Unit, other_municipality
) -> None:
    foreign = builders.make_unit(other_municipality, "Fremmed enhed")
    client.force_login(administrator)
    too_late = (timezone.localdate() + timedelta(days=3 * 365)).strftime("%d.%m.%Y")
    page = client.post(
        f"{LIST}ny/",
        {"name": "X", "unit": str(foreign.pk), "scopes": [], "expires_on": too_late},
    ).content.decode()
    assert "Der er fejl i formularen" in page
    assert 'href="#id_unit"' in page and 'href="#id_scopes"' in page
    page = client.post(
        f"{LIST}ny/",
        {"name": "X", "unit": str(unit.pk), "scopes": ["courses:read"], "expires_on": too_late},
    ).content.decode()
    assert "Adgangen kan højst gælde i to år." in page
    assert not IntegrationClient.objects.exists()


def test_rotate_and_revoke_from_the_page(
    client: Client, administrator: User, unit: Unit, make_client
) -> None:
    creds = make_client(unit)
    client.force_login(administrator)
    rotated = client.post(f"{LIST}{creds.client.pk}/ny-hemmelighed/")
    client_id, secret = _secret(rotated.content.decode())
    assert client_id == creds.client_id and secret != creds.client_secret
    assert fetch_token(Client(), creds.client_id, creds.client_secret).status_code == 401
    assert fetch_token(Client(), client_id, secret).status_code == 200
    client.post(f"{LIST}{creds.client.pk}/tilbagekald/")
    assert fetch_token(Client(), client_id, secret).status_code == 401
    assert "Tilbagekaldt" in client.get(LIST).content.decode()


def test_other_organisations_and_non_administrators_are_refused(
    client: Client,
    unit: Unit,
    other_municipality,
    make_user: Callable[..., User],
    make_client,
) -> None:
    creds = make_client(unit)
    foreign_admin = make_user("administrator", builders.make_unit(other_municipality, "Andet"))
    client.force_login(foreign_admin)
    assert client.get(LIST).status_code == 200
    assert "Fagsystemet" not in client.get(LIST).content.decode()
    assert client.get(f"{LIST}{creds.client.pk}/").status_code == 403
    assert client.post(f"{LIST}{creds.client.pk}/ny-hemmelighed/").status_code == 403
    assert client.post(f"{LIST}{creds.client.pk}/tilbagekald/").status_code == 403
    assert IntegrationClient.objects.get(pk=creds.client.pk).revoked_at is None
    client.force_login(make_user("koordinator", unit))
    assert client.get(LIST).status_code == 403
