"""The access log is tamper-evident (issue 15): a database owner who goes past the append-only
triggers — drops a trigger around an UPDATE, deletes through the retention gate table, inserts a
backdated row, swaps two rows — is named by ``helhed audit verify`` (the first altered, inserted
or deleted entry, non-zero exit code). Erasure and retention keep the chain verifiable; the
checkpoint kept outside the database catches a truncated tail or a chain rewritten with the key.
Runs on SQLite and PostgreSQL (``scripts/pgtmp.py``)."""

from __future__ import annotations

import importlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from helhed.audit import chain, logic
from helhed.audit.models import AccessLogEntry, ChainAnchor, Purpose
from helhed.audit.services import anonymise_citizen_entries, log_access, prune
from helhed.core.models import User

pytestmark = pytest.mark.django_db

TABLE = "audit_accesslogentry"
MIGRATION = importlib.import_module("helhed.audit.migrations.0007_chain_existing_entries")
CITIZEN = uuid.UUID("11111111-2222-3333-4444-555555555555")


def verify(*args: str) -> tuple[int, str]:
    """``helhed audit verify …`` as an operator runs it: exit code and output."""
    out = io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def entries(actor: User, n: int) -> list[AccessLogEntry]:
    written = []
    for i in range(n):
        written += log_access(
            actor, CITIZEN if i % 2 else uuid.uuid4(), f"plan {i}", "planlaegning"
        )
    return written


def sql_uuid(value: uuid.UUID) -> str:
    """A UUID as a raw-SQL parameter (SQLite stores 32 hex digits, PostgreSQL a uuid)."""
    return value.hex if connection.vendor == "sqlite" else str(value)


def db_id(entry: AccessLogEntry) -> str:
    return sql_uuid(entry.pk)


def as_attacker(sql: str, params: list[Any]) -> None:
    """What a database owner can do: drop the append-only trigger, change the table, recreate
    the trigger so nothing looks different."""
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in MIGRATION.POSTGRESQL_DROP if postgresql else MIGRATION.SQLITE_DROP:
            cursor.execute(statement)
        cursor.execute(sql, params)
        for statement in MIGRATION.POSTGRESQL_CREATE if postgresql else MIGRATION.SQLITE_CREATE:
            cursor.execute(statement)


def through_the_gate(sql: str, params: list[Any]) -> None:
    """The other way past the triggers: open the retention gate table by hand."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO audit_retention_guard (allow_delete) VALUES (1)")
        cursor.execute(sql, params)
        cursor.execute("DELETE FROM audit_retention_guard")


def test_a_clean_chain_verifies(coordinator: User) -> None:
    written = entries(coordinator, 30)
    assert [e.seq for e in written] == list(range(1, 31))
    code, out = verify()
    assert code == 0, out
    assert "Adgangsloggen er i orden: 30 poster kontrolleret" in out
    assert "hoved: sekvens 30" in out


def test_an_empty_log_verifies(db: None) -> None:
    code, out = verify()
    assert code == 0 and "i orden: 0 poster" in out


def test_every_insert_joins_the_chain_even_past_log_access(coordinator: User) -> None:
    log_access(coordinator, CITIZEN, "plan", Purpose.CASEWORK)
    direct = AccessLogEntry.objects.create(
        actor=coordinator, actor_name="x", citizen_id=CITIZEN, what="plan", purpose="planlaegning"
    )
    assert direct.seq == 2 and direct.chain_hash
    assert verify()[0] == 0


def test_an_update_behind_a_dropped_trigger_is_named(coordinator: User) -> None:
    written = entries(coordinator, 10)
    victim = written[6]
    as_attacker(f"UPDATE {TABLE} SET what = %s WHERE id = %s", ["ingenting", db_id(victim)])
    assert AccessLogEntry.objects.get(pk=victim.pk).what == "ingenting"  # the attack worked
    code, out = verify()
    assert code == 1
    assert f"Første fejl: ændret: sekvens 7, id {victim.pk}" in out
    # the trigger is back: the application still cannot change it
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {TABLE} SET what = 'y' WHERE id = %s", [db_id(victim)])


def test_changing_the_reader_or_the_time_is_named_too(coordinator: User, make_user: Any) -> None:
    written = entries(coordinator, 5)
    other = make_user("fagperson")
    as_attacker(
        f"UPDATE {TABLE} SET actor_id = %s WHERE id = %s", [sql_uuid(other.pk), db_id(written[1])]
    )
    code, out = verify()
    assert code == 1 and f"Første fejl: ændret: sekvens 2, id {written[1].pk}" in out


def test_a_delete_through_the_gate_table_is_named(coordinator: User) -> None:
    written = entries(coordinator, 10)
    through_the_gate(f"DELETE FROM {TABLE} WHERE id = %s", [db_id(written[3])])
    assert not AccessLogEntry.objects.filter(pk=written[3].pk).exists()
    code, out = verify()
    assert code == 1
    assert f"Første fejl: slettet: sekvens 5, id {written[4].pk}: sekvens 4 mangler" in out


def test_deleting_the_first_entries_is_named(coordinator: User) -> None:
    written = entries(coordinator, 5)
    through_the_gate(f"DELETE FROM {TABLE} WHERE seq <= 2", [])
    code, out = verify()
    assert code == 1
    assert f"slettet: sekvens 3, id {written[2].pk}: sekvens 1–2 mangler" in out


def test_a_backdated_row_inserted_outside_the_chain_is_named(coordinator: User) -> None:
    written = entries(coordinator, 5)
    forged = uuid.uuid4()
    past = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(days=400))
    with connection.cursor() as cursor:  # INSERT is allowed: the log is append-only
        cursor.execute(
            f"INSERT INTO {TABLE} (id, at, actor_id, actor_name, actor_unit, citizen_id, what,"
            " purpose, without_consent, legal_basis, listing)"
            f" SELECT %s, %s, actor_id, actor_name, actor_unit, citizen_id, 'journal', purpose,"
            f" without_consent, legal_basis, listing FROM {TABLE} WHERE id = %s",
            [sql_uuid(forged), past, db_id(written[0])],
        )
    code, out = verify()
    assert code == 1
    assert f"Første fejl: indsat: sekvens -, id {forged}: er ikke en del af kæden" in out


def test_a_backdated_row_given_the_next_sequence_number_is_named(coordinator: User) -> None:
    written = entries(coordinator, 5)
    forged = uuid.uuid4()
    past = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(days=400))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, at, actor_id, actor_name, actor_unit, citizen_id, what,"
            " purpose, without_consent, legal_basis, listing, seq, salt, chain_hash)"
            f" SELECT %s, %s, actor_id, actor_name, actor_unit, citizen_id, 'journal', purpose,"
            " without_consent, legal_basis, listing, 6, salt, chain_hash"
            f" FROM {TABLE} WHERE id = %s",
            [sql_uuid(forged), past, db_id(written[4])],
        )
    code, out = verify()
    assert code == 1
    assert f"Første fejl: indsat: sekvens 6, id {forged}: tilbagedateret" in out


def test_a_row_slipped_into_the_middle_is_named(coordinator: User) -> None:
    """The attacker makes room (every later sequence number + 1) and copies a hash."""
    written = entries(coordinator, 6)
    forged = uuid.uuid4()
    at = connection.ops.adapt_datetimefield_value(written[2].at)
    as_attacker(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE seq >= 3", [])
    as_attacker(f"UPDATE {TABLE} SET seq = seq - 999 WHERE seq >= 1000", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, at, actor_id, actor_name, actor_unit, citizen_id, what,"
            " purpose, without_consent, legal_basis, listing, seq, salt, chain_hash)"
            f" SELECT %s, %s, actor_id, actor_name, actor_unit, citizen_id, 'journal', purpose,"
            " without_consent, legal_basis, listing, 3, salt, chain_hash"
            f" FROM {TABLE} WHERE id = %s",
            [sql_uuid(forged), at, db_id(written[0])],
        )
    code, out = verify()
    assert code == 1
    assert f"Første fejl: indsat: sekvens 3, id {forged}: er skudt ind foran en ægte post" in out


def test_two_swapped_rows_are_named(coordinator: User) -> None:
    written = entries(coordinator, 6)
    as_attacker(f"UPDATE {TABLE} SET seq = -1 WHERE seq = 3", [])
    as_attacker(f"UPDATE {TABLE} SET seq = 3 WHERE seq = 4", [])
    as_attacker(f"UPDATE {TABLE} SET seq = 4 WHERE seq = -1", [])
    code, out = verify()
    assert code == 1
    assert (
        f"Første fejl: flyttet: sekvens 3, id {written[3].pk}: har byttet plads med sekvens 4"
        in out
    )


def test_the_first_of_several_problems_comes_first(coordinator: User) -> None:
    written = entries(coordinator, 10)
    as_attacker(f"UPDATE {TABLE} SET what = 'x' WHERE id = %s", [db_id(written[7])])
    through_the_gate(f"DELETE FROM {TABLE} WHERE id = %s", [db_id(written[2])])
    code, out = verify()
    assert code == 1
    lines = out.splitlines()
    assert lines[1].startswith("Første fejl: slettet: sekvens 4")
    assert lines[2].startswith("  derefter: ændret: sekvens 8")


def test_a_different_key_fails_every_entry(coordinator: User) -> None:
    entries(coordinator, 3)
    with override_settings(HELHED_AUDIT_KEY="en-anden-nøgle-" + "k" * 32):
        code, out = verify()
    assert code == 1 and "Første fejl: ændret: sekvens 1" in out


# --- Erasure ------------------------------------------------------------------------------------


def test_anonymising_a_citizen_keeps_the_chain_verifiable(coordinator: User) -> None:
    entries(coordinator, 8)
    assert anonymise_citizen_entries(CITIZEN) == 4
    assert not AccessLogEntry.objects.filter(citizen_id=CITIZEN).exists()
    blanked = AccessLogEntry.objects.filter(citizen_id=logic.NIL_UUID)
    assert blanked.count() == 4
    assert set(blanked.values_list("what", flat=True)) == {""}
    assert {e.actor_name for e in blanked} == {coordinator.get_full_name()}  # who read stays
    assert all(set(e.erased or {}) == {"citizen_id", "what"} for e in blanked)
    code, out = verify()
    assert code == 0, out
    assert anonymise_citizen_entries(CITIZEN) == 0  # nothing left about them


def test_the_gate_is_closed_again_after_anonymising(coordinator: User) -> None:
    (entry,) = log_access(coordinator, CITIZEN, "plan", Purpose.CASEWORK)
    anonymise_citizen_entries(CITIZEN)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {TABLE} SET what = 'y' WHERE id = %s", [db_id(entry)])


def test_blanking_a_field_without_its_digest_is_named(coordinator: User) -> None:
    written = entries(coordinator, 4)
    as_attacker(f"UPDATE {TABLE} SET what = '' WHERE id = %s", [db_id(written[2])])
    code, out = verify()
    assert code == 1
    assert f"ændret: sekvens 3, id {written[2].pk}: feltet what er tømt" in out


def test_changing_an_anonymised_field_is_named(coordinator: User) -> None:
    written = entries(coordinator, 4)
    anonymise_citizen_entries(CITIZEN)
    as_attacker(f"UPDATE {TABLE} SET what = 'gættet' WHERE id = %s", [db_id(written[1])])
    code, out = verify()
    assert code == 1 and f"Første fejl: ændret: sekvens 2, id {written[1].pk}" in out


# --- Retention of the log itself ----------------------------------------------------------------


def backdate(written: list[AccessLogEntry], days: int) -> None:
    """Entries written long ago (the test's clock cannot wait): chained with the key, as the
    application would have chained them then."""
    key = chain.key()
    prev = logic.GENESIS
    old = timezone.now() - timedelta(days=days)
    as_attacker(f"UPDATE {TABLE} SET at = %s", [connection.ops.adapt_datetimefield_value(old)])
    rows = AccessLogEntry._base_manager.order_by("seq").values(*_fields())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_retention_guard (allow_delete, allow_update) VALUES (0, 1)"
        )
        for row in rows:
            new = logic.entry_hash(key, prev, row)
            AccessLogEntry._base_manager.filter(pk=row["id"]).update(chain_hash=new)
            prev = new
        cursor.execute("DELETE FROM audit_retention_guard")


def _fields() -> list[str]:
    from helhed.audit.selectors import CHAIN_FIELDS

    return CHAIN_FIELDS


def test_prune_removes_old_entries_and_the_rest_verifies(coordinator: User) -> None:
    old = entries(coordinator, 6)
    backdate(old, days=800)
    assert verify()[0] == 0
    recent = entries(coordinator, 4)
    result = prune(before=timezone.now() - timedelta(days=365))
    assert (result.removed, result.first_seq) == (6, 7)
    assert list(AccessLogEntry.objects.order_by("seq").values_list("seq", flat=True)) == [
        7,
        8,
        9,
        10,
    ]
    assert [e.pk for e in AccessLogEntry.objects.order_by("seq")] == [e.pk for e in recent]
    code, out = verify()
    assert code == 0, out
    assert "4 poster kontrolleret" in out
    assert "kæden starter ved sekvens 7 efter oprydning" in out and "(6 poster fjernet)" in out
    log_access(coordinator, CITIZEN, "efter oprydning", Purpose.CASEWORK)
    assert verify()[0] == 0
    # the gate is closed again: an ad-hoc delete is still refused
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 7")


def test_prune_of_everything_then_new_entries_continue_the_chain(coordinator: User) -> None:
    backdate(entries(coordinator, 3), days=800)
    assert prune(before=timezone.now()).removed == 3
    assert not AccessLogEntry.objects.exists()
    assert verify()[0] == 0
    (entry,) = log_access(coordinator, CITIZEN, "plan", Purpose.CASEWORK)
    assert entry.seq == 4
    code, out = verify()
    assert code == 0, out


def test_a_deletion_after_a_prune_is_still_named(coordinator: User) -> None:
    backdate(entries(coordinator, 3), days=800)
    recent = entries(coordinator, 3)
    prune(before=timezone.now() - timedelta(days=1))
    through_the_gate(f"DELETE FROM {TABLE} WHERE id = %s", [db_id(recent[0])])
    code, out = verify()
    assert code == 1 and f"slettet: sekvens 5, id {recent[1].pk}: sekvens 4 mangler" in out


def test_a_forged_prune_anchor_is_named(coordinator: User) -> None:
    entries(coordinator, 5)
    through_the_gate(f"DELETE FROM {TABLE} WHERE seq <= 2", [])
    ChainAnchor.objects.create(first_seq=3, prev_hash="0" * 64, removed=2, mac="f" * 64)
    code, out = verify()
    assert code == 1
    assert "Første fejl: ændret: sekvens 3, id -: kædens startpunkt" in out


# --- Checkpoints --------------------------------------------------------------------------------


def test_checkpoint_to_stdout_and_file(coordinator: User, tmp_path: Path) -> None:
    written = entries(coordinator, 3)
    out = io.StringIO()
    call_command("audit", "checkpoint", stdout=out)
    head = json.loads(out.getvalue())
    assert head["seq"] == 3 and head["hash"] == written[-1].chain_hash and head["at"]
    path = tmp_path / "kaede.jsonl"
    call_command("audit", "checkpoint", file=str(path), stdout=io.StringIO())
    entries(coordinator, 1)
    call_command("audit", "checkpoint", file=str(path), stdout=io.StringIO())
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [3, 4]  # appended, not overwritten
    code, out_text = verify("--checkpoint", str(path))
    assert code == 0 and "2 checkpoints" in out_text


def test_a_truncated_tail_is_found_only_against_a_checkpoint(
    coordinator: User, tmp_path: Path
) -> None:
    entries(coordinator, 5)
    path = tmp_path / "kaede.jsonl"
    call_command("audit", "checkpoint", file=str(path), stdout=io.StringIO())
    through_the_gate(f"DELETE FROM {TABLE} WHERE seq >= 4", [])
    assert verify()[0] == 0  # the chain alone cannot tell a shorter log from a younger one
    code, out = verify("--checkpoint", str(path))
    assert code == 1
    assert "slettet: sekvens 5, id -: checkpointets sekvens 5 findes ikke længere" in out


def test_a_chain_rewritten_with_the_key_is_found_only_against_a_checkpoint(
    coordinator: User, tmp_path: Path
) -> None:
    written = entries(coordinator, 5)
    path = tmp_path / "kaede.jsonl"
    call_command("audit", "checkpoint", file=str(path), stdout=io.StringIO())
    as_attacker(f"UPDATE {TABLE} SET what = 'ingenting' WHERE id = %s", [db_id(written[1])])
    backdate(written, days=0)  # the key holder recomputes every hash
    assert verify()[0] == 0
    code, out = verify("--checkpoint", str(path))
    assert code == 1
    assert "ændret: sekvens 5" in out and "kæden er skrevet om" in out


def test_two_heads_for_one_sequence_number_are_a_rewritten_chain_in_either_order(
    coordinator: User, tmp_path: Path
) -> None:
    """A checkpoint file kept across a restore names the old chain's head and, later, the new
    chain's head at the same sequence number: they cannot both be the chain's, whichever comes
    first in the file (the last one used to win silently)."""
    written = entries(coordinator, 4)
    good = json.dumps({"seq": 4, "hash": written[-1].chain_hash})
    other = json.dumps({"seq": 4, "hash": "0" * len(written[-1].chain_hash)})
    for order in ([other, good], [good, other]):
        path = tmp_path / "kaede.jsonl"
        path.write_text("\n".join(order) + "\n")
        code, out = verify("--checkpoint", str(path))
        assert code == 1
        assert "ændret: sekvens 4" in out and "kæden er skrevet om" in out
    path.write_text(f"{good}\n{good}\n")  # the same head written twice is no conflict
    assert verify("--checkpoint", str(path))[0] == 0


def test_a_bad_checkpoint_file_is_a_clear_error(db: None, tmp_path: Path) -> None:
    from django.core.management import CommandError

    path = tmp_path / "x.jsonl"
    path.write_text("ikke json\n")
    with pytest.raises(CommandError, match="linje 1"):
        call_command("audit", "verify", "--checkpoint", str(path))
    with pytest.raises(CommandError, match="kan ikke læse"):
        call_command("audit", "verify", "--checkpoint", str(tmp_path / "mangler"))
    for line in ('{"seq": 1e400, "hash": "%s"}' % ("a" * 64), '{"seq": 3, "hash": "ø"}'):
        path.write_text(line + "\n")  # a number too large for an integer; not a chain hash
        with pytest.raises(CommandError, match="linje 1"):
            call_command("audit", "verify", "--checkpoint", str(path))


def test_two_heads_for_a_pruned_number_are_still_reported(
    coordinator: User, tmp_path: Path
) -> None:
    """A prune removes the entries a rewrite left evidence of; the checkpoint file that names
    two heads for one of those numbers still tells."""
    old = entries(coordinator, 6)
    backdate(old, days=800)
    entries(coordinator, 2)
    prune(before=timezone.now() - timedelta(days=365))
    path = tmp_path / "kaede.jsonl"
    path.write_text("".join(json.dumps({"seq": 3, "hash": h * 64}) + "\n" for h in ("a", "b")))
    code, out = verify("--checkpoint", str(path))
    assert code == 1 and "ændret: sekvens 3" in out and "to forskellige hasher" in out
    path.write_text(json.dumps({"seq": 3, "hash": "a" * 64}) + "\n")  # one head: not checkable
    assert verify("--checkpoint", str(path))[0] == 0


def test_the_daily_job_writes_a_checkpoint(coordinator: User, tmp_path: Path) -> None:
    written = entries(coordinator, 2)
    path = tmp_path / "daglig.jsonl"
    with override_settings(HELHED_AUDIT_CHECKPOINT_FILE=str(path)):
        out = io.StringIO()
        call_command("alerts", stdout=out)
    (line,) = path.read_text().splitlines()
    assert json.loads(line)["seq"] == 2
    assert json.loads(line)["hash"] == written[-1].chain_hash
    assert "Checkpoint gemt" in out.getvalue()


def test_the_daily_job_writes_no_checkpoint_unless_asked(db: None, tmp_path: Path) -> None:
    with override_settings(HELHED_AUDIT_CHECKPOINT_FILE=""):
        out = io.StringIO()
        call_command("alerts", stdout=out)
    assert "Checkpoint" not in out.getvalue()


# --- Concurrency --------------------------------------------------------------------------------


def test_concurrent_writers_keep_one_chain(
    transactional_db: None, make_user: Callable[..., User], unit: Any, tmp_path: Path
) -> None:
    """Two writers append at once (PostgreSQL: the advisory lock; SQLite: BEGIN IMMEDIATE);
    the result is one gapless chain that verifies. PostgreSQL: two connections of this process;
    SQLite: two processes on one database file (the test database is in memory, shared by this
    process's connections under table locks that are not SQLite's file lock)."""
    users = [make_user("fagperson", unit), make_user("fagperson", unit)]
    if connection.vendor == "sqlite":
        database = _two_processes_append(tmp_path, users)
        rows = database.execute(
            f"SELECT seq, actor_id FROM {TABLE} WHERE seq IS NOT NULL ORDER BY seq"
        ).fetchall()
        database.close()
        seqs = [seq for seq, _actor in rows]
        actors = [actor for _seq, actor in rows]
    else:
        _two_threads_append(users)
        seqs = list(AccessLogEntry.objects.order_by("seq").values_list("seq", flat=True))
        actors = list(AccessLogEntry.objects.order_by("seq").values_list("actor_id", flat=True))
    assert seqs == list(range(1, 161))
    assert len(set(actors[:80])) == 2  # they really interleaved
    if connection.vendor == "sqlite":
        checked = subprocess.run(
            [sys.executable, "-m", "helhed", "audit", "verify"],
            env=_file_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
    else:
        code, out = verify()
        assert code == 0, out


def _two_threads_append(users: list[User]) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def write(user: User) -> None:
        try:
            barrier.wait()
            for i in range(40):
                log_access(user, [uuid.uuid4(), uuid.uuid4()], f"læst {i}", "sagsbehandling")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


_APPEND = """
import sys, time, uuid
import django
django.setup()
from helhed.audit.models import AccessLogEntry
from helhed.audit.services import log_access
from helhed.core.models import User
from pathlib import Path
user = User.objects.get(pk=sys.argv[1])
Path(sys.argv[2] + ".ready-" + sys.argv[1]).touch()
deadline = time.time() + 120
while not Path(sys.argv[2]).exists() and time.time() < deadline:
    time.sleep(0.001)
for i in range(40):
    log_access(user, [uuid.uuid4(), uuid.uuid4()], f"læst {i}", "sagsbehandling")
    # After its first append each waits for the other's, so a slow start under load cannot let
    # one writer finish before the other begins.
    while i == 0 and time.time() < deadline:
        if AccessLogEntry.objects.exclude(actor_id=user.pk).exists():
            break
        time.sleep(0.001)
"""


def _file_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chain.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "helhed.settings",
        "DEBUG": "true",
    }


def _two_processes_append(tmp_path: Path, users: list[User]) -> sqlite3.Connection:
    """The test database (migrated, with the users) copied to a file; two processes append to it
    from the same moment. Returns a connection to the file."""
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "chain.sqlite3")
    connection.connection.backup(target)  # type: ignore[union-attr]
    target.close()
    go = tmp_path / "go"  # both start appending once both have loaded Django
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _APPEND, str(user.pk), str(go)],
            env=_file_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for user in users
    ]
    deadline = time.time() + 120
    while time.time() < deadline and not all(
        Path(f"{go}.ready-{user.pk}").exists() for user in users
    ):
        time.sleep(0.01)
    go.touch()
    for process in processes:
        out, _err = process.communicate(timeout=120)
        assert process.returncode == 0, out
    return sqlite3.connect(tmp_path / "chain.sqlite3")


# --- Existing installations --------------------------------------------------------------------


def test_the_migration_chains_existing_entries(transactional_db: None, coordinator: User) -> None:
    """Entries written before the chain (no sequence number) are chained in order (at, id) by
    migration 0007; the triggers are back afterwards."""
    call_command("migrate", "audit", "0005", verbosity=0)
    now = timezone.now()
    ids = [uuid.uuid4() for _ in range(4)]
    with connection.cursor() as cursor:
        for i, entry_id in enumerate(ids):
            cursor.execute(
                f"INSERT INTO {TABLE} (id, at, actor_id, actor_name, actor_unit, citizen_id,"
                " what, purpose, without_consent, legal_basis)"
                " VALUES (%s, %s, %s, 'Karen', '', %s, 'plan', 'planlaegning', %s, '')",
                [
                    sql_uuid(entry_id),
                    connection.ops.adapt_datetimefield_value(now - timedelta(hours=4 - i)),
                    sql_uuid(coordinator.pk),
                    sql_uuid(CITIZEN),
                    False,
                ],
            )
    call_command("migrate", "audit", verbosity=0)
    assert list(AccessLogEntry.objects.order_by("seq").values_list("id", flat=True)) == ids
    code, out = verify()
    assert code == 0, out
    log_access(coordinator, CITIZEN, "efter migreringen", Purpose.CASEWORK)
    assert verify()[0] == 0
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {TABLE} SET what = 'y'")
