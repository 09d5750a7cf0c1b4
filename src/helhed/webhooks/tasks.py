"""The worker's tasks for webhooks (``helhed worker``; ids only as arguments: the queue is a
table any operator can read): fanning an event out to its subscribers (``dispatch_now``), one
delivery attempt (``deliver_now``) with its retry queued in the same transaction as its record,
the sweep for events whose dispatch never ran, and sending dead letters again.

Consent is checked twice: a delivery is made only for a subscriber whose system user may see
the event's course when the event is dispatched, and at each attempt again — a delivery whose
course the system user may no longer see (consent withdrawn, its unit left the team, the client
revoked) is ``withheld`` and nothing is sent."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from standardwebhooks import Webhook

from helhed.courses.selectors import log_course_list, visible_courses
from helhed.outbox.models import Event
from helhed.webhooks import logic, signing
from helhed.webhooks.models import Delivery, DeliveryStatus, Subscription
from helhed.webhooks.services import finish, may_receive, payload, post

logger = logging.getLogger(__name__)

LOG_WHAT = "hændelse (webhook)"


@task()
def dispatch_event(event_id: str) -> int:
    return dispatch_now(event_id=event_id)


@task()
def deliver(delivery_id: str) -> str:
    return deliver_now(delivery_id=delivery_id)


def enqueue_dispatch(event_id: object) -> None:
    """The outbox's listener: runs after the event's commit."""
    dispatch_event.enqueue(str(event_id))


def dispatch_now(*, event_id: Any) -> int:
    """Make the event's deliveries (one per matching active subscription whose client may see
    the course) and queue their first attempts; returns how many. Runs once per event: the
    event is claimed by setting ``dispatched_at`` (a second run — the on-commit task and the
    sweep — finds it taken), and the deliveries and their tasks are written in the same
    transaction as the claim (the database queue), so none is lost or doubled."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Event.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
            dispatched_at=now
        )
        event = Event.objects.filter(pk=event_id).first()
        if not claimed or event is None:
            return 0
        made = 0
        for subscription in Subscription.objects.filter(active=True).select_related(
            "client__system_user"
        ):
            if event.type not in subscription.event_types:
                continue
            if not may_receive(subscription.client, event.course_id, now, event):
                continue
            delivery, created = Delivery.objects.get_or_create(
                event=event, subscription=subscription
            )
            if created:
                deliver.enqueue(str(delivery.pk))
                made += 1
    return made


def sweep(*, batch: int = 200, max_batches: int = 50) -> int:
    """Dispatch the events whose dispatch never ran (a crash between commit and enqueue);
    returns how many were dispatched. Run when the worker starts and by ``helhed alerts``."""
    done = 0
    for _ in range(max_batches):
        ids = list(
            Event.objects.filter(dispatched_at__isnull=True)
            .order_by("seq")
            .values_list("pk", flat=True)[:batch]
        )
        for event_id in ids:
            dispatch_now(event_id=event_id)
            done += 1
        if len(ids) < batch:
            break
    return done


def deliver_now(*, delivery_id: Any, now: datetime | None = None) -> str:
    """One attempt at a delivery (the worker's task); returns its status afterwards. ``now``
    lets a test stand at the time of a retry."""
    now = now or timezone.now()
    delivery = (
        Delivery.objects.select_related("event", "subscription__client__system_user")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "gone" if delivery is None else str(delivery.status)
    if delivery.next_attempt_at and delivery.next_attempt_at > now + timedelta(seconds=5):
        return "early"  # a stale task; the delivery's own retry task comes at its time
    attempt = delivery.attempts + 1
    claimed = Delivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, status=DeliveryStatus.PENDING
    ).update(attempts=attempt)
    if not claimed:
        return "claimed"
    subscription, event = delivery.subscription, delivery.event
    client = subscription.client
    if not subscription.active or not may_receive(client, event.course_id, now, event):
        return finish(delivery, DeliveryStatus.WITHHELD, last_error="")
    user = client.system_user
    log_course_list(user, list(visible_courses(user).filter(pk=event.course_id)), what=LOG_WHAT)
    headers, body = payload(event)
    webhook = Webhook(signing.decrypt(subscription.secret_encrypted))
    sent_at = timezone.now()
    headers.update(
        {
            "webhook-id": str(event.pk),
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": webhook.sign(str(event.pk), sent_at, body),
            "user-agent": "Helhed-Webhooks/1",
        }
    )
    code, error = post(subscription.url, headers, body)
    if logic.delivered(code):
        return finish(delivery, DeliveryStatus.DELIVERED, last_status_code=code, last_error="")
    return _record_failure(delivery, attempt=attempt, code=code, error=error, now=now)


def _record_failure(
    delivery: Delivery, *, attempt: int, code: int | None, error: str, now: datetime
) -> str:
    wait = logic.retry_wait(attempt)
    if wait is None:
        logger.warning(
            "helhed webhooks: delivery %s given up after %d attempts: %s",
            delivery.pk,
            attempt,
            error,
        )
        return finish(delivery, DeliveryStatus.DEAD, last_status_code=code, last_error=error)
    at = now + wait
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            last_status_code=code, last_error=error[:200], next_attempt_at=at
        )
        # In the same transaction as the record: the retry is never lost, never doubled.
        deliver.using(run_after=at).enqueue(str(delivery.pk))
    return str(DeliveryStatus.PENDING)


@transaction.atomic
def resend(*, delivery_ids: list[Any]) -> int:
    """Send dead letters again (the admin's "Send igen"): a fresh round of attempts."""
    ids = list(
        Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.DEAD).values_list(
            "pk", flat=True
        )
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None, finished_at=None
    )
    for pk in ids:
        deliver.enqueue(str(pk))
    return len(ids)
