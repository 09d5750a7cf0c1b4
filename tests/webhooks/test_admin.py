"""The admin (technical administrator, Danish): subscriptions are seen and changed, never made
there, and no secret is shown; the dead letters are listed and "Send igen" queues a fresh round."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helhed.outbox.models import Event
from helhed.webhooks.models import Delivery, DeliveryStatus
from tests.courses.builders import make_staff, organisation
from tests.webhooks.world import World, build, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build(organisation("461"))


@pytest.fixture
def admin_client(world: World) -> Client:
    client = Client()
    client.force_login(make_staff(None, is_superuser=True, is_staff=True))
    return client


def test_the_admin_makes_no_subscription_and_never_shows_a_secret(
    world: World, admin_client: Client
) -> None:
    """A client subscribes through the API (its secret shown once, there); the admin has no
    "add" — a secret in a message would travel in a cookie — and its change page shows none."""
    assert admin_client.get("/admin/webhooks/subscription/add/").status_code == 403
    subscription, secret = subscribe(world.client, "https://fagsystem.example/hook")
    change = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/")
    assert change.status_code == 200
    assert secret not in change.content.decode()
    assert subscription.secret_encrypted not in change.content.decode()


def test_send_again_queues_a_dead_letter_for_a_fresh_round(
    world: World, admin_client: Client
) -> None:
    subscription, _secret = subscribe(world.client, "https://fagsystem.example/hook")
    event = Event.objects.latest("seq")
    dead = Delivery.objects.create(
        event=event, subscription=subscription, status=DeliveryStatus.DEAD, attempts=8
    )
    listing = admin_client.get("/admin/webhooks/deaddelivery/")
    assert listing.status_code == 200
    assert str(event.seq) in listing.content.decode()
    assert str(world.course.pk) not in listing.content.decode()  # no course named
    admin_client.post(
        "/admin/webhooks/deaddelivery/",
        {"action": "send_again", "_selected_action": [str(dead.pk)]},
    )
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (DeliveryStatus.PENDING, 0)


def test_a_person_without_the_technical_role_does_not_see_the_webhooks(world: World) -> None:
    client = Client()
    client.force_login(make_staff(world.client_unit, is_staff=True))
    assert client.get("/admin/webhooks/deaddelivery/").status_code in (302, 403, 404)


def test_the_admin_refuses_an_address_that_is_not_https(
    world: World, admin_client: Client, settings: Any
) -> None:
    subscription, _secret = subscribe(world.client, "https://fagsystem.example/hook")
    settings.HELHED_WEBHOOKS_ALLOW_HTTP = False
    response = admin_client.post(
        f"/admin/webhooks/subscription/{subscription.pk}/change/",
        {
            "client": world.client.pk,
            "url": "http://fagsystem.example/hook",
            "event_types": ["dk.helhed.plan.changed"],
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Angiv en https-adresse." in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.url == "https://fagsystem.example/hook"
