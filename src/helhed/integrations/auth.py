"""The API's authentication of integration clients: an OAuth 2 Bearer access token issued by
allauth's provider (``allauth.idp.oidc``; client credentials grant) for one operation's scope.

``ClientAuth(scope)`` stands first in each client-open operation's auth list, before the
session (``django_auth``): a request without ``Authorization: Bearer …`` passes on to the session
(which keeps its CSRF check); a request with one is decided here and never falls back to a
session. The token is looked up as allauth stores it (hashed, unexpired); the client behind it
must be neither revoked nor expired, the scope must be granted both to the token and to the
client today (an administrator's narrowing applies at once). The request then acts as the
client's system user, so every guard of the API applies as to a person of the client's unit,
and each read is logged with the purpose "integration"."""

from __future__ import annotations

from typing import Any, ClassVar

from allauth.idp.oidc.models import Token
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core.domain import DomainError
from helhed.integrations import selectors, services
from helhed.integrations.models import IntegrationClient


class ClientUnauthorizedError(DomainError):
    status: ClassVar[int] = 401
    title: ClassVar[str] = "Ikke logget ind"


class ScopeMissingError(DomainError):
    status: ClassVar[int] = 403
    title: ClassVar[str] = "Manglende rettighed"


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or ""


def active_client(oauth_client_id: str | None) -> tuple[IntegrationClient | None, str]:
    """The integration client of an OAuth client id, and why it may not act ("" if it may)."""
    client = selectors.client_of_oauth(oauth_client_id) if oauth_client_id else None
    if client is None:
        return None, _("Ukendt klient.")
    if client.revoked_at is not None or not client.system_user.is_active:
        return client, _("Adgangen er tilbagekaldt.")
    if client.expires_at <= timezone.now():
        return client, _("Adgangen er udløbet.")
    return client, ""


class ClientAuth:
    """A ninja auth callable for one scope."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def __call__(self, request: HttpRequest) -> Any:
        value = bearer_token(request)
        if value is None:
            return None  # not a client: the session decides
        token = Token.objects.lookup(Token.Type.ACCESS_TOKEN, value) if value else None
        if token is None:
            raise ClientUnauthorizedError(_("Adgangstokenet er ugyldigt eller udløbet."))
        client, refusal = active_client(token.client_id)
        if client is None or refusal:
            raise ClientUnauthorizedError(refusal)
        if self.scope not in token.get_scopes() or self.scope not in client.scopes:
            raise ScopeMissingError(
                _("Adgangstokenet mangler rettigheden %(scope)s.") % {"scope": self.scope},
                scope=self.scope,
            )
        request.user = client.system_user
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        services.mark_used(client)
        return client


class PeopleOnly:
    """First in the auth list of an operation no client may call: a request with a Bearer token
    gets 401 saying so (not the session's CSRF refusal, which would send an integrator looking
    for a cookie); without one, the session decides."""

    def __call__(self, request: HttpRequest) -> Any:
        if bearer_token(request) is None:
            return None
        raise ClientUnauthorizedError(
            _("Denne handling er kun for medarbejdere, der er logget ind, ikke for fagsystemer.")
        )
