"""``helhed backup`` and ``helhed restore`` on the run's backend (SQLite: file databases in
tmp_path; PostgreSQL: the test database as source, a separate database in the same cluster as
target).

The main test writes through the access log from another process during the backup, restores into
a fresh database and compares every table's checksum with the manifest — the state at the
backup's point in time, not the source's state afterwards — then verifies the hash chain.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from helhed.ops import backup

ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("backup_writer.py")
POSTGRESQL = connection.vendor == "postgresql"
# Loose bounds on a shared 2-core machine (measured: the backup of the test database ~1 s, the
# slowest write during it well under 1 s).
MAX_WRITE_SECONDS = 5.0
MAX_BACKUP_SECONDS = 60.0


def url_of(database: dict[str, Any]) -> str:
    if not POSTGRESQL:
        return f"sqlite:///{database['NAME']}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{database['NAME']}"))


def env_for(database: dict[str, Any], **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url_of(database),
        "PYTHONPATH": str(ROOT / "src"),
        "DEBUG": "true",
        **extra,
    }


def helhed(database: dict[str, Any], *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helhed", *args],
        env=env_for(database, **extra),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def sqlite_settings(path: Path) -> dict[str, Any]:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def checksums_of(database: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The database's per-table checksums, computed here (not by the restore)."""
    if not POSTGRESQL:
        conn = sqlite3.connect(database["NAME"])
        try:
            return backup.sqlite_checksums(conn)
        finally:
            conn.close()
    conn = backup._pg_connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            result = backup.pg_checksums(cursor)
            cursor.execute("COMMIT")
        return result
    finally:
        conn.close()


def access_log_rows(database: dict[str, Any]) -> int:
    return int(checksums_of(database)["audit_accesslogentry"]["rows"])


def make_source(tmp_path: Path) -> dict[str, Any]:
    """The database to back up. SQLite: the (in-memory) test database copied to a WAL file;
    PostgreSQL: the test database itself (committed data needs ``transactional_db``)."""
    if POSTGRESQL:
        return dict(connection.settings_dict)
    path = tmp_path / "helhed.sqlite3"
    # A connection of its own to the shared in-memory test database: the test's own one may be
    # inside a write transaction, which the backup API would wait for forever.
    memory = sqlite3.connect(connection.settings_dict["NAME"], uri=True)
    target = sqlite3.connect(path)
    memory.backup(target)
    memory.close()
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    return sqlite_settings(path)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An empty restore target: a file name in tmp_path, or a new database in the cluster."""
    if not POSTGRESQL:
        yield sqlite_settings(tmp_path / "gendannet.sqlite3")
        return
    name = f"helhed_restore_{secrets.token_hex(4)}"
    admin = backup._pg_connect(connection.settings_dict)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**connection.settings_dict, "NAME": name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def app_role() -> Iterator[str]:
    """PostgreSQL: a login role standing for the one the server runs as."""
    name = f"helhed_app_{secrets.token_hex(4)}"
    if not POSTGRESQL:
        yield name
        return
    admin = backup._pg_connect(connection.settings_dict)
    admin.execute(f'CREATE ROLE "{name}" LOGIN')
    try:
        yield name  # torn down after ``fresh`` (requested after it), whose database holds grants
    finally:
        try:
            admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        finally:
            admin.close()


def start_writer(database: dict[str, Any], stop: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(stop)],
        env=env_for(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # the first write done (bounded by the writer's own start)
    if line.strip() != "ready":
        process.kill()
        pytest.fail(
            f"writer did not start: {line!r} {process.stderr.read() if process.stderr else ''}"
        )
    return process


def stop_writer(process: subprocess.Popen[str], stop: Path) -> list[tuple[float, float]]:
    stop.touch()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return [(float(a), float(b)) for a, b in json.loads(out.strip().splitlines()[-1])]


@pytest.mark.django_db(transaction=True)
def test_a_backup_under_writes_restores_its_point_in_time_and_the_chain_verifies(
    app_role: str, fresh: dict[str, Any], tmp_path: Path
) -> None:
    call_command("demo", citizens=6, no_progress=True, verbosity=0)  # committed
    source = make_source(tmp_path)
    stop = tmp_path / "stop"
    writer = start_writer(source, stop)
    try:
        started = time.time()
        backup.create(tmp_path / "kopi.helhed", database=source)
        finished = time.time()
        time.sleep(0.3)  # the writer goes on after the backup's point in time
    finally:
        writes = stop_writer(writer, stop)
    manifest = backup.read_manifest(tmp_path / "kopi.helhed")

    # The backup finished, and writers were not held up by it.
    assert finished - started < MAX_BACKUP_SECONDS
    during = [(a, b) for a, b in writes if a < finished and b > started]
    assert during, "no write overlapped the backup: the test proves nothing"
    slowest = max(b - a for a, b in writes)
    assert slowest < MAX_WRITE_SECONDS, f"a write waited {slowest:.1f} s during the backup"

    # The manifest is the point in time: the source has moved on since.
    logged = manifest.tables["audit_accesslogentry"]["rows"]
    assert 0 < logged < access_log_rows(source)
    assert manifest.audit_head["seq"] == logged
    assert manifest.tables["courses_planversion"]["rows"] > 0
    [(_app, latest)] = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("audit")
    assert manifest.heads()["audit"] == latest  # the migrations' state is in the manifest

    restored = helhed(fresh, "restore", str(tmp_path / "kopi.helhed"), HELHED_DB_APP_ROLE=app_role)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "svarer til manifestets kontrolsummer" in restored.stdout
    assert f"Adgangsloggen er i orden: {logged} poster" in restored.stdout

    # Checked here too, independently of the restore's own check: exactly the backed-up state.
    assert checksums_of(fresh) == manifest.tables
    verified = helhed(fresh, "audit", "verify")
    assert verified.returncode == 0, verified.stdout
    assert f"hoved: sekvens {logged}" in verified.stdout
    if POSTGRESQL:
        assert_the_app_role_cannot_alter_the_access_log(fresh, app_role)


def assert_the_app_role_cannot_alter_the_access_log(database: dict[str, Any], role: str) -> None:
    import psycopg

    as_app = backup._pg_connect({**database, "USER": role, "PASSWORD": ""})
    try:
        assert as_app.execute("SELECT count(*) FROM audit_accesslogentry").fetchone()[0] > 0
        assert as_app.execute("SELECT count(*) FROM courses_course").fetchone()[0] > 0
        for statement in (
            "DELETE FROM audit_accesslogentry",
            "UPDATE audit_accesslogentry SET what = 'x'",
            "TRUNCATE audit_accesslogentry",
            "DROP TRIGGER audit_accesslog_guard ON audit_accesslogentry",
            "INSERT INTO audit_retention_guard (allow_delete, allow_update) VALUES (1, 1)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                as_app.execute(statement)
        rights = as_app.execute(
            "SELECT has_table_privilege('audit_accesslogentry', 'INSERT'),"
            " has_table_privilege('courses_plan', 'UPDATE')"
        ).fetchone()
        assert rights == (True, True)
    finally:
        as_app.close()


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_not_written_over_an_existing_file_without_force(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    existing = tmp_path / "kopi.helhed"
    existing.write_bytes(b"yesterday's backup")
    with pytest.raises(backup.BackupError, match="findes allerede; brug --force"):
        backup.create(existing, database=source)
    assert existing.read_bytes() == b"yesterday's backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kopi")] == []

    refused = helhed(source, "backup", str(existing))
    assert refused.returncode == 1
    assert "Sikkerhedskopi afvist" in refused.stderr and "--force" in refused.stderr

    made = backup.create(existing, database=source, force=True)
    assert backup.read_manifest(existing).tables == made.manifest.tables


@pytest.mark.django_db(transaction=True)
def test_the_backup_file_is_readable_by_its_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    """Until it is encrypted the backup is every citizen's data in one file: with the common
    umask 022 it must still not be readable by the other users of the machine (it was 0644)."""
    source = make_source(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o755)
    target = folder / "kopi.helhed"

    def under_umask_022(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "helhed", *args],
            env=env_for(source),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
            umask=0o022,
        )

    made = under_umask_022("backup", str(target))
    assert made.returncode == 0, made.stderr
    assert oct(stat.S_IMODE(target.stat().st_mode)) == oct(0o600)
    replaced = under_umask_022("backup", str(target), "--force")  # os.replace, not os.link
    assert replaced.returncode == 0, replaced.stderr
    assert oct(stat.S_IMODE(target.stat().st_mode)) == oct(0o600)
    assert [p.name for p in folder.iterdir()] == ["kopi.helhed"]  # no temporary file left
    assert backup.read_manifest(target).backend == ("postgresql" if POSTGRESQL else "sqlite")


def marked_target(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A database holding one table of its own: a refused restore must leave it as it was."""
    if not POSTGRESQL:
        path = tmp_path / "live.sqlite3"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE marker (x INTEGER)")
        conn.execute("INSERT INTO marker VALUES (42)")
        conn.commit()
        conn.close()
        yield sqlite_settings(path)
        return
    name = f"helhed_live_{secrets.token_hex(4)}"
    admin = backup._pg_connect(connection.settings_dict)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        database = {**connection.settings_dict, "NAME": name}
        conn = backup._pg_connect(database)
        conn.execute("CREATE TABLE marker (x INTEGER)")
        conn.execute("INSERT INTO marker VALUES (42)")
        conn.close()
        yield database
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield from marked_target(tmp_path)


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_foreign_file_is_refused_and_the_database_is_untouched(
    live: dict[str, Any], tmp_path: Path
) -> None:
    source = make_source(tmp_path)
    good = tmp_path / "kopi.helhed"
    backup.create(good, database=source)
    data = good.read_bytes()
    before = checksums_of(live)
    assert before == {"marker": before["marker"]} and before["marker"]["rows"] == 1

    truncated = tmp_path / "afkortet.helhed"
    truncated.write_bytes(data[: len(data) // 2])
    corrupted = tmp_path / "aendret.helhed"
    if POSTGRESQL:  # bytes of the dump flipped
        middle = len(data) // 2
        flipped = bytes(b ^ 0xFF for b in data[middle : middle + 64])
        corrupted.write_bytes(data[:middle] + flipped + data[middle + 64 :])
    else:  # a row changed after the backup was made (a valid database, different content)
        corrupted.write_bytes(data)
        altered = sqlite3.connect(corrupted)
        altered.execute("UPDATE django_migrations SET name = 'x' WHERE id = 1")
        altered.commit()
        altered.close()
    foreign = tmp_path / "noget.helhed"
    foreign.write_text("not a backup at all\n")
    cases = {
        truncated: r"beskadiget|svarer ikke til manifestet",
        corrupted: r"beskadiget|svarer ikke til manifestet",
        foreign: r"ikke en sikkerhedskopi fra Helhed",
    }
    for path, message in cases.items():
        with pytest.raises(backup.BackupError, match=message):
            backup.restore(path, database=live, yes=True)
        assert checksums_of(live) == before, path.name

    refused = helhed(live, "restore", str(foreign), "--yes")
    assert refused.returncode == 1
    assert "Gendannelse afvist" in refused.stderr
    assert "ikke en sikkerhedskopi fra Helhed" in refused.stderr
    # A database with data is not replaced without --yes, even by a good backup.
    with pytest.raises(backup.BackupError, match="brug --yes"):
        backup.restore(good, database=live)
    assert checksums_of(live) == before


@pytest.mark.skipif(POSTGRESQL, reason="SQLite's file checks")
def test_sqlite_restore_refuses_a_database_in_use(tmp_path: Path) -> None:
    path = tmp_path / "i-brug.sqlite3"
    holder = sqlite3.connect(path)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.commit()
    try:
        with pytest.raises(backup.BackupError, match="i brug af en anden proces"):
            backup._sqlite_quiesce(path)
    finally:
        holder.close()
    backup._sqlite_quiesce(path)  # nobody else: fine
    assert not Path(f"{path}-wal").exists()


def test_the_password_reaches_pg_dump_by_environment_only() -> None:
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "helhed",
        "USER": "helhed",
        "PASSWORD": "s3cret-" + uuid.uuid4().hex,
        "HOST": "db.example",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "require", "pool": True},
    }
    env = backup.pg_env(database)
    assert env["PGPASSWORD"] == database["PASSWORD"]
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "db.example",
        "5433",
        "helhed",
        "helhed",
    )
    assert env["PGSSLMODE"] == "require"
