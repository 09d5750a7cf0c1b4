"""Relational coordination in a real browser (issue 13, "Done means"): a leader opens a wave
for an initiative, six professionals answer on a phone viewport, the leader closes it and sees
the matrix with a suppressed cell, the network map and the link to timeliness. axe runs on every
kind of page on the way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from helhed.coordination.models import Response, Wave
from helhed.core.models import Organisation, User
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD
from tests.courses.builders import join_team, make_initiative, make_unit, open_course

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(make_user: Callable[..., User], municipality: Organisation) -> dict[str, object]:
    coordination = make_unit(municipality, "Koordinerende Team", None)
    jobcenter = make_unit(municipality, "Jobcenter", "beskaeftigelse")
    psychiatry = make_unit(municipality, "Psykiatrien", "psykiatri")
    karen = make_user("koordinator", coordination, username="karen", first_name="Karen")
    make_user("leder", coordination, username="lene", first_name="Lene")
    job = [
        make_user("fagperson", jobcenter, username=f"job{i}", first_name=f"Jobbe{i}")
        for i in range(1, 6)
    ]
    psyk = make_user("fagperson", psychiatry, username="psyk", first_name="Psyke")
    initiative = make_initiative("FAMKO")
    for person in job:
        course = open_course(karen, coordination, initiative=initiative)
        join_team(course, karen, jobcenter, member_user=person, name=person.first_name)
        join_team(course, karen, psychiatry, member_user=psyk, name="Psyke")
    return {"initiative": initiative}


def answer(page: Page, username: str, rate: str, skip: str, check: Callable[[Page], None]) -> None:
    page.context.clear_cookies()
    ui_login(page, username, PASSWORD)
    panel = page.locator("#rk-participant-heading").locator("..")
    panel.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Hvordan går samarbejdet?")).to_be_visible()
    page.get_by_label(rate, exact=True).check()
    page.get_by_label(skip, exact=True).uncheck()
    check(page)
    page.get_by_role("button", name="Videre").click()
    expect(page.locator(".rk-steps")).to_have_text("Faggruppe 1 af 1")
    groups = page.locator("fieldset")
    expect(groups).to_have_count(7)
    for i in range(7):
        groups.nth(i).locator("input[type=radio]").nth(3).check()  # the fourth option
    check(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375 + 1
    page.get_by_role("button", name="Gem og se dine svar").click()
    expect(page.get_by_role("cell", name="Besvaret")).to_be_visible()
    page.get_by_role("button", name="Indsend mine svar").click()
    expect(page.get_by_text("Dine svar er indsendt")).to_be_visible()


def test_leader_opens_six_answer_on_a_phone_leader_sees_the_results(
    page: Page,
    phone_page: Page,
    world: dict[str, object],
    assert_accessible: Callable[[Page], None],
) -> None:
    ui_login(page, "lene", PASSWORD)
    expect(page.get_by_role("heading", name="Samarbejde (relationel koordinering)")).to_be_visible()
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Samarbejde").click()
    assert_accessible(page)
    page.get_by_role("link", name="Ny måling").click()
    assert_accessible(page)
    page.get_by_label("Navn på målingen").fill("Samarbejdet omkring FAMKO")
    page.get_by_label("En indsats").check()
    page.get_by_label("Indsats", exact=True).select_option(label="FAMKO (Odense)")
    page.get_by_role("button", name="Opret som kladde").click()
    expect(page.get_by_text("Målingen er oprettet som kladde med 7 deltagere")).to_be_visible()
    expect(page.locator("#rk-participants tbody tr")).to_have_count(7)
    assert_accessible(page)
    page.get_by_role("button", name="Åbn målingen og send invitationer").click()
    expect(page.get_by_text("Målingen er åbnet")).to_be_visible()
    wave = Wave.objects.get()

    checked = {"done": False}

    def check_once(p: Page) -> None:
        if not checked["done"]:
            assert_accessible(p)

    for i in range(1, 6):
        answer(phone_page, f"job{i}", "Psykiatri (region)", "Koordinator / tovholder", check_once)
        checked["done"] = True
    answer(phone_page, "psyk", "Jobcenter", "Koordinator / tovholder", lambda p: None)
    assert Response.objects.filter(wave=wave).count() == 6

    page.goto(f"/samarbejde/maalinger/{wave.pk}/")
    expect(page.locator("#rk-response-rates")).to_contain_text("Jobcenter")
    page.get_by_role("link", name="Luk målingen og se resultaterne").click()
    assert_accessible(page)
    page.get_by_role("button", name="Luk målingen").click()
    expect(page.get_by_text("Målingen er lukket. Resultaterne er klar.")).to_be_visible()
    expect(page.locator("#rk-dialogue")).to_contain_text("ikke til rangering")
    ties = page.locator("#rk-ties")
    expect(ties.locator('[data-cell="tie|jobcenter|psykiatri"]')).to_contain_text("4,00")
    expect(ties.locator('[data-cell="tie|psykiatri|jobcenter"]')).to_have_text("<5")
    expect(page.locator("#rk-heat")).to_be_visible()
    assert int(page.locator("#rk-network").get_attribute("data-edges") or 0) >= 2
    assert_accessible(page)
    # one dimension at a time (htmx swaps the matrix)
    page.get_by_role("link", name="Rettidig kommunikation").click()
    expect(page.locator("#rk-matrix-heading")).to_contain_text("Rettidig kommunikation")
    assert_accessible(page)
    page.get_by_role("link", name="Se samarbejdet ved siden af rettidigheden i forløbene").click()
    expect(page.locator("#rk-caution")).to_contain_text("Sammenhæng, ikke årsag")
    expect(page.locator("#rk-flow-ties")).to_contain_text("Psykiatri (region)")
    assert_accessible(page)
    page.get_by_role("link", name="Netværket i data").click()
    expect(page.locator("#rk-pairs")).to_contain_text("Jobcenter")
    assert_accessible(page)
