"""Reads of the identity app: which logins the login page offers."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import reverse

from helhed.identity.models import OrganisationLogin


@dataclass(frozen=True)
class LoginChoice:
    label: str  # the broker's name, as configured on the allauth SocialApp
    organisation: str
    url: str
    for_citizens: bool


def login_choices() -> list[LoginChoice]:
    logins = OrganisationLogin.objects.filter(shown=True, app__provider="openid_connect")
    return [
        LoginChoice(
            label=login.app.name,
            organisation=login.organisation.name,
            url=reverse("identity:oidc_login", kwargs={"provider_id": login.app.provider_id}),
            for_citizens=login.audience == "citizen",
        )
        for login in logins.select_related("app", "organisation")
    ]


def broker_origins() -> list[str]:
    """The origins of the configured brokers' issuers (``https://broker.example``), for the login
    page's CSP ``form-action``: the "Log ind med …" form posts to Helhed, which redirects to the
    broker, and browsers check that redirect against the form page's ``form-action``."""
    origins = set()
    for url in OrganisationLogin.objects.filter(
        shown=True, app__provider="openid_connect"
    ).values_list("app__settings__server_url", flat=True):
        parts = urlsplit(str(url or ""))
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
