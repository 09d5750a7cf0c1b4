"""CSRF: every URL that takes a POST refuses one without the token, with a real session.

The pages are enumerated from the URL resolver (every pattern, with made-up ids: Django's CSRF
check runs before the view, so a missing object or a GET-only view changes nothing); the API's
writes from its OpenAPI document (django-ninja's session authentication makes the same check
itself for every non-GET operation: ``SessionAuth(csrf=True)``, django_auth's default)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from helhed.api import api
from helhed.core.models import Unit, User
from tests.security.sessions import real_login

pytestmark = pytest.mark.django_db

ID = "3f1c2a4e-9b7d-4c21-8e55-0a6b9d2f7c10"
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
VALUES = {"uuid": ID, "int": "1", "slug": "x", "str": "x", "path": "x"}
GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
# csrf_exempt routes that a POST without a token may reach, and why that is safe.
EXEMPT: dict[str, str] = {
    # OAuth 2 endpoints for integration clients (helhed.integrations): the client authenticates
    # with its id and secret in the request (HTTP Basic), never with a cookie, so a forged
    # cross-site request carries nothing that would let it in.
    "api/oauth/token": "OAuth 2 token endpoint (client credentials, no cookie)",
    "api/oauth/revoke": "OAuth 2 token revocation (client credentials, no cookie)",
}


def _regex_path(regex: str) -> str | None:
    """A path for a regular-expression pattern (the admin's app index): each group filled with
    the first candidate that makes the whole pattern match."""
    body = regex.lstrip("^").rstrip("$").replace("\\/", "/")
    groups = GROUP.findall(body)
    for candidate in ("core", "courses", "1", ID, "x"):
        path = GROUP.sub(candidate, body)
        if re.fullmatch(regex.lstrip("^").rstrip("$"), path) and "(" not in path:
            return path
    return None if groups else body


def pages(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, str, Callable[..., object]]]:
    """(route, a path for it, view) of every pattern outside the API."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            part = str(p.pattern)
            if isinstance(p.pattern, RegexPattern):
                part = _regex_path(p.pattern.regex.pattern) or ""
            if part.startswith("api/"):
                continue
            yield from pages(p, prefix + part)
        elif isinstance(p, URLPattern):
            if isinstance(p.pattern, RegexPattern):
                part = _regex_path(p.pattern.regex.pattern)
                if part is None:
                    continue
            else:
                part = CONVERTER.sub(lambda m: VALUES.get(m["kind"] or "str", "x"), str(p.pattern))
            # converters in an include's prefix too (allauth's webauthn keys/<int:pk>/…)
            path = CONVERTER.sub(lambda m: VALUES.get(m["kind"] or "str", "x"), prefix + part)
            yield prefix + str(p.pattern), "/" + path, p.callback


@pytest.fixture
def session_client(make_user: Callable[..., User], unit: Unit):  # type: ignore[no-untyped-def]
    user = make_user("koordinator", unit)
    client, _ = real_login(user.username)
    return client


def test_every_page_refuses_a_post_without_the_csrf_token(
    session_client, caplog: pytest.LogCaptureFixture
) -> None:
    refused, problems = 0, []
    for route, path, view in pages():
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = session_client.post(path, {"note": "x"})
        csrf_logged = any(r.name == "django.security.csrf" for r in caplog.records)
        if getattr(view, "csrf_exempt", False) and route in EXEMPT:
            continue
        if response.status_code == 403 and csrf_logged:
            refused += 1
        else:
            problems.append(
                f"{route} ({path}): {response.status_code}, CSRF check ran: {csrf_logged}"
            )
    assert not problems, "POST without a CSRF token not refused:\n" + "\n".join(problems)
    assert refused >= 100, refused  # every page pattern, the admin's included


def api_writes() -> Iterator[tuple[str, str]]:
    for route, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            if method.upper() != "GET":
                yield method.upper(), CONVERTER.sub(ID, route.replace("{", "<").replace("}", ">"))


def test_every_api_write_refuses_a_session_request_without_the_csrf_token(
    session_client, caplog: pytest.LogCaptureFixture
) -> None:
    problems, refused = [], 0
    for method, path in api_writes():
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = session_client.generic(method, path, "{}", "application/json")
        csrf_logged = any(r.name == "django.security.csrf" for r in caplog.records)
        if response.status_code == 403 and csrf_logged:
            assert response["Content-Type"] == "application/problem+json"
            refused += 1
        else:
            problems.append(f"{method} {path}: {response.status_code}")
    assert not problems, "API write without a CSRF token not refused:\n" + "\n".join(problems)
    assert refused >= 60, refused


def test_with_the_token_the_same_api_write_gets_past_the_csrf_check(session_client) -> None:
    """The control: the refusal above is the missing token, not the user's rights."""
    token = session_client.cookies["csrftoken"].value
    response = session_client.post("/api/notifications/" + ID + "/read", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 404
