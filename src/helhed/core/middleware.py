"""Middleware of the core app.

- ``RequestCacheMiddleware``: a per-request cache for reads that many parts of one request need
  (see ``core.selectors.request_cache``).
- ``LoginPolicyMiddleware``: idle timeout, ended memberships and the required second factor
  (docs/security.md, "Log ind / Logins").
- ``NoStoreMiddleware``: every response to a logged-in user — page, htmx fragment, API answer,
  download — carries ``Cache-Control: no-store, private`` (docs/security.md, "HTTP"), so no
  browser or proxy keeps personal data after the session. Static files never reach it
  (WhiteNoise answers them earlier in the chain).
- ``PermissionsPolicyMiddleware``: the ``Permissions-Policy`` header from the setting
  ``PERMISSIONS_POLICY`` (feature → allowed origins; an empty list turns the feature off for
  every origin, ``"self"`` allows our own). A small middleware rather than a package: the header
  is one line, built once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from helhed.core.selectors import request_cache


class RequestCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_cache.set({})
        try:
            return self.get_response(request)
        finally:
            request_cache.reset(token)


class NoStoreMiddleware:
    """``Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private`` on every
    response to a logged-in user (asked after the view, so a login or logout in this request
    counts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` → ``camera=(), fullscreen=(self)``."""
    parts = []
    for feature, origins in sorted(policy.items()):
        values = " ".join(o if o in ("self", "*") else f'"{o}"' for o in origins)
        parts.append(f"{feature}=*" if origins == ["*"] else f"{feature}=({values})")
    return ", ".join(parts)


class PermissionsPolicyMiddleware:
    """Sets ``Permissions-Policy`` on every response that does not already carry one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy_header(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


# The idle timeout's resolution: the last activity is written at most this often.
ACTIVITY_RESOLUTION_SECONDS = 60


class LoginPolicyMiddleware:
    """The session's rules beside Django's 8-hour session (docs/security.md, "Log ind / Logins"),
    asked on every request of a logged-in user, in this order:

    1. idle timeout: a session without a request for ``HELHED_IDLE_TIMEOUT_MINUTES`` is logged
       out, and the login page says why;
    2. ended membership: a staff account whose last membership has ended is logged out at its
       next request (the login refuses it too: ``core.accounts.AccountAdapter``);
    3. second factor: a staff session opened with a password (or an identity provider's login
       below NSIS substantial) without an enrolled authenticator reaches only the enrolment
       pages (``core.accounts.ENROLMENT_URL_NAMES``) while ``HELHED_REQUIRE_SECOND_FACTOR`` is
       on; the API answers 403 with a problem body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from helhed.core import accounts, logic

        if request.path_info.startswith(
            tuple(getattr(settings, "HELHED_LOGIN_POLICY_EXEMPT_PATHS", ()))
        ):
            # Health probes and the metrics scrape (helhed.ops): they neither end a session nor
            # count as its activity.
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        minutes = settings.HELHED_IDLE_TIMEOUT_MINUTES
        if logic.idle_too_long(request.session.get(accounts.SESSION_LAST_ACTIVITY), now, minutes):
            return self._logged_out(
                request,
                _("Du er blevet logget ud, fordi du ikke har brugt Helhed i %(minutes)s minutter.")
                % {"minutes": minutes},
            )
        if accounts.memberships_ended(user):
            return self._logged_out(
                request, accounts.AccountAdapter.error_messages["memberships_ended"]
            )
        last = request.session.get(accounts.SESSION_LAST_ACTIVITY)
        if not isinstance(last, (int, float)) or now - last >= ACTIVITY_RESOLUTION_SECONDS:
            # a session write at most once a minute, not on every request
            request.session[accounts.SESSION_LAST_ACTIVITY] = now
        if accounts.needs_second_factor(request, user):
            match = resolve_or_none(request.path_info)
            if match is None or match.view_name not in accounts.ENROLMENT_URL_NAMES:
                if request.headers.get("HX-Request"):
                    # A fragment (e.g. the header's notification badge) gets nothing: a redirect
                    # would swap the enrolment page into the page and draw a new secret.
                    return HttpResponse(status=204)
                if request.path_info.startswith("/api/"):
                    return problem_response(
                        403,
                        _("To-faktor-login mangler"),
                        _("Aktivér en autentificeringsapp i Helhed, før du bruger API'et."),
                    )
                return redirect("mfa_activate_totp")
            request.helhed_second_factor_needed = True  # type: ignore[attr-defined]
        return self.get_response(request)

    @staticmethod
    def _logged_out(request: HttpRequest, message: Any) -> HttpResponse:
        logout(request)
        messages.warning(request, message)
        if request.path_info.startswith("/api/"):
            return problem_response(401, _("Ikke logget ind"), str(message))
        return redirect(
            f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
        )


def resolve_or_none(path: str) -> ResolverMatch | None:
    try:
        return resolve(path)
    except Resolver404:
        return None


def problem_response(status: int, title: Any, detail: Any) -> HttpResponse:
    """An RFC 9457 problem body."""
    return JsonResponse(
        {"type": "about:blank", "title": str(title), "status": status, "detail": str(detail)},
        status=status,
        content_type="application/problem+json",
    )
