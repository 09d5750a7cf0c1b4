"""The worker's tasks for FHIR (docs/integration.md, "FHIR"): the bulk export, with the export's
id as its only argument (the queue is a table any operator can read)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from helhed.fhir import selectors as fhir_selectors
from helhed.fhir.models import BulkExport, BulkExportLine, ExportStatus


@task(queue_name="default")
def run_bulk_export(export_id: str) -> str:
    """The job; an unexpected error marks the export failed (the error's kind only, no personal
    data) so the page does not show it running forever, and is raised for the worker's log."""
    try:
        return run_bulk_export_now(export_id=export_id)
    except Exception as exc:
        BulkExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=type(exc).__name__[:300], finished_at=timezone.now()
        )
        raise


def run_bulk_export_now(*, export_id: Any) -> str:
    """The worker's job: export the courses not yet done (a restarted job continues after the
    last line written), one line per course, committed with the progress counter. A course the
    requester can no longer see is skipped (counted as done)."""
    export = BulkExport.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None:
        return "gone"
    if export.status in (ExportStatus.DONE, ExportStatus.FAILED):
        return str(export.status)
    BulkExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    written = BulkExportLine.objects.filter(export=export).count()
    for seq, course_id in enumerate(export.course_ids):
        if seq < written:
            continue
        bundle: dict[str, Any] | None = None
        fingerprint: list[str] = []
        named: list[str] = []
        try:
            bundle, fingerprint, named = fhir_selectors.course_bundle_with_facts(
                export.requested_by,
                course_id,
                pseudonymise=export.pseudonymise,
                what="FHIR-masseeksport",
            )
        except PermissionDenied:
            bundle = None
        with transaction.atomic():
            BulkExportLine.objects.create(
                export=export,
                seq=seq,
                course_id=course_id,
                bundle=json.dumps(bundle, separators=(",", ":")) if bundle else "",
                fingerprint=fingerprint,
                citizen_ids=named,
            )
            BulkExport.objects.filter(pk=export.pk).update(done=seq + 1)
    BulkExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE, finished_at=timezone.now()
    )
    return "done"
