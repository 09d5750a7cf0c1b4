"""The economics part of ``helhed demo``: labelled example prices, the Gladsaxe-like case (earned
back in year 4 with two of 40 families, not with one), the Holbæk- and Viborg-like contracts with
evaluated results, costs on demo courses, the ``investor`` login, and a re-run inserts nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from helhed.core.models import User
from helhed.economics import selectors
from helhed.economics.models import (
    BusinessCase,
    Contract,
    CostEntry,
    Enrolment,
    IndicatorResult,
    UnitPrice,
)

pytestmark = pytest.mark.django_db


def run() -> None:
    call_command(
        "demo", seed=1, citizens=60, no_progress=True, stdout=StringIO(), stderr=StringIO()
    )


def test_demo_economics_is_complete_labelled_and_idempotent() -> None:
    run()
    examples = UnitPrice.objects.filter(organisation__isnull=True)
    assert examples.count() >= 10
    assert all(p.is_example and p.source and p.year for p in examples)
    assert examples.filter(source__contains="Benchmarkingenhed").exists()
    leader = User.objects.get(username="leder")
    case = BusinessCase.objects.get()
    view = selectors.business_case(leader, case.pk)
    assert view.result.break_even == 4
    assert view.needed[0].needed == 2
    assert selectors.business_case(leader, case.pk, scenario="forsigtigt").result.break_even is None
    holbaek, viborg = Contract.objects.order_by("name")  # "Jobindsats …", "Relationel …"
    assert holbaek.indicators.count() == 3 and holbaek.phases.count() == 2
    assert viborg.indicators.count() == 5
    assert viborg.indicators.get(priority="primaer").price_ore == 860_000  # 8,600 kr.
    assert Enrolment.objects.exists() and IndicatorResult.objects.exists()
    assert CostEntry.objects.exists()
    investor = User.objects.get(username="investor")
    report = selectors.period_report(investor, holbaek.pk)
    assert report.contract == holbaek and not report.may_edit
    counts = (
        UnitPrice.objects.count(),
        CostEntry.objects.count(),
        IndicatorResult.objects.count(),
        BusinessCase.objects.count(),
    )
    run()
    assert (
        UnitPrice.objects.count(),
        CostEntry.objects.count(),
        IndicatorResult.objects.count(),
        BusinessCase.objects.count(),
    ) == counts
