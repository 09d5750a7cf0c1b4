"""Per-request cache for reads that many parts of one request need (see
``core.selectors.request_cache``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
