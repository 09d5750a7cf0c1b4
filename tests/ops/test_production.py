"""The production configuration, started as an operator starts it, and crawled over HTTP.

A new database (a SQLite file, or a new PostgreSQL database in the PostgreSQL run's cluster) with
the migrated schema, ``helhed migrate``, ``helhed collectstatic`` and ``helhed demo`` with DEBUG
off and HTTPS on (tests/ops/prodserver.py), then
``helhed serve`` (gunicorn, two workers) on a free loopback port. The client is the reverse proxy:
plain HTTP, ``Host: helhed.test``, ``X-Forwarded-Proto: https``. The tests run in file order and
share one server; the last one stops it.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from pytest_django import DjangoDbBlocker

from tests.ops.prodserver import HOST, ProductionSite, ProxyClient

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DEBUG_PAGE = "You’re seeing this error because you have"  # Django's technical 500/404 pages
BOOTING = re.compile(r"Booting worker with pid: (\d+)")

# The test database must exist: the site's database starts as a copy of it (prodserver.py).
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
) -> Iterator[ProductionSite]:
    site = ProductionSite(tmp_path_factory.mktemp("production"))
    try:
        started = time.perf_counter()
        with django_db_blocker.unblock():
            site.timings = site.deploy()
        site.start()
        site.timings["ready"] = time.perf_counter() - started
        yield site
    finally:
        site.stop()
        site.drop_database()


def assert_production_page(response: requests.Response) -> None:
    assert response.status_code == 200, (response.url, response.status_code)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=31536000")
    assert DEBUG_PAGE not in response.text
    assert "Traceback" not in response.text


def assert_no_traceback(site: ProductionSite) -> None:
    log = site.log()
    assert "Traceback" not in log, log[-4000:]
    assert "Internal Server Error" not in log, log[-4000:]


def test_the_login_page_answers_over_the_proxy_and_only_there(site: ProductionSite) -> None:
    client = ProxyClient(site)
    page = client.get("/log-ind/")
    assert_production_page(page)
    assert "csrftoken" in client.session.cookies
    # Straight to the server without the proxy's header: HTTPS is required (redirect), so the
    # server honours X-Forwarded-Proto and nothing is answered over plain HTTP.
    direct = requests.get(
        f"{site.base}/log-ind/", headers={"Host": HOST}, allow_redirects=False, timeout=10
    )
    assert direct.status_code == 301
    assert direct.headers["Location"] == f"https://{HOST}/log-ind/"
    # A host that is not in ALLOWED_HOSTS is refused (400), not served.
    other = requests.get(
        f"{site.base}/log-ind/",
        headers={"Host": "evil.example", "X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=10,
    )
    assert other.status_code == 400
    assert DEBUG_PAGE not in other.text


def test_smoke_crawl_as_a_coordinator(site: ProductionSite) -> None:
    client = ProxyClient(site)
    answer = client.log_in("koordinator")
    assert answer.status_code == 302, answer.text[:2000]
    assert answer.headers["Location"] == "/"
    assert client.session.cookies.get("sessionid")

    home = client.get("/")
    assert_production_page(home)
    assert "no-store" in home.headers["Cache-Control"]

    courses = client.get("/forloeb/")
    assert_production_page(courses)
    course_ids = sorted(set(re.findall(rf'href="/forloeb/({UUID})/"', courses.text)))
    assert course_ids, "the demo coordinator's caseload lists no course"
    course = f"/forloeb/{course_ids[0]}/"
    detail = client.get(course)
    assert_production_page(detail)
    tabs = sorted(set(re.findall(rf'href="({re.escape(course)}[a-z-]+/)"', detail.text)))
    assert len(tabs) >= 4, tabs  # plan, demands, appointments, history, other apps' tabs
    for tab in tabs:
        assert_production_page(client.get(tab))

    # A static file under its hashed name from the manifest, cached for good, compressed.
    stylesheet = re.search(r'href="(/static/helhed/helhed\.[0-9a-f]{12}\.css)"', home.text)
    assert stylesheet, "the page does not link the hashed stylesheet"
    css = client.get(stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "immutable" in css.headers["Cache-Control"]
    assert "max-age=315360000" in css.headers["Cache-Control"]
    assert css.headers.get("Content-Encoding") == "gzip"
    assert "sessionid" not in css.headers.get("Set-Cookie", "")
    # The source folders are not served in production, only what was collected.
    assert client.get("/static/helhed/nonexistent.css").status_code == 404

    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["username"] == "koordinator"
    api_course = client.get(f"/api/courses/courses/{course_ids[0]}")
    assert api_course.status_code == 200, api_course.text[:500]
    assert api_course.headers["Content-Type"].startswith("application/json")

    out = client.post("/log-ud/", {})
    assert out.status_code == 302
    assert client.get("/").status_code == 302  # logged out: the start page sends to login
    assert client.get("/api/me").status_code == 401
    assert_no_traceback(site)


def test_sighup_reloads_the_workers_while_requests_keep_succeeding(site: ProductionSite) -> None:
    client = ProxyClient(site)
    assert client.log_in("fagperson").status_code == 302
    before = set(BOOTING.findall(site.log()))
    statuses: list[int] = []
    errors: list[str] = []
    stop = threading.Event()

    def crawl() -> None:
        while not stop.is_set():
            try:
                statuses.append(client.get("/forloeb/").status_code)
            except requests.RequestException as exc:  # a refused or dropped connection
                errors.append(repr(exc))

    crawler = threading.Thread(target=crawl, daemon=True)
    crawler.start()
    try:
        time.sleep(1.0)
        during = len(statuses)
        site.signal(signal.SIGHUP)
        hup = time.monotonic()
        deadline = hup + 45
        while time.monotonic() < deadline:
            new = set(BOOTING.findall(site.log())) - before
            if len(new) >= 2 and len(statuses) > during + 10:
                break
            time.sleep(0.2)
        site.timings["reload"] = time.monotonic() - hup
        time.sleep(1.0)  # requests to the new workers only
    finally:
        stop.set()
        crawler.join(timeout=30)
    new_workers = set(BOOTING.findall(site.log())) - before
    assert len(new_workers) == 2, site.log()[-3000:]
    assert "Handling signal: hup" in site.log()
    assert errors == []
    assert len(statuses) > during + 10
    assert set(statuses) == {200}, statuses
    assert_no_traceback(site)
    site.timings["requests during the reload"] = len(statuses) - during


def test_sigterm_stops_within_the_graceful_timeout(site: ProductionSite) -> None:
    assert site.process is not None
    start = time.perf_counter()
    site.signal(signal.SIGTERM)
    code = site.process.wait(timeout=10 + 5)  # HELHED_GRACEFUL_TIMEOUT=10
    elapsed = time.perf_counter() - start
    assert code == 0
    assert elapsed < 10
    assert "Shutting down: Master" in site.log()
    assert_no_traceback(site)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{site.base}/log-ind/", timeout=5)
    figures = ", ".join(f"{k}={v:.1f}" for k, v in site.timings.items())
    print(f"production smoke: {figures}, stop={elapsed:.1f}s")
