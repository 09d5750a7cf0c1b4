"""The outbox: one row per domain event, written in the same transaction as the change it
reports (``services.record``), so an event exists exactly when its change was committed.

An event carries ids only (the course, the handover, the plan version …): never a name, a text
or a CPR number. Webhooks (``helhed.webhooks``) deliver it and the pull feed (``/api/events``)
pages through it by ``seq``, which follows commit order (``services.record``)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """CloudEvents ``type`` values (reverse-DNS, as the CloudEvents spec recommends)."""

    HANDOVER_CREATED = "dk.helhed.handover.created", _("Overdragelse oprettet")
    DECISION_MADE = "dk.helhed.decision.made", _("Beslutning truffet")
    CONSENT_GIVEN = "dk.helhed.consent.given", _("Samtykke givet")
    CONSENT_WITHDRAWN = "dk.helhed.consent.withdrawn", _("Samtykke trukket tilbage")
    PLAN_CHANGED = "dk.helhed.plan.changed", _("Plan ændret")
    COURSE_CLOSED = "dk.helhed.course.closed", _("Forløb afsluttet")


class Event(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # 1, 2, 3 … in commit order (assigned under a lock by services.record): the feed's cursor.
    seq = models.BigIntegerField(_("løbenummer"), unique=True, editable=False)
    type = models.CharField(_("type"), max_length=64, choices=EventType.choices)
    # The course the event is about, by id (no foreign key: the event outlives nothing it
    # names, and a reader sees it only while the guard lets them see the course).
    course_id = models.UUIDField(_("forløb"), db_index=True)
    data = models.JSONField(_("data"), default=dict)
    # For an ending event (consent withdrawn, course closed): the ids of the integration clients
    # that could see the course just before the change — they must hear that it ended.
    audience = models.JSONField(_("modtagere"), default=list, blank=True)
    occurred_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    # Set when the webhooks have made the event's deliveries (null: not yet, the sweep's work).
    dispatched_at = models.DateTimeField(_("fordelt"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["seq"]
        verbose_name = _("hændelse")
        verbose_name_plural = _("hændelser")
        indexes: ClassVar = [
            models.Index(
                fields=["occurred_at"],
                name="outbox_event_undispatched",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.type}"
