"""The one function every read of a citizen's personal data calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.core.models import User
from helhed.core.selectors import membership_list


class AccessLogError(ValueError):
    """The caller asked to log an access without the facts the log needs."""


def log_access(
    actor: User,
    citizen_id: uuid.UUID | Iterable[uuid.UUID],
    what: str,
    purpose: str,
    *,
    without_consent: bool = False,
    legal_basis: str = "",
) -> list[AccessLogEntry]:
    """Record that ``actor`` read ``what`` about one citizen (or each of several, e.g. a search
    result list) for ``purpose``. Returns the entries written.

    Access without consent (a legally authorised purpose) must name its legal basis; the entry is
    flagged so it stands out in the citizen's log and in supervision.
    """
    if not actor.is_authenticated:
        raise AccessLogError("Kun en logget ind bruger kan læse personoplysninger.")
    if purpose not in Purpose.values:
        raise AccessLogError(f"Ukendt formål {purpose!r}.")
    if not what.strip():
        raise AccessLogError("Angiv hvad der blev læst.")
    if without_consent and not legal_basis.strip():
        raise AccessLogError("Adgang uden samtykke kræver en angivet hjemmel.")
    ids = [citizen_id] if isinstance(citizen_id, uuid.UUID) else list(dict.fromkeys(citizen_id))
    if not ids:
        return []
    unit, organisation_id = "", None
    if actor.kind == "staff":
        # The same order as ``ORDER BY unit__organisation__name, unit__name``; the memberships
        # are read once per request (the access check has usually read them already).
        memberships = sorted(
            membership_list(actor), key=lambda m: (m.unit.organisation.name, m.unit.name)
        )
        first = memberships[0] if memberships else None
        if first is not None:
            unit = f"{first.unit.name}, {first.unit.organisation.name}"[:300]
            organisation_id = first.unit.organisation_id
    name = (actor.get_full_name() or actor.get_username())[:200]
    entries = [
        AccessLogEntry(
            actor=actor,
            actor_name=name,
            actor_unit=unit,
            actor_organisation_id=organisation_id,
            citizen_id=cid,
            what=what.strip()[:200],
            purpose=purpose,
            without_consent=without_consent,
            legal_basis=legal_basis.strip()[:300],
        )
        for cid in ids
    ]
    with transaction.atomic():
        AccessLogEntry.objects.bulk_create(entries)
    return entries
