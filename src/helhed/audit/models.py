"""The access log: one append-only row per read of a citizen's personal data.

The application offers no update or delete path (the model and its queryset refuse both) and the
database refuses them too (triggers installed by migrations 0002 and 0007 on SQLite and
PostgreSQL). Every insert joins a keyed hash chain (``chain.assign``, ``logic``), so a change
made past the triggers by a database owner is found by ``helhed audit verify``. The
citizen is referenced by id, not by foreign key: the log must outlive the citizen's record and must
never cascade away with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.audit import chain


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
    INTEGRATION = "integration", _("Udveksling med et andet fagsystem (integration)")


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Adgangsloggen kan ikke ændres.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Adgangsloggen kan ikke slettes.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("Adgangsloggen kan ikke ændres.")

    def bulk_create(  # type: ignore[override]
        self, objs: Iterable[AccessLogEntry], *args: Any, **kwargs: Any
    ) -> list[AccessLogEntry]:
        """Every insert joins the hash chain, in the inserting transaction. Written with one
        ``executemany`` of the values each field prepares for the database (what Django's
        ``bulk_create`` sends, without compiling every field of every row: a list page writes
        50 entries on every request, docs/performance.md); options of Django's ``bulk_create``
        (conflicts, batch size) are refused rather than ignored."""
        if args or kwargs:
            raise TypeError("AccessLogEntry.objects.bulk_create takes the entries only.")
        entries = list(objs)
        if not entries:
            return entries
        self._for_write = True  # the write database (a router's db_for_write), as Django's own
        connection = connections[self.db]
        fields = AccessLogEntry._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {AccessLogEntry._meta.db_table} ({columns}) VALUES ({marks})"
        # A savepoint only when the caller's transaction has to survive a failed insert.
        with transaction.atomic(using=self.db, savepoint=False):
            chain.assign(entries, self.db)
            rows = [
                tuple(f.get_db_prep_save(f.pre_save(e, True), connection) for f in fields)
                for e in entries
            ]
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        for entry in entries:
            entry._state.adding = False
            entry._state.db = self.db
        return entries


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
    # The hash chain (``logic``): gapless sequence number, per-entry salt of the personal fields'
    # digests, the keyed hash over the content and the previous entry's hash, and — after an
    # erasure blanked personal fields — the kept digests of those fields. Nullable so that adding
    # them is an ``ALTER TABLE … ADD COLUMN`` on SQLite (which keeps the triggers); every entry
    # written since has them, and verification reports an entry without them as inserted.
    seq = models.BigIntegerField(_("sekvensnummer"), null=True, blank=True, editable=False)
    salt = models.CharField(max_length=32, null=True, blank=True, editable=False)
    chain_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    erased = models.JSONField(null=True, blank=True, editable=False)

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
            ),
            models.UniqueConstraint(
                fields=["seq"], condition=models.Q(seq__isnull=False), name="audit_unique_seq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Adgangsloggen kan ikke ændres.")
        kwargs["force_insert"] = True
        using = kwargs.get("using") or "default"
        with transaction.atomic(using=using):
            chain.assign([self], using)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Adgangsloggen kan ikke slettes.")


class ChainAnchor(models.Model):
    """Where the chain starts after a prune (``services.prune``): the first remaining sequence
    number and the hash of the entry before it, with a MAC under the same key so nobody without
    the key can move the start. Verification starts at the newest anchor."""

    first_seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    removed = models.BigIntegerField()
    at = models.DateTimeField(default=timezone.now)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["-first_seq"]
        verbose_name = _("startpunkt for adgangsloggens kæde")

    def __str__(self) -> str:
        return f"{self.first_seq} ({self.at:%Y-%m-%d})"
