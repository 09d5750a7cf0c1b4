"""Middleware of the core app.

- ``RequestCacheMiddleware``: a per-request cache for reads that many parts of one request need
  (see ``core.selectors.request_cache``).
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

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

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
