"""The page shell as DKFDS 11 designs it: header with main menu and mobile drawer, breadcrumbs,
messages as alerts, DKFDS's JavaScript from static files, one stylesheet (no inline styles)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.shortcuts import render
from django.test import Client, RequestFactory

from helhed.core.models import Unit, User

SRC = Path(__file__).resolve().parents[2] / "src" / "helhed"


def page_with_messages(user: User, *added: tuple[int, str]) -> str:
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    for level, text in added:
        messages.add_message(request, level, text)
    return render(request, "base.html").content.decode()


def alert_for(html: str, text: str) -> str:
    match = re.search(
        r'<div class="alert [^"]*"[^>]*>(?:(?!<div class="alert ).)*?' + text, html, re.S
    )
    assert match, f"no alert with {text!r}"
    return match.group(0)


def test_each_message_level_is_its_dkfds_alert(coordinator: User) -> None:
    html = page_with_messages(
        coordinator,
        (messages.WARNING, "Samtykket udløber om 3 dage"),
        (messages.ERROR, "Kunne ikke gemmes"),
        (messages.SUCCESS, "Planen er gemt"),
        (messages.INFO, "Til orientering"),
    )
    warning = alert_for(html, "Samtykket udløber om 3 dage")
    assert 'class="alert alert-warning" role="alert"' in warning
    assert 'aria-label="Advarsel"' in warning and "#warning" in warning
    error = alert_for(html, "Kunne ikke gemmes")
    assert 'class="alert alert-error" role="alert"' in error
    success = alert_for(html, "Planen er gemt")
    assert 'class="alert alert-success" role="status"' in success
    info = alert_for(html, "Til orientering")
    assert 'class="alert alert-info" role="status"' in info


def test_the_header_is_dkfds_with_menu_mobile_drawer_user_and_organisation(
    login: Callable[[User], Client], coordinator: User, unit: Unit
) -> None:
    html = login(coordinator).get("/").content.decode()
    # Portal row: the user and the organisation they work for, and log out.
    assert re.search(r'<p class="user">Karen [^<]*, Odense Kommune</p>', html)
    assert 'class="function-link d-print-none log-off"' in html
    # Solution row: organisation, unit and role.
    assert '<strong class="authority-name">Odense Kommune</strong>' in html
    assert "Koordinerende Team · Koordinator" in html
    # Main menu: DKFDS's list (no bullets), this page marked as current.
    desktop = html.split('<div class="navigation-menu">', 1)[1].split("</nav>", 1)[0]
    assert '<ul class="mainmenu">' in desktop
    assert '<li class="active current"><a href="/" class="nav-link" aria-current="page">' in desktop
    # The mobile menu: a button that opens the drawer, the same menu in it, log out in it.
    assert 'class="function-link button-menu-open js-menu-open d-print-none"' in html
    drawer = html.split('<div class="mobile-drawer"', 1)[1].split("</header>", 1)[0]
    assert 'class="function-link button-menu-close js-menu-close"' in drawer
    assert '<nav class="navigation-menu-mobile"' in drawer
    assert 'aria-current="page"' in drawer
    assert "log-off" in drawer


def test_a_sub_page_marks_its_menu_entry_as_current_but_not_as_the_page(
    login: Callable[[User], Client], coordinator: User
) -> None:
    html = login(coordinator).get("/forloeb/visitation/").content.decode()
    desktop = html.split('<div class="navigation-menu">', 1)[1].split("</nav>", 1)[0]
    assert re.search(
        r'<li class="active current"><a href="/forloeb/" class="nav-link" '
        r'aria-current="true">',
        desktop,
    )
    assert 'aria-current="page"' not in desktop


def test_course_pages_fill_the_breadcrumbs_block(
    login: Callable[[User], Client], coordinator: User
) -> None:
    html = login(coordinator).get("/forloeb/visitation/").content.decode()
    crumbs = html.split('<div class="container helhed-breadcrumbs d-print-none">', 1)[1]
    crumbs = crumbs.split("</nav>", 1)[0]
    assert '<nav class="breadcrumbs" aria-label="Brødkrumme">' in crumbs
    assert '<a class="breadcrumbs__link" href="/">Forside</a>' in crumbs
    assert '<a class="breadcrumbs__link" href="/forloeb/">Forløb</a>' in crumbs
    assert re.search(
        r'<li class="breadcrumbs__list-item" aria-current="page">.*Ny visitation', crumbs, re.S
    )
    # …outside <main>, before it, as DKFDS places them
    assert html.index("breadcrumbs__list") < html.index('<main id="main-content"')


def test_dkfds_javascript_comes_from_static_files_and_no_script_or_style_is_inline(
    login: Callable[[User], Client], coordinator: User
) -> None:
    html = login(coordinator).get("/").content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert any("vendor/dkfds/js/dkfds.min.js" in s for s in scripts)
    assert any("helhed/helhed.js" in s for s in scripts)
    assert all(" src=" in s for s in scripts), scripts
    assert html.index("dkfds.min.js") < html.index("helhed/helhed.js")  # defer keeps the order
    assert "<style" not in html
    assert "DKFDS.init()" in (SRC / "static/helhed/helhed.js").read_text(encoding="utf-8")


def test_no_template_has_an_inline_style_block() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("templates/**/*.html")
        if "<style" in (text := path.read_text(encoding="utf-8")) or "_styles.html" in text
    ]
    assert not offenders, f"inline <style> blocks belong in static/helhed/helhed.css: {offenders}"


@pytest.mark.parametrize("path", ["/log-ind/"])
def test_a_page_without_login_has_the_header_but_no_menu_button(
    client: Client, path: str, db: None
) -> None:
    # The login page reads the configured identity providers (allauth's social apps).
    html = client.get(path).content.decode()
    assert '<header class="header helhed-header">' in html
    assert "js-menu-open" not in html and "mobile-drawer" not in html
    assert 'class="language-switcher d-print-none"' in html


def test_the_server_error_page_is_a_dkfds_page_without_the_database() -> None:
    # No db fixture: any query would fail the test.
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "vendor/dkfds/css/dkfds.min.css" in html and "helhed/helhed.css" in html
    assert '<header class="header helhed-header">' in html
    assert 'class="alert alert-error" role="alert"' in html
    assert "<script" not in html and "<style" not in html


def test_an_organisation_page_has_dkfds_breadcrumbs_back_to_the_list(
    login: Callable[[User], Client], make_user: Callable[..., User], unit: Unit
) -> None:
    admin = make_user("administrator", unit)
    html = login(admin).get(f"/organisationer/{unit.organisation_id}/").content.decode()
    crumbs = html.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert '<a class="breadcrumbs__link" href="/organisationer/">Organisationer</a>' in crumbs
    assert re.search(r'aria-current="page">.*Odense Kommune</li>', crumbs, re.S)
    assert html.index("breadcrumbs__list") < html.index('<main id="main-content"')
