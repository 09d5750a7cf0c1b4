"""The real URLs plus one page that nobody told the whole-surface test about (used by
``test_a_new_pattern_fails_the_coverage_check``)."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from helhed.urls import urlpatterns as real_urlpatterns


def secret_notes(request: HttpRequest, course_id: str) -> HttpResponse:
    return HttpResponse("Noter om borgeren")


new_pages = [path("forloeb/<uuid:course_id>/noter/", secret_notes, name="secret_notes")]

urlpatterns: list[URLPattern | URLResolver] = [
    *real_urlpatterns,
    path("", include((new_pages, "courses"))),
]
