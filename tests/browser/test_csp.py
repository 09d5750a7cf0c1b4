"""The Content-Security-Policy in a real browser (docs/security.md, "Content Security Policy and
headers"): Chromium opens the main pages — start, course list, the course page and every tab, its
meetings, progress and print view, the leader's progress dashboard and economics, the Django admin —
and no page has a CSP violation, a Permissions-Policy warning or a script error, while DKFDS's
JavaScript (mobile menu), htmx (sections loaded after the page) and helhed.js (the print button)
still work. Then a form posted after the cookies are gone shows the Danish CSRF page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from helhed.core.models import Organisation, User
from tests.browser.conftest import close_when_served, ui_login
from tests.conftest import PASSWORD
from tests.courses.builders import give_consent, make_unit, open_course
from tests.progress.conftest import add_goals

pytestmark = pytest.mark.django_db(transaction=True)

# Reported to the page's console by the init script below and by Chromium itself ("Refused to
# execute inline script because it violates the following Content Security Policy directive").
WATCH_FOR_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`
    + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watch:
    """Console errors and warnings about the policies, and script errors, on every page."""

    def __init__(self, context: BrowserContext) -> None:
        self.problems: list[str] = []
        self.pages = 0
        context.add_init_script(WATCH_FOR_VIOLATIONS)
        context.on("page", self.attach)

    def attach(self, page: Page) -> None:
        def console(message: Any) -> None:
            text = message.text
            policy = re.search(r"Content.Security.Policy|CSP violation|Permissions.Policy", text)
            if message.type == "error" or policy:
                self.problems.append(f"{page.url}: {text}")

        page.on("console", console)
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))

    def visit(self, page: Page, path: str) -> None:
        response = page.goto(path)
        assert response is not None and response.status < 400, (path, response and response.status)
        header = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in header and "unsafe-inline" not in header, (path, header)
        page.wait_for_load_state("networkidle")  # htmx sections and the notification badge
        self.pages += 1


@pytest.fixture
def world(make_user: Callable[..., User], municipality: Organisation) -> dict[str, Any]:
    unit = make_unit(municipality, "Koordinerende Team")
    jobcenter = make_unit(municipality, "Jobcenter Odense")
    karen = make_user("koordinator", unit, username="karen", first_name="Karen")
    make_user("leder", unit, username="lene", first_name="Lene")
    make_user(None, username="super", is_staff=True, is_superuser=True, first_name="Super")
    course = open_course(karen, unit)
    give_consent(course, karen, units=[unit, jobcenter], categories=["plan", "social"])
    add_goals(course, [("Få et arbejde", 3), ("Sove bedre", None)])
    return {"course": course}


@pytest.fixture
def desktop(browser: Browser, live_server: Any) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(
        locale="da-DK", base_url=live_server.url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(10_000)
    watch = Watch(context)
    yield context.new_page(), watch
    close_when_served(context)


def test_the_main_pages_run_under_the_policy_without_a_single_violation(
    desktop: tuple[Page, Watch], world: dict[str, Any]
) -> None:
    page, watch = desktop
    course = world["course"]
    ui_login(page, "karen", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Karen")
    watch.visit(page, "/")
    watch.visit(page, "/forloeb/")
    watch.visit(page, f"/forloeb/{course.pk}/")
    # htmx loaded the overview's sections (an XHR under connect-src 'self').
    expect(page.get_by_role("heading", name="Seneste progression")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Forløbets sider").get_by_role("link")
    hrefs = [tabs.nth(i).get_attribute("href") for i in range(tabs.count())]
    assert len(hrefs) >= 8, hrefs
    for href in hrefs[1:]:
        assert href
        watch.visit(page, href)
        current = page.locator(".courses-tabs [aria-current=page]")
        expect(current).to_have_attribute("href", href)
    watch.visit(page, f"/moeder/forloeb/{course.pk}/")
    # The print view: its button is shown and wired by helhed.js (it was an inline script).
    watch.visit(page, f"/forloeb/{course.pk}/udskrift/min-plan/")
    expect(page.get_by_role("button", name="Udskriv / Gem som PDF")).to_be_visible()
    expect(page.locator("#print-hint")).to_be_hidden()
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Udskriv / Gem som PDF").click()
    assert page.evaluate("() => window.printed") == 1
    page.get_by_role("button", name="Log ud").first.click()

    ui_login(page, "lene", PASSWORD)
    watch.visit(page, f"/progression/indsatser/{course.initiative_id}/")
    expect(page.locator("svg.progress-chart--narrow")).to_be_visible()
    # The class from helhed.css replaced style="max-width: 48rem" (in rem of the root font).
    rems = page.locator("svg.progress-chart--narrow").evaluate(
        "e => parseFloat(getComputedStyle(e).maxWidth)"
        " / parseFloat(getComputedStyle(document.documentElement).fontSize)"
    )
    assert rems == 48
    watch.visit(page, "/oekonomi/")
    watch.visit(page, f"/oekonomi/indsatser/{course.initiative_id}/")
    page.get_by_role("button", name="Log ud").first.click()

    # The Django admin (5.2): index, every list linked from it, and a form with its widgets.
    ui_login(page, "super", PASSWORD)
    watch.visit(page, "/admin/")
    links = page.locator("#content-main a[href$='/']:not([href$='/add/'])")
    lists = sorted({h for i in range(links.count()) if (h := links.nth(i).get_attribute("href"))})
    assert len(lists) >= 3, lists
    for href in lists:
        watch.visit(page, href)
    watch.visit(page, "/admin/core/membership/add/")
    assert watch.pages >= 15 + len(lists)
    print(f"\n{watch.pages} pages ({len(lists)} admin lists) without a CSP violation")
    assert watch.problems == [], "\n".join(watch.problems)


def test_a_violation_would_be_seen(desktop: tuple[Page, Watch], world: dict[str, Any]) -> None:
    """The watch is not blind: a script and a style attribute put into a page are refused and
    reported, and the page's own JavaScript sees neither run."""
    page, watch = desktop
    ui_login(page, "karen", PASSWORD)
    watch.visit(page, "/")
    page.evaluate(
        """() => {
          const s = document.createElement('script');
          s.textContent = 'window.injected = true';
          document.body.appendChild(s);
          const d = document.createElement('div');
          d.id = 'styled';
          d.setAttribute('style', 'color: rgb(255, 0, 0)');
          document.body.appendChild(d);
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.injected") is None
    assert page.evaluate("() => getComputedStyle(document.getElementById('styled')).color") != (
        "rgb(255, 0, 0)"
    )
    assert any("script-src" in p for p in watch.problems), watch.problems
    assert any("style-src" in p for p in watch.problems), watch.problems


def test_the_dkfds_mobile_menu_opens_under_the_policy(
    phone_page: Page, world: dict[str, Any]
) -> None:
    page = phone_page
    watch = Watch(page.context)
    watch.attach(page)  # the page existed before the watch
    ui_login(page, "karen", PASSWORD)
    watch.visit(page, f"/forloeb/{world['course'].pk}/")
    button = page.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    button.click()
    drawer = page.get_by_role("dialog", name="Menu")
    expect(drawer).to_be_visible()
    expect(drawer.get_by_role("link", name="Forløb")).to_be_visible()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    assert watch.problems == [], "\n".join(watch.problems)


def test_a_form_sent_after_the_cookies_are_gone_gets_the_danish_csrf_page(
    desktop: tuple[Page, Watch], world: dict[str, Any]
) -> None:
    page, watch = desktop
    watch.visit(page, "/log-ind/")
    page.context.clear_cookies()  # as when the browser refuses or loses Helhed's cookies
    page.get_by_label("Brugernavn").fill("karen")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    with page.expect_response(re.compile(r"/log-ind/")) as answer:
        page.get_by_role("button", name="Log ind").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Formularen kunne ikke sendes")
    expect(page.get_by_role("alert")).to_contain_text("Intet er gemt.")
    page.get_by_role("link", name="Åbn formularen igen").click()
    expect(page).to_have_url(re.compile(r"/log-ind/$"))
    ui_login(page, "karen", PASSWORD)  # with the cookie back, the form works
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Karen")
    # Chromium logs the 403 itself as a failed resource; nothing else may appear.
    rest = [p for p in watch.problems if "403" not in p]
    assert rest == [], "\n".join(rest)
