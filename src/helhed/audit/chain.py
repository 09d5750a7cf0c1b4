"""Appending to the access log's hash chain: one writer at a time, on both backends.

``assign`` runs inside the inserting transaction. It serialises the writers first — SQLite's
write transactions are ``BEGIN IMMEDIATE`` already (``config.sqlite_config``), so the database
lock is held before the head is read; on PostgreSQL a transaction-scoped advisory lock
(``pg_advisory_xact_lock``) is taken — and only then reads the head (the last sequence number and
its hash: one index lookup). Two concurrent writers therefore never see the same head, and the
chain never forks. The lock is released when the transaction ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connections

from helhed.audit import logic

TABLE = "audit_accesslogentry"
ANCHOR_TABLE = "audit_chainanchor"
# pg_advisory_xact_lock's key: a fixed 64-bit number that names the access log's chain.
PG_LOCK_ID = 0x48E1_4ED0_A0D1_7C4A


def key() -> bytes:
    return logic.key_bytes(settings.HELHED_AUDIT_KEY)


def lock(using: str) -> None:
    """Serialise appends (and prunes) for the rest of the current transaction."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PG_LOCK_ID])
    # SQLite: the transaction began with BEGIN IMMEDIATE and holds the write lock already.


def head(using: str) -> tuple[int, str]:
    """The last sequence number and its hash (after a prune that removed everything: the prune
    anchor's; on an empty log: 0 and the genesis hash)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT seq, chain_hash FROM {TABLE} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        )
        row = cursor.fetchone()
        if row is not None:
            return int(row[0]), str(row[1])
        cursor.execute(
            f"SELECT first_seq, prev_hash FROM {ANCHOR_TABLE} ORDER BY first_seq DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0]) - 1, str(row[1])
    return 0, logic.GENESIS


def row_of(entry: Any) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "id": entry.id,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_organisation_id": entry.actor_organisation_id,
        "actor_unit_id": entry.actor_unit_id,
        "purpose": entry.purpose,
        "without_consent": entry.without_consent,
        "listing": entry.listing,
        "salt": entry.salt,
        "erased": entry.erased,
        **{field: getattr(entry, field) for field in logic.PERSONAL_FIELDS},
    }


def assign(entries: Sequence[Any], using: str) -> None:
    """Give each new entry its sequence number, salt and chain hash (call inside the inserting
    transaction, right before the INSERT)."""
    if not entries:
        return
    lock(using)
    seq, prev_hash = head(using)
    the_key = key()
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.salt = logic.new_salt()
        entry.erased = None
        entry.chain_hash = logic.entry_hash(the_key, prev_hash, row_of(entry))
        prev_hash = entry.chain_hash
