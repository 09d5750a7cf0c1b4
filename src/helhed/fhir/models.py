"""The bulk export job: one row per request (status, progress done/total, the requester) and
one row per exported course (an NDJSON line: the course's Bundle). Kept 7 days
(``EXPORT_KEEP_DAYS``); ``tasks.delete_old_exports`` removes older ones."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

EXPORT_KEEP_DAYS = 7


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("I kø")
    RUNNING = "running", _("I gang")
    DONE = "done", _("Færdig")
    FAILED = "failed", _("Fejlet")


class BulkExport(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    pseudonymise = models.BooleanField(default=False)
    # The courses the requester could see when asking (ids only, no personal data).
    course_ids = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"FHIR-eksport {self.pk}"


class BulkExportLine(models.Model):
    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField()
    course_id = models.UUIDField()
    bundle = models.TextField()  # one NDJSON line (no newline)
    # What the requester could see when the line was built (``selectors.reader_fingerprint``)
    # and whom it names (the citizen and household members): a download serves the stored line
    # only while the requester sees the same and logs a read of each person in it; else the
    # course is built afresh through the guard.
    fingerprint = models.JSONField(default=list)
    citizen_ids = models.JSONField(default=list)

    class Meta:
        ordering: ClassVar = ["seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["export", "seq"], name="fhir_export_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.export_id}#{self.seq}"
