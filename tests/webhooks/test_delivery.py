"""Webhook delivery end to end: a real HTTP receiver on loopback verifies each request's Standard
Webhooks signature; the worker's own loop runs the tasks (``run_pending_tasks``); time is driven
by calling the attempt at the retry's ``run_after``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.courses import services as course_services
from helhed.courses.models import TeamMember
from helhed.ops.worker import run_pending_tasks
from helhed.outbox import services as outbox
from helhed.outbox.models import Event
from helhed.webhooks import logic, tasks
from helhed.webhooks.models import Delivery, DeliveryStatus
from tests.courses.builders import organisation
from tests.webhooks.world import (
    World,
    change_plan,
    delivering_world,
    make_client,
    receiver,
    subscribe,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: object) -> World:
    return delivering_world(settings)


def only_delivery() -> Delivery:
    (delivery,) = Delivery.objects.all()
    return delivery


def test_a_plan_change_reaches_the_subscriber_signed_as_a_cloudevent_with_ids_only(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    with receiver(200) as hook:
        _, secret = subscribe(world.client, hook.url)
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            change_plan(world, "Mette Hansen vil i arbejde")
        assert run_pending_tasks() == 2  # the dispatch, then the delivery
    (request,) = hook.received
    Webhook(secret).verify(request.body, request.headers)  # raises if the signature is wrong
    assert request.headers["content-type"] == "application/cloudevents+json"
    event = json.loads(request.body)
    assert event["specversion"] == "1.0"
    assert event["type"] == "dk.helhed.plan.changed"
    assert event["subject"] == str(world.course.pk)
    assert event["id"] == request.headers["webhook-id"]
    assert set(event["data"]) == {"plan_id", "version"}
    text = request.body.decode()
    for personal in ("Mette", "Hansen", "arbejde", world.course.citizen.cpr):
        assert personal not in text
    assert only_delivery().status == DeliveryStatus.DELIVERED
    # the system user's read is in the access log, as an integration's
    entry = AccessLogEntry.objects.filter(actor=world.client.system_user).get()
    assert entry.purpose == Purpose.INTEGRATION
    assert entry.citizen_id == world.course.citizen_id


def test_an_answer_500_is_retried_after_30_seconds_and_then_delivered(world: World) -> None:
    with receiver(500, 200) as hook:
        _, secret = subscribe(world.client, hook.url)
        change_plan(world)
        tasks.sweep()
        run_pending_tasks()
        delivery = only_delivery()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            DeliveryStatus.PENDING,
            1,
            500,
        )
        wait = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=25) < wait <= timedelta(seconds=30)
        queued = DBTaskResult.objects.filter(task_path__endswith="tasks.deliver", status="READY")
        assert queued.count() == 1 and queued.get().run_after == delivery.next_attempt_at
        assert run_pending_tasks() == 0  # its time has not come
        tasks.deliver_now(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert len(hook.received) == 2
    for request in hook.received:
        Webhook(secret).verify(request.body, request.headers)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        2,
        200,
    )


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(world: World) -> None:
    with receiver("sleep", 200) as hook:
        subscribe(world.client, hook.url)
        change_plan(world)
        tasks.sweep()
        run_pending_tasks()
        delivery = only_delivery()
        assert delivery.status == DeliveryStatus.PENDING
        assert "timed out" in delivery.last_error.lower() or "timeout" in delivery.last_error
        tasks.deliver_now(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(hook.received) == 2


def test_a_receiver_that_always_fails_gets_a_dead_letter_and_can_be_sent_again(
    world: World,
) -> None:
    with receiver(503) as hook:
        subscribe(world.client, hook.url)
        change_plan(world)
        tasks.sweep()
        delivery = only_delivery()
        waits = []
        at = timezone.now()
        for _ in range(logic.MAX_ATTEMPTS):
            tasks.deliver_now(delivery_id=delivery.pk, now=at)
            delivery.refresh_from_db()
            if delivery.next_attempt_at:
                waits.append(round((delivery.next_attempt_at - at).total_seconds()))
                at = delivery.next_attempt_at
        assert delivery.status == DeliveryStatus.DEAD
        assert delivery.attempts == logic.MAX_ATTEMPTS == 8
        assert waits == [30, 120, 600, 3600, 21600, 43200, 86400]
        assert len(hook.received) == 8
        assert tasks.deliver_now(delivery_id=delivery.pk) == DeliveryStatus.DEAD  # no 9th
        assert len(hook.received) == 8
        hook.answers[:] = [200]
        assert tasks.resend(delivery_ids=[delivery.pk]) == 1
        run_pending_tasks()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(hook.received) == 9


def test_an_event_whose_dispatch_never_ran_is_delivered_once_by_the_sweep(world: World) -> None:
    """A crash between commit and enqueue: in this test's transaction the on-commit callback
    never runs, exactly as if the process had died after the commit."""
    with receiver(200) as hook:
        subscribe(world.client, hook.url)
        change_plan(world)
        assert DBTaskResult.objects.count() == 0  # nothing was queued
        call_command("webhooks", "dispatch")  # the sweep (also at worker start, helhed alerts)
        run_pending_tasks()
        assert tasks.sweep() == 0  # a second sweep finds nothing
        tasks.dispatch_now(event_id=Event.objects.latest("seq").pk)  # a late dispatch task
        run_pending_tasks()
    assert len(hook.received) == 1
    assert only_delivery().status == DeliveryStatus.DELIVERED


def test_a_withdrawn_consent_withholds_the_delivery(world: World) -> None:
    with receiver(200) as hook:
        subscribe(world.client, hook.url)
        change_plan(world)
        tasks.sweep()  # the delivery is made while the consent holds
        consent = world.course.consents.get()
        course_services.withdraw_consent(world.coordinator, consent)
        run_pending_tasks()
    # the plan change is withheld (the client may no longer see the course) …
    assert only_delivery().status == DeliveryStatus.WITHHELD
    assert hook.received == []


def test_the_clients_that_saw_the_course_hear_the_consent_withdrawn(world: World) -> None:
    """… but the withdrawal itself reaches the clients that could see the course just before
    it (the event's audience, asked before the change): the very systems that must stop
    processing; ids only."""
    with receiver(200) as hook:
        subscribe(world.client, hook.url, types=("dk.helhed.consent.withdrawn",))
        consent = world.course.consents.get()
        course_services.withdraw_consent(world.coordinator, consent)
        tasks.sweep()  # the dispatch (its on-commit enqueue does not run inside a test's atomic)
        run_pending_tasks()
        change_plan(world)
        tasks.sweep()  # nothing: no longer visible, and not subscribed to plan changes anyway
        run_pending_tasks()
    [received] = hook.received
    body = received.body
    event = json.loads(body)
    assert event["type"] == "dk.helhed.consent.withdrawn"
    assert event["data"] == {"consent_id": str(consent.pk)}
    assert world.course.citizen.cpr not in body.decode()


def test_a_unit_that_left_the_team_is_withheld_and_hears_nothing_more(world: World) -> None:
    with receiver(200) as hook:
        subscribe(world.client, hook.url)
        change_plan(world)
        tasks.sweep()
        member = TeamMember.objects.get(course=world.course, unit=world.client_unit)
        course_services.end_team_member(
            world.coordinator, member, timezone.localdate() - timedelta(days=1)
        )
        run_pending_tasks()
        change_plan(world, "igen")
        tasks.sweep()  # no delivery is even made for the next event
        run_pending_tasks()
    assert hook.received == []
    assert list(Delivery.objects.values_list("status", flat=True)) == [DeliveryStatus.WITHHELD]


def test_another_organisations_client_gets_nothing(world: World) -> None:
    other = organisation("316")
    from tests.courses.builders import make_unit

    stranger = make_client(other, make_unit(other, "Fremmed"), name="Fremmed")
    with receiver(200) as hook:
        subscribe(stranger, hook.url)
        change_plan(world)
        tasks.sweep()
        run_pending_tasks()
    assert hook.received == []
    assert not Delivery.objects.exists()


def test_a_client_without_the_scope_or_revoked_gets_nothing(world: World) -> None:
    with receiver(200) as hook:
        subscribe(world.client, hook.url)
        world.client.scopes = ["fhir:read"]
        world.client.save()
        change_plan(world)
        tasks.sweep()
        assert not Delivery.objects.exists()
        world.client.scopes = ["events:read"]
        world.client.save()
        change_plan(world, "igen")
        tasks.sweep()
        world.client.revoked_at = timezone.now()
        world.client.save()
        run_pending_tasks()
    assert hook.received == []
    assert only_delivery().status == DeliveryStatus.WITHHELD


def test_each_hooked_service_records_its_event_with_ids_only(world: World) -> None:
    before = Event.objects.latest("seq").seq
    change_plan(world)
    consent = world.course.consents.get()
    course_services.withdraw_consent(world.coordinator, consent)
    course_services.change_status(world.coordinator, world.course, "afsluttet", "Flyttet")
    types = list(Event.objects.filter(seq__gt=before).values_list("type", "data"))
    assert [t for t, _d in types] == [
        "dk.helhed.plan.changed",
        "dk.helhed.consent.withdrawn",
        "dk.helhed.course.closed",
    ]
    assert types[1][1] == {"consent_id": str(consent.pk)}


def test_the_outbox_refuses_text_and_a_write_outside_a_transaction(world: World) -> None:
    with pytest.raises(ValueError, match="ids only"), transaction.atomic():
        outbox.record("dk.helhed.plan.changed", course_id=world.course.pk, data={"note": "x"})
    with pytest.raises(ValueError), transaction.atomic():
        outbox.record(
            "dk.helhed.plan.changed", course_id=world.course.pk, data={"plan_id": "Mette"}
        )


def test_a_handover_and_a_decision_record_their_events(world: World) -> None:
    from helhed.handovers import services as handover_services
    from helhed.meetings import services as meeting_services

    before = Event.objects.latest("seq").seq
    handover = handover_services.request_handover(
        world.coordinator,
        course_id=world.course.pk,
        mode="henvist",
        reason="Mette Hansen har brug for hjælp",
        to_unit_id=world.client_unit.pk,
    )
    meeting = meeting_services.create_meeting(
        world.coordinator,
        course_id=world.course.pk,
        purpose="Netværksmøde",
        place="Rådhuset",
        team_member_ids=[t.pk for t in TeamMember.objects.filter(course=world.course)],
        proposed_times=[timezone.now() + timedelta(days=3)],
    )
    decision = meeting_services.add_decision(
        world.coordinator, meeting_id=meeting.pk, text="Mette starter i praktik"
    )
    events = list(Event.objects.filter(seq__gt=before).values_list("type", "data"))
    assert events == [
        ("dk.helhed.handover.created", {"handover_id": str(handover.pk)}),
        ("dk.helhed.decision.made", {"decision_id": str(decision.pk)}),
    ]


def test_the_daily_job_sweeps_undispatched_events(world: World) -> None:
    with receiver(200) as hook:
        subscribe(world.client, hook.url)
        change_plan(world)
        call_command("alerts")
        run_pending_tasks()
    assert len(hook.received) == 1
