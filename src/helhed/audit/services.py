"""The one function every read of a citizen's personal data calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from helhed.audit import chain, logic
from helhed.audit.models import AccessLogEntry, ChainAnchor, Purpose
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
    if getattr(actor, "is_system", False) and not without_consent:
        # An integration client's system user: whatever the read is for in the product, the
        # citizen sees that another system fetched it (helhed.integrations).
        purpose = Purpose.INTEGRATION
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


# --- The hash chain: erasure, retention, checkpoints (docs/security.md, "Adgangsloggen kan ikke
# ændres ubemærket"). The database's triggers refuse UPDATE and DELETE; these two functions are
# the only paths that open the gate table, inside their own transaction, and close it again.

GATE = "audit_retention_guard"


def _open_gate(cursor: Any, *, delete: bool = False, update: bool = False) -> None:
    cursor.execute(
        f"INSERT INTO {GATE} (allow_delete, allow_update) VALUES (%s, %s)",
        [int(delete), int(update)],
    )


def _close_gate(cursor: Any) -> None:
    cursor.execute(f"DELETE FROM {GATE} WHERE allow_delete = 1 OR allow_update = 1")


def anonymise_citizen_entries(citizen_id: uuid.UUID) -> int:
    """Erasure: blank the citizen's identity and what was read (``logic.CITIZEN_FIELDS``) in every
    entry about ``citizen_id``, keeping each blanked field's keyed digest on the row so the chain
    still verifies. Who read, when, from which unit and why stay. Returns the entries changed."""
    the_key = chain.key()
    with transaction.atomic(), connection.cursor() as cursor:
        rows = list(
            AccessLogEntry._base_manager.filter(citizen_id=citizen_id, seq__isnull=False).values(
                "id", "salt", "erased", *logic.CITIZEN_FIELDS
            )
        )
        if not rows:
            return 0
        _open_gate(cursor, update=True)
        for row in rows:
            erased = dict(row["erased"] or {})
            for field in logic.CITIZEN_FIELDS:
                if not logic.is_blank(field, row[field]):
                    erased[field] = logic.field_digest(the_key, row["salt"], field, row[field])
            AccessLogEntry._base_manager.filter(pk=row["id"]).update(
                erased=erased, **{field: logic.BLANK[field] for field in logic.CITIZEN_FIELDS}
            )
        _close_gate(cursor)
    return len(rows)


@dataclass(frozen=True)
class PruneResult:
    removed: int
    first_seq: int


def prune(*, before: datetime) -> PruneResult:
    """Retention of the log itself: remove the entries from the start of the chain up to the first
    one written at or after ``before``, and record a prune anchor (the first remaining sequence
    number and the hash before it, MAC'ed under the key) so the rest still verifies. Serialised
    with appends; the gate is open only inside this transaction."""
    using = "default"
    with transaction.atomic(using=using), connection.cursor() as cursor:
        chain.lock(using)
        last_seq, last_hash = chain.head(using)
        chained = AccessLogEntry._base_manager.filter(seq__isnull=False)
        first = chained.filter(at__gte=before).order_by("seq").values_list("seq", flat=True).first()
        first_seq = first if first is not None else last_seq + 1
        earlier = chained.filter(seq__lt=first_seq)
        removed = earlier.count()
        if removed == 0:
            return PruneResult(removed=0, first_seq=first_seq)
        if first is None:
            prev_hash = last_hash
        else:
            prev_hash = (
                chained.filter(seq=first_seq - 1).values_list("chain_hash", flat=True).first()
                or logic.GENESIS
            )
        _open_gate(cursor, delete=True)
        cursor.execute(f"DELETE FROM {chain.TABLE} WHERE seq < %s", [first_seq])
        _close_gate(cursor)
        at = timezone.now()
        ChainAnchor.objects.create(
            first_seq=first_seq,
            prev_hash=prev_hash,
            removed=removed,
            at=at,
            mac=logic.anchor_mac(chain.key(), first_seq, prev_hash, removed, at),
        )
    return PruneResult(removed=removed, first_seq=first_seq)


def checkpoint_line() -> str:
    """The chain's head as one JSON line (sequence, hash, time) for keeping outside the database
    (``helhed audit checkpoint``, the daily job)."""
    seq, head_hash = chain.head("default")
    return json.dumps(
        {"seq": seq, "hash": head_hash, "at": timezone.now().isoformat(timespec="seconds")},
        sort_keys=True,
    )


def write_checkpoint(path: str | Path) -> str:
    """Append the head to ``path`` (created if missing); returns the line written."""
    line = checkpoint_line()
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    return line
