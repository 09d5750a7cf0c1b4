"""The access log's hash chain as plain functions (docs/security.md, "Adgangsloggen kan ikke
ændres ubemærket").

Entry ``n`` stores ``chain_hash = HMAC-SHA256(key, "helhed-audit-v1" | hash(n-1) | content(n))``
where ``content`` is a canonical JSON of the entry: its sequence number, id, time, actor, unit,
purpose, flags, its salt and — instead of the personal fields themselves — one keyed digest per
personal field (``HMAC(key, salt | field | value)``). Erasure may later blank a personal field and
keep its digest on the row (``erased``); the chain still verifies, and a field that was changed
rather than blanked (or blanked without its digest) does not.

The key lives outside the database (``HELHED_AUDIT_KEY`` / ``HELHED_AUDIT_KEY_FILE``): a database
owner who changes, inserts or deletes a row cannot compute the hashes that would hide it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VERSION = b"helhed-audit-v1"
GENESIS = "0" * 64
# The personal fields: covered by a keyed digest each, so that erasure can blank them.
PERSONAL_FIELDS = ("citizen_id", "actor_name", "actor_unit", "what", "legal_basis")
# What a citizen's erasure blanks (the actor's name and unit are the professional's, kept for
# accountability; the legal basis names a statute and must stay for an access without consent).
CITIZEN_FIELDS = ("citizen_id", "what")
# Personal fields an entry is always written with: blank only after an erasure.
NEVER_BLANK = ("citizen_id", "actor_name", "what")
NIL_UUID = uuid.UUID(int=0)
BLANK: dict[str, Any] = {
    "citizen_id": NIL_UUID,
    "actor_name": "",
    "actor_unit": "",
    "what": "",
    "legal_basis": "",
}
# A row that is appended later than its predecessor by construction; one written more than this
# many seconds *before* its predecessor was backdated (concurrent writers differ by milliseconds).
BACKDATE_TOLERANCE_SECONDS = 60.0


def key_bytes(key: str) -> bytes:
    return key.encode("utf-8")


def new_salt() -> str:
    return uuid.uuid4().hex


def text(value: Any) -> str:
    """A field's value as the text the digest covers."""
    if value is None:
        return ""
    if isinstance(value, uuid.UUID):
        return value.hex
    return str(value)


def uuid_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


def time_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def field_digest(key: bytes, salt: str, field: str, value: Any) -> str:
    message = b"\x00".join([b"field", salt.encode(), field.encode(), text(value).encode("utf-8")])
    return hmac.digest(key, message, "sha256").hex()


def is_blank(field: str, value: Any) -> bool:
    return text(value) == text(BLANK[field])


def personal_digests(key: bytes, row: Mapping[str, Any]) -> dict[str, str]:
    """The digest of each personal field: computed from the value, or — for a field blanked by
    erasure — the digest kept on the row. A field blanked without its digest kept, or changed to
    anything but blank, gives another digest and the entry no longer verifies."""
    erased: Mapping[str, str] = row.get("erased") or {}
    digests = {}
    for field in PERSONAL_FIELDS:
        value = row[field]
        if field in erased and is_blank(field, value):
            digests[field] = erased[field]
        else:
            digests[field] = field_digest(key, row["salt"], field, value)
    return digests


def content(key: bytes, row: Mapping[str, Any]) -> bytes:
    """The canonical content of an entry (a mapping with the model's field names)."""
    digests = personal_digests(key, row)
    doc = {
        "seq": row["seq"],
        "id": uuid_text(row["id"]),
        "at": time_text(row["at"]),
        "actor": text(row["actor_id"]),
        "org": uuid_text(row["actor_organisation_id"]),
        "unit": uuid_text(row["actor_unit_id"]),
        "purpose": row["purpose"],
        "without_consent": bool(row["without_consent"]),
        "listing": row["listing"],
        "salt": row["salt"],
        "personal": digests,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(key: bytes, prev_hash: str, row: Mapping[str, Any]) -> str:
    message = b"\n".join([VERSION, prev_hash.encode(), content(key, row)])
    return hmac.digest(key, message, "sha256").hex()


def anchor_mac(key: bytes, first_seq: int, prev_hash: str, removed: int, at: datetime) -> str:
    """The prune anchor's own MAC: after a prune the chain starts at ``first_seq`` over
    ``prev_hash``; nobody without the key can move that start."""
    message = b"\n".join(
        [
            b"helhed-audit-anchor-v1",
            str(first_seq).encode(),
            prev_hash.encode(),
            str(removed).encode(),
            time_text(at).encode(),
        ]
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# What verification can find, worded for the operator (Danish, like the rest of the CLI).
ALTERED = "ændret"
INSERTED = "indsat"
DELETED = "slettet"
MOVED = "flyttet"


@dataclass(frozen=True)
class Problem:
    kind: str  # ALTERED, INSERTED, DELETED, MOVED
    seq: int | None
    entry_id: str | None
    detail: str

    def line(self) -> str:
        seq = "-" if self.seq is None else str(self.seq)
        entry = self.entry_id or "-"
        return f"{self.kind}: sekvens {seq}, id {entry}: {self.detail}"


def is_backdated(at: datetime, previous_at: datetime | None) -> bool:
    if previous_at is None:
        return False
    return (previous_at - at).total_seconds() > BACKDATE_TOLERANCE_SECONDS
