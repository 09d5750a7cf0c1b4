"""Backups that work under load, and their restore (``helhed backup`` / ``helhed restore``).

One rule: a backup is a single point-in-time copy, verified before it is reported, and a restore
checks the copy against the manifest before it touches the configured database (docs/operations.md,
"Sikkerhedskopi / Backups").

- **SQLite**: Python's ``sqlite3.Connection.backup(target, pages=-1)`` copies every page in one
  step inside one read transaction, so writers (every page view writes the access log) neither
  wait for it nor restart it — ``sqlite3 .backup`` copies a few pages at a time and starts over
  whenever another connection writes. The copy is written to a temporary file beside ``PATH``,
  checked (``PRAGMA integrity_check``, ``django_migrations`` equal to the source's), its
  per-table row counts and checksums computed from the copy itself, the manifest stored in the
  copy's table ``helhed_backup_manifest``, and only then renamed to ``PATH``. The backup is an
  ordinary SQLite database.
- **PostgreSQL**: a transaction at REPEATABLE READ exports its snapshot (``pg_export_snapshot``);
  ``pg_dump -Fc --snapshot=…`` dumps exactly that snapshot while the same transaction computes the
  checksums. ``PATH`` is a tar file of the manifest (``helhed-backup.json``) and the dump
  (``database.pgdump``, with its SHA-256 in the manifest). ``pg_restore --clean --if-exists
  --no-owner --no-acl --single-transaction`` restores it; the application role's rights on the
  access log are then granted again (``HELHED_DB_APP_ROLE``) and the append-only trigger checked.

Checksums: per table, the row count and the sum of the rows' MD5 digests (PostgreSQL: of
``row::text`` in fixed session settings; SQLite: of the row's Python ``repr``) — independent of
row order, so a copy that stores rows in another order still matches.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = "helhed-backup"
FORMAT_VERSION = 1
HELHED_VERSION = "0.1.0"
MANIFEST_TABLE = "helhed_backup_manifest"
MANIFEST_MEMBER = "helhed-backup.json"
DUMP_MEMBER = "database.pgdump"
# The backup file and every temporary file beside it: only the owner (the helhed user) reads it.
BACKUP_FILE_MODE = 0o600
SQLITE_HEADER = b"SQLite format 3\x00"
PG_VERSIONS = (17, 16, 15)
ACCESS_LOG = "audit_accesslogentry"
CHAIN_ANCHOR = "audit_chainanchor"
GATE = "audit_retention_guard"
PG_TRIGGER = "audit_accesslog_guard"
SQLITE_TRIGGERS = ("audit_accesslog_no_update", "audit_accesslog_no_delete")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one Danish line for the operator."""


@dataclass
class Manifest:
    backend: str
    created_at: str
    migrations: list[list[str]]
    tables: dict[str, dict[str, Any]]
    audit_head: dict[str, Any]
    helhed_version: str = HELHED_VERSION
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    dump_sha256: str = ""
    dump_bytes: int = 0

    def heads(self) -> dict[str, str]:
        """The newest applied migration per app (by name; Helhed's are numbered)."""
        result: dict[str, str] = {}
        for app, name in self.migrations:
            if name > result.get(app, ""):
                result[app] = name
        return result

    def to_json(self) -> str:
        data = {
            "format": self.format,
            "format_version": self.format_version,
            "helhed_version": self.helhed_version,
            "backend": self.backend,
            "created_at": self.created_at,
            "migration_heads": self.heads(),
            "migrations": self.migrations,
            "audit_head": self.audit_head,
            "tables": self.tables,
        }
        if self.dump_sha256:
            data["dump_sha256"] = self.dump_sha256
            data["dump_bytes"] = self.dump_bytes
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: str) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError
            return cls(
                backend=str(data["backend"]),
                created_at=str(data["created_at"]),
                migrations=[[str(a), str(n)] for a, n in data["migrations"]],
                tables={str(k): dict(v) for k, v in data["tables"].items()},
                audit_head=dict(data["audit_head"]),
                helhed_version=str(data["helhed_version"]),
                format_version=int(data["format_version"]),
                dump_sha256=str(data.get("dump_sha256", "")),
                dump_bytes=int(data.get("dump_bytes", 0)),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackupError(
                f"{source} er ikke en sikkerhedskopi fra Helhed "
                "(manifestet mangler eller er ugyldigt)"
            ) from None

    @property
    def total_rows(self) -> int:
        return sum(int(t["rows"]) for t in self.tables.values())


@dataclass
class Result:
    path: Path
    manifest: Manifest
    seconds: float
    bytes: int
    copy_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def backend_of(database: dict[str, Any]) -> str:
    engine = str(database.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"databasetypen {engine!r} understøttes ikke (kun SQLite og PostgreSQL)")


def create(path: str | Path, *, database: dict[str, Any], force: bool = False) -> Result:
    """Take a verified backup of ``database`` (a ``DATABASES`` entry) to ``path``."""
    target = Path(path)
    if target.exists() and not force:
        raise BackupError(f"{target} findes allerede; brug --force for at overskrive den")
    if not target.parent.is_dir():
        raise BackupError(f"mappen {target.parent} findes ikke")
    if backend_of(database) == "sqlite":
        return _sqlite_backup(target, database, force=force)
    return _pg_backup(target, database, force=force)


def restore(path: str | Path, *, database: dict[str, Any], yes: bool = False) -> Result:
    """Restore the backup at ``path`` into ``database`` after checking it against its manifest.

    Refused (nothing changed) when the file is not a Helhed backup, is damaged, belongs to the
    other backend, or the database holds tables and ``yes`` is not given."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source} findes ikke")
    if backend_of(database) == "sqlite":
        return _sqlite_restore(source, database, yes=yes)
    return _pg_restore(source, database, yes=yes)


def read_manifest(path: str | Path) -> Manifest:
    """The manifest of a backup file of either kind (refuses anything else)."""
    source = Path(path)
    with source.open("rb") as handle:
        start = handle.read(len(SQLITE_HEADER))
    if start == SQLITE_HEADER:
        with _sqlite_readonly(source) as conn:
            return _sqlite_manifest(conn, str(source))
    return _tar_manifest(source)[0]


def _place(tmp: Path, target: Path, *, force: bool) -> None:
    """Atomically move the finished temporary file to its name (never over one without force)."""
    _fsync(tmp)
    if force:
        os.replace(tmp, target)
    else:
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise BackupError(
                f"{target} findes allerede; brug --force for at overskrive den"
            ) from None
        tmp.unlink()
    _fsync_dir(target.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with suppress(OSError):
        _fsync(path)


def _temp_beside(target: Path, suffix: str = "") -> Path:
    """An empty file beside ``target``, mode 0600 whatever the umask: the copy holds personal
    data, and the finished file is this inode renamed (or linked), so it keeps the mode. SQLite
    opens the empty file as a new database and gives its journal the same mode; tarfile and
    ``shutil.copyfile`` truncate it and keep the mode."""
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent
    )
    try:
        os.fchmod(fd, BACKUP_FILE_MODE)
    finally:
        os.close(fd)
    return Path(name)


def _remove(path: Path) -> None:
    for candidate in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(FileNotFoundError):
            candidate.unlink()


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_path(database: dict[str, Any]) -> Path:
    name = str(database.get("NAME", ""))
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError(
            "databasen ligger i hukommelsen; kun en SQLite-fil kan sikkerhedskopieres"
        )
    return Path(name)


@contextmanager
def _sqlite_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != ? ORDER BY name",
        [MANIFEST_TABLE],
    )
    return [str(name) for (name,) in rows]


def sqlite_checksums(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Per table: rows and the sum of the rows' MD5 digests (mod 2**128), in one read transaction
    of ``conn``."""
    result: dict[str, dict[str, Any]] = {}
    for table in _sqlite_tables(conn):
        count, total = 0, 0
        for row in conn.execute(f'SELECT * FROM "{table}"'):
            total += int.from_bytes(hashlib.md5(repr(row).encode()).digest(), "big")
            count += 1
        result[table] = {"rows": count, "checksum": f"{total % (1 << 128):032x}"}
    return result


def _sqlite_migrations(conn: sqlite3.Connection) -> list[list[str]]:
    try:
        rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    except sqlite3.DatabaseError:
        return []
    return [[str(app), str(name)] for app, name in rows]


def _sqlite_audit_head(conn: sqlite3.Connection) -> dict[str, Any]:
    try:
        row = conn.execute(
            f"SELECT seq, chain_hash FROM {ACCESS_LOG} WHERE seq IS NOT NULL "
            "ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    except sqlite3.DatabaseError:
        return {"seq": 0, "hash": ""}
    return {"seq": int(row[0]), "hash": str(row[1])} if row else {"seq": 0, "hash": ""}


def _sqlite_integrity(conn: sqlite3.Connection, what: str) -> None:
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} er beskadiget: {exc}") from None
    if problems != ["ok"]:
        raise BackupError(f"{what} er beskadiget (integrity_check: {'; '.join(problems[:3])})")


def _sqlite_manifest(conn: sqlite3.Connection, source: str) -> Manifest:
    try:
        row = conn.execute(f"SELECT json FROM {MANIFEST_TABLE}").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if row is None:
        raise BackupError(
            f"{source} er ikke en sikkerhedskopi fra Helhed (en SQLite-database uden manifest)"
        )
    return Manifest.from_json(str(row[0]), source)


def _sqlite_backup(target: Path, database: dict[str, Any], *, force: bool) -> Result:
    source_path = _sqlite_path(database)
    if not source_path.is_file():
        raise BackupError(f"databasen {source_path} findes ikke")
    started = time.perf_counter()
    tmp = _temp_beside(target)
    try:
        source = sqlite3.connect(source_path, timeout=60)
        try:
            copy = sqlite3.connect(tmp)
            try:
                # One step: all pages inside one read transaction (WAL lets writers go on).
                source.backup(copy, pages=-1)
            finally:
                copy.close()
            copy_seconds = time.perf_counter() - started
            live_migrations = _sqlite_migrations(source)
        finally:
            source.close()
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _sqlite_integrity(copy, "kopien")
            migrations = _sqlite_migrations(copy)
            if migrations != live_migrations:
                raise BackupError(
                    "django_migrations i kopien svarer ikke til databasens (kørte en migrering "
                    "under sikkerhedskopieringen?); prøv igen"
                )
            manifest = Manifest(
                backend="sqlite",
                created_at=_now(),
                migrations=migrations,
                tables=sqlite_checksums(copy),
                audit_head=_sqlite_audit_head(copy),
            )
            copy.execute(f"CREATE TABLE {MANIFEST_TABLE} (json TEXT NOT NULL)")
            copy.execute(f"INSERT INTO {MANIFEST_TABLE} (json) VALUES (?)", [manifest.to_json()])
        finally:
            copy.close()
        _place(tmp, target, force=force)
    finally:
        _remove(tmp)
    return Result(
        path=target,
        manifest=manifest,
        seconds=time.perf_counter() - started,
        bytes=target.stat().st_size,
        copy_seconds=copy_seconds,
    )


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    conn = sqlite3.connect(path)
    try:
        return bool(_sqlite_tables(conn))
    except sqlite3.DatabaseError:
        return True  # not a database we can read: do not call it empty
    finally:
        conn.close()


def _compare(manifest: Manifest, actual: dict[str, dict[str, Any]], what: str) -> None:
    if actual == manifest.tables:
        return
    missing = sorted(set(manifest.tables) - set(actual))
    extra = sorted(set(actual) - set(manifest.tables))
    differing = sorted(
        t for t in set(actual) & set(manifest.tables) if actual[t] != manifest.tables[t]
    )
    parts = []
    if missing:
        parts.append(f"mangler: {', '.join(missing[:5])}")
    if extra:
        parts.append(f"ekstra: {', '.join(extra[:5])}")
    if differing:
        parts.append(f"afviger: {', '.join(differing[:5])}")
    raise BackupError(f"{what} svarer ikke til manifestet ({'; '.join(parts)})")


def _sqlite_quiesce(target: Path) -> None:
    """Make sure no other process has the live database open (server, worker), and fold its
    write-ahead log in, so renaming the restored file over it cannot mix the two."""
    if not target.exists():
        return
    conn = sqlite3.connect(target, timeout=5, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"databasen {target} kan ikke åbnes ({exc})") from None
    finally:
        conn.close()
    if Path(f"{target}-wal").exists() or Path(f"{target}-shm").exists():
        raise BackupError(
            f"databasen {target} er i brug af en anden proces; stop Helhed (server, arbejder, "
            "daglige job) før gendannelsen"
        )


def _sqlite_restore(source: Path, database: dict[str, Any], *, yes: bool) -> Result:
    target = _sqlite_path(database)
    with source.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        if tarfile.is_tarfile(source):
            raise BackupError(f"{source} er en sikkerhedskopi fra PostgreSQL; databasen er SQLite")
        raise BackupError(f"{source} er ikke en sikkerhedskopi fra Helhed (ikke en SQLite-fil)")
    if _sqlite_has_tables(target) and not yes:
        raise BackupError(
            f"databasen {target} indeholder allerede data; brug --yes for at erstatte den"
        )
    if not target.parent.is_dir():
        raise BackupError(f"mappen {target.parent} findes ikke")
    started = time.perf_counter()
    tmp = _temp_beside(target)
    try:
        shutil.copyfile(source, tmp)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            try:
                manifest = _sqlite_manifest(conn, str(source))
            except BackupError:
                _sqlite_integrity(conn, str(source))
                raise
            if manifest.backend != "sqlite":
                raise BackupError(f"{source}: manifestet siger {manifest.backend}, filen er SQLite")
            _sqlite_integrity(conn, str(source))
            _compare(manifest, sqlite_checksums(conn), str(source))
            conn.execute(f"DROP TABLE {MANIFEST_TABLE}")
            conn.execute("PRAGMA journal_mode=WAL")
            notes = _sqlite_trigger_notes(conn)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} er beskadiget: {exc}") from None
        finally:
            conn.close()
        _sqlite_quiesce(target)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        _remove(tmp)
    return Result(
        path=source,
        manifest=manifest,
        seconds=time.perf_counter() - started,
        bytes=source.stat().st_size,
        notes=notes,
    )


def _sqlite_trigger_notes(conn: sqlite3.Connection) -> list[str]:
    names = {
        str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    missing = [t for t in SQLITE_TRIGGERS if t not in names]
    if missing:
        raise BackupError(f"adgangsloggens beskyttelse mangler i kopien (trigger {missing[0]})")
    return ["adgangsloggens triggere (kun tilføjelse) er på plads"]


# --- PostgreSQL --------------------------------------------------------------------------------

DJANGO_ONLY_OPTIONS = {"pool", "server_side_binding", "isolation_level", "assume_role"}
LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def pg_params(database: dict[str, Any]) -> dict[str, Any]:
    """psycopg connection keywords from a ``DATABASES`` entry."""
    params: dict[str, Any] = {"dbname": database.get("NAME") or "postgres"}
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host")):
        if database.get(key):
            params[name] = database[key]
    if database.get("PORT"):
        params["port"] = str(database["PORT"])
    for key, value in (database.get("OPTIONS") or {}).items():
        if key not in DJANGO_ONLY_OPTIONS:
            params[key] = value
    return params


def pg_env(database: dict[str, Any]) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the connection in libpq's variables, the password
    in PGPASSWORD — never on a command line, where every local user could read it."""
    params = pg_params(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGDATABASE"] = str(params.pop("dbname"))
    for name, variable in (
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("host", "PGHOST"),
        ("port", "PGPORT"),
    ):
        if name in params:
            env[variable] = str(params.pop(name))
    for name, variable in LIBPQ_ENV.items():
        if name in params:
            env[variable] = str(params[name])
    return env


def _pg_connect(database: dict[str, Any]) -> Any:
    import psycopg

    try:
        conn = psycopg.connect(**pg_params(database), autocommit=True)
    except psycopg.Error as exc:
        raise BackupError(f"kan ikke forbinde til PostgreSQL: {str(exc).strip()}") from None
    # The server's statement timeout (HELHED_DB_STATEMENT_TIMEOUT_MS, 30 s) is for web requests:
    # a checksum over a large access log takes longer. pg_dump and pg_restore set their own.
    conn.execute("SET statement_timeout = 0")
    return conn


def pg_binary(name: str, server_major: int | None = None, folder: str = "") -> str:
    """The pg_dump/pg_restore to use: ``HELHED_PG_BIN``'s, else the server's major version's
    (Debian's /usr/lib/postgresql/N/bin), else a newer one, else the one on PATH."""
    folders = [folder] if folder else []
    majors = [m for m in PG_VERSIONS if server_major is None or m >= server_major]
    if server_major is not None and server_major in majors:
        majors.remove(server_major)
        majors.insert(0, server_major)
    folders += [f"/usr/lib/postgresql/{m}/bin" for m in majors]
    for candidate in folders:
        path = Path(candidate) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        f"PostgreSQL's {name} findes ikke; installér postgresql-client eller sæt HELHED_PG_BIN"
    )


def _pg_major(cursor: Any) -> int:
    cursor.execute("SHOW server_version_num")
    return int(cursor.fetchone()[0]) // 10000


def _pg_session(cursor: Any) -> None:
    """Fixed text forms for every type, so ``row::text`` is the same in every session."""
    for setting, value in (
        ("TimeZone", "UTC"),
        ("DateStyle", "ISO, YMD"),
        ("IntervalStyle", "postgres"),
        ("extra_float_digits", "3"),
        ("bytea_output", "hex"),
    ):
        cursor.execute(f"SET LOCAL {setting} = '{value}'")


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname"
    )
    return [str(name) for (name,) in cursor.fetchall()]


def pg_checksums(cursor: Any) -> dict[str, dict[str, Any]]:
    """Per table: rows and the sums of the two 64-bit halves of each row's MD5 (computed in the
    server, in the caller's transaction — the snapshot the checksums describe)."""
    _pg_session(cursor)
    result: dict[str, dict[str, Any]] = {}
    for table in _pg_tables(cursor):
        cursor.execute(
            "SELECT count(*),"
            " coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0),"
            " coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0)"
            f' FROM (SELECT md5(t::text) AS h FROM "{table}" AS t) AS rows'
        )
        count, high, low = cursor.fetchone()
        mask = (1 << 64) - 1
        result[table] = {
            "rows": int(count),
            "checksum": f"{int(high) & mask:016x}{int(low) & mask:016x}",
        }
    return result


def _pg_migrations(cursor: Any) -> list[list[str]]:
    cursor.execute("SELECT to_regclass('django_migrations')")
    if cursor.fetchone()[0] is None:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[str(app), str(name)] for app, name in cursor.fetchall()]


def _pg_audit_head(cursor: Any) -> dict[str, Any]:
    cursor.execute(f"SELECT to_regclass('{ACCESS_LOG}')")
    if cursor.fetchone()[0] is None:
        return {"seq": 0, "hash": ""}
    cursor.execute(
        f"SELECT seq, chain_hash FROM {ACCESS_LOG} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
    )
    row = cursor.fetchone()
    return {"seq": int(row[0]), "hash": str(row[1])} if row else {"seq": 0, "hash": ""}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_backup(target: Path, database: dict[str, Any], *, force: bool) -> Result:
    from django.conf import settings

    started = time.perf_counter()
    tmp = _temp_beside(target)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    dump = work / DUMP_MEMBER
    conn = _pg_connect(database)
    try:
        with conn.cursor() as cursor:
            pg_dump = pg_binary("pg_dump", _pg_major(cursor), settings.HELHED_PG_BIN)
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(cursor.fetchone()[0])
            process = subprocess.Popen(
                [pg_dump, "-Fc", "--no-password", f"--snapshot={snapshot}", "-f", str(dump)],
                env=pg_env(database),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                umask=0o077,  # the dump is personal data (its folder is 0700 as well)
            )
            try:
                # In the exported snapshot, while pg_dump copies the same one.
                tables = pg_checksums(cursor)
                migrations = _pg_migrations(cursor)
                audit_head = _pg_audit_head(cursor)
            finally:
                _, stderr = process.communicate()
            cursor.execute("COMMIT")
        copy_seconds = time.perf_counter() - started
        if process.returncode != 0:
            message = stderr.decode(errors="replace").strip().splitlines()
            raise BackupError(f"pg_dump fejlede: {message[-1] if message else process.returncode}")
        manifest = Manifest(
            backend="postgresql",
            created_at=_now(),
            migrations=migrations,
            tables=tables,
            audit_head=audit_head,
            dump_sha256=_sha256(dump),
            dump_bytes=dump.stat().st_size,
        )
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as archive:
            data = manifest.to_json().encode()
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=DUMP_MEMBER)
        _place(tmp, target, force=force)
    finally:
        conn.close()
        shutil.rmtree(work, ignore_errors=True)
        _remove(tmp)
    return Result(
        path=target,
        manifest=manifest,
        seconds=time.perf_counter() - started,
        bytes=target.stat().st_size,
        copy_seconds=copy_seconds,
    )


def _tar_manifest(source: Path) -> tuple[Manifest, tarfile.TarInfo]:
    not_ours = f"{source} er ikke en sikkerhedskopi fra Helhed"
    try:
        with tarfile.open(source, "r:") as archive:
            members = {m.name: m for m in archive.getmembers()}
            if MANIFEST_MEMBER not in members or DUMP_MEMBER not in members:
                raise BackupError(f"{not_ours} (manifest eller dump mangler)")
            handle = archive.extractfile(members[MANIFEST_MEMBER])
            if handle is None:
                raise BackupError(f"{not_ours} (manifestet er ikke en fil)")
            text = handle.read().decode("utf-8", errors="replace")
            return Manifest.from_json(text, str(source)), members[DUMP_MEMBER]
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{not_ours} eller den er beskadiget ({exc})") from None


def _pg_extract(source: Path, manifest: Manifest, work: Path) -> Path:
    """The dump, extracted and checked against the manifest's SHA-256 and size (a truncated or
    altered file stops here, before the database is touched)."""
    dump = work / DUMP_MEMBER
    try:
        with tarfile.open(source, "r:") as archive:
            handle = archive.extractfile(DUMP_MEMBER)
            if handle is None:
                raise BackupError(f"{source}: dumpet mangler")
            with dump.open("wb") as out:
                shutil.copyfileobj(handle, out, 1 << 20)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{source} er beskadiget ({exc})") from None
    if dump.stat().st_size != manifest.dump_bytes or _sha256(dump) != manifest.dump_sha256:
        raise BackupError(f"{source} er beskadiget: dumpet svarer ikke til manifestets SHA-256")
    return dump


def _pg_user_tables(cursor: Any) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')"
    )
    return int(cursor.fetchone()[0])


def _pg_restore(source: Path, database: dict[str, Any], *, yes: bool) -> Result:
    from django.conf import settings

    with source.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
            raise BackupError(f"{source} er en sikkerhedskopi fra SQLite; databasen er PostgreSQL")
    manifest, _ = _tar_manifest(source)
    if manifest.backend != "postgresql":
        raise BackupError(f"{source}: manifestet siger {manifest.backend}, ikke postgresql")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="helhed-restore-"))
    conn = _pg_connect(database)
    try:
        with conn.cursor() as cursor:
            if _pg_user_tables(cursor) and not yes:
                raise BackupError(
                    f"databasen {database.get('NAME')} indeholder allerede tabeller; "
                    "brug --yes for at erstatte dem"
                )
            major = _pg_major(cursor)
        dump = _pg_extract(source, manifest, work)
        pg_restore = pg_binary("pg_restore", major, settings.HELHED_PG_BIN)
        process = subprocess.run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                "-d",
                pg_env(database)["PGDATABASE"],
                str(dump),
            ],
            env=pg_env(database),
            capture_output=True,
            check=False,
        )
        if process.returncode != 0:
            lines = process.stderr.decode(errors="replace").strip().splitlines()
            raise BackupError(
                "pg_restore fejlede (databasen er uændret: én transaktion): "
                f"{lines[-1] if lines else process.returncode}"
            )
        notes = pg_protect(conn, settings.HELHED_DB_APP_ROLE)
        with conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            actual = pg_checksums(cursor)
            cursor.execute("COMMIT")
        _compare(manifest, actual, "den gendannede database")
    finally:
        conn.close()
        shutil.rmtree(work, ignore_errors=True)
    return Result(
        path=source,
        manifest=manifest,
        seconds=time.perf_counter() - started,
        bytes=source.stat().st_size,
        notes=notes,
    )


def pg_protect(conn: Any, app_role: str) -> list[str]:
    """After a restore: check the access log's append-only trigger, and give the application
    role (``HELHED_DB_APP_ROLE``) its documented rights again — everything it needs on the other
    tables, ``SELECT, INSERT`` on the access log, ``SELECT`` on the chain's anchors, nothing on
    the retention gate — so the role the server runs as can neither alter nor empty the log."""
    from psycopg import sql

    notes = []
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
            [PG_TRIGGER, ACCESS_LOG],
        )
        row = cursor.fetchone()
        if row is None or row[0] == "D":
            raise BackupError(f"adgangsloggens trigger {PG_TRIGGER} mangler efter gendannelsen")
        notes.append(f"adgangsloggens trigger {PG_TRIGGER} (kun tilføjelse) er på plads")
        cursor.execute("SELECT current_user")
        owner = str(cursor.fetchone()[0])
        if not app_role:
            notes.append(
                f"HELHED_DB_APP_ROLE er ikke sat: tabellerne ejes af {owner}; kør serveren som "
                "en anden rolle (docs/operations.md)"
            )
            return notes
        if app_role == owner:
            raise BackupError(
                f"HELHED_DB_APP_ROLE ({app_role}) er den rolle, der gendanner og ejer tabellerne; "
                "gendan med ejerrollen og lad serveren køre som en anden"
            )
        role, schema = sql.Identifier(app_role), sql.Identifier("public")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            raise BackupError(f"HELHED_DB_APP_ROLE: rollen {app_role} findes ikke i klyngen")
        cursor.execute("SELECT current_schema()")
        schema = sql.Identifier(str(cursor.fetchone()[0]))
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema, role
            ),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, role),
            sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(ACCESS_LOG), role),
            sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.Identifier(ACCESS_LOG), role),
            sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(CHAIN_ANCHOR), role),
            sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(CHAIN_ANCHOR), role),
            sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(GATE), role),
        ]
        cursor.execute("BEGIN")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("COMMIT")
    notes.append(
        f"rettigheder givet igen til {app_role}: adgangsloggen SELECT, INSERT; øvrige tabeller "
        "SELECT, INSERT, UPDATE, DELETE"
    )
    return notes
