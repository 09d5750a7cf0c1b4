"""Notifications in the browser: the unread count in the header (loaded after the page), the
list, opening one (it is marked read and leads to its page)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from helhed.core.models import Unit, User
from helhed.notifications import services
from helhed.notifications.models import Notification, NotificationKind
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD


def test_unread_count_list_and_open(
    page: Page,
    make_user: Callable[..., User],
    unit: Unit,
    assert_accessible: Callable[[Page], None],
) -> None:
    user = make_user("fagperson", unit, username="fie", first_name="Fie")
    services.notify(
        [user], kind=NotificationKind.TASK, title="Ny opgave fra netværksmøde", url="/forloeb/"
    )
    services.notify([user], kind=NotificationKind.ALERT, title="Overdragelse venter")
    ui_login(page, "fie", PASSWORD)
    bell = page.locator(".helhed-bell")
    expect(bell).to_contain_text("2")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifikationer")
    expect(page.locator("main")).to_contain_text("Du har 2 ulæste notifikationer.")
    assert_accessible(page)
    page.get_by_role("link", name="Ny opgave fra netværksmøde").click()
    expect(page).to_have_url(re.compile(r"/forloeb/$"))
    expect(page.locator(".helhed-bell")).to_contain_text("1")
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 1
    page.goto("/notifikationer/")
    page.get_by_role("button", name="Markér alle som læst").click()
    expect(page.locator("main")).to_contain_text("Du har 0 ulæste notifikationer.")
    expect(page.locator(".helhed-bell .helhed-badge")).to_have_count(0)
