"""The events API as a client sees it (its system user's session; the token comes at merge):
the pull feed through the guard, paged by ``after``/``limit``, and the client's own
subscriptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from standardwebhooks import Webhook

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.webhooks.models import Subscription
from tests.courses.builders import make_staff, make_unit, organisation
from tests.webhooks.world import World, build, change_plan, make_client

pytestmark = pytest.mark.django_db
FEED = "/api/events"


@pytest.fixture
def world() -> World:
    return build(organisation("461"))


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_feed_pages_by_cursor_in_commit_order_with_ids_only(world: World) -> None:
    api = as_user(world.client.system_user)
    start = api.get(FEED).json()
    # the building's own events: the plan's first version, the consent
    assert [e["type"] for e in start["events"]] == [
        "dk.helhed.plan.changed",
        "dk.helhed.consent.given",
    ]
    for text in ("igen", "og igen", "og atter"):
        change_plan(world, f"Mette Hansen {text}")
    first = api.get(FEED, {"after": start["next"], "limit": 2}).json()
    assert [e["data"]["version"] for e in first["events"]] == [2, 3]
    rest = api.get(FEED, {"after": first["next"], "limit": 2}).json()
    assert [e["data"]["version"] for e in rest["events"]] == [4]
    assert api.get(FEED, {"after": rest["next"]}).json() == {"events": [], "next": rest["next"]}
    event = first["events"][0]
    assert event["specversion"] == "1.0" and event["subject"] == str(world.course.pk)
    text = json.dumps([first, rest])
    assert "Mette" not in text and "Hansen" not in text and world.course.citizen.cpr not in text
    typed = api.get(FEED, {"type": "dk.helhed.consent.given"}).json()["events"]
    assert [e["type"] for e in typed] == ["dk.helhed.consent.given"]


def test_a_feed_page_is_logged_as_a_list_for_the_integration(world: World) -> None:
    as_user(world.client.system_user).get(FEED)
    entry = AccessLogEntry.objects.get(actor=world.client.system_user)
    assert (entry.citizen_id, entry.purpose, entry.listing) == (
        world.course.citizen_id,
        Purpose.INTEGRATION,
        True,
    )


@pytest.mark.parametrize(
    "query", [{"after": "abc"}, {"after": -1}, {"limit": 0}, {"limit": 501}, {"type": "x.y"}]
)
def test_a_bad_cursor_or_limit_is_a_422_problem(world: World, query: dict[str, Any]) -> None:
    response = as_user(world.client.system_user).get(FEED, query)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]


def test_another_organisation_and_a_withdrawn_consent_see_no_events(world: World) -> None:
    other = organisation("316")
    stranger = make_client(other, make_unit(other, "Fremmed"), name="Fremmed")
    assert as_user(stranger.system_user).get(FEED).json()["events"] == []
    from helhed.courses import services as course_services

    course_services.withdraw_consent(world.coordinator, world.course.consents.get())
    assert as_user(world.client.system_user).get(FEED).json()["events"] == []
    assert not AccessLogEntry.objects.filter(actor=world.client.system_user).exists()
    assert Client().get(FEED).status_code == 401


def test_a_client_manages_its_own_subscriptions_and_sees_the_secret_once(
    world: World, settings: Any
) -> None:
    settings.HELHED_WEBHOOKS_ALLOW_HTTP = False
    api = as_user(world.client.system_user)
    body = {"url": "https://fagsystem.example/hook", "event_types": ["dk.helhed.plan.changed"]}
    created = api.post("/api/events/subscriptions", body, content_type="application/json")
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    Webhook(secret)  # a valid Standard Webhooks secret
    listed = api.get("/api/events/subscriptions").json()
    assert [s["url"] for s in listed] == [body["url"]]
    assert "secret" not in listed[0]
    assert secret not in Subscription.objects.get().secret_encrypted  # kept encrypted
    bad = api.post(
        "/api/events/subscriptions",
        {"url": "http://fagsystem.example/hook", "event_types": ["nej"]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["errors"]} == {"url", "event_types"}
    # another organisation's client can neither see nor delete it
    other = organisation("316")
    stranger = as_user(make_client(other, make_unit(other, "Fremmed"), name="Fremmed").system_user)
    assert stranger.get("/api/events/subscriptions").json() == []
    sid = listed[0]["id"]
    assert stranger.delete(f"/api/events/subscriptions/{sid}").status_code == 404
    assert stranger.delete("/api/events/subscriptions/gaet").status_code == 422
    assert api.delete(f"/api/events/subscriptions/{sid}").status_code == 204
    assert not Subscription.objects.exists()


def test_a_person_who_is_not_a_client_may_not_subscribe(world: World) -> None:
    person = as_user(make_staff(world.client_unit))
    response = person.post(
        "/api/events/subscriptions",
        {"url": "https://x.example/", "event_types": ["dk.helhed.plan.changed"]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert person.get("/api/events/subscriptions").status_code == 403
