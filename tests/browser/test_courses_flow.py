"""The whole course flow in a real browser, as a new coordinator meets it (issue 4, "Done means"):
intake a family, record consent, build the team and the plan, see a conflict flagged, print the
§ 141 view; then the citizen sees the plan and who has read it; then a professional from a unit
without consent is refused. axe runs on every course page on the way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from helhed.core.models import Organisation, User, UserKind
from helhed.courses.models import Citizen, Course
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD
from tests.courses.conftest import ensure_legal_bases, make_initiative, make_unit


@pytest.fixture
def people(
    make_user: Callable[..., User], municipality: Organisation, other_municipality: Organisation
) -> dict[str, User]:
    ensure_legal_bases()
    make_initiative()
    Organisation.objects.create(name="Kriminalforsorgen", org_type_id="stat")
    coordination = make_unit(municipality, "Koordinerende Team", "beskaeftigelse")
    jobcenter = make_unit(municipality, "Jobcenter Odense", "beskaeftigelse")
    drugs = make_unit(municipality, "Rusmiddelcenter Odense", "specialiseret-voksen")
    outside = make_unit(other_municipality, "Socialafdelingen Holbæk", "specialiseret-voksen")
    return {
        "coordinator": make_user(
            "koordinator",
            coordination,
            username="karen",
            first_name="Karen",
            last_name="Koordinator",
            phone="65511111",
        ),
        "jobcenter": make_user(
            "fagperson",
            jobcenter,
            username="jonas",
            first_name="Jonas",
            last_name="Jobcenter",
            phone="65512222",
        ),
        "drugs": make_user(
            "fagperson",
            drugs,
            username="rasmus",
            first_name="Rasmus",
            last_name="Rus",
            phone="65513333",
        ),
        "outsider": make_user(
            "fagperson", outside, username="olga", first_name="Olga", last_name="Udenfor"
        ),
        "citizen": make_user(
            None, username="mette", kind=UserKind.CITIZEN, first_name="Mette", last_name="Sørensen"
        ),
    }


def logout(page: Page) -> None:
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind på Helhed")


def add_team_member(
    page: Page, unit: str, person: str, role: str, check: Callable[[Page], None]
) -> None:
    page.get_by_role("link", name="Tilføj kontaktperson").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilføj en kontaktperson til teamet")
    page.get_by_label("Enhed", exact=True).select_option(label=unit)
    # htmx loads the unit's staff into the user select.
    expect(page.locator("#id_member_user")).to_contain_text(person)
    check(page)
    page.get_by_label("Bruger i Helhed (valgfri)").select_option(label=person)
    page.get_by_label("Rolle").fill(role)
    page.get_by_role("button", name="Tilføj til teamet").click()
    # back on the course page's first screen, in the team's card (issue 14)
    expect(page.locator("#team").locator("..")).to_contain_text(person)


def add_demand(
    page: Page, organisation: str, sector: str, kind: str, title: str, check: Callable[[Page], None]
) -> None:
    tabs = page.get_by_role("navigation", name="Forløbets sider")
    tabs.get_by_role("link", name="Krav", exact=True).click()  # the demands' tab (issue 14)
    page.get_by_role("link", name="Tilføj krav").click()
    check(page)
    page.get_by_label("Stillet af (organisation)").select_option(label=organisation)
    page.get_by_label("Sektor").select_option(label=sector)
    page.get_by_label("Type").select_option(label=kind)
    page.locator("#id_title").fill(title)
    page.get_by_role("button", name="Gem").click()
    expect(page.locator(".courses-sectors")).to_contain_text(title)


def test_coordinator_builds_a_family_course_citizen_reads_it_outsider_is_refused(
    page: Page, people: dict[str, User], assert_accessible: Callable[[Page], None]
) -> None:
    # --- Intake of a family (parent + child) -------------------------------------------------
    ui_login(page, "karen", PASSWORD)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Forløb").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forløb")
    assert_accessible(page)
    page.get_by_role("link", name="Ny visitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny visitation")
    expect(page.locator("#digital-post-warning")).to_contain_text("uden fast bopæl")
    page.get_by_label("Indsats (fra registret)").select_option(label="FAMKO (Odense)")
    expect(page.locator("#checklist")).to_contain_text("Én af sagerne er i Børn og Familie")
    assert_accessible(page)
    # Bad input first: an impossible CPR is refused with a field error and nothing is saved.
    page.get_by_label("CPR-nummer").first.fill("310296-1234")
    page.locator("#id_first_name").fill("Mette")
    page.locator("#id_last_name").fill("Sørensen")
    page.get_by_role("button", name="Opret forløb").click()
    expect(page.locator("#form-error-summary")).to_contain_text("CPR-nummeret begynder med en dato")
    expect(page.locator("#form-error-summary")).to_be_focused()
    assert_accessible(page)
    assert not Course.objects.exists()
    page.locator("#id_cpr").fill("150696-1234")
    page.locator("#id_kriterie_0_0").check()
    page.locator("#id_kriterie_1_0").check()
    page.get_by_label("SMS").check()
    page.get_by_label("Borgeren er uden fast bopæl").check()
    page.get_by_label("Familiens navn").fill("Familien Sørensen")
    page.locator("#id_familie-0-first_name").fill("Liva")
    page.locator("#id_familie-0-last_name").fill("Sørensen")
    page.locator("#id_familie-0-cpr").fill("030216-4321")
    page.locator("#id_familie-0-relation").select_option(label="Borgerens barn")
    page.get_by_role("button", name="Opret forløb").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mette Sørensen")
    main = page.locator("main")
    expect(main).to_contain_text("150696-xxxx")
    expect(main).not_to_contain_text("1506961234")
    expect(main).to_contain_text("Liva Sørensen")
    assert_accessible(page)
    course = Course.objects.get()

    # --- Consent ------------------------------------------------------------------------------
    page.get_by_role("link", name="Registrér samtykke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrér samtykke")
    assert_accessible(page)
    page.get_by_label("Navn på den, der giver samtykke").fill("Mette Sørensen")
    page.get_by_label("Odense Kommune", exact=True).check()
    page.get_by_label("Sociale forhold").check()
    page.get_by_label("Økonomi og forsørgelse").check()
    page.get_by_role("button", name="Registrér samtykke").click()
    expect(page.locator("#samtykke").locator("..")).to_contain_text("Gyldigt")

    # --- Team: a jobcenter professional and a drug-treatment professional -----------------------
    add_team_member(
        page,
        "Jobcenter Odense, Odense Kommune",
        "Jonas Jobcenter",
        "Sagsbehandler, jobcenter",
        assert_accessible,
    )
    add_team_member(
        page, "Rusmiddelcenter Odense, Odense Kommune", "Rasmus Rus", "Behandler", lambda p: None
    )
    expect(page.locator("main")).to_contain_text("3 nuværende kontaktpersoner")
    expect(page.locator('a[href="tel:65513333"]')).to_be_visible()

    # --- The plan: the citizen's words, a goal, a measure with legal basis, two demands -------
    tabs = page.get_by_role("navigation", name="Forløbets sider")
    tabs.get_by_role("link", name="Plan", exact=True).click()  # the plan's tab (issue 14)
    assert_accessible(page)
    page.get_by_role("link", name="Redigér planens tekst").click()
    assert_accessible(page)
    page.get_by_label("Det vigtigste for mig (borgerens egne ord)").fill(
        "Jeg vil have min egen lejlighed og passe på Liva"
    )
    page.get_by_role("button", name="Gem").click()
    expect(page.locator("main")).to_contain_text("Jeg vil have min egen lejlighed")
    page.get_by_role("link", name="Tilføj mål").click()
    page.get_by_label("Målet med borgerens egne ord").fill("Jeg vil være stoffri")
    page.get_by_label("Hvor vigtigt er målet for borgeren (1-5)").select_option("5")
    assert_accessible(page)
    page.get_by_role("button", name="Gem").click()
    expect(page.locator("main")).to_contain_text("vigtighed for borgeren 5 af 5")
    page.get_by_role("link", name="Tilføj indsats").click()
    page.locator("#id_title").fill("Ambulant stofbehandling")
    page.get_by_label("Fagområde").select_option(label="Specialiseret voksen")
    page.get_by_label("Ansvarlig organisation").select_option(label="Odense Kommune")
    page.get_by_label("Hvem betaler").select_option(label="Voksne, handicap og psykiatri (kommune)")
    page.get_by_label("Jeg vil være stoffri").check()
    page.get_by_role("button", name="Gem").click()
    # Without a legal basis the measure is refused.
    expect(page.locator("#form-error-summary")).to_contain_text("Angiv hjemmel")
    assert_accessible(page)
    page.get_by_label("Hjemmel").select_option(label="§ 101 – Social behandling af stofmisbrug")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("table", name="Indsatser i planen")).to_contain_text(
        "Serviceloven § 101"
    )
    add_demand(
        page,
        "Kriminalforsorgen",
        "Kriminalitetsområdet",
        "Afholdenhed (stoffer/alkohol)",
        "Zero tolerance for stoffer",
        assert_accessible,
    )
    add_demand(
        page,
        "Odense Kommune",
        "Specialiseret voksen",
        "Behandling",
        "Skadesreduktion",
        lambda p: None,
    )
    sectors = page.locator(".courses-sector")
    expect(sectors).to_have_count(2)  # side by side, one column per sector

    # --- Mark them contradictory: the conflict is flagged ---------------------------------------
    page.get_by_role("link", name="Markér modstridende krav").click()
    page.get_by_label("Første krav").select_option(
        label="Zero tolerance for stoffer (Kriminalforsorgen)"
    )
    page.get_by_label("Andet krav").select_option(label="Skadesreduktion (Odense Kommune)")
    page.get_by_label("Hvorfor er kravene i modstrid?").fill(
        "Kriminalforsorgen kræver stoffrihed, behandlingen arbejder med skadesreduktion"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Markér som modstridende").click()
    expect(page.locator("#modstrid").locator("..")).to_contain_text("Zero tolerance for stoffer")
    expect(page.locator(".courses-flag").first).to_have_text("I modstrid")
    assert_accessible(page)
    tabs.get_by_role("link", name="Overblik", exact=True).click()  # the first screen warns
    expect(page.locator("#open-conflicts")).to_contain_text("Zero tolerance for stoffer")
    tabs.get_by_role("link", name="Historik", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Planens versionshistorik").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planens versionshistorik")
    assert_accessible(page)

    # --- The § 141 view of the same plan --------------------------------------------------------
    page.goto(f"/forloeb/{course.pk}/udskrift/sel-141/")
    expect(page.locator("main")).to_contain_text("Ambulant stofbehandling")
    logout(page)

    # --- The citizen sees the plan and who has read it ------------------------------------------
    Citizen.objects.filter(pk=course.citizen_id).update(user=people["citizen"])
    ui_login(page, "mette", PASSWORD)
    page.goto("/mig/plan/")
    expect(page.locator("main")).to_contain_text("Jeg vil være stoffri")
    page.goto("/mig/adgangslog/")
    expect(page.locator("main")).to_contain_text("Karen Koordinator")
    logout(page)

    # --- A professional from a unit without consent is refused ---------------------------------
    ui_login(page, "olga", PASSWORD)
    response = page.goto(f"/forloeb/{course.pk}/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingen adgang til forløbet")
    expect(page.locator("main")).not_to_contain_text("Mette")
    assert_accessible(page)


def test_the_course_list_filters_and_finds_a_child_by_name(
    page: Page, people: dict[str, User], assert_accessible: Callable[[Page], None]
) -> None:
    """Issue 14: the coordinator filters her list by status and finds a family's child by name
    (desktop, Danish)."""
    from datetime import timedelta

    from django.utils import timezone

    from helhed.courses import services
    from helhed.registry.models import Initiative
    from tests.courses.conftest import CHILD_CPR, CITIZEN_CPR

    karen = people["coordinator"]
    unit = karen.memberships.get().unit
    initiative = Initiative.objects.get()
    referred = timezone.localdate() - timedelta(days=10)
    family = services.intake(
        karen,
        initiative_id=initiative.pk,
        coordinator_unit_id=unit.pk,
        cpr=CITIZEN_CPR,
        first_name="Mette",
        last_name="Sørensen",
        referred_on=referred,
        household_name="Familien Sørensen",
        members=[
            {"cpr": CHILD_CPR, "first_name": "Noah", "last_name": "Sørensen", "relation": "barn"}
        ],
    )
    single = services.intake(
        karen,
        initiative_id=initiative.pk,
        coordinator_unit_id=unit.pk,
        cpr="0101901237",
        first_name="Anders",
        last_name="Aktiv",
        referred_on=referred,
    )
    services.change_status(karen, single, "aktiv")
    ui_login(page, "karen", PASSWORD)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Forløb").click()
    table = page.get_by_role("table", name="Forløb, du har adgang til")
    expect(table).to_contain_text("Anders Aktiv")
    expect(table).to_contain_text("Mette Sørensen")
    assert_accessible(page)
    page.get_by_label("Status").select_option(label="Aktiv")
    page.get_by_role("button", name="Vis forløb").click()
    expect(table).to_contain_text("Anders Aktiv")
    expect(table).not_to_contain_text("Mette Sørensen")
    assert "status=aktiv" in page.url
    page.get_by_role("link", name="Nulstil filtre").click()
    page.get_by_label("Navn", exact=True).fill("Noah")
    page.get_by_role("button", name="Vis forløb").click()
    expect(table).to_contain_text("Mette Sørensen")
    expect(table).to_contain_text("I familien: Noah Sørensen")
    expect(table).not_to_contain_text("Anders Aktiv")
    assert_accessible(page)
    assert family.household is not None
