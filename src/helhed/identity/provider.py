"""allauth's OpenID Connect relying party, held to Helhed's rules.

Registered through ``SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"]``. Beyond what
allauth checks (issuer and audience of the ID token, its expiry, a replayed ``jti``, the state):

* the ID token's signature is verified always, also when it came straight from the token
  endpoint (allauth skips that check there, as OpenID Connect Core §3.1.3.7 allows over TLS; a
  broker behind a proxy or a tampered response must not be trusted on TLS alone);
* the discovery document must name exactly the issuer the administrator configured
  (``server_url``), so a provider cannot answer for another issuer.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.http import HttpRequest
from django.urls import reverse


def configured_issuer(app: SocialApp) -> str:
    url = str(app.settings.get("server_url", ""))
    return url.split("/.well-known/")[0].rstrip("/")


class HelhedOIDCAdapter(OpenIDConnectOAuth2Adapter):
    @property
    def openid_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().openid_config
        expected = configured_issuer(self.get_provider().app)
        if str(config.get("issuer", "")).rstrip("/") != expected:
            raise OAuth2Error("The discovery document names another issuer")
        return config

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        data: dict[str, Any] = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )
        return data

    def get_callback_url(self, request: HttpRequest, app: SocialApp) -> str:
        url = reverse("identity:oidc_callback", kwargs={"provider_id": self.provider_id})
        return str(build_absolute_uri(request, url, self.redirect_uri_protocol))


class HelhedOIDCProvider(OpenIDConnectProvider):
    oauth2_adapter_class = HelhedOIDCAdapter
    package = "helhed.identity.allauth_routes"  # allauth mounts none of its OIDC views

    def get_login_url(self, request: HttpRequest, **kwargs: Any) -> str:
        return reverse("identity:oidc_login", kwargs={"provider_id": self.app.provider_id})

    def get_callback_url(self) -> str:
        return reverse("identity:oidc_callback", kwargs={"provider_id": self.app.provider_id})
