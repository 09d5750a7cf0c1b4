"""Real logins for the security tests: a session made by posting the login page's own form,
with CSRF checks on, exactly as a browser does — not ``force_login``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

_INPUT = re.compile(r"<input[^>]*>", re.IGNORECASE)
_NAME = re.compile(r'name="([^"]+)"')


@dataclass(frozen=True)
class Session:
    """The cookies a browser holds after logging in, and the CSRF token it sends on writes."""

    sessionid: str
    csrftoken: str

    @property
    def cookies(self) -> dict[str, str]:
        return {
            settings.SESSION_COOKIE_NAME: self.sessionid,
            settings.CSRF_COOKIE_NAME: self.csrftoken,
        }

    @property
    def write_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrftoken}


def login_form_fields(html: str) -> list[str]:
    return [m.group(1) for tag in _INPUT.findall(html) if (m := _NAME.search(tag))]


def real_login(username: str, password: str = PASSWORD) -> tuple[Client, Session]:
    """Log in through the login page with CSRF enforced; the client keeps the session. The
    username field is the form's own (``username`` or allauth's ``login``)."""
    client = Client(enforce_csrf_checks=True)
    url = reverse(settings.LOGIN_URL)
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    fields = login_form_fields(page.content.decode())
    user_field = next(f for f in ("username", "login", "email") if f in fields)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    answer = client.post(
        url, {user_field: username, "password": password, "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302, f"login of {username} failed: {answer.status_code}"
    sessionid = client.cookies[settings.SESSION_COOKIE_NAME].value
    return client, Session(sessionid, client.cookies[settings.CSRF_COOKIE_NAME].value)
