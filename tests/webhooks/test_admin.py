"""The admin (technical administrator, Danish): a subscription made there shows its secret once
and never again; the dead letters are listed and "Send igen" queues a fresh round."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helhed.outbox.models import Event
from helhed.webhooks import signing
from helhed.webhooks.models import Delivery, DeliveryStatus, Subscription
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


def test_a_subscription_made_in_the_admin_shows_its_secret_once(
    world: World, admin_client: Client, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "da"
    response = admin_client.post(
        "/admin/webhooks/subscription/add/",
        {
            "client": world.client.pk,
            "url": "https://fagsystem.example/hook",
            "event_types": ["dk.helhed.plan.changed"],
            "active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    secret = signing.decrypt(subscription.secret_encrypted)
    assert secret in response.content.decode()  # shown now …
    change = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/")
    assert change.status_code == 200
    assert secret not in change.content.decode()  # … and never again
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
    settings.HELHED_WEBHOOKS_ALLOW_HTTP = False
    response = admin_client.post(
        "/admin/webhooks/subscription/add/",
        {
            "client": world.client.pk,
            "url": "http://fagsystem.example/hook",
            "event_types": ["dk.helhed.plan.changed"],
        },
    )
    assert response.status_code == 200
    assert "Angiv en https-adresse." in response.content.decode()
    assert not Subscription.objects.exists()
