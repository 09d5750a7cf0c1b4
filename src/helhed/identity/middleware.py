"""The login page's Content-Security-Policy names the configured identity brokers.

A "Log ind med …" button posts a form to Helhed, which answers with a redirect to the broker.
Browsers check that redirect against the form page's ``form-action`` (Helhed's policy allows only
``'self'``), so on the login page ``form-action`` also lists the brokers' origins (their issuers'
scheme and host, from the organisation logins shown there) — nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from helhed.identity.selectors import broker_origins

LOGIN_VIEWS = frozenset({"account_login", "core:login"})


class LoginFormActionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in LOGIN_VIEWS:
            origins = broker_origins()
            if origins:  # read by csp.middleware.CSPMiddleware (django-csp's per-response update)
                response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
        return response
