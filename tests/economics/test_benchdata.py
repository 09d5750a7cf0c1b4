"""The benchmark's dataset and its raw SQL give the same sums as the page's selector, and a
course that moves to another organisation takes its cost rows' copies along."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied

from helhed.core.models import User
from helhed.courses import services as course_services
from helhed.devtools.bench import economics as benchdata
from helhed.economics import selectors, services
from helhed.economics.access import economics_organisations
from helhed.economics.models import CostEntry
from tests.courses.builders import make_staff, make_unit, today
from tests.economics.conftest import World

pytestmark = pytest.mark.django_db


def test_raw_sql_and_selector_agree() -> None:
    initiative, built = benchdata.ensure_dataset(7, 40, StringIO().write)
    assert built
    assert benchdata.ensure_dataset(7, 40, StringIO().write) == (initiative, False)
    leader = User.objects.get(username=benchdata.leader_username())
    page = selectors.initiative_economics(leader, initiative)
    raw = benchdata.run_raw(
        benchdata.raw_sql(sorted(economics_organisations(leader), key=str), initiative)
    )
    assert sum(r[4] for r in raw["groups"]) == page.with_costs.amount
    assert raw["counted"][0] == (page.counted, page.with_costs.courses) == (40, 40)
    assert CostEntry.objects.count() == 40 * benchdata.PER_COURSE
    by_area = {k: total.amount for k, _cells, total in page.by_area.rows()}
    raw_area: dict[str, int] = {}
    for _y, _m, area, _p, amount, _n in raw["groups"]:
        raw_area[area] = raw_area.get(area, 0) + amount
    assert by_area == raw_area


def test_a_course_moving_organisation_moves_its_costs(world: World) -> None:
    services.record_costs(
        world.coordinator,
        course_id=world.course.pk,
        measure_id=world.mentor.pk,
        unit_price_id=world.mentor_price.pk,
        quantity=D(1),
        year=today().year,
        month=1,
    )
    assert selectors.initiative_economics(world.leader, world.initiative.pk).with_costs.amount
    new_unit = make_unit(world.other_org, "Holbæk koordinering")
    new = make_staff(new_unit, "koordinator")
    course_services.change_coordinator(
        world.coordinator, world.course, new=new, new_unit=new_unit, reason="Flytning"
    )
    assert set(CostEntry.objects.values_list("organisation_id", flat=True)) == {world.other_org.pk}
    # Holbæk's leader now counts the course; Odense's no longer sees the initiative at all
    moved = selectors.initiative_economics(world.other_leader, world.initiative.pk)
    assert moved.with_costs.amount == 45_000
    with pytest.raises(PermissionDenied):
        selectors.initiative_economics(world.leader, world.initiative.pk)
