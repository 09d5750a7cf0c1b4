"""The progress part of ``helhed demo``: every course has measurements, the ``borger`` login's
course has an improving WHO-5 series and a GAS T-score, the ``leder`` login sees a dashboard, the
summaries agree with the measurements, the ``analytiker`` login may use the evaluation export, and
a re-run inserts nothing."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command

from helhed.core.models import User
from helhed.courses.models import Course
from helhed.progress import logic, selectors, services
from helhed.progress.models import CourseSummary, Measurement, OutcomeState

pytestmark = pytest.mark.django_db


def run(citizens: int = 60) -> float:
    start = time.perf_counter()
    call_command(
        "demo", seed=1, citizens=citizens, no_progress=True, stdout=StringIO(), stderr=StringIO()
    )
    return time.perf_counter() - start


def test_demo_measurements() -> None:
    run()
    courses = Course.objects.count()
    assert courses > 0
    assert (
        Measurement.objects.filter(instrument="who5").values("course").distinct().count() == courses
    )
    assert CourseSummary.objects.count() == courses
    assert OutcomeState.objects.filter(kind="beskaeftigelse").exists()
    assert Measurement.objects.filter(instrument="livsomraader").exists()
    # the borger login's course: an improving series and a T-score
    borger = User.objects.get(username="borger")
    mine = selectors.citizen_progress(borger)
    assert mine and mine[0].who5 is not None and len(mine[0].who5) >= 3
    scores = [m.score for m in mine[0].who5]
    assert scores[-1] - scores[0] >= 10
    assert mine[0].gas_t
    # every summary equals one recomputed from the measurements by the service
    for summary in CourseSummary.objects.all()[:40]:
        fresh = services.refresh_summary(course_id=summary.course_id)
        assert (fresh.who5_first, fresh.who5_last, fresh.who5_n, fresh.gas_t_last) == (
            summary.who5_first,
            summary.who5_last,
            summary.who5_n,
            summary.gas_t_last,
        )
    # the leader demo login sees a dashboard for at least one initiative
    leader = User.objects.get(username="leder")
    initiatives = selectors.visible_initiatives(leader)
    assert initiatives
    assert selectors.dashboard(leader, initiatives[0].pk).rows
    # the analytiker demo login may use the export of every initiative it sees: rows where at
    # least five citizens consent to evaluation by its municipality, else the refusal (the
    # 60-citizen demo spreads a municipality's courses over several initiatives)
    analyst = User.objects.get(username="analytiker")
    initiatives = selectors.visible_initiatives(analyst)
    assert initiatives
    for initiative in initiatives:
        try:
            rows = selectors.export_rows(
                analyst, initiative.pk, purpose_salt="demo", date_mode="quarter"
            )
        except selectors.TooFewCitizensError:
            continue
        assert list(rows)
    # measures stored with the instrument's version
    assert set(Measurement.objects.values_list("version", flat=True)) == {logic.WHO5.version}


def test_demo_rerun_inserts_nothing() -> None:
    run()
    before = Measurement.objects.count()
    run()
    assert Measurement.objects.count() == before
