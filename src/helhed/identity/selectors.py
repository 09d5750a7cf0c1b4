"""Reads of the identity app: which logins the login page offers."""

from __future__ import annotations

from dataclasses import dataclass

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
