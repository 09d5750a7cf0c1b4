"""The data subject's requests (databeskyttelsesforordningen art. 15-18).

A request is recorded when it is received — by the coordinator on the course page, by the citizen
on their own page, or by the system when `helhed gdpr export` is run without one — and marked
delivered when the export is handed out. The export itself is not stored: it is produced from the
data every time it is downloaded (storing it would keep a second copy of everything).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helhed.courses.models import Citizen, Course


class RequestKind(models.TextChoices):
    ACCESS = "indsigt", _("Indsigt (art. 15)")
    ERASURE = "sletning", _("Sletning (art. 17)")
    RESTRICTION = "begraensning", _("Begrænsning (art. 18)")


class Channel(models.TextChoices):
    IN_PERSON = "personligt", _("Personligt fremmødt")
    LETTER = "brev", _("Brev eller Digital Post")
    PHONE = "telefon", _("Telefon")
    OWN_PAGE = "egen-side", _("Borgerens egen side i Helhed")
    SYSTEM = "system", _("Registreret af systemet (kommandolinjen)")


class RequestStatus(models.TextChoices):
    RECEIVED = "modtaget", _("Modtaget")
    DELIVERED = "udleveret", _("Udleveret")


class DataSubjectRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="+", verbose_name=_("borger")
    )
    # The course page it was recorded from (empty: the citizen's own page or the command line).
    course = models.ForeignKey(
        Course,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("forløb"),
    )
    kind = models.CharField(
        _("slags"), max_length=20, choices=RequestKind.choices, default=RequestKind.ACCESS
    )
    received_on = models.DateField(_("modtaget"))
    channel = models.CharField(_("hvordan"), max_length=20, choices=Channel.choices)
    # Empty: registered by the system (the command line).
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registreret af"),
    )
    registered_at = models.DateTimeField(_("registreret"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    delivered_at = models.DateTimeField(_("udleveret"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-registered_at"]
        verbose_name = _("anmodning fra den registrerede")
        verbose_name_plural = _("anmodninger fra den registrerede")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(status="modtaget", delivered_at__isnull=True)
                | models.Q(status="udleveret", delivered_at__isnull=False),
                name="gdpr_delivered_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.received_on:%Y-%m-%d}"
