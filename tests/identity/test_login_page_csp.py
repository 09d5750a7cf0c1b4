"""The login page's CSP lets its "Log ind med …" forms reach the configured brokers: the form posts
to Helhed, which redirects to the broker, and browsers check that redirect against the page's
``form-action`` (Chromium refused it while the policy said only ``'self'``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from helhed.identity.models import OrganisationLogin
from tests.identity.conftest import IdP

pytestmark = pytest.mark.django_db


def form_action(client: Client, path: str) -> list[str]:
    policy = client.get(path)["Content-Security-Policy"]
    for directive in policy.split(";"):
        name, *values = directive.split()
        if name == "form-action":
            return values
    raise AssertionError(policy)


def test_the_login_page_names_the_brokers_origin_and_only_the_login_page(
    client: Client, idp: IdP, staff_login: OrganisationLogin
) -> None:
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(idp.url))
    assert form_action(client, "/log-ind/") == ["'self'", origin]
    assert form_action(client, "/konto/password/reset/") == ["'self'"]
    OrganisationLogin.objects.update(shown=False)  # no button, no broker in the policy
    assert form_action(client, "/log-ind/") == ["'self'"]
