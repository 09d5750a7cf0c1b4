"""Webhook subscriptions of integration clients and the deliveries of events to them.

A subscription's signing secret (Standard Webhooks' ``whsec_…``) is shown to the client once and
kept encrypted (``webhooks.secrets``): Helhed needs it to sign, so it cannot be hashed. A
delivery stores what happened (status, attempts, the last HTTP status or error), never a body."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.integrations.models import IntegrationClient
from helhed.outbox.models import Event


class Subscription(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        IntegrationClient,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("integrationsklient"),
    )
    url = models.CharField(_("adresse"), max_length=500)
    event_types = models.JSONField(_("hændelsestyper"), default=list)
    # The signing secret, encrypted (webhooks.secrets); never shown after its creation.
    secret_encrypted = models.TextField(editable=False)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at"]
        verbose_name = _("webhook-abonnement")
        verbose_name_plural = _("webhook-abonnementer")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Venter")
    DELIVERED = "delivered", _("Leveret")
    WITHHELD = "withheld", _("Tilbageholdt")
    DEAD = "dead", _("Opgivet")


class Delivery(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="+", verbose_name=_("hændelse")
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("abonnement"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("forsøg"), default=0)
    next_attempt_at = models.DateTimeField(_("næste forsøg"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("seneste HTTP-status"), null=True)
    last_error = models.CharField(_("seneste fejl"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)
    finished_at = models.DateTimeField(_("afsluttet"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("levering")
        verbose_name_plural = _("leveringer")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhooks_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id}"


class DeadDelivery(Delivery):
    """The dead letters: deliveries given up after the last attempt (the admin's list)."""

    class Meta:
        proxy = True
        verbose_name = _("opgivet levering")
        verbose_name_plural = _("opgivne leveringer")
