"""Handovers and transitions in a real browser (issue 5, "Done means"):

* a youth turning 18 triggers an alert three months ahead: the daily job is run as of that day,
  and the coordinator sees the alert, opens it and lands on the course's transitions;
* a handover to the municipal drug treatment unit stays on the sender until the receiver has
  acknowledged *and* confirmed knowing the situation, and a "did not arrive" report reopens it
  (responsibility back on the sender, visible to the coordinator).

axe runs on every page on the way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from helhed.core.models import Organisation, Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Course, GivenBy
from helhed.handovers import logic
from helhed.handovers.models import Handover
from helhed.notifications.models import Notification
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD
from tests.courses.builders import cpr_for
from tests.courses.conftest import ensure_legal_bases, make_initiative, make_unit


@pytest.fixture
def world(make_user: Callable[..., User], municipality: Organisation) -> dict[str, object]:
    ensure_legal_bases()
    initiative = make_initiative()
    coordination = make_unit(municipality, "Koordinerende Team", "beskaeftigelse")
    drugs = make_unit(municipality, "Rusmiddelcenter Odense", "specialiseret-voksen")
    karen = make_user(
        "koordinator", coordination, username="karen", first_name="Karen", last_name="Koordinator"
    )
    rasmus = make_user("fagperson", drugs, username="rasmus", first_name="Rasmus", last_name="Rus")
    return {
        "initiative": initiative,
        "coordination": coordination,
        "drugs": drugs,
        "karen": karen,
        "rasmus": rasmus,
    }


def intake(world: dict[str, object], born: date, first: str, last: str) -> Course:
    return course_services.intake(
        world["karen"],  # type: ignore[arg-type]
        initiative_id=world["initiative"].pk,  # type: ignore[arg-type]
        coordinator_unit_id=world["coordination"].pk,  # type: ignore[arg-type]
        cpr=cpr_for(born, tail="321"),
        first_name=first,
        last_name=last,
        referred_on=timezone.localdate() - timedelta(days=30),
    )


def logout(page: Page) -> None:
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind på Helhed")


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, month=3, day=1)


def run_alerts(on: date) -> str:
    out = StringIO()
    call_command("alerts", date=on.isoformat(), stdout=out)
    return out.getvalue()


def test_youth_turning_18_is_alerted_three_months_ahead(
    page: Page, world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    # "Three months ahead" is 90 days (docs/handovers.md). The birthday is computed the way the
    # app does (a 29 February birthday falls on 1 March in other years), so the test holds on
    # any day of any year.
    today = timezone.localdate()
    born = years_before(today + timedelta(days=90), 18)
    eighteenth = logic.birthday(born, 18)
    window_opens = eighteenth - timedelta(days=90)
    days_now = (eighteenth - today).days
    course = intake(world, born, "Oliver", "Ung")
    title = "Overgang om 90 dage i et forløb, du koordinerer"  # no personal data in the title

    # The day before the window opens nothing is sent; on the day, one alert; the next run of the
    # job (the same day again) sends nothing new.
    assert "handovers:transitions: 0 found" in run_alerts(window_opens - timedelta(days=1))
    assert "handovers:transitions: 1 found, 1 new" in run_alerts(window_opens)
    assert "handovers:transitions: 1 found, 0 new" in run_alerts(window_opens)

    ui_login(page, "karen", PASSWORD)
    # The start page's panel lists the transition ahead.
    expect(page.locator("#handovers-ahead-heading")).to_have_text("Overgange forude")
    expect(page.locator("main")).to_contain_text("Oliver Ung")
    assert_accessible(page)
    page.get_by_role("link", name="Notifikationer").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifikationer")
    expect(page.get_by_role("link", name=title)).to_have_count(1)
    body = page.locator("main").inner_text()
    assert "Oliver" not in body  # no personal data in the notification
    assert_accessible(page)

    page.get_by_role("link", name=title).click()
    # The course's handovers page (a sub-page of the course page; its heading level follows it).
    expect(
        page.get_by_role("heading", name="Overdragelser og overgange", exact=True)
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Fylder 18 år")
    expect(row).to_contain_text(eighteenth.strftime("%d.%m.%Y"))
    expect(row).to_contain_text(f"{days_now} dage")
    expect(row).to_contain_text("Koordinatoren er varslet")
    assert_accessible(page)
    assert Notification.objects.get(dedupe_key=f"overgang-18:{course.pk}").read_at is not None


def test_handover_to_drug_treatment_stays_on_sender_until_acknowledged_and_reopens(
    page: Page, world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    course = intake(world, date(1994, 5, 4), "Mads", "Madsen")
    drugs: Unit = world["drugs"]  # type: ignore[assignment]
    course_services.give_consent(
        world["karen"],  # type: ignore[arg-type]
        course,
        given_by=GivenBy.CITIZEN,
        given_by_name="Mads Madsen",
        units=[world["coordination"], drugs],  # type: ignore[list-item]
        categories=["plan", "health"],
        valid_from=course.referred_on,
    )

    # --- The coordinator asks the Rusmiddelcenter to take over -------------------------------
    ui_login(page, "karen", PASSWORD)
    page.goto(f"/forloeb/{course.pk}/overdragelser/")  # the course's handovers sub-page
    section = page.locator("#handovers-section")
    expect(section).to_contain_text("Ingen åbne overdragelser")
    assert_accessible(page)
    section.get_by_role("link", name="Ny overdragelse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny overdragelse")
    assert_accessible(page)
    # Bad input first: a handover to the sender's own unit.
    page.get_by_label("Til enhed i Helhed").select_option(
        label="Koordinerende Team (Odense Kommune)"
    )
    page.get_by_label("Henvist (borgeren får kontaktoplysninger)").check()
    page.get_by_label("Hvad skal modtageren hjælpe borgeren med?").fill(
        "Ambulant behandling for hashmisbrug"
    )
    page.get_by_role("button", name="Send overdragelse").click()
    expect(page.locator("#form-error-summary")).to_contain_text("samme enhed som afsenderen")
    assert_accessible(page)
    assert not Handover.objects.exists()
    page.get_by_label("Til enhed i Helhed").select_option(
        label="Rusmiddelcenter Odense (Odense Kommune)"
    )
    page.get_by_role("button", name="Send overdragelse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Overdragelse til Rusmiddelcenter Odense, Odense Kommune"
    )
    responsible = page.locator("#responsibility")
    expect(responsible).to_contain_text("Ansvaret ligger hos: Koordinerende Team (afsender)")
    expect(page.locator("#status")).to_have_text("Venter på kvittering")
    assert_accessible(page)
    logout(page)

    # --- The receiver acknowledges: responsibility is still the sender's ---------------------
    ui_login(page, "rasmus", PASSWORD)
    expect(page.locator("#handovers-waiting-heading")).to_have_text("Overdragelser til min enhed")
    assert_accessible(page)
    page.locator("main").get_by_role("link", name="Koordinerende Team").click()
    # Only what the consent covers for the Rusmiddelcenter travels (plan and health).
    expect(page.locator("#citizen-name")).to_contain_text("Mads Madsen")
    expect(page.locator("#withheld")).to_contain_text("Strafbare forhold")
    expect(page.locator("#withheld")).to_contain_text("Økonomi og forsørgelse")
    assert_accessible(page)
    page.get_by_role("button", name="Kvittér for modtagelse").click()
    expect(page.locator("#status")).to_have_text(
        "Kvitteret – modtager skal bekræfte kendskab til situationen"
    )
    expect(responsible).to_contain_text("Koordinerende Team (afsender)")
    expect(page.get_by_role("button", name="Kvittér for modtagelse")).to_have_count(0)

    # --- Confirmed knowledge of the situation: now the receiver holds it --------------------
    page.get_by_role("button", name="Bekræft: vi kender borgerens situation og overtager").click()
    expect(responsible).to_contain_text("Rusmiddelcenter Odense, Odense Kommune (modtager)")
    assert_accessible(page)

    # --- Closed loop: the citizen did not arrive → reopened, back on the sender --------------
    page.get_by_label("Note (valgfri)").last.fill("Udeblev fra to aftaler")
    page.get_by_role("button", name="Borgeren er ikke mødt op").click()
    expect(responsible).to_contain_text("Koordinerende Team (afsender)")
    expect(responsible).to_contain_text("Borgeren mødte ikke op")
    expect(page.locator("#status")).to_have_text("Venter på kvittering")
    assert_accessible(page)
    logout(page)

    # --- The coordinator sees the alert and the reopened handover -----------------------------
    ui_login(page, "karen", PASSWORD)
    page.get_by_role("link", name="Notifikationer").first.click()
    alert = page.get_by_role("link", name="Borgeren mødte ikke op – overdragelsen er genåbnet")
    expect(alert).to_have_count(1)
    alert.click()
    expect(page.locator("#responsibility")).to_contain_text("Koordinerende Team (afsender)")
    page.goto(f"/forloeb/{course.pk}/overdragelser/")
    row = page.get_by_role("row").filter(has_text="Rusmiddelcenter Odense")
    expect(row).to_contain_text("Genåbnet: borgeren mødte ikke op")
    expect(row.get_by_test_id("responsible")).to_have_text("Koordinerende Team")
    assert_accessible(page)
    h = Handover.objects.get()
    assert (h.status, h.reopened_count, h.arrival) == ("requested", 1, "ikke-moedt")

    # The coordinator's list of open handovers shows who holds responsibility.
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Overdragelser"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdragelser og overgange")
    mine = page.get_by_role("row").filter(has_text="Mads Madsen")
    expect(mine).to_contain_text("Koordinerende Team")
    assert_accessible(page)
    # A psychiatric admission recorded with a bad date is refused, then saved.
    page.goto(f"/forloeb/{course.pk}/ophold/ny/")
    page.get_by_label("Type").select_option(label="Indlæggelse på psykiatrisk afdeling")
    page.get_by_label("Start").fill("10.01.2026")
    page.get_by_label("Forventet løsladelse/udskrivning").fill("01.01.2026")
    page.get_by_role("button", name="Registrér ophold").click()
    expect(page.locator("#form-error-summary")).to_contain_text("efter startdatoen")
    assert_accessible(page)
    later = (timezone.localdate() + timedelta(days=10)).strftime("%d.%m.%Y")
    page.get_by_label("Forventet løsladelse/udskrivning").fill(later)
    page.get_by_role("button", name="Registrér ophold").click()
    row = page.get_by_role("row").filter(has_text="Udskrivning fra psykiatrisk afdeling")
    # 10 days < 14 days' lead time, but no alert has been sent yet (the daily job has not run):
    # the page says so instead of claiming the coordinator was alerted.
    expect(row).to_contain_text("Ikke varslet endnu")
    expect(row).not_to_contain_text("Koordinatoren er varslet")


def consented_course(world: dict[str, object]) -> Course:
    course = intake(world, date(1994, 5, 4), "Mads", "Madsen")
    course_services.give_consent(
        world["karen"],  # type: ignore[arg-type]
        course,
        given_by=GivenBy.CITIZEN,
        given_by_name="Mads Madsen",
        units=[world["coordination"], world["drugs"]],  # type: ignore[list-item]
        categories=["plan", "health"],
        valid_from=course.referred_on,
    )
    return course


def test_a_no_show_handover_rescheduled(
    page: Page, world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    """Issue 14: the citizen does not arrive; the coordinator makes a new appointment (a date in
    the past is refused on its field), the history keeps both; the receiver takes over again and
    cannot report the arrival before the new expected date without confirming it."""
    from helhed.handovers import services

    today = timezone.localdate()
    course = consented_course(world)
    karen: User = world["karen"]  # type: ignore[assignment]
    rasmus: User = world["rasmus"]  # type: ignore[assignment]
    drugs: Unit = world["drugs"]  # type: ignore[assignment]
    h = services.request_handover(
        karen,
        course_id=course.pk,
        mode="henvist",
        reason="Ambulant behandling",
        to_unit_id=drugs.pk,
        expected_start=today,
    )
    services.act(rasmus, handover_id=h.pk, action=logic.ACCEPT)
    services.act(rasmus, handover_id=h.pk, action=logic.CONFIRM)

    # --- The receiver reports the no-show -----------------------------------------------------
    ui_login(page, "rasmus", PASSWORD)
    page.goto(f"/overdragelser/{h.pk}/")
    page.get_by_role("button", name="Borgeren er ikke mødt op").click()
    expect(page.locator("#responsibility")).to_contain_text("Koordinerende Team (afsender)")
    expect(page.locator("#reschedule")).to_have_count(0)  # the receiver does not reschedule
    logout(page)

    # --- The coordinator makes a new appointment --------------------------------------------
    ui_login(page, "karen", PASSWORD)
    page.goto(f"/overdragelser/{h.pk}/")
    box = page.locator("#reschedule")
    expect(box.get_by_role("heading")).to_have_text("Ny aftale efter udeblivelse")
    assert_accessible(page)
    box.get_by_label("Ny aftale hos modtager").fill(
        (today - timedelta(days=1)).strftime("%d.%m.%Y")
    )
    box.get_by_role("button", name="Gem ny aftale").click()
    expect(page.locator("#form-error-summary")).to_contain_text(
        "Den nye aftale kan ikke ligge før i dag."
    )
    expect(page.locator("#reschedule .form-error-message")).to_contain_text("før i dag")
    assert_accessible(page)
    appointment = today + timedelta(days=7)
    expected = today + timedelta(days=8)
    box = page.locator("#reschedule")
    box.get_by_label("Ny aftale hos modtager").fill(appointment.strftime("%d.%m.%Y"))
    box.get_by_label("Nyt forventet første fremmøde").fill(expected.strftime("%d.%m.%Y"))
    box.get_by_role("button", name="Gem ny aftale").click()
    expect(page.locator("#appointment-date")).to_have_text(appointment.strftime("%d.%m.%Y"))
    expect(page.locator("#expected-start")).to_have_text(expected.strftime("%d.%m.%Y"))
    history = page.locator("#history")
    expect(history).to_contain_text("Borgeren er ikke mødt op – genåbnet")
    expect(history).to_contain_text(
        f"Ny aftale efter udeblivelse (Karen Koordinator); aftale {appointment:%d.%m.%Y}; "
        f"forventet første fremmøde {expected:%d.%m.%Y}"
    )
    expect(history).to_contain_text(f"forventet første fremmøde {today:%d.%m.%Y}")  # the first
    assert_accessible(page)
    logout(page)

    # --- The receiver takes over again; an early arrival needs a confirmation ----------------
    ui_login(page, "rasmus", PASSWORD)
    page.goto(f"/overdragelser/{h.pk}/")
    page.get_by_role("button", name="Kvittér for modtagelse").click()
    page.get_by_role("button", name="Bekræft: vi kender borgerens situation og overtager").click()
    page.get_by_role("button", name="Borgeren er mødt op").click()
    error = page.locator("#arrived-confirm_arrival-error")
    expect(error).to_contain_text(f"Borgeren forventes først at møde op {expected:%d.%m.%Y}.")
    expect(page.locator("#status")).to_have_text("Overtaget – afventer borgerens fremmøde")
    assert_accessible(page)
    page.get_by_label("Jeg bekræfter, at borgeren er mødt op, selv om").check()
    page.get_by_role("button", name="Borgeren er mødt op").click()
    expect(page.locator("#status")).to_have_text("Gennemført – borgeren er mødt op")
    assert_accessible(page)


def test_a_planned_gap_seen_identically_on_page_summary_and_alert(
    page: Page, world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    """Issue 14: a measure ends in ten days with nothing after it. The alert, the course's gap
    table and its summary name the same gap (it begins in 11 days, on the same day), and the
    page says the coordinator was alerted only after the daily job sent the alert."""
    from tests.handovers.builders import add_measure

    today = timezone.localdate()
    course = consented_course(world)
    add_measure(
        world["karen"],  # type: ignore[arg-type]
        course,
        today - timedelta(days=40),
        today + timedelta(days=10),
        title="Mentorforløb",
    )
    begins = (today + timedelta(days=11)).strftime("%d.%m.%Y")

    ui_login(page, "karen", PASSWORD)
    page.goto(f"/forloeb/{course.pk}/overdragelser/")
    summary = page.locator("#gap-summary")
    expect(summary).to_contain_text(f"Planlagt hul: fra {begins} (om 11 dage)")
    row = page.get_by_test_id("gap")
    expect(row).to_contain_text("Planlagt hul om 11 dage")
    expect(row).to_contain_text("Ikke varslet endnu")
    expect(page.locator("main")).not_to_contain_text("Koordinatoren er varslet")
    assert_accessible(page)

    assert "handovers:gaps: 1 found, 1 new" in run_alerts(today)
    title = "Hul om 11 dage: en indsats slutter, uden at en ny starter"
    page.get_by_role("link", name="Notifikationer").first.click()
    page.get_by_role("link", name=title).click()
    summary = page.locator("#gap-summary")
    expect(summary).to_contain_text(f"Planlagt hul: fra {begins} (om 11 dage)")
    expect(summary).to_contain_text(
        "I alt 0 dage uden indsats til og med i dag; længste hul 0 dage."
    )
    row = page.get_by_test_id("gap")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(begins)
    expect(row).to_contain_text("Planlagt hul om 11 dage")
    expect(row).to_contain_text("Mentorforløb")
    expect(row).to_contain_text(f"Koordinatoren er varslet {today:%d.%m.%Y}")
    assert_accessible(page)
