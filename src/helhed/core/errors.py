"""Error pages in Danish, rendered inside the normal layout.

``forbidden`` is the one 403 of every page: a ``PermissionDenied`` raised with a message (e.g.
"Kun forløbets koordinator kan gøre dette.") shows that message; without one, the general text.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if isinstance(exception, PermissionDenied) else ""
    return render(request, "403.html", {"message": message}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the error may be the database itself.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
