"""Issue 12, "Done means", in a real browser: a leader builds a business case in Danish (a bad
horizon is refused with a field error first), sees the chart with the break-even year and the
who-pays/who-gains matrix, and exports the case as XLSX; then the daily job evaluates a
Holbæk-like contract's indicators and the period report shows the amount due. axe runs on every
economics page on the way."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from helhed.core.models import Organisation, User
from helhed.economics import services
from helhed.economics.models import IndicatorResult
from helhed.progress import services as progress_services
from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD
from tests.courses.builders import make_initiative, make_unit, open_course, today

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(make_user: Callable[..., User], municipality: Organisation) -> dict[str, object]:
    unit = make_unit(municipality, "Koordinerende Team")
    karen = make_user("koordinator", unit, username="karen", first_name="Karen")
    lene = make_user("leder", unit, username="lene", first_name="Lene", last_name="Leder")
    initiative = make_initiative("Helhedsorienteret jobindsats")
    courses = [
        open_course(karen, unit, initiative=initiative, first_name=f"Borger{i}") for i in range(5)
    ]
    placement = services.save_price(
        lene,
        organisation_id=municipality.pk,
        name="Anbringelse i plejefamilie, år",
        unit="år",
        kind="udgift",
        amount=Decimal(520_000),
        year=today().year,
        payer="kommune",
        budget_area="boern-familie",
        source="Testens egen pris",
    )
    return {
        "org": municipality,
        "karen": karen,
        "lene": lene,
        "initiative": initiative,
        "courses": courses,
        "placement": placement,
    }


def test_a_leader_builds_a_business_case_sees_chart_and_matrix_and_exports_it(
    page: Page, world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    initiative = world["initiative"]
    placement = world["placement"]
    ui_login(page, "lene", PASSWORD)
    # the start page promises economics: the panel leads there
    expect(page.get_by_role("heading", name="Økonomi pr. indsats")).to_be_visible()
    panel = page.locator("section[aria-labelledby='economics-leader-heading']")
    panel.get_by_role("link", name=str(initiative)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Økonomi:")
    assert_accessible(page)
    page.get_by_role("link", name="Ny business case").click()
    expect(page.get_by_role("heading", name="Ny business case", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Navn").fill("Familieindsats efter Gladsaxe")
    page.get_by_label("Målgruppe").fill("Familier med sager i flere forvaltninger")
    page.get_by_label("Hvad er en succes?").fill("en anbringelse undgås")
    page.get_by_label("Antal deltagere (kohorte)").fill("100")
    page.get_by_label("Tidshorisont (år, højst 10)").fill("4")
    page.get_by_label("Forsigtig succesrate (%)").fill("1")
    page.get_by_label("Forventet succesrate (%)").fill("2")
    page.get_by_label("Optimistisk succesrate (%)").fill("3")
    for _ in range(3):
        page.get_by_role("button", name="Tilføj en omkostning").click()
    for i in range(4):
        page.locator(f"#id_costs-{i}-year").fill(str(i + 1))
        page.locator(f"#id_costs-{i}-label").fill("Familiekonsulenter")
        page.locator(f"#id_costs-{i}-amount").fill("600.000")
        page.locator(f"#id_costs-{i}-budget_area").select_option("boern-familie")
    page.locator("#id_consequences-0-unit_price").select_option(str(placement.pk))  # type: ignore[attr-defined]
    page.locator("#id_consequences-0-budget_area").select_option("boern-familie")
    for t, value in enumerate(["0", "-0,5", "-1", "-1"], start=1):
        page.locator(f"#id_consequences-0-t{t}").fill(value)
    # a horizon over SØM's ten years: a field error, nothing saved
    page.get_by_label("Tidshorisont (år, højst 10)").fill("11")
    page.get_by_role("button", name="Gem og beregn").click()
    summary = page.locator("#form-error-summary")
    expect(summary).to_contain_text("Tidshorisonten skal være 1-10 år")
    expect(page.locator("#id_horizon_years")).to_have_value("11")
    assert_accessible(page)
    page.get_by_label("Tidshorisont (år, højst 10)").fill("4")
    page.get_by_role("button", name="Gem og beregn").click()

    expect(
        page.get_by_role("heading", name="Familieindsats efter Gladsaxe", level=1)
    ).to_be_visible()
    expect(page.locator("#break-even")).to_have_text("År 4")
    expect(page.locator("#net-chart")).to_have_attribute("data-series", "2")
    expect(page.locator("#net-chart .econ-break-even")).to_have_count(1)
    matrix = page.locator("#matrix")
    expect(page.get_by_role("heading", name="Hvem betaler – hvem vinder")).to_be_visible()
    expect(matrix).to_contain_text("Børn og familie")
    expect(matrix).to_contain_text("200.000 kr.")
    # the Gladsaxe question: two avoided placements are needed within four years
    expect(page.locator("#needed tbody tr").first.locator("td").first).to_have_text("2")
    expect(page.get_by_text("Et skøn – ikke et bevis")).to_be_visible()
    assert_accessible(page)
    # the cautious scenario (one avoided placement) does not earn the costs back
    page.get_by_role("link", name="Forsigtigt (1 %)").click()
    expect(page.locator("#break-even")).to_have_text("Ikke inden for horisonten")
    page.get_by_role("link", name="Forventet (2 %)").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="Hent hele business casen som XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    assert "Hvem betaler – hvem vinder" in workbook.sheetnames
    answers = {r[0].value: r[1].value for r in workbook["Break-even"].iter_rows(min_row=2)}
    assert answers["Break-even-år"] == 4
    for url, heading in (
        ("/oekonomi/", "Økonomi på tværs af budgetområder"),
        ("/oekonomi/priser/", "Priskatalog"),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert_accessible(page)


def _progress(user: User, course_id: object, start: object) -> None:
    """WHO-5 40 → 60 within the window; sickness benefit at the start, a job after 150 days."""
    for days, value in ((1, 2), (100, 3)):
        progress_services.record_measurement(
            user,
            course_id=course_id,  # type: ignore[arg-type]
            instrument="who5",
            answers={f"who5_{i}": value for i in range(1, 6)},
            measured_on=start + timedelta(days=days),  # type: ignore[operator]
        )
    for days, value in ((0, "sygedagpenge"), (150, "ordinaert-job")):
        progress_services.record_outcome(
            user,
            course_id=course_id,  # type: ignore[arg-type]
            kind="beskaeftigelse",
            value=value,
            valid_from=start + timedelta(days=days),  # type: ignore[operator]
        )


def test_the_daily_job_evaluates_a_holbaek_like_contract_and_the_report_shows_the_amount_due(
    page: Page, world: dict[str, object], assert_accessible: Callable[[Page], None]
) -> None:
    karen, lene = world["karen"], world["lene"]
    begin = today() - timedelta(days=400)
    contract = services.save_contract(
        lene,  # type: ignore[arg-type]
        initiative_id=world["initiative"].pk,  # type: ignore[attr-defined]
        name="Jobindsats for psykisk sårbare (Holbæk-model)",
        owner_id=world["org"].pk,  # type: ignore[attr-defined]
        investor_name="Den Sociale Investeringsfond",
        period_start=begin,
        period_end=begin + timedelta(days=900),
        cutoff=begin + timedelta(days=1200),
        budget=Decimal(6_900_000),
        indicators=[
            services.IndicatorIn(
                "Beskæftigelse",
                "primaer",
                "beskaeftigelse",
                Decimal(45_000),
                Decimal(40),
                months_after=12,
                accepted=("ordinaert-job", "uddannelse"),
            ),
            services.IndicatorIn(
                "Raskmelding",
                "sekundaer",
                "raskmelding",
                Decimal(15_000),
                Decimal(60),
                months_after=6,
                accepted=("ordinaert-job", "fleksjob", "uddannelse", "dagpenge"),
            ),
            services.IndicatorIn(
                "Trivsel",
                "sekundaer",
                "who5-stigning",
                Decimal(8_000),
                Decimal(50),
                min_points=10,
                window_weeks=39,
            ),
        ],
        phases=[services.PhaseIn("Indsats", 0, 26), services.PhaseIn("Efterværn", 26, 39)],
        points=[
            services.PointIn(0, "who5"),
            services.PointIn(26, "who5"),
            services.PointIn(39, "who5"),
        ],
    )
    start = today() - timedelta(days=380)
    for course in world["courses"]:  # type: ignore[attr-defined]
        _progress(karen, course.pk, start)  # type: ignore[arg-type]
        services.enrol(karen, contract_id=contract.pk, course_id=course.pk, start_date=start)  # type: ignore[arg-type]
    IndicatorResult.objects.all().delete()  # the daily job, not the enrolment, computes them
    call_command("alerts")
    assert IndicatorResult.objects.filter(status="opfyldt").count() == 15

    ui_login(page, "lene", PASSWORD)
    page.goto(f"/oekonomi/kontrakt/{contract.pk}/")
    expect(page.get_by_role("heading", name=contract.name, level=1)).to_be_visible()
    expect(page.locator("#indicators")).to_contain_text("mindst 10 point inden for 39 uger")
    assert_accessible(page)
    page.get_by_role("link", name="Periodeopgørelse").click()
    # the whole period is the default; the half-years are links
    expect(page.locator("strong[aria-current='page']")).to_contain_text("Hele perioden")
    report = page.locator("#report")
    expect(report).to_contain_text("Beskæftigelse")
    # five courses met all three: 5 × (45,000 + 15,000 + 8,000) kr.
    expect(page.locator("#amount-due")).to_have_text("340.000 kr.")
    expect(report.locator("tbody tr").first).to_contain_text("100 %")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent opgørelsen som XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # the coordinator sees the course's results, the phases and the planned points
    page.get_by_role("button", name="Log ud").click()
    ui_login(page, "karen", PASSWORD)
    course = world["courses"][0]  # type: ignore[index]
    page.goto(f"/forloeb/{course.pk}/oekonomi/")
    expect(page.get_by_role("heading", name="Økonomi i forløbet")).to_be_visible()
    expect(page.locator("#kontrakter")).to_be_visible()
    expect(page.get_by_text("WHO-5 40 (", exact=False)).to_be_visible()
    assert_accessible(page)
