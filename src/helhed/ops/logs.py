"""Structured logs with a request id on every line (docs/operations.md, "Sundhed, logning og
målinger").

- ``RequestIdMiddleware`` (first in ``MIDDLEWARE``) takes a sane incoming ``X-Request-ID``
  (at most 64 of ``A-Z a-z 0-9 . _ -``) or makes one, keeps it in a context variable for the
  request, answers it in the ``X-Request-ID`` header, writes one ``request`` line per request
  (method, path without the query string, route name, status, duration) and counts the request
  for ``/metrics`` (``ops.metrics``).
- ``RequestIdFilter`` (on the log handler, so it sees every record: Django's, libraries', the
  access log's, tracebacks) adds ``request_id`` — ``-`` outside a request.
- ``ops.logconfig.logging_config()`` builds ``LOGGING``: JSON lines (python-json-logger's
  ``JsonFormatter``) or plain text.

Nothing here logs personal data: the query string (a name search lives there) is never logged,
and Django's ``request`` object is dropped from the JSON fields (its text carries the query).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NO_REQUEST = "-"

request_id: ContextVar[str] = ContextVar("helhed_request_id", default=NO_REQUEST)

request_log = logging.getLogger("helhed.request")
logger = logging.getLogger(__name__)


def sane_request_id(raw: str | None) -> str | None:
    """The incoming id when it is sane, else None (a new one is made)."""
    if raw is not None and _SANE_ID.fullmatch(raw):
        return raw
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def quiet_path(path: str) -> bool:
    """Probes and scrapes (every few seconds) are counted in /metrics but not logged."""
    return any(path.startswith(prefix) for prefix in settings.HELHED_UNLOGGED_PATHS)


def route_of(request: HttpRequest) -> str:
    """The matched URL pattern's name (``courses:course_detail``), never the raw path (which holds
    ids); ``static`` for static files, ``unmatched`` for a path no pattern matches."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        if request.path_info.startswith(settings.STATIC_URL):
            return "static"
        # answered before URL resolution (the redirect to HTTPS, a wrong Host): by its pattern
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return str(match.view_name or match.route or "unnamed")


def logged_path(request: HttpRequest) -> str:
    """The path as a log line shows it: the matched pattern with its arguments' names
    (``/forloeb/<uuid:course_id>/plan/``), never their values — a course id, a password-reset
    key — and of a path no pattern matches only its first segment (a mistyped address can hold a
    CPR number)."""
    match = getattr(request, "resolver_match", None)
    if match is None and not request.path_info.startswith(settings.STATIC_URL):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    if match is not None and match.route:
        return _CONTROL.sub("?", "/" + match.route)[:300]
    if request.path_info.startswith(settings.STATIC_URL):
        return request.path_info[:300]  # file names of the collected assets
    first, _slash, rest = request.path_info.lstrip("/").partition("/")
    return "/" + _CONTROL.sub("?", first)[:60] + ("/…" if rest else _slash)


class MaskedPathFilter(logging.Filter):
    """Django's own lines about an answer ("Not Found: /…", "Forbidden (Permission denied): /…")
    name the path with its values: shown as :func:`logged_path` instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if (
            record.name == "django.request"
            and isinstance(request, HttpRequest)
            and isinstance(record.args, tuple)
            and request.path in record.args
        ):
            masked = logged_path(request)
            record.args = tuple(masked if a == request.path else a for a in record.args)
        return True


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from helhed.ops import metrics

        rid = sane_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        # Not reset when this returns: Django logs a 4xx/5xx answer after the middleware, and
        # the server closes the response later still; ``request_finished`` clears it.
        request_id.set(rid)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = rid
            return response
        finally:
            seconds = time.perf_counter() - started
            route = route_of(request)
            try:
                metrics.observe_request(request.method or "", route, status, seconds)
            except Exception:  # e.g. an unwritable PROMETHEUS_MULTIPROC_DIR: never the answer
                logger.exception("helhed: request not counted in /metrics")
            # Probes and scrapes are not logged, except a refused token (someone guessing it)
            # or an error.
            loud = status in (401, 403) or status >= 500
            if settings.HELHED_REQUEST_LOG and (loud or not quiet_path(request.path_info)):
                request_log.info(
                    "request",
                    extra={
                        "method": request.method,
                        "path": logged_path(request),
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                    },
                )


def _forget_request_id(**_kwargs: Any) -> None:
    request_id.set(NO_REQUEST)


request_finished.connect(_forget_request_id, dispatch_uid="helhed.ops.logs.forget_request_id")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record that passes the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True
