"""Who sees what: aggregates for the initiative's leaders and analysts (suppressed), a course's
costs and results for its team within consent (logged), and attackers — another organisation's
leader, a team member without the category's consent, a citizen login, a guessed id — get the
same refusal without learning anything."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal as D  # noqa: N817

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from helhed.audit.models import AccessLogEntry
from helhed.economics import selectors, services
from helhed.economics.selectors import Cell, Grid, suppress_grid
from tests.courses.builders import open_course, today
from tests.economics.conftest import World, add_measure, contract_values, gladsaxe_values

pytestmark = pytest.mark.django_db


def _costs(world: World) -> None:
    for user, measure in ((world.jobcenter, world.mentor), (world.health, world.psychiatry)):
        services.record_costs(
            user,
            course_id=world.course.pk,
            measure_id=measure.pk,
            unit_price_id=world.mentor_price.pk,
            quantity=D(2),
            year=today().year,
            month=1,
        )


def test_a_team_member_sees_only_the_cost_rows_their_consent_covers(world: World) -> None:
    _costs(world)
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    jobcenter = selectors.course_economics(world.jobcenter, world.course.pk)
    assert [c.measure for c in jobcenter.costs] == ["Mentor"]
    assert jobcenter.hidden_costs == 1
    assert jobcenter.total_ore == 90_000
    health = selectors.course_economics(world.health, world.course.pk)
    assert [c.measure for c in health.costs] == ["Psykiatrisk behandling"]
    coordinator = selectors.course_economics(world.coordinator, world.course.pk)
    assert len(coordinator.costs) == 2 and coordinator.hidden_costs == 0
    # every read is logged, one entry for the course's citizen each time
    entries = AccessLogEntry.objects.exclude(pk__in=before)
    assert sorted((str(e.actor_id), e.citizen_id, e.what) for e in entries) == sorted(
        (str(u.pk), world.course.citizen_id, "økonomi: udgifter og resultatmål")
        for u in (world.jobcenter, world.health, world.coordinator)
    )


@pytest.mark.parametrize("who", ["outsider", "other_leader", "citizen", "leader"])
def test_outsiders_see_no_course_costs(world: World, who: str) -> None:
    # a leader in the coordinating unit is not on the course's team either: aggregates only
    _costs(world)
    with pytest.raises(PermissionDenied):
        selectors.course_economics(getattr(world, who), world.course.pk)
    with pytest.raises(PermissionDenied):
        selectors.course_section(getattr(world, who), world.course.pk)


def test_indicator_results_follow_the_indicators_category(world: World) -> None:
    contract = services.save_contract(world.leader, **contract_values(world))
    services.enrol(
        world.coordinator,
        contract_id=contract.pk,
        course_id=world.course.pk,
        start_date=today() - timedelta(days=100),
    )
    names = lambda e: [r.indicator.name for ev in e.enrolments for r in ev.results]  # noqa: E731
    # jobcenter: plan + economy → employment and fit for work, not WHO-5 (health)
    job = selectors.course_economics(world.jobcenter, world.course.pk)
    assert names(job) == ["Beskæftigelse", "Raskmelding"]
    assert job.enrolments[0].hidden_results == 1
    health = selectors.course_economics(world.health, world.course.pk)
    assert names(health) == ["Trivsel"]
    # the points due: WHO-5 is health data, hidden from the jobcenter
    assert job.enrolments[0].points == []
    assert [p.week for p in health.enrolments[0].points] == [0, 26, 39]


def test_initiative_aggregates_for_its_leaders_only_and_suppressed(world: World) -> None:
    _costs(world)
    d = selectors.initiative_economics(world.leader, world.initiative.pk)
    assert d.counted == 1
    assert d.with_costs.text == "<5"
    assert all(c.text in ("<5", "x", "–") for _k, cells, t in d.by_area.rows() for c in [*cells, t])
    for user in (world.other_leader, world.coordinator, world.jobcenter, world.citizen):
        with pytest.raises(PermissionDenied):
            selectors.initiative_economics(user, world.initiative.pk)
    with pytest.raises(PermissionDenied):
        selectors.initiative_economics(world.leader, uuid.uuid4())


def test_six_courses_are_shown_and_a_single_small_cell_is_hidden_twice(world: World) -> None:
    courses = [world.course] + [
        open_course(world.coordinator, world.unit, initiative=world.initiative) for _ in range(6)
    ]
    for i, course in enumerate(courses):
        measure = (
            world.mentor
            if course == world.course
            else add_measure(course, "Mentor", "beskaeftigelse")
        )
        services.record_costs(
            world.coordinator,
            course_id=course.pk,
            measure_id=measure.pk,
            unit_price_id=world.mentor_price.pk,
            quantity=D(10),
            year=today().year,
            month=1,
            # one course's cost falls on another budget area: a cell of one course
            budget_area="voksne" if i == 0 else None,
        )
    d = selectors.initiative_economics(world.analyst, world.initiative.pk)
    assert d.with_costs.courses_text == "7"
    assert d.with_costs.text == "31.500 kr."
    rows = {k: (cells[0].text, total.text) for k, cells, total in d.by_area.rows()}
    assert rows["voksne"] == ("<5", "<5")
    # the year's total minus employment would reveal the one course in adults: employment is
    # hidden too, and so is its row total (which equals the hidden cell)
    assert rows["beskaeftigelse"] == ("x", "x")
    assert d.by_area.totals()[0].text == "31.500 kr."
    assert d.by_area.grand.text == "31.500 kr."


def test_secondary_suppression_in_a_grid() -> None:
    grid = Grid(
        row_keys=["a", "b", "c"],
        col_keys=[2025],
        cells={("a", 2025): Cell(100, 3), ("b", 2025): Cell(200, 10), ("c", 2025): Cell(300, 20)},
        row_totals={"a": Cell(100, 3), "b": Cell(200, 10), "c": Cell(300, 20)},
        col_totals={2025: Cell(600, 33)},
        grand=Cell(600, 33),
    )
    suppress_grid(grid)
    assert grid.cell("a", 2025).hidden == "<5"
    assert grid.cell("b", 2025).hidden == "x"  # next smallest: a = total − b − c otherwise
    assert not grid.cell("c", 2025).hidden
    assert not grid.col_totals[2025].hidden


def test_business_case_and_contract_pages_refuse_outsiders(world: World) -> None:
    case = services.save_case(world.leader, **gladsaxe_values(world))
    contract = services.save_contract(world.leader, **contract_values(world))
    for user in (world.other_leader, world.coordinator, world.citizen):
        with pytest.raises(PermissionDenied):
            selectors.business_case(user, case.pk)
        with pytest.raises(PermissionDenied):
            selectors.period_report(user, contract.pk)
    with pytest.raises(PermissionDenied):
        selectors.business_case(world.leader, uuid.uuid4())
    with pytest.raises(PermissionDenied):
        selectors.business_case(world.leader, "not-a-uuid")


def test_the_investor_sees_the_report_but_cannot_change_the_contract(
    world: World, make_user: object
) -> None:
    from helhed.core.models import Membership, Organisation, Unit

    fund = Organisation.objects.create(name="Fonden", org_type_id="stat")
    fund_unit = Unit.objects.create(organisation=fund, name="Investeringer")
    from tests.courses.builders import make_staff

    investor = make_staff(fund_unit, "analytiker")
    values = contract_values(world)
    contract = services.save_contract(world.leader, investor_id=fund.pk, **values)
    report = selectors.period_report(investor, contract.pk)
    assert report.contract == contract and not report.may_edit
    with pytest.raises(PermissionDenied):
        services.save_contract(investor, contract_id=contract.pk, **values)
    with pytest.raises(PermissionDenied):
        selectors.initiative_economics(investor, world.initiative.pk)
    assert Membership.objects.filter(user=investor).exists()


def test_aggregates_write_no_access_log(world: World) -> None:
    _costs(world)
    case = services.save_case(
        world.leader, **gladsaxe_values(world, observed_outcome="anbringelse")
    )
    before = AccessLogEntry.objects.count()
    selectors.initiative_economics(world.leader, world.initiative.pk)
    selectors.comparison(world.leader)
    selectors.business_case(world.leader, case.pk)
    assert AccessLogEntry.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/oekonomi/indsatser/{initiative}/",
        "/oekonomi/business-case/{case}/",
        "/oekonomi/business-case/{case}/xlsx/",
        "/oekonomi/kontrakt/{contract}/opgoerelse/",
        "/forloeb/{course}/oekonomi/",
        "/oekonomi/business-case/{guess}/",
    ],
)
def test_pages_answer_403_to_another_organisations_leader(
    world: World, client: Client, url: str
) -> None:
    case = services.save_case(world.leader, **gladsaxe_values(world))
    contract = services.save_contract(world.leader, **contract_values(world))
    client.force_login(world.other_leader)
    path = url.format(
        initiative=world.initiative.pk,
        case=case.pk,
        contract=contract.pk,
        course=world.course.pk,
        guess=uuid.uuid4(),
    )
    response = client.get(path)
    assert response.status_code == 403
    assert "Familieindsats" not in response.content.decode()
