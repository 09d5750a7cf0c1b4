"""XSS in a real browser: with every free text of the demo replaced by
``"><img src=x onerror=alert(1)><script>alert(1)</script>`` (``javascript:alert(1)`` in links),
Chromium visits every page the demo coordinator can open, and no dialog ever opens — whatever
the template, the htmx fragments loaded into it, or the scripts that run on it do with the text."""

from __future__ import annotations

from typing import Any

from django.test import Client
from playwright.sync_api import Dialog, Page, expect

from helhed.core.models import User
from helhed.devtools.demokit import DEMO_PASSWORD
from tests.browser.conftest import ui_login
from tests.security.test_csrf import pages
from tests.security.test_xss import fill, page_ids
from tests.security.xss_world import build_demo, plant


def test_no_dialog_opens_on_any_page_with_attacks_in_every_text(
    page: Page, live_server: Any
) -> None:
    build_demo()
    planted = plant()
    assert len(planted.fields) >= 100
    coordinator = User.objects.get(username="koordinator")
    ids = page_ids(coordinator)
    # The pages that answer the coordinator with HTML (asked once without the browser).
    client = Client()
    client.force_login(coordinator)
    paths = []
    for route, _, _ in pages():
        if route.startswith("admin/"):
            continue
        path = fill(route, ids)
        response = client.get(path)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            paths.append(path)
    assert len(paths) >= 40, paths

    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{page.url}: {dialog.type} {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    # The listener sees an alert when there is one (the test can fail).
    page.set_content("<p>kontrol</p><script>alert('kontrol')</script>")
    assert dialogs and "kontrol" in dialogs.pop()
    ui_login(page, "koordinator", DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Velkommen")
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert dialogs == [], dialogs
    print(f"\nXSS in Chromium: {len(paths)} pages, no dialog")
