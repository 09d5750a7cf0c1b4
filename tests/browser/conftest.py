"""Real headless Chromium (Debian's package) driven by Playwright against pytest-django's live
server, plus an axe-core scan helper. Nothing is downloaded: Playwright uses /usr/bin/chromium and
axe-core is the copy vendored from npm at setup."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside
# one unless told that this (test-only) use is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The test database is SQLite in memory, and the live server shares its one connection with the
# test. A threaded server lets two requests (e.g. htmx fragments loading at the same time) use
# that connection at once ("cannot start a transaction within a transaction"). One request at a
# time: Django's single-threaded server answers with "Connection: close", so the browser's parallel
# requests queue instead of colliding.
class SerialWSGIServer(WSGIServer):
    # Held while a request is answered. A page can still have a request in flight when its test
    # ends (a fragment loading, a redirect followed); the test database's teardown must not run
    # its DELETEs on the shared connection meanwhile ("database table is locked", and the next
    # test then starts with the last one's rows): the page fixtures wait for it.
    busy = threading.Lock()

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        # LiveServerThread.run() already puts the test's connection into this (its own) thread.
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.busy:
            super().process_request(request, client_address)


def close_when_served(context: Any) -> None:
    """Close the browser context (no new requests), then wait for the request the live server
    may still be answering."""
    context.close()
    with SerialWSGIServer.busy:
        pass


LiveServerThread.server_class = SerialWSGIServer  # type: ignore[assignment]

AXE = Path(__file__).resolve().parents[2] / "src/helhed/static/vendor/axe/axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("Chromium is not installed: run `make chromium` (Debian package chromium).")
    return path


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(locale="da-DK", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    close_when_served(context)


@pytest.fixture
def phone_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(
        locale="da-DK",
        base_url=live_server.url,
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    close_when_served(context)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current page (WCAG 2.x A/AA rules)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make assets`.")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.wait_for_load_state("domcontentloaded")  # not into a page still being replaced
        if page.url.startswith(("http://", "https://")):
            # From our own static files: the Content-Security-Policy refuses an inline copy.
            page.add_script_tag(url="/static/vendor/axe/axe.min.js")
        else:  # a downloaded document opened from disk: no server path, and no CSP there
            page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                               'best-practice']},
              resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def assert_accessible() -> Callable[[Page], None]:
    def check(page: Page) -> None:
        violations = axe_violations(page)
        assert not violations, f"axe violations on {page.url}: {violations}"

    return check


def ui_login(page: Page, username: str, password: str, *, code: str | None = None) -> None:
    """Log in on the one login page (allauth's, /log-ind/); with ``code``, answer the second
    step (the authenticator code) too."""
    page.goto("/log-ind/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    if code is not None:
        page.get_by_label("Kode").fill(code)
        page.get_by_role("button", name="Log ind").click()
