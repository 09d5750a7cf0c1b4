"""Reads of the access log: the citizen's own view and supervision by leaders/administrators."""

from __future__ import annotations

import uuid
from datetime import date

from django.db.models import QuerySet

from helhed.audit.models import AccessLogEntry
from helhed.core.models import User
from helhed.core.selectors import current_memberships


def entries_for_citizen(
    citizen_id: uuid.UUID, *, exclude_actor: User | None = None
) -> QuerySet[AccessLogEntry]:
    """What the citizen sees under "who has looked at my data". ``exclude_actor`` leaves out the
    citizen's own reads of their own data (the log still stores them)."""
    qs = AccessLogEntry.objects.filter(citizen_id=citizen_id)
    if exclude_actor is not None:
        qs = qs.exclude(actor=exclude_actor)
    return qs.order_by("-at")


def entries_for_supervision(
    viewer: User,
    *,
    citizen_id: uuid.UUID | None = None,
    actor_query: str = "",
    without_consent_only: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AccessLogEntry]:
    """Entries written by staff of the viewer's own organisations (all, for a superuser)."""
    qs = AccessLogEntry.objects.all()
    if not viewer.is_superuser:
        org_ids = current_memberships(viewer).values("unit__organisation_id")
        qs = qs.filter(actor_organisation_id__in=org_ids)
    if citizen_id is not None:
        qs = qs.filter(citizen_id=citizen_id)
    if actor_query:
        qs = qs.filter(actor_name__icontains=actor_query)
    if without_consent_only:
        qs = qs.filter(without_consent=True)
    if since is not None:
        qs = qs.filter(at__date__gte=since)
    if until is not None:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at")
