"""The task queue's admin page shows a task's state, never what it carries: a queued e-mail holds
the recipient and, for a password reset, a link that is a credential until used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.mail import EmailMessage
from django.test import Client
from django_tasks_db.models import DBTaskResult

from helhed import config
from helhed.core.models import User

SECRET_LINK = "https://helhed.example.dk/konto/nulstil/key/3k-hemmelig-noegle-8f2a/"
RECIPIENT = "mette.jensen@example.dk"


def test_the_queue_page_shows_a_queued_mail_without_its_recipient_or_link(
    make_user: Callable[..., User], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = config.QUEUED_EMAIL_BACKEND  # as configured (pytest-django: locmem)
    with django_capture_on_commit_callbacks(execute=True):  # queued when the request commits
        EmailMessage(subject="Nulstil adgangskode", body=SECRET_LINK, to=[RECIPIENT]).send()
    task = DBTaskResult.objects.get()  # queued, not sent: the e-mail backend is the queue
    assert SECRET_LINK in str(task.args_kwargs)  # it is there to be sent …
    superuser = make_user(None, is_staff=True, is_superuser=True, first_name="Super")
    client = Client()
    client.force_login(superuser)
    base = "/admin/django_tasks_database/dbtaskresult/"
    for url in (base, f"{base}{task.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "deliver" in page or "mail" in page  # … the page shows which task it is
        for secret in (SECRET_LINK, "hemmelig-noegle", RECIPIENT):
            assert secret not in page, (url, secret)  # … but not what it carries
