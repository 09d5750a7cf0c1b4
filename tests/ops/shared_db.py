"""The test database shared with ``helhed`` subprocesses (a worker, two daily jobs).

On PostgreSQL the subprocesses connect to the test database itself (a transactional test: the
data is committed). On SQLite the test database lives in this process's memory, so it is copied
with SQLite's backup API into a file the subprocesses open; what they wrote is read back from
that file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

SRC = Path(__file__).resolve().parents[2] / "src"


class SharedDatabase:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.file = tmp_path / "shared.sqlite3"
        self.env: dict[str, str] = {}

    def snapshot(self) -> None:
        """Make what the test wrote so far visible to subprocesses started after this."""
        env = {
            **os.environ,
            "PYTHONPATH": str(SRC),
            "DEBUG": "true",
            "HTTPS": "false",
            "HELHED_VAR_DIR": str(self.tmp_path / "var"),
        }
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.close()
            env["DATABASE_URL"] = f"sqlite:///{self.file}"
        else:
            url = urlsplit(os.environ["DATABASE_URL"])
            name = settings.DATABASES["default"]["NAME"]
            env["DATABASE_URL"] = url._replace(path=f"/{name}").geturl()
        self.env = env

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows as the subprocesses left them."""
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.file) as db:
                return list(db.execute(sql, params or []))
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params or [])
            return list(cursor.fetchall())

    def popen(self, *args: str, **extra_env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "helhed", *args] if args[0] != "-c" else [sys.executable, *args],
            env={**self.env, **extra_env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
