"""Reads of import jobs: a user sees only the jobs they started (in a unit they are still a
member of). The report holds row numbers and messages, no personal data; the file's bytes are
never read here."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from helhed.core.models import Unit, User, UserKind
from helhed.core.selectors import membership_list
from helhed.imports.models import ImportJob, ImportMapping
from helhed.registry.models import Initiative

LIST_FIELDS = ("id", "source", "filename", "status", "created_at", "finished_at", "summary")


def import_units(user: User) -> list[Unit]:
    """The units the user may import courses into (current memberships, as at intake)."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return []
    units = {m.unit_id: m.unit for m in membership_list(user)}
    return sorted(units.values(), key=lambda u: u.name)


def initiatives() -> list[tuple[str, str]]:
    return [
        (str(pk), name)
        for pk, name in Initiative.objects.order_by("name").values_list("id", "name")
    ]


def my_jobs(user: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(created_by_id=user.pk).only(*LIST_FIELDS)[:50]


def job_for(user: User, job_id: Any) -> ImportJob:
    """The user's own job, without its bytes; another's or a guessed id: ``PermissionDenied``."""
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        raise PermissionDenied from None
    job = (
        ImportJob.objects.defer("data")
        .select_related("unit", "initiative")
        .filter(pk=key, created_by_id=user.pk)
        .first()
    )
    if job is None or job.unit_id not in {u.pk for u in import_units(user)}:
        raise PermissionDenied
    return job


def has_file(job: ImportJob) -> bool:
    return ImportJob.objects.filter(pk=job.pk).exclude(data=b"").exists()


def saved_sources(user: User) -> list[str]:
    orgs = {u.organisation_id for u in import_units(user)}
    return list(
        ImportMapping.objects.filter(organisation_id__in=orgs)
        .order_by("source")
        .values_list("source", flat=True)
        .distinct()
    )
