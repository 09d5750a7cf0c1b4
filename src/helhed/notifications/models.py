"""In-app notifications (with an e-mail copy) for tasks, meeting invitations, handovers and alerts.

A notification's title and body never carry personal data about a citizen: the e-mail copy
travels outside Helhed, and the in-app list is not a read of a citizen's data. They say what
happened ("Ny opgave fra netværksmøde", "Overdragelse venter på din kvittering") and link to the
page in Helhed, where access rules and the access log apply.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helhed.core.models import User


class NotificationKind(models.TextChoices):
    TASK = "opgave", _("Opgave")
    MEETING = "moede", _("Mødeindkaldelse")
    HANDOVER = "overdragelse", _("Overdragelse")
    RULING = "afgoerelse", _("Indstilling og afgørelse")
    ALERT = "varsel", _("Varsel")


class EmailStatus(models.TextChoices):
    NONE = "ingen", _("ingen e-mail")  # not asked for, or the recipient has no address
    PENDING = "venter", _("venter")
    SENT = "sendt", _("sendt")
    FAILED = "fejlet", _("fejlet, prøves igen")
    GIVEN_UP = "opgivet", _("opgivet")


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("modtager")
    )
    kind = models.CharField(_("slags"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("titel"), max_length=200)
    body = models.TextField(_("tekst"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # For idempotent producers (the daily alerts job): one notification per recipient and key.
    dedupe_key = models.CharField(_("nøgle"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    read_at = models.DateTimeField(_("læst"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("sendt som e-mail"), null=True, blank=True)
    # The e-mail copy, sent by the worker (tasks.send_email_copy) and retried with a growing wait;
    # the error names what failed (an exception class, an SMTP code), never an address.
    email_status = models.CharField(
        _("e-mail"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail-forsøg"), default=0)
    email_last_error = models.CharField(_("seneste e-mail-fejl"), max_length=200, blank=True)
    email_next_attempt = models.DateTimeField(_("næste e-mail-forsøg"), null=True, blank=True)

    class Meta:
        verbose_name = _("notifikation")
        verbose_name_plural = _("notifikationer")
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_key",
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(
                fields=["email_status"],
                condition=~Q(email_status__in=["ingen", "sendt"]),
                name="notification_email_open",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class JobLock(models.Model):
    """The daily job's lock on SQLite (``notifications.locks``): one row per running job.
    PostgreSQL uses an advisory lock instead, which ends with its connection."""

    job = models.CharField(_("job"), max_length=50, primary_key=True)
    holder = models.CharField(_("holdes af"), max_length=120)
    acquired_at = models.DateTimeField(_("siden"))

    class Meta:
        verbose_name = _("kørende job")
        verbose_name_plural = _("kørende job")

    def __str__(self) -> str:
        return self.job
