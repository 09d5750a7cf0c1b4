"""When the maintained list of legal bases changes a basis's category, the items under it and the
copies other apps keep of a measure's category follow (``courses.services.reclassify_items`` and
the ``measures_reclassified`` signal): a basis made more sensitive hides its measures at once,
also where a handover or a recommendation names them."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from helhed.courses import services
from helhed.courses.models import LegalBasis, Measure
from helhed.handovers.models import Handover
from helhed.meetings.models import Recommendation
from tests.courses import builders as b

pytestmark = pytest.mark.django_db


def test_a_basis_made_health_moves_its_measures_and_the_copies_of_their_category() -> None:
    odense = b.organisation("461")
    unit = b.make_unit(odense, "Koordinerende team", None)
    jobcenter = b.make_unit(odense, "Jobcenter")
    coordinator = b.make_staff(unit, "koordinator")
    course = b.open_course(coordinator, unit)
    plan = course.plan
    measure = services.save_measure(
        coordinator,
        plan.pk,
        1,
        title="Ressourceforløb",
        welfare_area_id="beskaeftigelse",
        legal_basis_id="lab-ressource",
        organisation=odense,
        budget_area="beskaeftigelse",
    )
    assert measure.data_category == "employment"
    handover = Handover.objects.create(
        course=course,
        measure=measure,
        measure_title=measure.title,
        measure_category=measure.data_category,
        from_unit=unit,
        to_unit=jobcenter,
        mode="henvist",
        reason="Videre til jobcentret",
        requested_at=timezone.now(),
        requested_by=coordinator,
    )
    recommendation = Recommendation.objects.create(
        course=course,
        measure=measure,
        measure_title=measure.title,
        data_category=measure.data_category,
        recommends="bevilling",
        reasoning="Behov for afklaring",
        authority_unit=jobcenter,
        recommended_on=date(2026, 11, 1),
        recommended_by=coordinator,
    )
    LegalBasis.objects.filter(pk="lab-ressource").update(data_category="health")
    assert services.reclassify_items(legal_basis_id="lab-ressource") == 1
    assert Measure.objects.get(pk=measure.pk).data_category == "health"
    handover.refresh_from_db()
    recommendation.refresh_from_db()
    assert handover.measure_category == "health"
    assert recommendation.data_category == "health"
    # nothing else changes, and a second run changes nothing
    assert services.reclassify_items() == 0
