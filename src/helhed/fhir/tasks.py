"""The worker's tasks for FHIR: the bulk export (ids only in the queue; docs/integration.md)."""

from __future__ import annotations

from django_tasks import task

from helhed.fhir import services


@task(queue_name="default")
def run_bulk_export(export_id: str) -> str:
    return services.run_bulk_export(export_id=export_id)
