"""The session store (``core.sessions``): each request finds its own session, unexpired, read
afresh from the database — also when the read runs from SQL compiled for an earlier request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.core.sessions import _SESSION
from helhed.identity.backends import _USER
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _logged_in(user: User) -> Client:
    client = Client()
    response = client.post(reverse("core:login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_each_request_reads_its_own_session_and_an_expired_one_logs_out(
    coordinator: User, make_user: Callable[..., User], unit: Unit
) -> None:
    fagperson = make_user("fagperson", unit)
    first, second = _logged_in(coordinator), _logged_in(fagperson)
    for client, user in ((first, coordinator), (second, fagperson), (first, coordinator)):
        me = client.get("/api/me")
        assert me.status_code == 200 and me.json()["username"] == user.username
    key = first.cookies["sessionid"].value
    assert _SESSION.kept(key, timezone.now())
    # Expired in the database: the next request has no session and is sent to the login page.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    assert first.get("/api/me").status_code == 401
    assert second.get("/api/me").json()["username"] == fagperson.username
    # A guessed key finds nothing.
    guessed = Client()
    guessed.cookies["sessionid"] = "x" * 32
    assert guessed.get("/api/me").status_code == 401


def test_the_logged_in_user_is_read_afresh_on_each_request(
    coordinator: User, make_user: Callable[..., User], unit: Unit
) -> None:
    other = make_user("fagperson", unit)
    client, second = _logged_in(coordinator), _logged_in(other)
    assert client.get("/api/me").json()["username"] == coordinator.username
    assert second.get("/api/me").json()["username"] == other.username
    assert _USER.kept(coordinator.pk)
    # A name changed is seen at once; a user made inactive is logged out by the next request.
    User.objects.filter(pk=coordinator.pk).update(first_name="Karin")
    assert client.get("/api/me").json()["name"].startswith("Karin")
    User.objects.filter(pk=coordinator.pk).update(is_active=False)
    assert client.get("/api/me").status_code == 401
    assert second.get("/api/me").status_code == 200
