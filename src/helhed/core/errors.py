"""Error pages in Danish, rendered inside the normal layout.

``forbidden`` is the one 403 of every page: a ``PermissionDenied`` raised with a message (e.g.
"Kun forløbets koordinator kan gøre dette.") shows that message; without one, the general text.

``csrf_failure`` (settings.CSRF_FAILURE_VIEW) is the 403 for a form sent without a valid CSRF
token: it says what happened and what to do (open the form again; allow cookies), in the reader's
language. Django's reason ("CSRF cookie not set.") goes to the log (django.security.csrf), not
to the reader.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if isinstance(exception, PermissionDenied) else ""
    return render(request, "403.html", {"message": message}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # "Open the form again" leads back to the page the form was on (the Referer, sent for our own
    # origin by Referrer-Policy: same-origin), else to the address it was sent to.
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = request.path
    back = urlunsplit(("", "", *urlsplit(back)[2:4], ""))  # path and query, on our own site
    return render(request, "csrf_failure.html", {"form_path": back}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the error may be the database itself.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
