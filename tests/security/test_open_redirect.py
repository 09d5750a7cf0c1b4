"""Open redirects: no ``next`` (or other redirect target) sends a user to another site.

Each place that redirects to a target the request names — the login, the admin's login, the
language switch (its ``next`` and its Referer fallback), a task marked done, a notification
opened — is given the classic escapes. A last test finds every place in the code and templates
that reads a redirect target, so a new one fails until it is tested here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import helhed
from helhed.core.models import Unit, User
from helhed.meetings.models import Decision, Task
from helhed.notifications.models import Notification
from tests.conftest import PASSWORD
from tests.courses.builders import open_course
from tests.meetings.conftest import plan_meeting

pytestmark = pytest.mark.django_db

EXTERNAL = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "///evil.example/",
    "javascript:alert(1)",
    "http:evil.example",
]


def stays_here(response: object) -> str:
    """The redirect's target, checked to be a path on this site."""
    assert response.status_code == 302, response.status_code  # type: ignore[attr-defined]
    location: str = response["Location"]  # type: ignore[index]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "\\" not in location and "evil" not in location, location
    return location


def test_the_login_goes_nowhere_else(make_user: Callable[..., User], unit: Unit) -> None:
    user = make_user("koordinator", unit)
    for target in EXTERNAL:
        client = Client()
        url = reverse("core:login")
        page = client.get(url, {"next": target})
        assert page.status_code == 200
        answer = client.post(
            f"{url}?next={target}",
            {"login": user.username, "password": PASSWORD, "next": target},
        )
        stays_here(answer)


def test_the_admins_login_goes_nowhere_else(make_user: Callable[..., User], unit: Unit) -> None:
    admin = make_user("administrator", unit)
    client = Client()
    client.force_login(admin)
    for target in EXTERNAL:
        stays_here(client.get("/admin/login/", {"next": target}))


def test_the_language_switch_goes_nowhere_else(client: Client) -> None:
    for target in EXTERNAL:
        stays_here(client.post("/i18n/setlang/", {"language": "en", "next": target}))
        stays_here(client.post("/i18n/setlang/", {"language": "da"}, HTTP_REFERER=target))


def test_a_task_marked_done_goes_back_only_to_this_site(
    make_user: Callable[..., User], unit: Unit, client: Client
) -> None:
    coordinator = make_user("koordinator", unit)
    course = open_course(coordinator, unit)
    meeting = plan_meeting(coordinator, course)
    decision = Decision.objects.create(meeting=meeting, text="Aftalt", created_by=coordinator)
    task = Task.objects.create(
        course=course,
        decision=decision,
        title="Ring til skolen",
        owner=meeting.participants.get(user=coordinator),
        owner_user=coordinator,
        due_date=timezone.localdate() + timedelta(days=3),
    )
    client.force_login(coordinator)
    url = reverse("meetings:task_done", args=[task.pk])
    for target in EXTERNAL:
        assert stays_here(client.post(url, {"next": target})) == reverse("meetings:my_tasks")
    assert stays_here(client.post(url, {"next": "/moeder/opgaver/?x=1"})) == "/moeder/opgaver/?x=1"


def test_a_notification_opens_only_a_page_of_this_site(
    make_user: Callable[..., User], unit: Unit, client: Client
) -> None:
    user = make_user("koordinator", unit)
    client.force_login(user)
    for target in EXTERNAL:
        note = Notification.objects.create(
            recipient=user, kind="opgave", title="Ny opgave", url=target
        )
        answer = client.get(reverse("notifications:open", args=[note.pk]))
        assert stays_here(answer) == reverse("notifications:list")


def test_the_csrf_pages_back_link_goes_nowhere_else() -> None:
    """The CSRF failure page links back to the page the form was on (the Referer) — only on
    this site."""
    client = Client(enforce_csrf_checks=True)
    for target in EXTERNAL:
        response = client.post(reverse("core:login"), {}, HTTP_REFERER=target)
        assert response.status_code == 403
        assert "evil" not in response.content.decode(), target


SRC = Path(helhed.__file__).parent
READS_A_TARGET = re.compile(
    r"""get\(\s*["'](next|return_to|redirect_to|redirect|url)["']|REDIRECT_FIELD_NAME|HTTP_REFERER|"""
    r"""name=["'](next|return_to|redirect_to)["']"""
)
TASK_DONE = "test_a_task_marked_done_goes_back_only_to_this_site"
# Every file that reads a redirect target, and the test above that attacks it.
TESTED = {
    "core/admin_site.py": "test_the_admins_login_goes_nowhere_else",
    "core/errors.py": "test_the_csrf_pages_back_link_goes_nowhere_else",
    "templates/base.html": "test_the_language_switch_goes_nowhere_else",
    "meetings/views.py": TASK_DONE,
    "meetings/templates/meetings/_task_table.html": TASK_DONE,
}


# Files whose ``get("url")`` is no redirect target, and what it is instead.
NOT_A_TARGET = {
    "fhir/services.py": "a FHIR extension's url (its definition's name), never followed",
    "webhooks/admin.py": "a subscriber's address, checked like the API's (no inward address)",
}


def test_every_redirect_target_in_the_code_is_attacked_here() -> None:
    found = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*")
        if path.suffix in (".py", ".html")
        and "migrations" not in path.parts
        and READS_A_TARGET.search(path.read_text(encoding="utf-8"))
    }
    known = set(TESTED) | set(NOT_A_TARGET)
    assert found == known, f"new: {sorted(found - known)}, gone: {sorted(known - found)}"
