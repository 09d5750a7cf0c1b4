"""The production configuration as a real server process, for tests.

``ProductionSite`` prepares what an operator's deploy prepares — a fresh database (a file in a
folder on SQLite; a new database in the test cluster on PostgreSQL), ``helhed migrate``,
``helhed collectstatic`` and the demo data — under the production settings (DEBUG off, HTTPS
on behind a proxy, a real SECRET_KEY, HELHED_BASE_URL and access-log key), then starts
``helhed serve`` on a free loopback port. ``ProxyClient`` talks to it as the TLS-terminating
reverse proxy does: plain HTTP with ``Host`` and ``X-Forwarded-Proto: https``.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

HOST = "helhed.test"
DEMO_PASSWORD = "helhed-demo-2026"  # helhed.devtools.demokit.DEMO_PASSWORD
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+) \((\d+)\)")


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class ProductionSite:
    """A deployed Helhed in ``folder``: database, collected static files, environment."""

    def __init__(self, folder: Path, *, extra_env: Mapping[str, str] | None = None) -> None:
        self.folder = folder
        self.log_path = folder / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.timings: dict[str, float] = {}
        self._pg_admin_url = _postgres_url()
        self._pg_name: str | None = None
        if self._pg_admin_url:
            self._pg_name = f"helhed_smoke_{secrets.token_hex(4)}"
            parts = urlsplit(self._pg_admin_url)
            database_url = urlunsplit(parts._replace(path=f"/{self._pg_name}"))
        else:
            database_url = f"sqlite:///{folder / 'helhed.sqlite3'}"
        # The test process's own variables (DEBUG=true, HTTPS=false from the pytest plugin) are
        # replaced, not inherited: the server sees what a production install sets.
        env = {k: v for k, v in os.environ.items() if not k.startswith("HELHED_")}
        env.update(
            {
                "DEBUG": "false",
                "HTTPS": "true",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "ALLOWED_HOSTS": HOST,
                "HELHED_BASE_URL": f"https://{HOST}",
                "HELHED_AUDIT_KEY": secrets.token_urlsafe(48),
                "DATABASE_URL": database_url,
                "HELHED_VAR_DIR": str(folder / "var"),
                "HELHED_STATIC_ROOT": str(folder / "static"),
                "HELHED_BIND": "127.0.0.1:0",
                "HELHED_WORKERS": "2",
                "HELHED_GRACEFUL_TIMEOUT": "10",
                # The demo's staff log in with a password only. Production requires a second
                # factor (on when DEBUG is off); enrolling TOTP for a demo user would test the
                # login flow (tests/accounts does), not the server.
                "HELHED_REQUIRE_SECOND_FACTOR": "false",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra_env or {})
        self.env = env

    # --- deploy ---------------------------------------------------------------------------

    def helhed(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "helhed", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"helhed {' '.join(args)}: {result.stderr[-3000:]}"
        return result

    def deploy(self, *, citizens: int = 4) -> dict[str, float]:
        """Database, migrations, static files and demo data; the seconds each step took.

        The database starts as a copy of the test session's: the schema the same migrations
        built, with the reference lists the migrations load (migrating afresh costs 20 s of CPU,
        most of it Django rendering model states). Tests that use the database without
        transactions run before the transactional ones (pytest-django's order), so no flush has
        emptied it yet. ``helhed migrate`` then runs under the production settings and must
        find nothing to apply."""
        timings: dict[str, float] = {}
        start = time.perf_counter()
        self._copy_test_database()
        # collectstatic needs no database: it runs beside the database steps.
        collect = subprocess.Popen(
            [sys.executable, "-m", "helhed", "collectstatic", "--no-input", "-v", "0"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            migrate = self.helhed("migrate", "--no-input")
            assert "No migrations to apply." in migrate.stdout, migrate.stdout
            timings["database"] = time.perf_counter() - start
            _, err = collect.communicate(timeout=120)
        finally:
            if collect.poll() is None:
                collect.kill()
                collect.wait()
        assert collect.returncode == 0, f"collectstatic: {err.decode()[-3000:]}"
        timings["database+collectstatic"] = time.perf_counter() - start
        start = time.perf_counter()
        self.helhed("demo", "--citizens", str(citizens), "--no-progress", "-v", "0")
        timings["demo"] = time.perf_counter() - start
        return timings

    def _copy_test_database(self) -> None:
        """Copy the test database (call with database access unblocked, outside a transaction)."""
        from django.db import connection, connections

        name = str(connection.settings_dict["NAME"])
        assert name.startswith(("test_", "file:memorydb")), f"not a test database: {name}"
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(self.folder / "helhed.sqlite3")
            try:
                connection.connection.backup(target)
                # As a transactional test's set-up does: the access log's delete gate closed.
                target.execute("DELETE FROM audit_retention_guard")
                target.commit()
            finally:
                target.close()
            return
        assert self._pg_admin_url, "a PostgreSQL test database without DATABASE_URL"
        connections.close_all()  # CREATE DATABASE … TEMPLATE needs the template unused
        import psycopg

        with psycopg.connect(_libpq(self._pg_admin_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self._pg_name}" TEMPLATE "{name}"')
        with psycopg.connect(_libpq(self.env["DATABASE_URL"]), autocommit=True) as conn:
            conn.execute("DELETE FROM audit_retention_guard")

    def drop_database(self) -> None:
        if not self._pg_admin_url or not self._pg_name:
            return
        import psycopg

        with psycopg.connect(_libpq(self._pg_admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')

    # --- the server -----------------------------------------------------------------------

    def start(self, *, timeout: float = 60) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helhed", "serve"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a signal to the test's group never reaches it
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log())
            if match:
                self.port = int(match.group(1))
                assert int(match.group(2)) == self.process.pid, "gunicorn is not the process"
                break
            if self.process.poll() is not None:
                raise AssertionError(f"helhed serve exited at start:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        else:
            raise AssertionError(f"helhed serve did not listen in {timeout} s:\n{self.log()}")
        client = ProxyClient(self)
        while time.monotonic() < deadline:
            try:
                if client.get("/log-ind/").status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"no page in {timeout} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signum)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _libpq(url: str) -> str:
    """psycopg takes postgres:// URLs as they are (the socket folder in ?host=)."""
    return url.replace("postgres://", "postgresql://", 1)


class ProxyClient:
    """A browser behind the reverse proxy: cookies, CSRF token and Referer as a browser sends."""

    def __init__(self, site: ProductionSite) -> None:
        self.site = site
        self.session = requests.Session()
        self.session.headers.update({"Host": HOST, "X-Forwarded-Proto": "https"})

    def _cookies(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The session's cookies (all ``Secure`` under HTTPS) on the plain-HTTP hop, as the
        proxy passes the browser's on. requests itself sends a ``Secure`` cookie only to an
        https:// URL; its jar still stores them and forgets the ones the server deletes."""
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        headers = dict(kwargs.get("headers", {}))
        if cookies:
            headers.setdefault("Cookie", cookies)
        kwargs["headers"] = headers
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 20)
        return kwargs

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.site.base + path, **self._cookies(kwargs))

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> requests.Response:
        kwargs["headers"] = {"Referer": f"https://{HOST}{path}", **kwargs.get("headers", {})}
        data = {"csrfmiddlewaretoken": self.session.cookies.get("csrftoken", ""), **data}
        return self.session.post(self.site.base + path, data=data, **self._cookies(kwargs))

    def log_in(self, username: str, password: str = DEMO_PASSWORD) -> requests.Response:
        page = self.get("/log-ind/")
        assert page.status_code == 200
        return self.post("/log-ind/", {"login": username, "password": password})
