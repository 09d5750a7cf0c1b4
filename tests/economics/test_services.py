"""Writes: validation per field, nothing half-saved, history, permissions, the daily evaluation
of a contract's indicators, overrides and the cut-off date."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D  # noqa: N817
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from helhed.economics import selectors, services
from helhed.economics.models import (
    BusinessCase,
    CaseCost,
    Consequence,
    CostEntry,
    IndicatorResult,
    Revision,
    UnitPrice,
)
from helhed.progress import services as progress_services
from tests.courses.builders import today
from tests.economics.conftest import World, contract_values, gladsaxe_values

pytestmark = pytest.mark.django_db


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


def test_price_without_year_or_source_and_negative_amount_is_refused_per_field(
    world: World,
) -> None:
    before = UnitPrice.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_price(
            world.leader,
            organisation_id=world.org.pk,
            name="Nat på forsorgshjem",
            unit="nat",
            kind="udgift",
            amount=D(-5),
            year=None,
            payer="kommune",
            budget_area="voksne",
            source="",
        )
    errors = errors_of(caught)
    assert errors["amount"] == ["Tallet kan ikke være negativt."]
    assert errors["year"] == ["En pris skal have det år, prisen gælder for."]
    assert errors["source"] == ["Udfyld feltet."]
    assert UnitPrice.objects.count() == before


def test_a_price_change_keeps_history_and_refuses_a_stale_version(world: World) -> None:
    p = world.mentor_price
    changed = services.save_price(
        world.analyst,
        price_id=p.pk,
        organisation_id=world.org.pk,
        name=p.name,
        unit=p.unit,
        kind=p.kind,
        amount=D("475.50"),
        year=p.year,
        payer=p.payer,
        budget_area=p.budget_area,
        source="Ny takst",
        version=1,
    )
    assert (changed.amount_ore, changed.version) == (47550, 2)
    history = list(Revision.objects.filter(kind="price", object_id=p.pk).order_by("version"))
    assert [h.version for h in history] == [1, 2]
    assert set(history[1].changes) == {"amount_ore", "source"}
    assert history[1].changed_by == world.analyst
    with pytest.raises(services.StaleVersionError) as caught:
        services.save_price(
            world.leader,
            price_id=p.pk,
            organisation_id=world.org.pk,
            name=p.name,
            unit=p.unit,
            kind=p.kind,
            amount=D(1),
            year=p.year,
            payer=p.payer,
            budget_area=p.budget_area,
            source="x",
            version=1,
        )
    assert caught.value.current == 2
    assert UnitPrice.objects.get(pk=p.pk).amount_ore == 47550


@pytest.mark.parametrize("who", ["coordinator", "jobcenter", "other_leader", "citizen"])
def test_only_the_organisations_leaders_and_analysts_change_its_prices(
    world: World, who: str
) -> None:
    user = getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.save_price(
            user,
            price_id=world.mentor_price.pk,
            organisation_id=world.org.pk,
            name="x",
            unit="x",
            kind="udgift",
            amount=D(1),
            year=2025,
            payer="kommune",
            budget_area="andet",
            source="x",
        )


# --------------------------------------------------------------------------------------------
# Business cases
# --------------------------------------------------------------------------------------------


def test_the_gladsaxe_case_through_the_service_and_selector(world: World) -> None:
    case = services.save_case(world.leader, **gladsaxe_values(world))
    view = selectors.business_case(world.leader, case.pk)
    assert view.result.break_even == 4
    assert view.needed[0].needed == 2
    one = selectors.business_case(world.leader, case.pk, scenario="forsigtigt")
    assert one.result.break_even is None
    assert Revision.objects.filter(kind="case", object_id=case.pk).count() == 1


def test_bad_business_case_input_names_each_field_and_saves_nothing(world: World) -> None:
    values = gladsaxe_values(
        world,
        horizon_years=11,
        discount_rate=D(21),
        costs=[services.CostRowIn(12, "x", "boern-familie", "kommune", D(-1))],
        consequences=[
            services.ConsequenceIn(
                world.placement_price.pk, "", "boern-familie", "kommune", [D(0), D(0)]
            )
        ],
    )
    with pytest.raises(ValidationError) as caught:
        services.save_case(world.leader, **values)
    errors = errors_of(caught)
    assert "SØM regner højst 10 år frem" in errors["horizon_years"][0]
    assert errors["discount_rate"] == ["Diskonteringsrenten skal ligge mellem 0 og 20 %."]
    assert errors["costs.0.year"] == ["Året skal ligge inden for tidshorisonten."]
    assert errors["costs.0.amount"] == ["Tallet kan ikke være negativt."]
    assert errors["consequences.0.t1"] == ["Angiv ændringen for mindst ét år."]
    assert not BusinessCase.objects.exists()
    assert not CaseCost.objects.exists()


def test_a_failed_update_leaves_the_case_as_it_was(world: World) -> None:
    case = services.save_case(world.leader, **gladsaxe_values(world))
    with pytest.raises(ValidationError):
        services.save_case(
            world.leader,
            case_id=case.pk,
            version=1,
            **gladsaxe_values(
                world,
                costs=[services.CostRowIn(1, "x", "boern-familie", "kommune", D("1.005"))],
            ),
        )
    case.refresh_from_db()
    assert case.version == 1
    assert CaseCost.objects.filter(case=case).count() == 4
    assert Consequence.objects.filter(case=case).count() == 1


def test_another_organisations_price_cannot_be_used_in_a_case(world: World) -> None:
    foreign = UnitPrice.objects.create(
        organisation=world.other_org,
        name="Holbæks pris",
        unit="år",
        amount_ore=1,
        year=2025,
        payer="kommune",
        budget_area="andet",
        source="x",
    )
    values = gladsaxe_values(world)
    values["consequences"] = [services.ConsequenceIn(foreign.pk, "", "andet", "kommune", [D(-1)])]
    with pytest.raises(ValidationError) as caught:
        services.save_case(world.leader, **values)
    assert errors_of(caught) == {
        "consequences.0.unit_price_id": ["Vælg en enhed fra priskataloget."]
    }


@pytest.mark.parametrize("who", ["coordinator", "jobcenter", "other_leader", "citizen"])
def test_only_the_initiatives_leaders_and_analysts_make_business_cases(
    world: World, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.save_case(getattr(world, who), **gladsaxe_values(world))


# --------------------------------------------------------------------------------------------
# Contracts: validation, evaluation, overrides, cut-off
# --------------------------------------------------------------------------------------------


def test_overlapping_phases_and_an_indicator_without_data_source_are_refused(
    world: World,
) -> None:
    values = contract_values(
        world,
        phases=[services.PhaseIn("Indsats", 0, 26), services.PhaseIn("Efterværn", 20, 39)],
        indicators=[services.IndicatorIn("Uden kilde", "primaer", "", D(100), D(10))],
    )
    with pytest.raises(ValidationError) as caught:
        services.save_contract(world.leader, **values)
    errors = errors_of(caught)
    assert errors["phases.1.start_week"] == ["Fasen overlapper en anden fase."]
    assert errors["indicators.0.source"] == ["Vælg den datakilde i Helhed, indikatoren måles på."]


def test_contract_needs_a_primary_indicator_and_cap_above_floor(world: World) -> None:
    values = contract_values(world)
    first = values["indicators"][0]
    values["indicators"] = [
        services.IndicatorIn(
            first.name,
            "sekundaer",
            first.source,
            first.price,
            first.expected_rate,
            months_after=12,
            accepted=first.accepted,
            cap=D(10),
            floor=D(20),
        )
    ]
    with pytest.raises(ValidationError) as caught:
        services.save_contract(world.leader, **values)
    errors = errors_of(caught)
    assert errors["indicators.0.priority"] == [
        "Mindst én indikator skal være et primært betalingsmål."
    ]
    assert errors["indicators.0.cap"] == ["Loftet skal være mindst lige så stort som gulvet."]


def _progress(world: World, start: object) -> None:
    """WHO-5 40 → 60 within the window; sickness benefit at the start, a job after 150 days."""
    s = start  # a date
    answers = {f"who5_{i}": 2 for i in range(1, 6)}
    progress_services.record_measurement(
        world.coordinator,
        course_id=world.course.pk,
        instrument="who5",
        answers=answers,
        measured_on=s + timedelta(days=1),  # type: ignore[operator]
    )
    answers = {f"who5_{i}": 3 for i in range(1, 6)}
    progress_services.record_measurement(
        world.coordinator,
        course_id=world.course.pk,
        instrument="who5",
        answers=answers,
        measured_on=s + timedelta(days=100),  # type: ignore[operator]
    )
    progress_services.record_outcome(
        world.coordinator,
        course_id=world.course.pk,
        kind="beskaeftigelse",
        value="sygedagpenge",
        valid_from=s,
    )
    progress_services.record_outcome(
        world.coordinator,
        course_id=world.course.pk,
        kind="beskaeftigelse",
        value="ordinaert-job",
        valid_from=s + timedelta(days=150),  # type: ignore[operator]
    )


def test_the_daily_job_evaluates_a_contracts_indicators(world: World) -> None:
    contract = services.save_contract(world.leader, **contract_values(world))
    start = today() - timedelta(days=380)
    _progress(world, start)
    services.enrol(
        world.coordinator, contract_id=contract.pk, course_id=world.course.pk, start_date=start
    )
    IndicatorResult.objects.all().delete()  # enrolment evaluates at once; let the job do it
    out = StringIO()
    call_command("alerts", stdout=out)
    assert "economics:indicators" in out.getvalue()
    results = {r.indicator.name: r for r in IndicatorResult.objects.select_related("indicator")}
    assert {k: r.status for k, r in results.items()} == {
        "Beskæftigelse": "opfyldt",
        "Raskmelding": "opfyldt",
        "Trivsel": "opfyldt",
    }
    assert results["Trivsel"].evidence["change"] == 20.0
    assert results["Beskæftigelse"].due_on == services.logic.add_months(start, 12)
    # a second run changes nothing
    run = services.evaluate_contracts(today())
    assert run.changed == 0


def test_override_needs_a_reason_and_is_kept_with_history(world: World) -> None:
    contract = services.save_contract(world.leader, **contract_values(world))
    start = today() - timedelta(days=380)
    services.enrol(
        world.coordinator, contract_id=contract.pk, course_id=world.course.pk, start_date=start
    )
    result = IndicatorResult.objects.get(indicator__name="Beskæftigelse")
    assert result.status == "kan-ikke-maales"
    with pytest.raises(ValidationError) as caught:
        services.override_result(
            world.coordinator, result_id=result.pk, status="opfyldt", reason=" "
        )
    assert errors_of(caught) == {"reason": ["Begrund hvorfor resultatet tilsidesættes."]}
    services.override_result(
        world.coordinator,
        result_id=result.pk,
        status="opfyldt",
        reason="Ansat i ordinært job ifølge lønseddel (ikke registreret i tide).",
    )
    services.evaluate_contracts(today())  # the job keeps the override
    result.refresh_from_db()
    assert (result.status, result.effective_status) == ("kan-ikke-maales", "opfyldt")
    assert Revision.objects.filter(kind="result", object_id=result.pk).count() == 1


def test_results_are_locked_after_the_cut_off_date(world: World) -> None:
    values = contract_values(world)
    values["cutoff"] = today() - timedelta(days=1)
    contract = services.save_contract(world.leader, **values)
    start = today() - timedelta(days=380)
    services.enrol(
        world.coordinator, contract_id=contract.pk, course_id=world.course.pk, start_date=start
    )
    # enrolling after the cut-off stores nothing computed
    assert not IndicatorResult.objects.exists()
    from helhed.economics.models import Enrolment, Indicator

    result = IndicatorResult.objects.create(
        enrolment=Enrolment.objects.get(),
        indicator=Indicator.objects.get(name="Beskæftigelse"),
        status="ikke-opfyldt",
        due_on=today() - timedelta(days=10),
        evaluated_on=today() - timedelta(days=5),
    )
    _progress(world, start)
    services.evaluate_contracts(today())
    result.refresh_from_db()
    assert result.status == "ikke-opfyldt"  # the daily job leaves it
    with pytest.raises(ValidationError) as caught:
        services.override_result(
            world.coordinator, result_id=result.pk, status="opfyldt", reason="x"
        )
    assert "låst" in errors_of(caught)["status"][0]


def test_enrolment_only_for_the_contracts_initiative_and_period(world: World) -> None:
    contract = services.save_contract(world.leader, **contract_values(world))
    with pytest.raises(ValidationError) as caught:
        services.enrol(
            world.coordinator,
            contract_id=contract.pk,
            course_id=world.course.pk,
            start_date=contract.period_start - timedelta(days=1),
        )
    assert errors_of(caught) == {"start_date": ["Startdatoen skal ligge i kontraktens periode."]}
    with pytest.raises(PermissionDenied):
        services.enrol(
            world.outsider, contract_id=contract.pk, course_id=world.course.pk, start_date=today()
        )


# --------------------------------------------------------------------------------------------
# Actual costs
# --------------------------------------------------------------------------------------------


def test_costs_are_recorded_per_month_priced_and_paid_as_the_measure_says(world: World) -> None:
    year = today().year
    entries = services.record_costs(
        world.jobcenter,
        course_id=world.course.pk,
        measure_id=world.mentor.pk,
        unit_price_id=world.mentor_price.pk,
        quantity=D("8.5"),
        year=year - 1,
        month=11,
        months=3,
    )
    assert [(e.year, e.month) for e in entries] == [(year - 1, 11), (year - 1, 12), (year, 1)]
    # the price (this year's) is indexed back to last year: 450 / 1.02
    assert entries[0].unit_amount_ore == 44118
    assert entries[0].amount_ore == round(D("8.5") * D("441.18") * 100)
    assert entries[2].amount_ore == 382_500  # 8.5 × 450.00 kr.
    assert {(e.budget_area, e.payer, e.category) for e in entries} == {
        ("beskaeftigelse", "kommune", "employment")  # a LAB measure
    }


def test_negative_quantity_and_a_measure_outside_consent_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        services.record_costs(
            world.coordinator,
            course_id=world.course.pk,
            measure_id=world.mentor.pk,
            unit_price_id=world.mentor_price.pk,
            quantity=D(-1),
            year=2025,
            month=13,
        )
    assert errors_of(caught) == {
        "quantity": ["Tallet kan ikke være negativt."],
        "month": ["Vælg en måned."],
    }
    # the jobcenter may not see the psychiatric measure: the same message as for a wrong id
    with pytest.raises(ValidationError) as caught:
        services.record_costs(
            world.jobcenter,
            course_id=world.course.pk,
            measure_id=world.psychiatry.pk,
            unit_price_id=world.mentor_price.pk,
            quantity=D(1),
            year=2025,
            month=1,
        )
    assert errors_of(caught) == {"measure_id": ["Vælg en af forløbets indsatser."]}
    assert not CostEntry.objects.exists()


def test_who_pays_follows_the_meetings_decision(world: World) -> None:
    from django.utils import timezone

    from helhed.meetings.models import Decision, Meeting

    meeting = Meeting.objects.create(
        course=world.course,
        kind="netvaerk",
        purpose="Hvem betaler mentoren?",
        status="afholdt",
        starts_at=timezone.now() - timedelta(days=3),
        created_by=world.coordinator,
    )
    decision = Decision.objects.create(
        meeting=meeting,
        text="Børn og unge betaler mentoren, så forælderen kan tage imod jobtilbuddet",
        payer="boern-unge",
        measure=world.mentor,
        created_by=world.coordinator,
    )
    entries = services.record_costs(
        world.coordinator,
        course_id=world.course.pk,
        measure_id=world.mentor.pk,
        unit_price_id=world.mentor_price.pk,
        quantity=D(4),
        year=today().year,
        month=1,
        decision_id=decision.pk,
    )
    assert (entries[0].budget_area, entries[0].payer, entries[0].decision_id) == (
        "boern-familie",
        "kommune",
        decision.pk,
    )


def test_deleting_a_cost_needs_its_category(world: World) -> None:
    [entry] = services.record_costs(
        world.health,
        course_id=world.course.pk,
        measure_id=world.psychiatry.pk,
        unit_price_id=world.mentor_price.pk,
        quantity=D(1),
        year=today().year,
        month=1,
    )
    assert entry.category == "health"
    for user in (world.jobcenter, world.outsider, world.citizen):
        with pytest.raises(PermissionDenied):
            services.delete_cost(user, cost_id=entry.pk)
    with pytest.raises(PermissionDenied):  # a guessed id
        services.delete_cost(world.health, cost_id="00000000-0000-0000-0000-000000000000")
    services.delete_cost(world.health, cost_id=entry.pk)
    assert not CostEntry.objects.exists()
    assert Revision.objects.filter(kind="cost", object_id=entry.pk).exists()


def test_the_same_submission_twice_records_the_costs_once(world: World) -> None:
    def submit() -> list[CostEntry]:
        return services.record_costs(
            world.jobcenter,
            course_id=world.course.pk,
            measure_id=world.mentor.pk,
            unit_price_id=world.mentor_price.pk,
            quantity=D(3),
            year=today().year,
            month=1,
            months=2,
            idempotency_key="klik-1",
        )

    first = submit()
    with pytest.raises(services.DuplicateSubmissionError) as caught:
        submit()
    assert {e.pk for e in caught.value.existing} == {e.pk for e in first}
    assert CostEntry.objects.count() == 2
    # another user's key is not a duplicate
    services.record_costs(
        world.coordinator,
        course_id=world.course.pk,
        measure_id=world.mentor.pk,
        unit_price_id=world.mentor_price.pk,
        quantity=D(1),
        year=today().year,
        month=1,
        idempotency_key="klik-1",
    )
    assert CostEntry.objects.count() == 3


def test_the_daily_job_reminds_the_coordinator_of_planned_measurements_once(
    world: World,
) -> None:
    from helhed.notifications.models import Notification

    contract = services.save_contract(world.leader, **contract_values(world))
    # week 26 falls in three days
    start = today() - timedelta(weeks=26) + timedelta(days=3)
    services.enrol(
        world.coordinator, contract_id=contract.pk, course_id=world.course.pk, start_date=start
    )
    call_command("alerts", stdout=StringIO())
    [note] = Notification.objects.filter(recipient=world.coordinator)
    assert note.title == "En planlagt måling forfalder snart: uge 26 (Trivsel (WHO-5))"
    assert note.url == f"/forloeb/{world.course.pk}/oekonomi/"
    assert world.course.citizen.first_name not in note.title + note.body  # no personal data
    call_command("alerts", stdout=StringIO())
    assert Notification.objects.filter(recipient=world.coordinator).count() == 1
    # once a WHO-5 is taken around the date, no reminder is due any more
    progress_services.record_measurement(
        world.coordinator,
        course_id=world.course.pk,
        instrument="who5",
        answers={f"who5_{i}": 3 for i in range(1, 6)},
        measured_on=today(),
    )
    from helhed.economics import selectors

    assert selectors.due_point_alerts(today()) == []
