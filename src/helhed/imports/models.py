"""Course imports from a case system's extract (issue 17, part 3): the uploaded file while it is
needed, the chosen mapping, the dry run's row-level report and the background job's progress.

The uploaded bytes are personal data (CPR numbers, names): ``ImportJob.data`` is emptied when the
import has run, when the job is cancelled, and 24 hours after the upload at the latest
(``services.purge_expired``). The report keeps row numbers, column names and messages — never a
CPR number or a name."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Organisation, Unit


class JobStatus(models.TextChoices):
    UPLOADED = "uploadet", _("Uploadet – vælg kolonner")
    INVALID = "fejl", _("Fejl i filen")
    CHECKED = "kontrolleret", _("Kontrolleret – klar til import")
    QUEUED = "i-koe", _("Sat i kø")
    RUNNING = "koerer", _("Importerer")
    DONE = "faerdig", _("Importeret")
    FAILED = "fejlet", _("Ikke importeret")
    CANCELLED = "annulleret", _("Annulleret")


class ImportMapping(models.Model):
    """Which column of a source's extract holds which field; saved per source and organisation
    and preselected the next time the same source is chosen."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("kilde"), max_length=120)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kolonneopsætning")
        verbose_name_plural = _("kolonneopsætninger")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organisation", "source"], name="import_mapping_once")
        ]

    def __str__(self) -> str:
        return self.source


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    initiative = models.ForeignKey(
        "registry.Initiative", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("kilde"), max_length=120)
    filename = models.CharField(_("filnavn"), max_length=200)
    kind = models.CharField(max_length=4)  # csv | xlsx
    data = models.BinaryField(default=b"")  # emptied after import, cancel or 24 hours
    encoding = models.CharField(_("tegnsæt"), max_length=12, blank=True)
    encoding_detected = models.BooleanField(default=True)
    delimiter = models.CharField(_("skilletegn"), max_length=1, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.UPLOADED)
    phase = models.CharField(max_length=20, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [[row number, column, message], …] — the first ``logic.MAX_REPORTED`` errors, no CPR
    errors = models.JSONField(default=list)
    summary = models.JSONField(default=dict)  # counts of what was (or would be) created
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("importer")
        indexes: ClassVar = [models.Index(fields=["created_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.source} {self.created_at:%Y-%m-%d}"

    @property
    def percent(self) -> int:
        """Reading and checking the rows is the first 90 %; the write (one transaction, whose
        progress no other connection can see) the rest."""
        if self.status == JobStatus.DONE:
            return 100
        if self.phase == "skriver":
            return 95
        if not self.total_rows:
            return 0
        return min(90, round(90 * self.processed_rows / self.total_rows))

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)
