"""Two app servers, one database (issue 16, "Past one machine"; docs/operations.md, "Flere
servere").

Two gunicorn masters (two workers each, so four processes) on loopback serve one database — a
copy of the migrated test database: a file for SQLite, its own database in the test cluster for
PostgreSQL — in the production configuration (DEBUG off, the deploy settings of the Makefile's
DEPLOY_ENV) with two exceptions, both about the test's client, not the servers' state:

* ``HTTPS=false``: there is no TLS proxy on loopback, and with HTTPS on the session cookie is
  ``Secure``, which a client never sends over plain http;
* ``HELHED_REQUIRE_SECOND_FACTOR=false``: the demo's password logins would reach only the
  authenticator enrolment; the second factor's own state (used codes) is in the shared cache and
  proved by the accounts tests.

Clients with their own cookie sessions, in threads, send logins, course lists, course pages, plan
edits through the form and the API (with the version they read: optimistic locking) and meeting
creations with idempotency keys to both servers at once. Afterwards the database is read
directly: every acknowledged write is there, no save overwrote another, every refusal was told to
its sender, a page on one server shows at once what was written on the other, a session and a
logout on one hold on the other, and the wrong-password limit and the used TOTP codes count
across both. (With the servers' cache in process memory, ``HELHED_CACHE_URL=locmem://``, those
two fail: the sixth login opens a session, the replayed code is accepted on the second server.)
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.db import connection, connections
from django.urls import reverse

from tests.accounts.conftest import totp_code

ALIAS = "two_servers"
PASSWORD = "helhed-demo-2026"  # the demo's logins (devtools.demo)
COORDINATOR = "koordinator"
BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parents[2] / "src"
START_TIMEOUT = 90  # seconds for a server to answer (2 cores shared with other work)
REQUEST_TIMEOUT = 30
# The one address users reach both servers on, as a load balancer forwards it: allauth's
# wrong-password count is per host name and username (docs/operations.md, "Flere servere").
HOST = "helhed.test"
CLIENTS = 6
LOAD_SECONDS = 10
RETRIES = 8  # a refused edit is read again and retried, as a user would
LOCKED = "Der har været for mange forkerte forsøg på at logge ind"
GENERIC = "Brugernavn eller adgangskode er forkert"

# Two workers each, a port the kernel picks (read from the log: no race for a free port).
GUNICORN_ARGS = [
    *("-w", "2", "-b", "127.0.0.1:0", "--timeout", "60", "--graceful-timeout", "5"),
    "--no-control-socket",  # two masters on one machine would share ~/.gunicorn/gunicorn.ctl
    "--preload",  # the application imported once per master, not per worker: a faster start
    "helhed.wsgi",
]
# The demo's organisations, logins and a few courses: seconds.
DEMO_ARGS = [
    *("demo", "--seed", "1", "--citizens", "6", "--no-progress", "-v", "0"),
    *("--only", "core", "registry", "courses"),
]
ENV = {
    "DEBUG": "false",
    "HTTPS": "false",  # see the module's docstring
    "HELHED_REQUIRE_SECOND_FACTOR": "false",  # see the module's docstring
    "ALLOWED_HOSTS": "helhed.test",
    "HELHED_BASE_URL": "https://helhed.example.dk",
    "SECRET_KEY": "two-servers-test-key-7c1e9b4d2a8f6e3b5d0c9a7f1e4b8d2c6a0f3e9b",
    "HELHED_AUDIT_KEY": "two-servers-audit-key-5b8e2d7c1a9f4e6b3d0c8a2f",
    "LOG_LEVEL": "ERROR",
}


# --------------------------------------------------------------------------------------------
# The database the servers share, and the servers
# --------------------------------------------------------------------------------------------


def _sqlite_copy(folder: Path) -> tuple[str, str]:
    """The migrated in-memory test database written to a file (SQLite's online backup)."""
    path = folder / "servers.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{path}", str(path)


def _postgres_copy() -> tuple[str, str]:
    """A database of its own in the test cluster, made from the migrated test database."""
    source = connection.settings_dict["NAME"]
    name = f"{source}_servers"
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # Connections other tests' threads left to the source would block the copy.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [source],
        )
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_postgres(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``gunicorn -w 2`` on a port the kernel picks (its address is in its log)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), *GUNICORN_ARGS],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _address(proc: subprocess.Popen[bytes], log: Path, deadline: float) -> str:
    while time.monotonic() < deadline:
        found = re.search(
            r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text("utf-8", "replace")
        )
        if found:
            return found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not start:\n{log.read_text('utf-8', 'replace')[-3000:]}")


def _wait_ready(base: str, deadline: float) -> None:
    """Both workers booted: the login page answers (a few tries, any worker)."""
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/log-ind/", headers={"Host": HOST}, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} never answered")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every master at once (a graceful stop), SIGKILL after 15 seconds."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class Servers:
    a: str
    b: str
    url: str
    logs: list[Path]

    def both(self) -> tuple[str, str]:
        return self.a, self.b


def _asks_for_a_database(item: pytest.Item) -> bool:
    """pytest-django's own rule for setting up the test database."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db") or fixtures & DB_FIXTURES)


DB_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(scope="module")
def migrated(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[None]:
    """The migrated test database to copy. pytest-django sets it up only when a collected test
    asks for a database; these tests use a copy, so run alone they set it up themselves."""
    from django.test.utils import setup_databases, teardown_databases

    made = None
    if not any(_asks_for_a_database(item) for item in request.session.items):
        with django_db_blocker.unblock():
            made = setup_databases(0, interactive=False, aliases={"default"})
    yield
    if made is not None:
        with django_db_blocker.unblock():
            teardown_databases(made, verbosity=0)


@pytest.fixture(scope="module")
def servers(
    migrated: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    if shutil.which(str(BIN / "gunicorn")) is None:
        pytest.fail("gunicorn is not installed in the project's environment")
    folder = tmp_path_factory.mktemp("two-servers")
    began = time.monotonic()
    with django_db_blocker.unblock():
        vendor = connection.vendor
        url, name = _sqlite_copy(folder) if vendor == "sqlite" else _postgres_copy()
        settings_dict = copy.deepcopy(connections.settings["default"])
        settings_dict["NAME"] = name
        connections.settings[ALIAS] = settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST"))},
        **ENV,
        "DATABASE_URL": url,
        "PYTHONPATH": str(SRC),
        "HELHED_VAR_DIR": str(folder / "var"),
    }
    procs: list[subprocess.Popen[bytes]] = []
    try:
        demo = subprocess.run(
            [str(BIN / "helhed"), *DEMO_ARGS], env=env, capture_output=True, timeout=240
        )
        assert demo.returncode == 0, demo.stderr.decode()[-3000:]
        # With DEBUG off static files are served from the collected, hashed copies only
        # (helhed.ops.staticfiles): a deploy collects them, so does this one.
        collect = subprocess.run(
            [str(BIN / "helhed"), "collectstatic", "--no-input", "-v", "0"],
            env=env,
            capture_output=True,
            timeout=240,
        )
        assert collect.returncode == 0, collect.stderr.decode()[-3000:]
        seeded = time.monotonic()
        logs = [folder / "a.log", folder / "b.log"]
        started = [_start(env, log) for log in logs]
        procs.extend(started)
        deadline = time.monotonic() + START_TIMEOUT
        bases = [_address(p, log, deadline) for p, log in zip(started, logs, strict=True)]
        for base in bases:
            _wait_ready(base, deadline)
        print(  # with -s: where the fixture's time goes
            f"two servers: database copied and seeded in {seeded - began:.1f} s, "
            f"both serving {time.monotonic() - seeded:.1f} s later"
        )
        yield Servers(bases[0], bases[1], url, logs)
    finally:
        _stop(procs)
        with django_db_blocker.unblock():
            connections[ALIAS].close()
            del connections[ALIAS]
            del connections.settings[ALIAS]
            if vendor == "postgresql":
                _drop_postgres(name)


# --------------------------------------------------------------------------------------------
# A client: one browser's cookie session
# --------------------------------------------------------------------------------------------


class Client:
    def __init__(self) -> None:
        self.http = requests.Session()
        self.http.headers["Host"] = HOST

    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def get(self, base: str, path: str, **kw: Any) -> requests.Response:
        return self.http.get(base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kw)

    def form_token(self, base: str, path: str) -> tuple[requests.Response, str]:
        page = self.get(base, path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        return page, found.group(1) if found else ""

    def post(self, base: str, path: str, data: dict[str, Any], token: str) -> requests.Response:
        return self.http.post(
            base + path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": f"http://{HOST}{path}"},
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
        )

    def api(self, base: str, method: str, path: str, body: Any = None) -> requests.Response:
        return self.http.request(
            method,
            f"{base}/api{path}",
            json=body,
            headers={"X-CSRFToken": self.csrf(), "Referer": f"http://{HOST}/"},
            timeout=REQUEST_TIMEOUT,
        )

    def login(self, base: str, username: str, password: str = PASSWORD) -> requests.Response:
        _page, token = self.form_token(base, "/log-ind/")
        return self.post(base, "/log-ind/", {"login": username, "password": password}, token)

    def logged_in(self, base: str) -> bool:
        answer = self.get(base, "/forloeb/")
        return answer.status_code == 200


def _login(base: str, username: str = COORDINATOR) -> Client:
    client = Client()
    answer = client.login(base, username)
    assert answer.status_code == 302 and "/log-ind/" not in answer.headers["Location"], (
        answer.status_code,
        answer.text[:500],
    )
    return client


# --------------------------------------------------------------------------------------------
# Sessions and the login limit across servers
# --------------------------------------------------------------------------------------------


def test_a_session_opened_on_one_server_works_on_the_other_and_logout_ends_it_on_both(
    servers: Servers,
) -> None:
    client = _login(servers.a)
    assert client.logged_in(servers.b)  # sessions are rows in the shared database
    _page, token = client.form_token(servers.b, "/forloeb/")
    assert client.post(servers.a, "/log-ud/", {}, token).status_code == 302
    after = client.get(servers.b, "/forloeb/")
    assert after.status_code == 302 and "/log-ind/" in after.headers["Location"]
    # … and the old cookie is dead everywhere, not only in this client's jar
    assert not client.logged_in(servers.a)


def test_five_wrong_passwords_split_across_the_servers_lock_the_account_on_both(
    servers: Servers,
) -> None:
    """allauth counts wrong passwords in the cache: with a cache per process each server (each
    worker) would allow five; the shared cache allows five in all."""
    attacker = Client()
    for i, base in enumerate([servers.a, servers.b, servers.a, servers.b, servers.a]):
        answer = attacker.login(base, "fagperson", f"forkert-{i}-kode")
        assert answer.status_code == 200 and GENERIC in answer.text, answer.text[:300]
    for base in servers.both():
        # the sixth — with the right password, from a fresh client — is refused on either server
        answer = Client().login(base, "fagperson", PASSWORD)
        assert answer.status_code == 200 and LOCKED in answer.text, answer.text[:300]


def test_a_totp_code_used_on_one_server_is_refused_on_the_other(servers: Servers) -> None:
    """allauth records a used code in the cache (a code works once); with a cache per process
    the same code would open a second session on another server within its 30 seconds."""
    enrolling = _login(servers.a, "analytiker")
    page = enrolling.get(servers.a, reverse("mfa_activate_totp"))
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert secret and token, page.text[:500]
    code = totp_code(secret[1], offset=-1)
    enrolled = enrolling.post(servers.a, reverse("mfa_activate_totp"), {"code": code}, token[1])
    assert enrolled.status_code == 302, enrolled.text[:500]

    code = totp_code(secret[1])
    outcomes = []
    for base in servers.both():
        client = Client()
        step = client.login(base, "analytiker")
        assert step.status_code == 302 and step.headers["Location"] == reverse("mfa_authenticate")
        _page, token_ = client.form_token(base, reverse("mfa_authenticate"))
        answer = client.post(base, reverse("mfa_authenticate"), {"code": code}, token_)
        outcomes.append((answer.status_code, "Forkert kode" in answer.text, client.logged_in(base)))
    assert outcomes == [(302, False, True), (200, True, False)], outcomes


# --------------------------------------------------------------------------------------------
# Mixed load with concurrent edits of the same plan
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    saved: list[tuple[str, str, int | None]] = field(default_factory=list)  # (via, text, version)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (via, text) told "stale"
    meetings: dict[str, list[int]] = field(default_factory=dict)  # key → statuses
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _courses(client: Client, base: str) -> list[str]:
    answer = client.api(base, "GET", "/courses/courses?status=aktiv&limit=20")
    assert answer.status_code == 200, answer.text[:300]
    return [c["id"] for c in answer.json()["items"]]


def _plan_version(client: Client, base: str, course: str) -> int:
    answer = client.api(base, "GET", f"/courses/courses/{course}/plan")
    assert answer.status_code == 200, answer.text[:300]
    return int(answer.json()["version"])


def _edit_by_form(
    client: Client, read: str, write: str, course: str, text: str, out: Outcome
) -> bool:
    """Open the form on one server (it carries the version it was read at), save on the other."""
    path = f"/forloeb/{course}/plan/tekst/"
    page, token = client.form_token(read, path)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version and token, page.text[:300]
    data = {
        "version": version.group(1),
        "citizen_statement": "Jeg vil gerne have et arbejde.",
        "summary": text,
    }  # the categories left out: each text keeps the one it has
    answer = client.post(write, path, data, token)
    with out.lock:
        if answer.status_code == 302:
            out.saved.append(("form", text, None))
            return True
        if answer.status_code == 200 and 'id="stale-warning"' in answer.text:
            out.refused.append(("form", text))
        else:
            out.errors.append(f"form {answer.status_code}: {answer.text[:300]}")
        return False


def _edit_by_api(
    client: Client, read: str, write: str, course: str, text: str, out: Outcome
) -> bool:
    version = _plan_version(client, read, course)
    answer = client.api(
        write, "PATCH", f"/courses/courses/{course}/plan", {"version": version, "summary": text}
    )
    with out.lock:
        if answer.status_code == 200:
            out.saved.append(("api", text, int(answer.json()["version"])))
            return True
        if answer.status_code == 409:
            out.refused.append(("api", text))
        else:
            out.errors.append(f"api {answer.status_code}: {answer.text[:300]}")
        return False


def _create_meeting_twice(client: Client, servers: Servers, course: str, out: Outcome) -> None:
    """One meeting, sent to both servers with one idempotency key (a retried request)."""
    key = uuid.uuid4().hex
    when = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
    body = {
        "purpose": f"Netværksmøde {key[:6]}",
        "place": "Jobcentret",
        "proposed_times": [when],
        "idempotency_key": key,
    }
    statuses = [
        client.api(base, "POST", f"/meetings/courses/{course}/meetings", body).status_code
        for base in servers.both()
    ]
    with out.lock:
        out.meetings[key] = statuses


def _worker(
    n: int, servers: Servers, course: str, others: list[str], out: Outcome, until: float
) -> None:
    """One user's browser: reads, an edit of the shared plan (told "changed meanwhile", they
    read again and retry, as the page asks them to), now and then a meeting sent twice."""
    a, b = (servers.a, servers.b) if n % 2 else (servers.b, servers.a)
    client = _login(a)
    i = 0
    while time.monotonic() < until:
        try:
            path = "/forloeb/" if i % 2 else f"/forloeb/{others[i % len(others)]}/"
            answer = client.get(b, path)
            if answer.status_code != 200:
                with out.lock:
                    out.errors.append(f"GET {path} {answer.status_code}")
            edit = _edit_by_form if (n + i) % 2 else _edit_by_api
            for attempt in range(RETRIES):
                text = f"Resumé fra klient {n}, skrivning {i}.{attempt} ({uuid.uuid4().hex[:8]})"
                read, write = (a, b) if attempt % 2 else (b, a)
                if edit(client, read, write, course, text, out):
                    break
            if i % 3 == 0:
                _create_meeting_twice(client, servers, others[0], out)
        except (requests.RequestException, AssertionError) as exc:
            with out.lock:
                out.errors.append(f"client {n}: {exc!r}"[:400])
        i += 1


def test_mixed_load_on_two_servers_loses_and_overwrites_nothing(
    servers: Servers, django_db_blocker: Any
) -> None:
    from helhed.courses.models import Plan, PlanVersion
    from helhed.meetings.models import Meeting

    setup = _login(servers.a)
    ids = _courses(setup, servers.a)
    assert len(ids) >= 2, ids
    course, others = ids[0], ids[1:]
    with django_db_blocker.unblock():
        plan = Plan.objects.using(ALIAS).get(course_id=course)
        start_version = plan.version
        meetings_before = Meeting.objects.using(ALIAS).count()

    out = Outcome()
    until = time.monotonic() + LOAD_SECONDS
    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [
            pool.submit(_worker, n, servers, course, others, out, until) for n in range(CLIENTS)
        ]:
            future.result(timeout=120)

    print(  # the figures in docs/operations.md ("Flere servere"), with -s
        f"two servers ({connection.vendor}): {len(out.saved)} saves acknowledged, "
        f"{len(out.refused)} refused as stale, {len(out.meetings)} meetings sent twice"
    )
    assert not out.errors, out.errors[:5]
    assert len(out.saved) >= CLIENTS and out.refused, (len(out.saved), len(out.refused))
    assert len(out.meetings) >= CLIENTS
    with django_db_blocker.unblock():
        plan = Plan.objects.using(ALIAS).get(course_id=course)
        versions = {
            v.number: v.snapshot
            for v in PlanVersion.objects.using(ALIAS).filter(plan=plan, number__gt=start_version)
        }
        meetings_after = Meeting.objects.using(ALIAS).count()
        keyed = set(
            Meeting.objects.using(ALIAS)
            .filter(idempotency_key__in=list(out.meetings))
            .values_list("idempotency_key", flat=True)
        )

    # One version per acknowledged save, numbered without a gap: no save was lost, and none was
    # written over another without a version of its own.
    assert sorted(versions) == list(range(start_version + 1, plan.version + 1))
    assert len(versions) == len(out.saved)
    summaries = [snapshot.get("summary") for snapshot in versions.values()]
    for via, text, version in out.saved:
        assert summaries.count(text) == 1, (via, text)  # every acknowledged text, exactly once
        if version is not None:  # the API's answer names the version that save wrote
            assert versions[version].get("summary") == text
    for _via, text in out.refused:  # a refused save was told so and left nothing
        assert text not in summaries
    assert plan.summary == versions[plan.version].get("summary")  # the last save is what stands
    # The idempotency key holds across servers: one meeting per key, the twin answered 409.
    assert keyed == set(out.meetings)
    assert meetings_after - meetings_before == len(out.meetings)
    assert all(sorted(s) == [201, 409] for s in out.meetings.values()), out.meetings


def test_a_page_on_one_server_shows_at_once_what_was_saved_on_the_other(servers: Servers) -> None:
    client = _login(servers.a)
    course = _courses(client, servers.a)[-1]
    for i in range(4):
        write, read = (servers.a, servers.b) if i % 2 else (servers.b, servers.a)
        text = f"Ny plan {i}: {uuid.uuid4().hex[:10]}"
        version = _plan_version(client, write, course)
        saved = client.api(
            write, "PATCH", f"/courses/courses/{course}/plan", {"version": version, "summary": text}
        )
        assert saved.status_code == 200, saved.text[:300]
        page = client.get(read, f"/forloeb/{course}/plan/")
        assert page.status_code == 200 and text in page.text
        assert _plan_version(client, read, course) == saved.json()["version"]
