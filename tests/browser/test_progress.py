"""A citizen fills WHO-5 on a phone-sized screen and sees their chart update; the team's progress
page and the leader's dashboard pass the axe scan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from helhed.core.models import Organisation, User, UserKind
from helhed.progress import services
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD
from tests.courses.builders import make_unit, open_course
from tests.progress.conftest import add_goals

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def progress_world(make_user: Callable[..., User], municipality: Organisation) -> dict[str, object]:
    unit = make_unit(municipality, "Koordinerende Team")
    coordinator = make_user("koordinator", unit, username="karen", first_name="Karen")
    leader = make_user("leder", unit, username="lene", first_name="Lene")
    make_user("analytiker", unit, username="anna", first_name="Anna")
    citizen = make_user(None, username="mette", kind=UserKind.CITIZEN, first_name="Mette")
    course = open_course(coordinator, unit)
    course.citizen.user = citizen
    course.citizen.save()
    add_goals(course, [("Få et arbejde", 3), ("Sove bedre", None)])
    services.record_measurement(
        citizen,
        course_id=course.pk,
        instrument="who5",
        answers={f"who5_{i}": 2 for i in range(1, 6)},
        measured_on=timezone.localdate() - timedelta(days=21),
    )
    return {"course": course, "citizen": citizen, "coordinator": coordinator, "leader": leader}


def test_citizen_fills_who5_on_a_phone_and_sees_the_chart_update(
    phone_page: Page, progress_world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    page = phone_page
    course = progress_world["course"]
    ui_login(page, "mette", PASSWORD)
    page.get_by_role("link", name="Se og udfyld min trivsel").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Sådan går det", level=1)).to_be_visible()
    chart = page.locator(f"#chart-who5-{course.pk}")  # type: ignore[attr-defined]
    expect(chart).to_have_attribute("data-points", "1")
    table = page.locator(f"#who5-table-{course.pk}")  # type: ignore[attr-defined]
    expect(table.locator("tbody tr")).to_have_count(1)
    assert_accessible(page)
    # nothing wider than the phone
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375 + 1

    # one answer missing: a clear message, nothing saved
    answers = [
        "Det meste af tiden",
        "Hele tiden",
        "Det meste af tiden",
        "Lidt mere end halvdelen af tiden",
    ]
    groups = page.locator("fieldset")
    for i, label in enumerate(answers):
        groups.nth(i).get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Gem mit svar").click()
    expect(page.get_by_role("alert")).to_contain_text("Besvar spørgsmålet")
    expect(chart).to_have_attribute("data-points", "1")

    # answer all five: 4+5+4+3+4 = 20 → 80
    for i, label in enumerate([*answers, "Det meste af tiden"]):
        page.locator("fieldset").nth(i).get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Gem mit svar").click()
    expect(page.get_by_text("Dit svar er gemt")).to_be_visible()
    expect(chart).to_have_attribute("data-points", "2")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("80")
    expect(page.get_by_text("Din seneste trivsel: 80 af 100")).to_be_visible()
    assert_accessible(page)


def test_team_progress_page_and_leader_dashboard_are_accessible(
    page: Page, progress_world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    course = progress_world["course"]
    ui_login(page, "karen", PASSWORD)
    page.goto(f"/forloeb/{course.pk}/progression/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Trivsel (WHO-5)")).to_be_visible()
    assert_accessible(page)
    page.goto(f"/forloeb/{course.pk}/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Seneste progression")).to_be_visible()
    expect(page.get_by_text("40 af 100")).to_be_visible()  # loaded into the section
    page.get_by_role("button", name="Log ud").click()
    ui_login(page, "lene", PASSWORD)
    page.goto(f"/progression/indsatser/{course.initiative_id}/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")
    expect(page.locator("#outcomes")).to_contain_text("<5")
    assert_accessible(page)
    # the pseudonymised export is for analysts: no link for the leader
    export = page.get_by_role("link", name="Pseudonymiseret udtræk til evaluering")
    expect(export).to_have_count(0)
    page.get_by_role("button", name="Log ud").click()
    ui_login(page, "anna", PASSWORD)
    page.goto(f"/progression/indsatser/{course.initiative_id}/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")
    export.click()
    expect(page.get_by_role("heading", name="Pseudonymiseret udtræk", exact=False)).to_be_visible()
    assert_accessible(page)


def test_coordinator_plans_who5_every_four_weeks_and_sees_one_due(
    page: Page, progress_world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    course = progress_world["course"]
    today = timezone.localdate()
    ui_login(page, "karen", PASSWORD)
    page.goto(f"/forloeb/{course.pk}/progression/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Ingen planlagte målinger.")).to_be_visible()
    # the WHO-5 form's date shows its default, today
    page.get_by_text("Registrér WHO-5").click()
    expect(page.locator("#id_who5-measured_on")).to_have_value(f"{today:%d.%m.%Y}")

    page.get_by_text("Planlæg målinger").click()
    page.get_by_label("Måleredskab").select_option(label="WHO-5")
    first = page.get_by_label("Første måling")
    expect(first).to_have_value(f"{today:%d.%m.%Y}")
    first.fill(f"{today - timedelta(days=3):%d.%m.%Y}")
    page.get_by_label("Gentag hver N. uge (frivilligt)").fill("4")
    page.get_by_role("button", name="Planlæg", exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Målingerne er planlagt.")).to_be_visible()
    plan = page.locator("#maaleplan")
    expect(plan.get_by_text("WHO-5 skal måles")).to_be_visible()
    expect(
        plan.get_by_role("cell", name=f"Fra {today - timedelta(days=3):%d.%m.%Y} hver 4. uge")
    ).to_be_visible()
    assert_accessible(page)

    # the course page's progress section says so too
    page.goto(f"/forloeb/{course.pk}/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("WHO-5 skal måles")).to_be_visible()

    # a WHO-5 registered today takes the point: the notice goes
    page.goto(f"/forloeb/{course.pk}/progression/")  # type: ignore[attr-defined]
    page.get_by_text("Registrér WHO-5").click()
    groups = page.locator("form[action$='/who5/'] fieldset")
    for i in range(5):
        groups.nth(i).get_by_label("Det meste af tiden", exact=True).check()
    page.get_by_role("button", name="Gem WHO-5").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Målingen er gemt.")).to_be_visible()
    expect(page.locator("#maaleplan").get_by_text("WHO-5 skal måles")).to_have_count(0)
    expect(
        page.locator("#maaleplan").get_by_role("cell", name="1", exact=True).first
    ).to_be_visible()


def test_a_due_measurement_on_a_phone(
    phone_page: Page, progress_world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    course = progress_world["course"]
    services.schedule_measurements(
        progress_world["coordinator"],  # type: ignore[arg-type]
        course_id=course.pk,  # type: ignore[attr-defined]
        instrument="maalopfyldelse",
        first_on=timezone.localdate() - timedelta(days=20),
        every_weeks=6,
    )
    page = phone_page
    ui_login(page, "karen", PASSWORD)
    page.goto(f"/forloeb/{course.pk}/progression/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")
    overdue = (
        f"Målopfyldelse (GAS) skulle være målt {timezone.localdate() - timedelta(days=20):%d.%m.%Y}"
    )
    expect(page.locator("#maaleplan").get_by_text(overdue)).to_be_visible()
    assert_accessible(page)
    # the plan's section fits the phone (its table scrolls inside it)
    box = page.locator("#maaleplan").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375 + 1
    page.goto(f"/forloeb/{course.pk}/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text(overdue)).to_be_visible()
