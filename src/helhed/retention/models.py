"""Retention rules per data category (edited in the admin) and erasure requests (art. 17)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from helhed.retention import logic


class RetentionRule(models.Model):
    """How long one category is kept after the course ended (or, for notifications and
    requests, after they were made). What happens then (anonymise or delete) is fixed per
    category in ``logic.CATEGORIES``; the period is the municipality's decision."""

    category = models.CharField(
        _("datakategori"),
        max_length=20,
        unique=True,
        choices=[(c.key, c.label) for c in logic.CATEGORIES],
    )
    years = models.PositiveSmallIntegerField(
        _("opbevares i år"),
        # 0 would delete each day's rows at the next run (and the newest event's numbering with
        # them); a period past year 9999 cannot be computed and stopped every rule.
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Antal år efter forløbets afslutning (notifikationer, anmodninger og de tekniske "
            "kategorier: efter oprettelse, afgørelse eller afslutning)."
        ),
    )
    active = models.BooleanField(_("aktiv"), default=True)
    legal_basis = models.TextField(_("begrundelse og hjemmel"))
    is_default = models.BooleanField(
        _("standardværdi"),
        default=True,
        help_text=_(
            "Sat af Helhed; skal bekræftes eller ændres af kommunens databeskyttelsesrådgiver."
        ),
    )
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering: ClassVar = ["category"]
        verbose_name = _("opbevaringsregel")
        verbose_name_plural = _("opbevaringsregler")

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.years} år"

    @property
    def action_label(self) -> str:
        return logic.ACTION_LABELS[logic.BY_KEY[self.category].action]


class ErasureOutcome(models.TextChoices):
    GRANTED = "gennemfoert", _("Gennemført")
    REFUSED = "afvist", _("Afvist")


class ErasureRequest(models.Model):
    """A request for erasure (art. 17) and its answer. The citizen is named by id only (no
    foreign key: the record is anonymised when the request is granted)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    citizen_ref = models.UUIDField(_("borgerens id"))
    requested_by = models.CharField(_("anmodet af"), max_length=200)
    decided_on = models.DateField(_("afgjort"))
    outcome = models.CharField(_("afgørelse"), max_length=12, choices=ErasureOutcome.choices)
    reason = models.TextField(_("begrundelse"), blank=True)

    class Meta:
        ordering: ClassVar = ["-decided_on"]
        verbose_name = _("anmodning om sletning")
        verbose_name_plural = _("anmodninger om sletning")

    def __str__(self) -> str:
        return f"{self.decided_on:%d.%m.%Y}: {self.get_outcome_display()}"
