"""The initiative dashboard against an expectation computed here, in plain Python, from the rows
the test generates (not with the app's selectors), plus who may see it and small-cell
suppression."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from helhed.courses.models import Course, Measure, Plan, TeamMember
from helhed.meetings.models import Meeting
from helhed.progress import selectors, services
from tests.courses.builders import make_unit, open_course, organisation
from tests.progress.conftest import World, add_goals

pytestmark = pytest.mark.django_db

PASSIVE = {"kontanthjaelp", "sygedagpenge", "uddannelseshjaelp"}
JOB = {"ordinaert-job", "fleksjob", "uddannelse"}


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def t_score(levels: list[int], weights: list[float]) -> float:
    num = sum(w * x for w, x in zip(weights, levels, strict=True))
    return 50 + 10 * num / math.sqrt(0.7 * sum(w * w for w in weights) + 0.3 * sum(weights) ** 2)


def shown_count(n: int) -> str:
    return "<5" if 0 < n < 5 else str(n)


def shown_share(k: int, n: int) -> str:
    """Suppressed when the base, the numerator or the rest (n - k) is 1-4 citizens."""
    if n == 0:
        return "–"
    if n < 5 or 0 < k < 5 or 0 < n - k < 5:
        return "<5"
    return f"{100 * k / n:.0f} %"


def shown_mean(total: float, n: int) -> str:
    # Danish, the test's language: a decimal comma
    return "–" if n == 0 else "<5" if n < 5 else f"{total / n:.1f}".replace(".", ",")


def generate(world: World) -> dict[str, dict[str, Any]]:
    """22 courses in three start quarters (12, 7 and 3 courses), random WHO-5 series, goal
    ratings, employment and placement states; returns the expected figures per cohort label."""
    rng = random.Random(6)
    today = timezone.localdate()
    q3 = quarter_start(today - timedelta(days=100))
    q2 = quarter_start(q3 - timedelta(days=1))
    q1 = quarter_start(q2 - timedelta(days=1))
    plan = [q1] * 12 + [q2] * 7 + [q3] * 3
    expected: dict[str, dict[str, Any]] = defaultdict(
        lambda: defaultdict(int, who5_first=0.0, who5_last=0.0, gas_sum=0.0)
    )
    for n, start in enumerate(plan):
        course = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
        day = start + timedelta(days=rng.randint(0, 80))
        Course.objects.filter(pk=course.pk).update(start_date=day, referred_on=day)
        label = f"{day.year} K{(day.month - 1) // 3 + 1}"
        e = expected[label]
        e["courses"] += 1
        e["citizens"] += 1
        e["contacts"] += TeamMember.objects.filter(course=course).count()
        # outputs: 0-2 measures; meetings held, cancelled or still being planned (held count)
        plan, _created = Plan.objects.get_or_create(course=course)
        for k in range(rng.randint(0, 2)):
            Measure.objects.create(
                plan=plan,
                title=f"Indsats {k}",
                welfare_area_id="beskaeftigelse",
                legal_basis_id="lab-187",
                organisation=course.coordinator_unit.organisation,
                status="aktiv",
                budget_area="beskaeftigelse",
            )
            e["measures"] += 1
        for status in rng.sample(
            ["afholdt", "afholdt", "aflyst", "planlaegges"], rng.randint(0, 3)
        ):
            Meeting.objects.create(
                course=course,
                purpose="Netværksmøde",
                status=status,
                starts_at=timezone.now() - timedelta(days=1),
                created_by=world.coordinator,
            )
            e["meetings"] += status == "afholdt"
        # WHO-5: 0-4 answers, 20 days apart
        series = []
        for k in range(rng.randint(0, 4)):
            answers = {f"who5_{i}": rng.randint(0, 5) for i in range(1, 6)}
            services.record_measurement(
                world.coordinator,
                course_id=course.pk,
                instrument="who5",
                answers=answers,
                measured_on=day + timedelta(days=20 * k),
                with_citizen=True,
            )
            series.append(4 * sum(answers.values()))
        if len(series) >= 2:
            e["paired"] += 1
            e["who5_first"] += series[0]
            e["who5_last"] += series[-1]
            e["better"] += series[-1] - series[0] >= 10
        # GAS: 1-3 goals, each rated once or twice; the T-score from the latest round
        if rng.random() < 0.8:
            importance = [rng.choice([None, 1, 2, 5]) for _ in range(rng.randint(1, 3))]
            goals = add_goals(course, [(f"Mål {i}", imp) for i, imp in enumerate(importance)])
            levels: list[int] = []
            for r in range(rng.randint(1, 2)):
                levels = [rng.randint(-2, 2) for _ in goals]
                services.record_goal_ratings(
                    world.coordinator,
                    course_id=course.pk,
                    levels={str(g.pk): lv for g, lv in zip(goals, levels, strict=True)},
                    measured_on=day + timedelta(days=30 * (r + 1)),
                )
            weights = [float(imp or 1) for imp in importance]
            e["gas_n"] += 1
            e["gas_sum"] += round(t_score(levels, weights), 2)
        # employment: a first state, sometimes a later one
        first = rng.choice(["kontanthjaelp", "sygedagpenge", "ressourceforloeb"])
        services.record_outcome(
            world.coordinator,
            course_id=course.pk,
            kind="beskaeftigelse",
            value=first,
            valid_from=day,
        )
        last = first
        if rng.random() < 0.6:
            last = rng.choice(["ordinaert-job", "uddannelse", "kontanthjaelp"])
            services.record_outcome(
                world.coordinator,
                course_id=course.pk,
                kind="beskaeftigelse",
                value=last,
                valid_from=day + timedelta(days=50),
            )
        e["passive"] += first in PASSIVE
        e["to_job"] += first in PASSIVE and last in JOB
        if n % 3 == 0:
            placed = rng.random() < 0.3
            services.record_outcome(
                world.coordinator,
                course_id=course.pk,
                kind="anbringelse",
                value="anbragt" if placed else "hjemme",
                valid_from=day,
            )
            e["tracked"] += 1
            e["avoided"] += not placed
    # the world's own course (started 30 days ago, no measurements) counts too
    own = world.course
    own_day = own.start_date or own.referred_on
    e = expected[f"{own_day.year} K{(own_day.month - 1) // 3 + 1}"]
    e["courses"] += 1
    e["citizens"] += 1
    e["contacts"] += TeamMember.objects.filter(course=own).count()
    return expected


def test_dashboard_matches_the_expectation(world: World) -> None:
    # noise that must not count: a course in another initiative, and one coordinated elsewhere
    open_course(world.coordinator, world.unit)
    elsewhere = make_unit(organisation("316"), "Andet koordinerende team")
    from tests.courses.builders import make_staff

    open_course(make_staff(elsewhere, "koordinator"), elsewhere, initiative=world.course.initiative)
    expected = generate(world)
    # the generated data exercises every figure
    for key in (
        "paired",
        "better",
        "gas_n",
        "to_job",
        "tracked",
        "avoided",
        "measures",
        "meetings",
    ):
        assert sum(e[key] for e in expected.values()) > 0, key
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    got = {r.label: r for r in d.rows}
    assert set(got) == set(expected)
    labels = sorted(expected)
    keys = ("courses", "citizens", "contacts", "measures", "meetings", "paired", "better")
    keys += ("gas_n", "gas_sum")
    keys += ("passive", "to_job", "tracked", "avoided", "who5_first", "who5_last")
    total = {k: sum(e[k] for e in expected.values()) for k in keys}
    columns = {  # column → (shown per row from e, the base it rests on)
        "courses": (lambda e: shown_count(e["courses"]), "courses"),
        "citizens": (lambda e: shown_count(e["citizens"]), "citizens"),
        "contacts": (lambda e: shown_count(e["contacts"]), "contacts"),
        "measures": (lambda e: shown_count(e["measures"]), "measures"),
        "meetings": (lambda e: shown_count(e["meetings"]), "meetings"),
        "who5_paired": (lambda e: shown_count(e["paired"]), "paired"),
        "who5_share": (lambda e: shown_share(e["better"], e["paired"]), "paired"),
        "who5_first": (lambda e: shown_mean(e["who5_first"], e["paired"]), "paired"),
        "who5_last": (lambda e: shown_mean(e["who5_last"], e["paired"]), "paired"),
        "gas_mean": (lambda e: shown_mean(e["gas_sum"], e["gas_n"]), "gas_n"),
        "to_job": (lambda e: shown_share(e["to_job"], e["passive"]), "passive"),
        "placements_avoided": (lambda e: shown_share(e["avoided"], e["tracked"]), "tracked"),
    }
    seen_secondary = False
    for column, (shown, base) in columns.items():
        cells = {label: shown(expected[label]) for label in labels}
        total_cell = shown(total)
        # secondary suppression: one hidden cohort and a shown total → hide the next smallest
        hidden = [label for label in labels if cells[label] == "<5"]
        if len(hidden) == 1 and total_cell != "<5":
            others = [x for x in labels if x not in hidden and expected[x][base] > 0]
            if others:
                cells[min(others, key=lambda x: (expected[x][base], x))] = "x"
                seen_secondary = True
            else:
                total_cell = "x"
        for label in labels:
            assert getattr(got[label], column) == cells[label], (column, label)
        assert getattr(d.total, column) == total_cell, column
    assert seen_secondary
    # the smallest cohort (3 or 4 courses) is suppressed everywhere
    small = [r for label, r in got.items() if expected[label]["courses"] < 5]
    assert small and all(r.courses == "<5" and r.citizens == "<5" for r in small)
    # every citizen has one course here, so the distinct total equals the sum
    assert d.total.raw["citizens"] == total["courses"]


def test_dashboard_page_and_timeliness_fragment(
    world: World, client: Client, isolated_sources: dict[str, dict[str, object]]
) -> None:
    from helhed.courses.sections import TimelinessMetric

    for _ in range(5):
        open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    ids = list(Course.objects.values_list("pk", flat=True))
    days = {cid: float(i + 1) for i, cid in enumerate(ids)}
    isolated_sources["timeliness"]["test"] = (
        [TimelinessMetric("days_to_meeting", "Dage til første møde", "dage")],
        lambda course_ids: {c: {"days_to_meeting": days[c]} for c in course_ids if c in days},
    )
    client.force_login(world.leader)
    url = f"/progression/indsatser/{world.course.initiative_id}/"
    page = client.get(url).content.decode()
    assert "Resultater" in page and "rettidighed" in page
    fragment = client.get(url + "rettidighed/", HTTP_HX_REQUEST="true").content.decode()
    assert "Dage til første møde" in fragment
    mean = sum(days.values()) / len(days)
    assert f"{mean:.1f}".replace(".", ",") in fragment  # Danish decimal comma
    # no citizen names on the leader's pages
    assert "Mette" not in page and "Hansen" not in page


def test_timeliness_without_sources_says_so(world: World, client: Client) -> None:
    client.force_login(world.analyst)
    url = f"/progression/indsatser/{world.course.initiative_id}/rettidighed/"
    assert "Ingen rettidighedstal" in client.get(url).content.decode()


def test_who_may_see_the_dashboard(world: World, client: Client) -> None:
    with pytest.raises(PermissionDenied):
        selectors.dashboard(world.other_leader, world.course.initiative_id)
    with pytest.raises(PermissionDenied):
        selectors.dashboard(world.coordinator, world.course.initiative_id)
    assert selectors.dashboard(world.analyst, world.course.initiative_id).total.courses == "<5"
    client.force_login(world.jobcenter)
    assert client.get(f"/progression/indsatser/{world.course.initiative_id}/").status_code == 403
    client.force_login(world.leader)
    listing = client.get("/progression/indsatser/").content.decode()
    assert str(world.course.initiative.name) in listing and "Kategori" in listing


def test_comparison_between_initiatives(world: World) -> None:
    other = open_course(world.coordinator, world.unit)  # another initiative
    by_initiative, by_category = selectors.comparison(world.leader)
    ids = {r.initiative_id for r in by_initiative}
    assert ids == {world.course.initiative_id, other.initiative_id}
    assert sum(int(r.row.raw["courses"]) for r in by_category) == 2


def test_leader_start_page_lists_the_initiatives(world: World, client: Client) -> None:
    client.force_login(world.leader)
    text = client.get("/").content.decode()
    assert f"/progression/indsatser/{world.course.initiative_id}/" in text
