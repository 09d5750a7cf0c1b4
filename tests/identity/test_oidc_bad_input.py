"""Bad input at the OpenID Connect login: a forged, expired or wrongly issued ID token, a
replayed state, a provider that answers for another issuer. Each is the real flow against the real
test provider; where a bad token is needed, a man in the middle of the token endpoint
(``TokenTamperer``) re-signs the provider's token — with another key, or with the provider's own
key and a changed claim. Each case: a Danish refusal, one log line, nobody logged in, nothing
created."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from helhed.core.models import Membership, User
from helhed.identity.models import OrganisationLogin
from tests.identity.conftest import STAFF_ID, UNIT_CODE, TokenTamperer
from tests.oidc_idp.fixture import SUBSTANTIAL, IdP, new_key_pem

pytestmark = pytest.mark.django_db

REFUSAL = "Svaret fra login-tjenesten kunne ikke godkendes"


@pytest.fixture(autouse=True)
def _kirsten(idp: IdP) -> None:
    idp.set_claims(
        "kirsten",
        sub="kirsten-sub-1",
        name="Kirsten Holm",
        helhed_unit=UNIT_CODE,
        helhed_role="Koordinator",
        acr=SUBSTANTIAL,
    )


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Membership.objects.count(), SocialAccount.objects.count()


def resign(token: str, key_pem: str, **changes: Any) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    header = jwt.get_unverified_header(token)
    return jwt.encode(
        {**claims, **changes}, key_pem, algorithm="RS256", headers={"kid": header["kid"]}
    )


def assert_refused(
    client: Client, response: Any, before: tuple[int, int, int], caplog: pytest.LogCaptureFixture
) -> None:
    assert response.status_code == 401
    assert REFUSAL in response.content.decode()
    assert counts() == before
    assert "_auth_user_id" not in client.session
    lines = [r.getMessage() for r in caplog.records if r.name == "helhed.identity"]
    assert len(lines) == 1 and "reason=token_rejected" in lines[0], lines
    assert "Kirsten" not in lines[0]


def test_the_man_in_the_middle_passes_an_untouched_token(
    client: Client, tamperer: TokenTamperer, oidc_sign_in: Callable[..., Any]
) -> None:
    """The control case: through the same tamperer, an unchanged token logs in."""
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_token_signed_with_another_key_is_refused(
    client: Client,
    tamperer: TokenTamperer,
    oidc_sign_in: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    forger = new_key_pem()
    tamperer.rewrite = lambda token: resign(token, forger)
    before = counts()
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert_refused(client, response, before, caplog)


def test_a_token_whose_claims_were_changed_after_signing_is_refused(
    client: Client,
    tamperer: TokenTamperer,
    oidc_sign_in: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def swap_payload(token: str) -> str:
        header, _, signature = token.split(".")
        changed = resign(token, new_key_pem(), helhed_role="Administrator").split(".")[1]
        return f"{header}.{changed}.{signature}"  # the provider's signature over other claims

    tamperer.rewrite = swap_payload
    before = counts()
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert_refused(client, response, before, caplog)


def test_an_expired_token_is_refused(
    client: Client,
    idp: IdP,
    tamperer: TokenTamperer,
    oidc_sign_in: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    past = int(time.time()) - 3600
    tamperer.rewrite = lambda token: resign(token, idp.key_pem, iat=past - 300, exp=past)
    before = counts()
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert_refused(client, response, before, caplog)


def test_a_token_from_another_issuer_is_refused(
    client: Client,
    idp: IdP,
    tamperer: TokenTamperer,
    oidc_sign_in: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    tamperer.rewrite = lambda token: resign(token, idp.key_pem, iss="https://broker.example")
    before = counts()
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert_refused(client, response, before, caplog)


def test_a_token_for_another_client_is_refused(
    client: Client,
    idp: IdP,
    tamperer: TokenTamperer,
    oidc_sign_in: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    tamperer.rewrite = lambda token: resign(token, idp.key_pem, aud="another-system")
    before = counts()
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert_refused(client, response, before, caplog)


def test_a_provider_that_names_another_issuer_than_configured_is_refused(
    client: Client, staff_login: OrganisationLogin, caplog: pytest.LogCaptureFixture
) -> None:
    app = staff_login.app
    app.settings["openid_configuration_overrides"] = {"issuer": "https://broker.example"}
    app.save()
    before = counts()
    response = client.post(f"/log-ind/oidc/{STAFF_ID}/")
    assert_refused(client, response, before, caplog)


def test_a_replayed_callback_is_refused(
    client: Client,
    staff_login: OrganisationLogin,
    oidc_sign_in: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    response, callback = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 302
    client.logout()
    caplog.clear()
    before = counts()
    replay = client.get(callback)
    assert_refused(client, replay, before, caplog)


def test_a_callback_with_an_unknown_state_is_refused(
    client: Client, staff_login: OrganisationLogin, caplog: pytest.LogCaptureFixture
) -> None:
    before = counts()
    response = client.get(f"/log-ind/oidc/{STAFF_ID}/callback/?code=abc&state=guessed")
    assert_refused(client, response, before, caplog)


def test_an_unknown_provider_is_not_found(client: Client, db: None) -> None:
    assert client.post("/log-ind/oidc/findes-ikke/").status_code == 404
    assert client.get("/log-ind/oidc/findes-ikke/callback/?code=a&state=b").status_code == 404
