"""The access log: one append-only row per read of a citizen's personal data.

The application offers no update or delete path (the model and its queryset refuse both) and the
database refuses them too (triggers installed by migration 0002 on SQLite and PostgreSQL). The
citizen is referenced by id, not by foreign key: the log must outlive the citizen's record and must
never cascade away with it.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an access-log entry."""


class Purpose(models.TextChoices):
    """Why the data was read. Shown to the citizen in their own log, so worded for them."""

    CASEWORK = "sagsbehandling", _("Sagsbehandling og koordinering")
    PLANNING = "planlaegning", _("Planlægning af indsatser")
    MEETING = "moede", _("Forberedelse af eller deltagelse i møde")
    HANDOVER = "overlevering", _("Overdragelse til en anden enhed")
    SEARCH = "soegning", _("Søgning efter borger")
    CITIZEN_SELF = "egen-adgang", _("Borgerens egen adgang")
    SUPERVISION = "tilsyn", _("Ledelsestilsyn og kvalitetssikring")
    EVALUATION = "evaluering", _("Evaluering og statistik (pseudonymiseret)")
    LEGAL_OBLIGATION = "lovpligt", _("Lovpligtig opgave uden samtykke")


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Adgangsloggen kan ikke ændres.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Adgangsloggen kan ikke slettes.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("Adgangsloggen kan ikke ændres.")


class AccessLogEntry(models.Model):
    """Who read which citizen's data, what, when and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hvem"),
    )
    # Denormalised so the citizen's view of the log shows a name and a unit even if the
    # professional later leaves the unit.
    actor_name = models.CharField(_("navn"), max_length=200)
    actor_unit = models.CharField(_("enhed"), max_length=300, blank=True)
    actor_organisation_id = models.UUIDField(_("organisation"), null=True, blank=True)
    # The unit the read was made from (the one whose team place, consent, coordination or access
    # without consent let the reader in), so the unit's leader sees it in supervision.
    actor_unit_id = models.UUIDField(_("enhed (id)"), null=True, blank=True)
    citizen_id = models.UUIDField(_("borger"), db_index=True)
    what = models.CharField(_("hvad"), max_length=200)
    purpose = models.CharField(_("formål"), max_length=20, choices=Purpose.choices)
    without_consent = models.BooleanField(_("uden samtykke"), default=False)
    legal_basis = models.CharField(_("hjemmel"), max_length=300, blank=True)
    # A list the citizen appeared in (a caseload, search results, a task list: name and course
    # line only) rather than an opening of the record. Shown apart in the citizen's own log so
    # the openings are easy to see. NULL: written before this was recorded — classified by
    # ``what`` (``selectors.LEGACY_LIST_READS``). Nullable so that adding it is an
    # ``ALTER TABLE … ADD COLUMN`` on SQLite too, which keeps the append-only triggers.
    listing = models.BooleanField(_("liste"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-at"]
        verbose_name = _("adgangslogpost")
        verbose_name_plural = _("adgangslog")
        indexes: ClassVar = [
            models.Index(fields=["citizen_id", "-at"], name="audit_citizen_at"),
            models.Index(fields=["actor_organisation_id", "-at"], name="audit_org_at"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(without_consent=False) | ~models.Q(legal_basis=""),
                name="audit_without_consent_needs_basis",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Adgangsloggen kan ikke ændres.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Adgangsloggen kan ikke slettes.")
