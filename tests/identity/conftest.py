"""Fixtures for the OpenID Connect login: the real test provider (a separate process), Helhed's
configuration of it for a municipality's staff and for citizens, and a man in the middle of the
token endpoint for the bad-token cases."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialApp
from django.test import Client
from django.test.client import Client as DjangoClient

from helhed.core.models import Organisation, Unit
from helhed.courses.models import Citizen
from helhed.devtools.factories import cpr_for
from helhed.identity.models import OrganisationLogin, RoleMapping, UnitMapping
from tests.oidc_idp.fixture import CLIENT_ID, CLIENT_SECRET, IdP, oidc_idp

__all__ = ["oidc_idp"]

STAFF_ID = "kommune"
CITIZEN_ID = "borger"
UNIT_CODE = "461-KT"
CITIZEN_CPR = cpr_for(date(1990, 3, 14), "237")


@pytest.fixture(scope="session")
def idp(oidc_idp: IdP) -> IdP:
    for provider_id in (STAFF_ID, CITIZEN_ID):
        oidc_idp.allow_redirect(f"http://testserver/log-ind/oidc/{provider_id}/callback/")
    return oidc_idp


def make_app(idp: IdP, provider_id: str, name: str, **settings: Any) -> SocialApp:
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id=provider_id,
        name=name,
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings={"server_url": idp.url, **settings},
    )


@pytest.fixture
def staff_login(idp: IdP, municipality: Organisation, unit: Unit) -> OrganisationLogin:
    login = OrganisationLogin.objects.create(
        app=make_app(idp, STAFF_ID, "MitID Erhverv"), organisation=municipality
    )
    UnitMapping.objects.create(login=login, value=UNIT_CODE, unit=unit)
    RoleMapping.objects.create(login=login, value="Koordinator", role="koordinator")
    RoleMapping.objects.create(login=login, value="Fagperson", role="fagperson")
    return login


@pytest.fixture
def citizen_login(idp: IdP, municipality: Organisation) -> OrganisationLogin:
    return OrganisationLogin.objects.create(
        app=make_app(idp, CITIZEN_ID, "MitID"), organisation=municipality, audience="citizen"
    )


@pytest.fixture
def citizen(db: None) -> Citizen:
    return Citizen.objects.create(
        cpr=CITIZEN_CPR, birth_date=date(1990, 3, 14), first_name="Bo", last_name="Hansen"
    )


def sign_in(client: DjangoClient, idp: IdP, provider_id: str, username: str) -> Any:
    """The whole flow: Helhed's login button, the provider's login form, Helhed's callback.
    Returns (the callback's response, the callback URL)."""
    start = client.post(f"/log-ind/oidc/{provider_id}/")
    assert start.status_code == 302, start.content[:300]
    assert "code_challenge_method=S256" in start["Location"]  # PKCE
    callback = urlsplit(idp.sign_in(start["Location"], username))
    assert callback.path == f"/log-ind/oidc/{provider_id}/callback/"
    url = f"{callback.path}?{callback.query}"
    return client.get(url), url


@pytest.fixture
def oidc_sign_in(client: Client, idp: IdP) -> Callable[..., Any]:
    def do(provider_id: str, username: str) -> Any:
        return sign_in(client, idp, provider_id, username)

    return do


class TokenTamperer:
    """An HTTP server in front of the provider's token endpoint (a man in the middle): passes the
    request on to the real endpoint and rewrites the ID token with ``rewrite`` on the way back."""

    def __init__(self, idp: IdP) -> None:
        self.idp = idp
        self.rewrite: Callable[[str], str] = lambda token: token
        tamperer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() in ("authorization", "content-type")
                }
                upstream = requests.post(
                    f"{tamperer.idp.url}/identity/o/api/token",
                    data=body,
                    headers=headers,
                    timeout=10,
                )
                data = upstream.json()
                if "id_token" in data:
                    data["id_token"] = tamperer.rewrite(data["id_token"])
                payload = json.dumps(data).encode()
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def tamperer(idp: IdP, staff_login: OrganisationLogin) -> Iterator[TokenTamperer]:
    t = TokenTamperer(idp)
    app = staff_login.app
    app.settings["openid_configuration_overrides"] = {"token_endpoint": t.url}
    app.save()
    yield t
    t.server.shutdown()
    t.server.server_close()
