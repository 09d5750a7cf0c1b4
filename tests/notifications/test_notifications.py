"""Notifications: in the app and by e-mail, once per key, only to their recipient, and the daily
alerts job that runs every app's producers without notifying twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from helhed.core.models import Unit, User
from helhed.notifications import alerts, services
from helhed.notifications.alerts import Alert
from helhed.notifications.models import EmailStatus, Notification, NotificationKind
from helhed.ops.worker import run_pending_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _danish_afterwards() -> Iterator[None]:
    """A request in English leaves English active in the thread (LocaleMiddleware activates
    and never deactivates): the next test must start in Danish."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def two_users(make_user: Callable[..., User], unit: Unit) -> tuple[User, User]:
    first = make_user("fagperson", unit, email="anna@example.dk")
    second = make_user("fagperson", unit, email="")
    return first, second


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_notify_creates_one_per_recipient_and_mails_those_with_an_address(
    two_users: tuple[User, User], django_capture_on_commit_callbacks: Any
) -> None:
    first, second = two_users
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify(
            [first, second.pk],
            kind=NotificationKind.TASK,
            title="Ny opgave fra netværksmøde",
            url="/forloeb/",
        )
    assert len(created) == 2
    assert Notification.objects.filter(recipient=first).count() == 1
    assert Notification.objects.filter(recipient=second).count() == 1
    assert mail.outbox == []  # queued for the worker, not sent in the request
    assert run_pending_tasks() == 1  # the second user has no e-mail address: no task
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.dk"]
    assert "Ny opgave fra netværksmøde" in message.subject
    assert "/forloeb/" in message.body
    assert "ikke personoplysninger" in message.body
    mailed = Notification.objects.get(recipient=first)
    assert mailed.emailed_at is not None and mailed.email_status == EmailStatus.SENT
    assert Notification.objects.get(recipient=second).email_status == EmailStatus.NONE
    assert run_pending_tasks() == 0 and len(mail.outbox) == 1  # never twice


def test_the_same_key_notifies_once(two_users: tuple[User, User]) -> None:
    first, _second = two_users
    for _ in range(3):
        services.notify([first], kind=NotificationKind.ALERT, title="Varsel", dedupe_key="k:1")
    assert Notification.objects.filter(recipient=first).count() == 1
    services.notify([first], kind=NotificationKind.ALERT, title="Andet varsel", dedupe_key="k:2")
    assert Notification.objects.filter(recipient=first).count() == 2


def test_a_failing_mail_server_keeps_the_notification_unsent(
    two_users: tuple[User, User],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, _second = two_users
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([first], kind=NotificationKind.TASK, title="Ny opgave")
    run_pending_tasks()
    notification = Notification.objects.get(recipient=first)
    assert notification.emailed_at is None
    assert notification.email_status == EmailStatus.FAILED and notification.email_attempts == 1
    assert notification.email_last_error == "ConnectionRefusedError (Connection refused)"
    assert notification.email_next_attempt is not None


def test_list_shows_only_own_notifications_and_opening_marks_read(
    two_users: tuple[User, User],
) -> None:
    first, second = two_users
    mine = services.notify([first], kind=NotificationKind.TASK, title="Min opgave", url="/")[0]
    services.notify([second], kind=NotificationKind.TASK, title="Kollegaens opgave")
    client = logged_in(first)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Min opgave" in page and "Kollegaens opgave" not in page
    assert "Du har 1 ulæst notifikation" in page
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert ">1<" in badge
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert ">1<" not in client.get(reverse("notifications:badge")).content.decode()
    # Someone else's notification is not found (and stays unread)
    other = Notification.objects.get(recipient=second)
    assert client.get(reverse("notifications:open", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_the_list_pages_by_thirty_newest_first_and_filters_the_unread(
    two_users: tuple[User, User],
) -> None:
    """65 notifications (5 of them read) and a colleague's: three pages of 30, newest first; a
    page number past the end shows the last page, one that is no number the first; the unread
    filter counts and pages only those. The same from the API's list (at most 200)."""
    import re
    from datetime import timedelta

    from django.utils import timezone

    first, second = two_users
    for i in range(65):
        services.notify([first], kind=NotificationKind.TASK, title=f"Opgave {i:02d}")
    services.notify([second], kind=NotificationKind.TASK, title="Kollegaens opgave")
    Notification.objects.filter(recipient=first, title__in=["Opgave 00", "Opgave 01"]).update(
        read_at=timezone.now()
    )
    # newest first: the creation times as the titles' order
    for n in Notification.objects.filter(recipient=first):
        Notification.objects.filter(pk=n.pk).update(
            created_at=timezone.now() - timedelta(minutes=100 - int(n.title[-2:]))
        )
    client = logged_in(first)

    def titles(**params: str) -> tuple[list[str], str]:
        html = client.get(reverse("notifications:list"), params).content.decode()
        shown = re.findall(r"Opgave (\d\d)", html)
        where = re.search(r"Side (\d+) af (\d+)", html)
        return shown, where.group(0) if where else ""

    shown, where = titles()
    assert shown == [f"{i:02d}" for i in range(64, 34, -1)] and where == "Side 1 af 3"
    shown, where = titles(side="3")
    assert shown == [f"{i:02d}" for i in range(4, -1, -1)] and where == "Side 3 af 3"
    assert titles(side="9") == titles(side="3")
    assert titles(side="x") == titles()
    shown, where = titles(vis="ulaeste", side="3")
    assert shown == ["04", "03", "02"] and where == "Side 3 af 3"
    api = client.get("/api/notifications/?unread=true").json()
    assert [item["title"] for item in api] == [f"Opgave {i:02d}" for i in range(64, 1, -1)]
    assert len(client.get("/api/notifications/").json()) == 65
    # Pages past the kept ones (built each time) give what Django's paginator gives.
    from django.core.paginator import Paginator

    from helhed.notifications.selectors import notification_page

    mine = Notification.objects.filter(recipient=first).order_by("-created_at")
    for number in [*range(-1, 16), "x", None]:
        ours = notification_page(first, page_number=number, per_page=5)
        django = Paginator(mine, 5).get_page(number)
        assert (ours.number, list(ours.object_list)) == (django.number, list(django.object_list))


def test_opening_never_redirects_off_site(two_users: tuple[User, User]) -> None:
    first, _second = two_users
    n = services.notify(
        [first], kind=NotificationKind.TASK, title="Mistænkeligt link", url="https://evil.example/"
    )[0]
    response = logged_in(first).get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_read(two_users: tuple[User, User]) -> None:
    first, _second = two_users
    for i in range(3):
        services.notify([first], kind=NotificationKind.TASK, title=f"Opgave {i}")
    client = logged_in(first)
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=first, read_at__isnull=True).exists()


def test_api_lists_own_and_marks_read(two_users: tuple[User, User]) -> None:
    first, second = two_users
    n = services.notify([first], kind=NotificationKind.TASK, title="API-opgave")[0]
    services.notify([second], kind=NotificationKind.TASK, title="Ikke min")
    client = logged_in(first)
    body = client.get("/api/notifications/?unread=true").json()
    assert [item["title"] for item in body] == ["API-opgave"]
    read = client.post(f"/api/notifications/{n.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    other = Notification.objects.get(recipient=second)
    missing = client.post(f"/api/notifications/{other.pk}/read")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


@pytest.fixture
def producer(two_users: tuple[User, User]) -> Iterator[list[date]]:
    first, _second = two_users
    seen: list[date] = []

    def produce(today: date) -> list[Alert]:
        seen.append(today)
        return [Alert(recipient_id=first.pk, title="Testvarsel", dedupe_key="test:situation")]

    alerts.register_alert_producer("test:producer", produce)
    yield seen
    alerts._PRODUCERS.pop("test:producer", None)


def test_alerts_command_is_idempotent(producer: list[date], two_users: tuple[User, User]) -> None:
    first, _second = two_users
    out = StringIO()
    call_command("alerts", "--date", "2027-02-01", stdout=out)
    assert "test:producer: 1 found, 1 new" in out.getvalue()
    again = StringIO()
    call_command("alerts", "--date", "2027-02-02", stdout=again)
    assert "test:producer: 1 found, 0 new" in again.getvalue()
    assert producer == [date(2027, 2, 1), date(2027, 2, 2)]
    assert Notification.objects.filter(recipient=first, title="Testvarsel").count() == 1


def test_alerts_command_refuses_a_bad_date() -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("alerts", "--date", "31-12-2026", stdout=StringIO())


def test_email_links_are_absolute(
    two_users: tuple[User, User], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The e-mail is read outside Helhed: its link carries Helhed's address (HELHED_BASE_URL)."""
    settings.HELHED_BASE_URL = "https://helhed.kommune.dk/"
    first, _second = two_users
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([first], kind=NotificationKind.TASK, title="Ny opgave", url="/opgaver/")
    run_pending_tasks()
    assert "Se mere i Helhed: https://helhed.kommune.dk/opgaver/\n" in mail.outbox[0].body


def test_a_notification_is_written_in_danish_and_shown_in_the_readers_language(
    two_users: tuple[User, User], django_capture_on_commit_callbacks: Any
) -> None:
    """An English reader's action must not write English into a Danish colleague's list or
    e-mail; a reader who chose English sees the notification in English."""
    first, second = two_users
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.notify(
            [first, second], kind=NotificationKind.TASK, title=gettext_lazy("Notifikationer")
        )
    assert Notification.objects.get(recipient=first).title == "Notifikationer"
    with translation.override("en"):
        run_pending_tasks()
    assert "Log ind i Helhed for at se sagen." in mail.outbox[0].body
    danish = logged_in(first).get(reverse("notifications:list")).content.decode()
    assert "<strong>Notifikationer</strong>" in danish
    english = logged_in(second)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get(reverse("notifications:list")).content.decode()
    assert "<strong>Notifications</strong>" in page
