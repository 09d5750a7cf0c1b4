"""The coordination part of ``helhed demo``: two closed waves on the demo initiative with
realistic differences between ties and at least one suppressed cell, an open wave the
``fagperson`` login is invited to, every team member in a workgroup — deterministic and
idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from helhed.coordination import selectors
from helhed.coordination.models import (
    Participation,
    Response,
    TeamMemberWorkgroup,
    TieAnswer,
    Wave,
    WaveStatus,
)
from helhed.core.models import User
from helhed.courses.models import TeamMember

pytestmark = pytest.mark.django_db


def run() -> None:
    call_command(
        "demo", seed=1, citizens=60, no_progress=True, stdout=StringIO(), stderr=StringIO()
    )


def test_demo_waves() -> None:
    run()
    assert TeamMemberWorkgroup.objects.count() == TeamMember.objects.count()
    closed = list(Wave.objects.filter(status=WaveStatus.CLOSED).order_by("period_end"))
    assert len(closed) == 2
    first, second = closed
    assert second.previous_id == first.pk and first.initiative.name == "IPS"  # type: ignore[union-attr]
    leader = User.objects.get(username="leder")
    r = selectors.results(leader, second.pk)
    # realistic differences: jobcenter ↔ psychiatry weaker than ties to the coordinators
    jp = r.cells["tie|jobcenter|psykiatri"]
    jk = r.cells["tie|jobcenter|koordinator"]
    assert jp.mean is not None and jk.mean is not None and jp.mean < jk.mean - 0.4
    assert jp.band == "weak" and jk.band in ("moderate", "strong")
    # one suppressed cell (and the cells hidden to protect it)
    assert r.cells["tie|jobcenter|civilsamfund"].hidden == "primary"
    assert any(c.hidden == "secondary" for c in r.cells.values())
    assert r.changes  # against the first wave
    # the change in the tie IPS sets out to mend is shown with its interval
    change = {c.key: c for c in r.changes}.get("tie|jobcenter|psykiatri")
    assert change is not None and change.change.diff > 0
    # the open wave: the fagperson login is invited and sees it on the start page
    fagperson = User.objects.get(username="fagperson")
    assert selectors.participant_panel(fagperson) is not None
    counts = (
        Wave.objects.count(),
        Response.objects.count(),
        TieAnswer.objects.count(),
        Participation.objects.count(),
    )
    run()
    assert (
        Wave.objects.count(),
        Response.objects.count(),
        TieAnswer.objects.count(),
        Participation.objects.count(),
    ) == counts
