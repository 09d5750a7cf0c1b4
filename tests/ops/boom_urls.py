"""Helhed's URLs plus one view that raises (tests/ops/test_logs.py: a traceback line carries the
request id and the user gets the 500 page)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from helhed.urls import urlpatterns as helhed_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("planted failure for the log test")


urlpatterns = [path("boom/", boom, name="boom"), *helhed_urlpatterns]

handler403 = "helhed.core.errors.forbidden"
handler404 = "helhed.core.errors.not_found"
handler500 = "helhed.core.errors.server_error"
