"""Handovers between units ("don't let go") and the institutional stays transitions come from.

A :class:`Handover` moves a citizen's course — or one measure of it — from a sending unit to a
receiving unit (or to a service outside Helhed). Its ``status`` is the FHIR ``Task.status`` it
corresponds to, so it can later be exchanged as a FHIR Task; the rules for moving between
statuses live in ``logic.py``. Every change is kept as a :class:`HandoverEvent` (who, when, what),
which is the handover's history, its timeline and the source of its acknowledgement time.

An :class:`InstitutionalStay` (custody, prison, psychiatric admission, placement …) is entered by
a professional with its expected end; the transition out of it ("release", "discharge") is
computed from it, like the 16th and 18th birthdays are computed from the citizen's birth date.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Unit
from helhed.courses.models import Course, Measure
from helhed.handovers import logic


class HandoverStatus(models.TextChoices):
    """FHIR ``Task.status`` values (R4/R5) — the stored value *is* the FHIR code."""

    REQUESTED = logic.REQUESTED, _("Venter på kvittering")
    ACCEPTED = logic.ACCEPTED, _("Kvitteret – modtager skal bekræfte kendskab til situationen")
    REJECTED = logic.REJECTED, _("Afvist af modtager")
    IN_PROGRESS = logic.IN_PROGRESS, _("Overtaget – afventer borgerens fremmøde")
    COMPLETED = logic.COMPLETED, _("Gennemført – borgeren er mødt op")
    CANCELLED = logic.CANCELLED, _("Trukket tilbage af afsender")


class HandoverMode(models.TextChoices):
    ESCORTED = "ledsaget", _("Ledsaget (afsender følger borgeren over)")
    REFERRED = "henvist", _("Henvist (borgeren får kontaktoplysninger)")


class Arrival(models.TextChoices):
    UNKNOWN = "", _("Ikke meldt")
    ARRIVED = "moedt", _("Borgeren er mødt op / startet")
    NOT_ARRIVED = "ikke-moedt", _("Borgeren er ikke mødt op")


class Handover(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="handovers", verbose_name=_("forløb")
    )
    measure = models.ForeignKey(
        Measure,
        null=True,
        blank=True,
        # The plan's versioning deletes and recreates measures with the same ids, so no
        # database constraint; the title and category are kept on the handover so that a deleted
        # measure never widens a one-measure handover to the whole course (or reveals more).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="handovers",
        verbose_name=_("indsats (hvis kun én indsats overdrages)"),
    )
    measure_title = models.CharField(_("indsatsens titel"), max_length=200, blank=True)
    measure_category = models.CharField(_("indsatsens datakategori"), max_length=10, blank=True)
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="handovers_sent", verbose_name=_("fra enhed")
    )
    to_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_received",
        verbose_name=_("til enhed i Helhed"),
    )
    external_organisation = models.CharField(
        _("til tilbud uden for Helhed"), max_length=200, blank=True
    )
    external_contact = models.CharField(
        _("kontaktperson og telefon hos modtager"), max_length=200, blank=True
    )
    mode = models.CharField(_("form"), max_length=10, choices=HandoverMode.choices)
    reason = models.TextField(
        _("hvad skal modtageren hjælpe med"),
        help_text=_("Skriv kun det, borgerens samtykke dækker for modtageren."),
    )
    expected_start = models.DateField(_("forventet første fremmøde"), null=True, blank=True)
    appointment_date = models.DateField(_("aftale hos modtager"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=HandoverStatus.choices, default=HandoverStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("anmodet"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("kvitteret"), null=True, blank=True)
    first_acknowledged_at = models.DateTimeField(
        _("første kvittering"), null=True, blank=True, editable=False
    )
    acknowledged_by_name = models.CharField(_("kvitteret af"), max_length=200, blank=True)
    knows_situation_at = models.DateTimeField(
        _("modtager kender situationen"), null=True, blank=True
    )
    knows_situation_by_name = models.CharField(_("bekræftet af"), max_length=200, blank=True)
    decline_reason = models.TextField(_("begrundelse for afvisning"), blank=True)
    cancel_reason = models.TextField(_("begrundelse for tilbagetrækning"), blank=True)
    arrival = models.CharField(
        _("fremmøde"), max_length=12, choices=Arrival.choices, default=Arrival.UNKNOWN, blank=True
    )
    reopened_count = models.PositiveSmallIntegerField(_("genåbnet antal gange"), default=0)
    reopened_at = models.DateTimeField(_("genåbnet"), null=True, blank=True)
    closed_at = models.DateTimeField(_("afsluttet"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at"]
        verbose_name = _("overdragelse")
        verbose_name_plural = _("overdragelser")
        indexes: ClassVar = [
            models.Index(fields=["to_unit", "status"]),
            models.Index(fields=["course", "status"]),
            models.Index(fields=["status", "requested_at"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(to_unit=F("from_unit")), name="handover_not_to_same_unit"
            ),
            models.CheckConstraint(
                condition=(Q(to_unit__isnull=False) & Q(external_organisation=""))
                | (Q(to_unit__isnull=True) & ~Q(external_organisation="")),
                name="handover_one_receiver",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decline_reason=""),
                name="handover_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s for s, _l in logic.STATUS_LABELS]),
                name="handover_status_fhir",
            ),
            # One open handover of the same thing to the same unit (two constraints because a
            # NULL measure — the whole course — is not equal to another NULL).
            models.UniqueConstraint(
                fields=["course", "to_unit", "measure"],
                condition=Q(status__in=sorted(logic.OPEN), measure__isnull=False),
                name="handover_one_open_per_measure",
            ),
            models.UniqueConstraint(
                fields=["course", "to_unit"],
                condition=Q(status__in=sorted(logic.OPEN), measure__isnull=True),
                name="handover_one_open_per_course",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_unit} → {self.receiver_name}"

    @property
    def is_external(self) -> bool:
        return self.to_unit_id is None

    @property
    def receiver_name(self) -> str:
        if self.to_unit_id is not None and self.to_unit is not None:
            return f"{self.to_unit.name}, {self.to_unit.organisation.name}"
        return self.external_organisation

    @property
    def responsible_side(self) -> str:
        return logic.responsible_side(self.status)

    @property
    def waiting_since(self) -> Any:
        """When the current wait began: the request, or the reopening after "did not arrive"."""
        return self.reopened_at or self.requested_at

    @property
    def is_open(self) -> bool:
        return self.status not in logic.TERMINAL


class HandoverEvent(models.Model):
    """One step in a handover's life: created, accepted, declined, … (append-only in practice)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("handling"), max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    at = models.DateTimeField(_("tidspunkt"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("udført af"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    # A new appointment after a no-show (action "reschedule"): the dates set by this step, so the
    # history keeps every appointment that was made.
    appointment_date = models.DateField(_("ny aftale"), null=True, blank=True)
    expected_start = models.DateField(_("nyt forventet fremmøde"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["at"]
        verbose_name = _("hændelse i overdragelse")
        verbose_name_plural = _("hændelser i overdragelser")
        indexes: ClassVar = [models.Index(fields=["handover", "action"])]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%d.%m.%Y}"


class StayKind(models.TextChoices):
    CUSTODY = "varetaegt", _("Varetægt")
    PRISON = "faengsel", _("Afsoning i fængsel")
    PSYCHIATRIC = "psykiatri", _("Indlæggelse på psykiatrisk afdeling")
    PLACEMENT = "anbringelse", _("Anbringelse uden for hjemmet")
    TREATMENT = "doegnbehandling", _("Døgnbehandling (fx for misbrug)")
    HOSPITAL = "hospital", _("Hospitalsindlæggelse")


class InstitutionalStay(models.Model):
    """A stay whose end is a transition the course must prepare for (release, discharge …)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="stays", verbose_name=_("forløb")
    )
    kind = models.CharField(_("type"), max_length=20, choices=StayKind.choices)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    start_date = models.DateField(_("start"))
    expected_end = models.DateField(_("forventet løsladelse/udskrivning"))
    actual_end = models.DateField(_("faktisk slut"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["expected_end"]
        verbose_name = _("institutionsophold")
        verbose_name_plural = _("institutionsophold")
        indexes: ClassVar = [models.Index(fields=["expected_end", "actual_end"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(expected_end__gte=F("start_date")), name="stay_expected_after_start"
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_end__gte=F("start_date")),
                name="stay_actual_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%d.%m.%Y}"

    @property
    def data_category(self) -> str:
        return logic.STAY_CATEGORY.get(self.kind, "social")
