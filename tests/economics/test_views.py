"""The pages: forms with field-level Danish errors and nothing saved, the XLSX exports, the
course section, the start-page panels and the conventions the house checks (no personal-data
model managers in views, forms or the API)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal as D  # noqa: N817
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from helhed.economics import services
from helhed.economics.models import BusinessCase, CostEntry, UnitPrice
from tests.courses.builders import today
from tests.economics.conftest import World, contract_values, gladsaxe_values

pytestmark = pytest.mark.django_db


def case_form(world: World, **over: str) -> dict[str, str]:
    data = {
        "name": "Familieindsats",
        "target_group": "Familier",
        "success_label": "en anbringelse undgås",
        "cohort_size": "100",
        "horizon_years": "4",
        "price_year": str(world.placement_price.year),
        "baseline_rate": "0",
        "rate_cautious": "1",
        "rate_expected": "2",
        "rate_optimistic": "3",
        "discount_rate": "0",
        "breakeven_within": "4",
        "observed_outcome": "",
        "notes": "",
        "costs-TOTAL_FORMS": "4",
        "costs-INITIAL_FORMS": "0",
        "consequences-TOTAL_FORMS": "1",
        "consequences-INITIAL_FORMS": "0",
        "consequences-0-unit_price": str(world.placement_price.pk),
        "consequences-0-label": "Færre anbringelsesår",
        "consequences-0-budget_area": "boern-familie",
        "consequences-0-payer": "kommune",
        "consequences-0-t1": "0",
        "consequences-0-t2": "-0,5",
        "consequences-0-t3": "-1",
        "consequences-0-t4": "-1",
    }
    for i in range(4):
        data.update(
            {
                f"costs-{i}-year": str(i + 1),
                f"costs-{i}-label": "Familiekonsulenter",
                f"costs-{i}-budget_area": "boern-familie",
                f"costs-{i}-payer": "kommune",
                f"costs-{i}-amount": "600.000",
            }
        )
    data.update(over)
    return data


def test_a_leader_builds_the_gladsaxe_case_in_the_form(world: World, client: Client) -> None:
    client.force_login(world.leader)
    url = f"/oekonomi/indsatser/{world.initiative.pk}/business-case/ny/"
    response = client.post(url, case_form(world))
    case = BusinessCase.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/oekonomi/business-case/{case.pk}/"
    )
    page = client.get(response["Location"]).content.decode()
    assert 'id="break-even">År 4<' in page
    assert "Hvem betaler – hvem vinder" in page
    assert 'data-break-even="' in page  # the chart marks it


def test_bad_form_input_gets_danish_field_errors_and_saves_nothing(
    world: World, client: Client
) -> None:
    client.force_login(world.leader)
    url = f"/oekonomi/indsatser/{world.initiative.pk}/business-case/ny/"
    response = client.post(
        url,
        case_form(
            world,
            horizon_years="11",
            discount_rate="21",
            **{"costs-1-amount": "-5", "costs-2-amount": "mange", "consequences-0-t2": "x"},
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="form-error-summary"' in page
    # the form's own errors first (not numbers), then — when those are fixed — the service's
    assert "Skriv et tal, fx 1.250,50." in page
    response = client.post(
        url,
        case_form(world, horizon_years="11", discount_rate="21", **{"costs-1-amount": "-5"}),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "SØM regner højst 10 år frem" in page
    assert "Diskonteringsrenten skal ligge mellem 0 og 20 %." in page
    assert 'href="#id_costs-1-amount"' in page
    assert "Tallet kan ikke være negativt." in page
    assert not BusinessCase.objects.exists()


def test_add_a_row_button_keeps_what_was_typed(world: World, client: Client) -> None:
    client.force_login(world.leader)
    url = f"/oekonomi/indsatser/{world.initiative.pk}/business-case/ny/"
    response = client.post(url, {**case_form(world, name="Halvfærdig"), "_add_cost": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="costs-TOTAL_FORMS" value="5"' in page
    assert 'value="Halvfærdig"' in page
    assert "form-error-summary" not in page
    assert not BusinessCase.objects.exists()


def test_the_whole_case_as_xlsx(world: World, client: Client) -> None:
    case = services.save_case(world.leader, **gladsaxe_values(world))
    client.force_login(world.analyst)
    response = client.get(f"/oekonomi/business-case/{case.pk}/xlsx/")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert "Hvem betaler – hvem vinder" in wb.sheetnames
    years = wb["Resultat pr. år"]
    assert [row[4].value for row in years.iter_rows(min_row=2)] == [
        -600000,
        -680000,
        -240000,
        200000,
    ]
    answers = {r[0].value: r[1].value for r in wb["Break-even"].iter_rows(min_row=2)}
    assert answers["Break-even-år"] == 4
    assert "ikke et bevis" in wb["Forudsætninger"]["B18"].value


def test_contract_form_refuses_overlapping_phases(world: World, client: Client) -> None:
    client.force_login(world.leader)
    start = today() - timedelta(days=10)
    data = {
        "name": "Kontrakt",
        "owner": str(world.org.pk),
        "investor_name": "DSI",
        "investor": "",
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=300)).isoformat(),
        "cutoff": (start + timedelta(days=400)).isoformat(),
        "budget": "6.900.000",
        "notes": "",
        "indicators-TOTAL_FORMS": "1",
        "indicators-INITIAL_FORMS": "0",
        "indicators-0-name": "Trivsel",
        "indicators-0-priority": "primaer",
        "indicators-0-source": "who5-stigning",
        "indicators-0-min_points": "10",
        "indicators-0-window_weeks": "39",
        "indicators-0-price": "8.000",
        "indicators-0-expected_rate": "50",
        "phases-TOTAL_FORMS": "2",
        "phases-INITIAL_FORMS": "0",
        "phases-0-name": "Indsats",
        "phases-0-start_week": "0",
        "phases-0-end_week": "26",
        "phases-1-name": "Efterværn",
        "phases-1-start_week": "20",
        "phases-1-end_week": "39",
        "points-TOTAL_FORMS": "0",
        "points-INITIAL_FORMS": "0",
    }
    response = client.post(f"/oekonomi/indsatser/{world.initiative.pk}/kontrakt/ny/", data)
    assert response.status_code == 400
    assert "Fasen overlapper en anden fase." in response.content.decode()
    data["phases-1-start_week"] = "26"
    response = client.post(f"/oekonomi/indsatser/{world.initiative.pk}/kontrakt/ny/", data)
    assert response.status_code == 302


def test_report_page_and_xlsx_show_the_amount_due(world: World, client: Client) -> None:
    contract = services.save_contract(world.leader, **contract_values(world))
    client.force_login(world.leader)
    page = client.get(f"/oekonomi/kontrakt/{contract.pk}/opgoerelse/").content.decode()
    assert 'id="amount-due">0 kr.<' in page
    xlsx = client.get(f"/oekonomi/kontrakt/{contract.pk}/opgoerelse/xlsx/")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb["Periodeopgørelse"]["A1"].value == "Indikator"


def test_cost_form_on_the_course_page(world: World, client: Client) -> None:
    client.force_login(world.jobcenter)
    url = f"/forloeb/{world.course.pk}/oekonomi/udgift/"
    bad = client.post(
        url,
        {
            "measure": str(world.mentor.pk),
            "unit_price": str(world.mentor_price.pk),
            "quantity": "-1",
            "year": str(today().year),
            "month": "1",
            "months": "1",
        },
    )
    assert bad.status_code == 400
    assert "Tallet kan ikke være negativt." in bad.content.decode()
    assert not CostEntry.objects.exists()
    good = client.post(
        url,
        {
            "measure": str(world.mentor.pk),
            "unit_price": str(world.mentor_price.pk),
            "quantity": "8,5",
            "year": str(today().year),
            "month": "1",
            "months": "2",
        },
    )
    assert good.status_code == 302
    assert CostEntry.objects.count() == 2
    # the psychiatric measure is not offered to the jobcenter (no consent for health)
    page = client.get(f"/forloeb/{world.course.pk}/oekonomi/").content.decode()
    assert "Psykiatrisk behandling" not in page
    assert "Mentor" in page


def test_course_section_fragment_and_panels(world: World, client: Client) -> None:
    contract = services.save_contract(world.leader, **contract_values(world))
    services.enrol(
        world.coordinator,
        contract_id=contract.pk,
        course_id=world.course.pk,
        start_date=today() - timedelta(days=180),
    )
    client.force_login(world.coordinator)
    fragment = client.get(
        f"/forloeb/{world.course.pk}/oekonomi/sektion/", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "Jobindsats" in fragment.content.decode()
    home = client.get("/").content.decode()
    # week 26 is due within two weeks of day 182: on the coordinator's start page
    assert "Planlagte målinger" in home
    client.force_login(world.citizen)
    assert "Dine næste målinger" in client.get("/").content.decode()
    client.force_login(world.leader)
    home = client.get("/").content.decode()
    assert "Økonomi pr. indsats" in home and 'href="/oekonomi/"' in home


def test_prices_page_labels_examples(world: World, client: Client) -> None:
    UnitPrice.objects.create(
        name="Skadestuebesøg",
        unit="besøg",
        amount_ore=210000,
        year=2025,
        payer="region",
        budget_area="sygehus",
        source="Fiktivt eksempel",
        is_example=True,
    )
    client.force_login(world.analyst)
    page = client.get("/oekonomi/priser/").content.decode()
    assert "Eksempel" in page
    assert "SØM&#x27;s vidensdatabase" in page  # the note that examples are to be replaced


SRC = Path(__file__).resolve().parents[2] / "src/helhed/economics"
PERSONAL = (
    "Citizen",
    "Course",
    "Plan",
    "Measure",
    "Consent",
    "TeamMember",
    "Meeting",
    "Task",
    "Handover",
    "Measurement",
    "OutcomeState",
    "CostEntry",
    "Enrolment",
    "IndicatorResult",
    "Decision",
)


@pytest.mark.parametrize("module", ["views.py", "forms.py", "api.py"])
def test_adapters_never_query_personal_data_models(module: str) -> None:
    text = (SRC / module).read_text(encoding="utf-8")
    used = {m for m in PERSONAL if re.search(rf"\b{m}\.objects\b", text)}
    assert not used, f"{module} uses {used}: read through selectors"
    assert not re.search(r"from helhed\.(courses|meetings|handovers|progress)\.models", text)


def test_money_is_never_a_float_in_the_arithmetic() -> None:
    for module in ("logic.py", "services.py"):
        text = (SRC / module).read_text(encoding="utf-8")
        assert "float(" not in text.replace("float(value)", "").replace("-> float", ""), module
    assert D("0.1") + D("0.2") == D("0.3")


def test_the_investor_finds_the_report_from_the_start_page(world: World, client: Client) -> None:
    from helhed.core.models import Organisation, Unit
    from tests.courses.builders import make_staff

    fund = Organisation.objects.create(name="Fonden", org_type_id="stat")
    investor = make_staff(
        Unit.objects.create(organisation=fund, name="Investeringer"), "analytiker"
    )
    contract = services.save_contract(world.leader, investor_id=fund.pk, **contract_values(world))
    client.force_login(investor)
    home = client.get("/").content.decode()
    assert f"/oekonomi/kontrakt/{contract.pk}/opgoerelse/" in home
    assert client.get(f"/oekonomi/kontrakt/{contract.pk}/opgoerelse/").status_code == 200
    assert client.get(f"/oekonomi/kontrakt/{contract.pk}/rediger/").status_code == 403
    overview = client.get("/oekonomi/").content.decode()
    assert contract.name in overview
