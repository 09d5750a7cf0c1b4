"""Retention of the integration's technical rows (the daily job's retention step): old events
with their webhook deliveries, and the finished background tasks that dispatched and delivered
them, are deleted; what a subscriber still waits for, and what is recent, is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from helhed.ops.worker import run_pending_tasks
from helhed.outbox.models import Event
from helhed.retention import logic
from helhed.retention import services as retention
from helhed.retention.models import RetentionRule
from helhed.webhooks import tasks
from helhed.webhooks.models import Delivery, DeliveryStatus
from tests.webhooks.world import World, change_plan, delivering_world, receiver, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: object) -> World:
    return delivering_world(settings)


def _deliver(world: World, text: str) -> None:
    change_plan(world, text)
    tasks.sweep()
    run_pending_tasks()


def test_old_events_and_finished_tasks_go_and_what_waits_or_is_recent_stays(world: World) -> None:
    with receiver(200, 500, 200) as hook:
        subscribe(world.client, hook.url)
        _deliver(world, "Mette vil i arbejde")  # delivered
        _deliver(world, "Mette vil i praktik")  # answered 500: waits for its retry
        old_tasks = set(DBTaskResult.objects.finished().values_list("pk", flat=True))
        _deliver(world, "Mette vil i job")  # delivered, and recent
    *earlier, first, second, third = Event.objects.order_by("seq")  # earlier: the world's
    status = dict(Delivery.objects.values_list("event_id", "status"))
    assert [status[e.pk] for e in (first, second, third)] == [
        DeliveryStatus.DELIVERED,
        DeliveryStatus.PENDING,
        DeliveryStatus.DELIVERED,
    ]
    waiting_task = DBTaskResult.objects.get(status="READY")  # the retry
    long_ago = timezone.now() - timedelta(days=400)  # the default rules keep them 1 year
    Event.objects.exclude(pk=third.pk).update(occurred_at=long_ago)
    DBTaskResult.objects.filter(pk__in=old_tasks).update(finished_at=long_ago)
    recent_tasks = set(DBTaskResult.objects.finished().values_list("pk", flat=True)) - old_tasks
    assert len(old_tasks) == 2 and recent_tasks  # the first's delivery, the second's attempt

    today = timezone.localdate()
    trial = retention.run(today=today, dry_run=True)
    assert Event.objects.count() == len(earlier) + 3
    assert DBTaskResult.objects.filter(pk__in=old_tasks).count() == 2
    report = retention.run(today=today)
    assert trial.counts == report.counts  # the dry run counted what the run did

    assert set(Event.objects.values_list("pk", flat=True)) == {second.pk, third.pk}
    assert set(Delivery.objects.values_list("event_id", flat=True)) == {second.pk, third.pk}
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == recent_tasks | {waiting_task.pk}
    lines = report.lines()
    at = lines.index(f"Hændelser og webhook-leveringer: {len(earlier) + 2} rækker blev slettet")
    assert lines[at + 1 : at + 3] == [
        f"  hændelser (slettet): {len(earlier) + 1}",
        "  leveringer (slettet): 1",
    ]
    assert lines[lines.index("Baggrundsjob: 2 rækker blev slettet") + 1] == (
        "  baggrundsjob (slettet): 2"
    )


def test_an_inactive_rule_keeps_its_rows(world: World) -> None:
    with receiver(200) as hook:
        subscribe(world.client, hook.url)
        _deliver(world, "Mette vil i arbejde")
    events, tasks_run = Event.objects.count(), DBTaskResult.objects.count()
    Event.objects.update(occurred_at=timezone.now() - timedelta(days=4000))
    DBTaskResult.objects.update(finished_at=timezone.now() - timedelta(days=4000))
    RetentionRule.objects.filter(category__in=[logic.EVENTS, logic.TASK_RESULTS]).update(
        active=False
    )
    report = retention.run(today=timezone.localdate())
    assert Delivery.objects.count() == 1
    assert (Event.objects.count(), DBTaskResult.objects.count()) == (events, tasks_run)
    assert "Hændelser og webhook-leveringer: intet" in report.lines()


def test_the_feed_never_numbers_an_event_again_after_everything_old_is_deleted(
    world: World,
) -> None:
    """The next event is numbered highest seq + 1: had retention deleted the newest event too, a
    quiet installation would start again at 1 and a client waiting with ``after=<last seq>``
    would miss the next events — a consent withdrawn among them."""
    change_plan(world, "Mette vil i arbejde")
    tasks.sweep()
    last = Event.objects.order_by("-seq").first()
    assert last is not None
    Event.objects.update(occurred_at=timezone.now() - timedelta(days=400))
    retention.run(today=timezone.localdate())
    assert list(Event.objects.values_list("seq", flat=True)) == [last.seq]  # only the newest
    change_plan(world, "Mette vil i praktik")
    assert Event.objects.order_by("-seq").first().seq == last.seq + 1  # type: ignore[union-attr]


def test_an_undispatched_event_stays_and_a_dead_letter_goes_with_its_event(world: World) -> None:
    with receiver(200) as hook:
        subscribe(world.client, hook.url)
        _deliver(world, "Mette vil i arbejde")
    Delivery.objects.update(status=DeliveryStatus.DEAD)  # given up after the last attempt
    given_up = Event.objects.order_by("-seq").first()
    change_plan(world, "Mette vil i praktik")  # its dispatch never ran (a crash after commit)
    undispatched = Event.objects.get(dispatched_at__isnull=True)
    change_plan(world, "Mette vil i job")
    tasks.sweep()
    newest = Event.objects.order_by("-seq").first()
    Event.objects.filter(pk=undispatched.pk).update(dispatched_at=None)
    Event.objects.update(occurred_at=timezone.now() - timedelta(days=400))
    retention.run(today=timezone.localdate())
    left = set(Event.objects.values_list("pk", flat=True))
    assert given_up is not None and newest is not None
    assert given_up.pk not in left and not Delivery.objects.filter(event=given_up).exists()
    assert left == {undispatched.pk, newest.pk}
