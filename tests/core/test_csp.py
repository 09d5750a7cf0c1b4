"""The Content-Security-Policy and the other security headers (docs/security.md, "Content Security
Policy and headers"), the template check that keeps every template within the policy, and the
Danish CSRF failure page."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from helhed.core.middleware import permissions_policy_header
from helhed.core.models import User

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import check_csp_templates  # noqa: E402

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in header.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


# --- the template check ------------------------------------------------------------------------


def test_no_template_has_what_the_policy_would_block() -> None:
    paths = check_csp_templates.templates()
    assert len(paths) > 150  # every app's templates, not an empty glob
    found = check_csp_templates.findings(paths)
    assert not found, "the Content-Security-Policy would block:\n" + "\n".join(found)


PLANTED = """{% extends "base.html" %}
{# <script>alert(1)</script> in a comment is fine #}
<script src="/static/x.js"></script>
{{ data|json_script:"chart-data" }}
<script type="application/json" id="d">{"a": 1}</script>
<script nonce="{{ CSP_NONCE }}">ok()</script>
<script>
  bad();
</script>
<p style="color: red">x</p>
<button type="button" onclick="go()">Go</button>
<style>.x { color: red }</style>
<a href="javascript:void(0)">x</a>
<div hx-on:click="alert(1)"></div>
<svg class="c" viewBox="0 0 1 1"><rect fill="#000" width="1" height="1"/></svg>
<input
  type="text"
  onchange="x()">
"""


def test_the_template_check_names_file_and_line_of_each_thing_the_policy_blocks() -> None:
    found = check_csp_templates.findings_in(PLANTED, "app/page.html")
    assert found == [
        "app/page.html:7: inline <script> without nonce (use a static file)",
        "app/page.html:10: style attribute (use a class in static/helhed/helhed.css)",
        "app/page.html:11: inline event handler (attach it in a static JS file)",
        "app/page.html:12: <style> block (move the rules to static/helhed/helhed.css)",
        "app/page.html:13: javascript: URL",
        "app/page.html:14: hx-on handler (htmx evaluates it)",
        "app/page.html:18: inline event handler (attach it in a static JS file)",
    ]


def test_the_template_check_fails_on_a_new_template_with_an_inline_script(tmp_path: Path) -> None:
    """A colleague's template added later (a login or consent page) is found by the same scan."""
    page = tmp_path / "consents" / "templates" / "consents" / "confirm.html"
    page.parent.mkdir(parents=True)
    page.write_text("<form>\n<script>document.forms[0].submit()</script>\n</form>\n", "utf-8")
    found = check_csp_templates.findings(check_csp_templates.templates(tmp_path), tmp_path)
    assert found == [
        "consents/templates/consents/confirm.html:2: inline <script> without nonce "
        "(use a static file)"
    ]


# --- the headers -------------------------------------------------------------------------------


def test_a_page_carries_the_enforced_policy_and_the_other_headers(
    login: Callable[[User], Client], coordinator: User
) -> None:
    response = login(coordinator).get("/")
    assert response.status_code == 200
    assert "Content-Security-Policy-Report-Only" not in response  # enforced, not report-only
    policy = response["Content-Security-Policy"]
    assert directives(policy) == POLICY
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "nonce-" not in policy  # no page used a nonce, so none is offered
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert f"{feature}=()" in permissions
    assert "interest-cohort" not in permissions  # FLoC's old name; browsers warn on it
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_refusals_carry_the_headers_too(client: Client) -> None:
    for response in (
        client.get("/findes-ikke/"),  # 404
        client.get("/", headers={"host": "evil.example"}),  # 400, refused before any view
    ):
        assert response.status_code in (400, 404)
        assert directives(response["Content-Security-Policy"]) == POLICY
        assert "camera=()" in response["Permissions-Policy"]


NONCE_TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [ROOT / "tests/core/csp_templates"]}]


@override_settings(TEMPLATES=NONCE_TEMPLATES)
@pytest.mark.django_db
def test_a_template_that_uses_the_nonce_gets_it_in_script_src(client: Client) -> None:
    response = client.get("/log-ind/")  # login.html from the test folder: one nonced script
    nonce = re.search(r'<script nonce="([^"]+)">', response.content.decode())
    assert nonce, response.content.decode()[:500]
    assert directives(response["Content-Security-Policy"])["script-src"] == (
        f"'self' 'nonce-{nonce.group(1)}'"
    )
    again = re.search(r'nonce="([^"]+)"', client.get("/log-ind/").content.decode())
    assert again and again.group(1) != nonce.group(1)  # a fresh nonce per response


def test_the_permissions_policy_header_is_built_from_the_setting() -> None:
    assert permissions_policy_header({"camera": [], "fullscreen": ["self"], "usb": []}) == (
        "camera=(), fullscreen=(self), usb=()"
    )


# --- the CSRF failure page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_form_sent_without_its_token_gets_a_danish_page_that_says_what_to_do() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/log-ind/")  # the form and its cookie; then the token is left out of the POST
    response = client.post(
        "/log-ind/",
        {"username": "koordinator", "password": "x"},
        headers={"referer": "http://testserver/log-ind/?next=/forloeb/"},
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert "<title>Formularen kunne ikke sendes – Helhed</title>" in html
    assert 'class="alert alert-warning" role="alert" id="csrf-failure"' in html
    assert "Intet er gemt." in html
    assert "Åbn formularen igen" in html and "tillader cookies" in html
    assert 'href="/log-ind/?next=/forloeb/"' in html  # back to the form it came from
    assert "vendor/dkfds/css/dkfds.min.css" in html
    assert "token missing" not in html  # Django's reason is for the log, not the reader
    assert directives(response["Content-Security-Policy"]) == POLICY


@pytest.mark.django_db
def test_the_csrf_page_never_links_to_another_site() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/log-ind/", {}, headers={"referer": "https://evil.example/x"})
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()
    assert 'href="/log-ind/"' in response.content.decode()


@pytest.mark.django_db
def test_the_csrf_page_is_in_english_for_a_reader_who_chose_english() -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("da"):  # the middleware switches this thread to English
        response = client.post("/log-ind/", {})
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in html
    with translation.override("en"):
        english = translation.gettext("Formularen kunne ikke sendes")
    assert english != "Formularen kunne ikke sendes"  # the catalogue has it
    assert f"<h1>{english}</h1>" in html


# --- check --deploy ----------------------------------------------------------------------------


@override_settings(
    DEBUG=False,
    SECURE_SSL_REDIRECT=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_HSTS_SECONDS=31_536_000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
    SECRET_KEY="ci-only-deploy-check-key-9f3b2c7d1e8a4f6b0c5d2e9a7b3f1c8d4e6a0b2c",
    HELHED_AUDIT_KEY="ci-only-audit-key-1d7e3b9c5a2f8e4d6b0a9c3f7e1d5b8a",
    ALLOWED_HOSTS=["helhed.example.dk"],
    HELHED_EMAIL_DELIVERY_BACKEND="django.core.mail.backends.smtp.EmailBackend",
)
def test_check_deploy_is_clean_with_the_production_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The settings ``make check`` checks with DEPLOY_ENV; a warning fails (``--fail-level``).
    The browser tests' conftest allows Django's async-unsafe calls for Playwright in the test
    process (importing it sets the variable for every later test); production never has it."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    call_command("check", deploy=True, fail_level="WARNING")


@override_settings(HELHED_EMAIL_DELIVERY_BACKEND="django.core.mail.backends.console.EmailBackend")
def test_check_deploy_warns_when_e_mail_only_goes_to_the_log() -> None:
    """EMAIL_BACKEND unset: the worker printed every e-mail, reset links included, to the
    journal and nobody received one; ``check --deploy`` (``--fail-level WARNING`` in make check
    and in an operator's deploy) names the setting."""
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match=r"helhed\.ops\.W001.*EMAIL_BACKEND"):
        call_command("check", deploy=True, fail_level="WARNING", tags=["security"])
