"""The worker's task for course imports (``helhed worker``): the job's id only in the queue."""

from __future__ import annotations

from django_tasks import task

from helhed.imports import job


@task()
def run_import(job_id: str) -> str:
    """Run an import job all or nothing; a job already done, failed or cancelled is left as it
    is (a task run twice imports once)."""
    return job.run_import(job_id=job_id)
