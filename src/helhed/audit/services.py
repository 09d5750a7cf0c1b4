"""The one function every read of a citizen's personal data calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.core.models import Unit, User
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
    unit_id: uuid.UUID | None = None,
    listing: bool = False,
) -> list[AccessLogEntry]:
    """Record that ``actor`` read ``what`` about one citizen (or each of several, e.g. a search
    result list) for ``purpose``. Returns the entries written.

    Access without consent (a legally authorised purpose) must name its legal basis; the entry is
    flagged so it stands out in the citizen's log and in supervision.

    ``unit_id`` is the unit the read was made from (the course guard knows it: the coordinating
    unit, the team unit the consent covers, the unit an access without consent was opened from);
    it must be one of the actor's units. Without it the entry names the actor's first unit.

    ``listing`` marks a list the citizens appeared in (a caseload, search results: a line per
    course) rather than an opening of a record; the citizen's own log shows those apart.
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
    unit, organisation_id, actor_unit_id = "", None, None
    if actor.kind == "staff":
        # The same order as ``ORDER BY unit__organisation__name, unit__name``; the memberships
        # are read once per request (the access check has usually read them already).
        memberships = sorted(
            membership_list(actor), key=lambda m: (m.unit.organisation.name, m.unit.name)
        )
        chosen = next((m for m in memberships if m.unit_id == unit_id), None)
        if unit_id is not None and chosen is None:
            # Not one of the actor's current units (e.g. a coordinator whose membership of the
            # coordinating unit ended): named as it is, attributed to it all the same.
            chosen_unit = Unit.objects.select_related("organisation").filter(pk=unit_id).first()
        else:
            first = chosen or (memberships[0] if memberships else None)
            chosen_unit = first.unit if first is not None else None
        if chosen_unit is not None:
            unit = f"{chosen_unit.name}, {chosen_unit.organisation.name}"[:300]
            organisation_id = chosen_unit.organisation_id
            actor_unit_id = chosen_unit.pk
    name = (actor.get_full_name() or actor.get_username())[:200]
    entries = [
        AccessLogEntry(
            actor=actor,
            actor_name=name,
            actor_unit=unit,
            actor_organisation_id=organisation_id,
            actor_unit_id=actor_unit_id,
            citizen_id=cid,
            what=what.strip()[:200],
            purpose=purpose,
            without_consent=without_consent,
            legal_basis=legal_basis.strip()[:300],
            listing=listing,
        )
        for cid in ids
    ]
    with transaction.atomic():
        AccessLogEntry.objects.bulk_create(entries)
    return entries
