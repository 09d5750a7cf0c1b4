"""Hole 8 (docs/security.md, "HTTP"): every response to a logged-in user says
``Cache-Control: no-store`` — pages, htmx fragments, API answers, downloads, error pages — and a
refused request is logged as one line, without a traceback."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_max_age

from helhed.core.logfilters import ClientErrorsOnOneLine
from helhed.core.middleware import NoStoreMiddleware
from helhed.core.models import Unit, User
from helhed.courses.models import Citizen, Course, Plan
from helhed.registry.models import Initiative

pytestmark = pytest.mark.django_db


def no_store(response: HttpResponse) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private", "no-cache"} <= directives and get_max_age(response) == 0


@pytest.fixture
def course(coordinator: User, unit: Unit) -> Course:
    citizen = Citizen.objects.create(
        cpr="1503851234", birth_date=date(1985, 3, 15), first_name="Mette", last_name="Hansen"
    )
    course = Course.objects.create(
        initiative=Initiative.objects.create(name="FAMKO", location="Odense"),
        citizen=citizen,
        referred_on=timezone.localdate() - timedelta(days=30),
        coordinator=coordinator,
        coordinator_unit=unit,
    )
    Plan.objects.create(course=course)
    return course


def test_a_course_page_is_not_stored(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    response = login(coordinator).get(reverse("courses:course_detail", args=[course.pk]))
    assert response.status_code == 200 and "Mette" in response.content.decode()
    assert no_store(response)


def test_an_htmx_fragment_is_not_stored(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    client = login(coordinator)
    for url in (
        reverse("meetings:course_section", args=[course.pk]),
        reverse("notifications:badge"),
    ):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, url
        assert no_store(response), url


def test_an_api_answer_is_not_stored(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    client = login(coordinator)
    response = client.get(f"/api/courses/courses/{course.pk}")
    assert response.status_code == 200 and response.json()["id"] == str(course.pk)
    assert no_store(response)
    assert no_store(client.get("/api/me"))


def test_a_download_is_not_stored(coordinator: User, login: Callable[[User], Client]) -> None:
    response = login(coordinator).get(reverse("registry:export", args=["csv"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert no_store(response)


def test_a_streamed_download_is_not_stored(coordinator: User) -> None:
    """The evaluation export streams its rows; the header is set before the first byte."""
    request = RequestFactory().get("/progression/indsatser/x/udtraek/")
    request.user = coordinator

    def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(iter(["a;b\n", "1;2\n"]), content_type="text/csv")

    assert no_store(NoStoreMiddleware(view)(request))  # type: ignore[arg-type]


def test_a_refusal_to_a_logged_in_user_is_not_stored(
    course: Course, make_user: Callable[..., User], unit: Unit, login: Callable[[User], Client]
) -> None:
    response = login(make_user("fagperson", unit)).get(reverse("audit:supervision"))
    assert response.status_code == 403
    assert no_store(response)


def test_a_static_file_may_be_cached(coordinator: User, login: Callable[[User], Client]) -> None:
    """Static files hold no personal data (WhiteNoise answers them before the session)."""
    response = login(coordinator).get("/static/helhed/helhed.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_header_is_set_in_production_settings() -> None:
    from django.conf import settings

    middleware = list(settings.MIDDLEWARE)
    assert "helhed.core.middleware.NoStoreMiddleware" in middleware
    assert middleware.index("helhed.core.middleware.NoStoreMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


# --------------------------------------------------------------------------------------------
# A 403 is one log line
# --------------------------------------------------------------------------------------------


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler (settings.LOGGING) writes during the test."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ClientErrorsOnOneLine) for f in h.filters)
    ]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous or sys.stderr)


def test_a_403_is_logged_as_one_line_without_a_traceback(
    console: io.StringIO, make_user: Callable[..., User], unit: Unit
) -> None:
    client = Client()
    client.force_login(make_user("fagperson", unit))
    assert client.get(reverse("audit:supervision")).status_code == 403  # PermissionDenied
    output = console.getvalue()
    assert output.count("\n") == 1, output
    assert "Forbidden" in output and "/adgangslog/" in output
    assert "Traceback" not in output


def test_a_server_error_keeps_its_traceback() -> None:
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(ClientErrorsOnOneLine())
    logger = logging.getLogger("tests.http_headers")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for status in (500, 403):
            try:
                raise RuntimeError(f"fejl {status}")
            except RuntimeError:
                logger.error("Svar %s", status, exc_info=True, extra={"status_code": status})
    finally:
        logger.removeHandler(handler)
    output = handler.stream.getvalue()
    assert output.count("Traceback") == 1  # the 500's
    assert output.index("Traceback") < output.index("Svar 403")
