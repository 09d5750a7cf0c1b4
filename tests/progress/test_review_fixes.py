"""The review's findings on the progress app (privacy, 500s, domain logic, spec gaps), one test
each: every test here failed before its fix."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.courses.models import Course
from helhed.courses.sections import TimelineEvent
from helhed.progress import logic, selectors, services, views
from helhed.progress.models import CourseSummary, Measurement, OutcomeState
from tests.courses.builders import make_citizen_user, open_course
from tests.progress.conftest import World, evaluation_consent, more_evaluated_citizens

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _csv(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


# --------------------------------------------------------------------------------------------
# Privacy
# --------------------------------------------------------------------------------------------


def test_p1_events_are_filtered_by_the_readers_categories(
    world: World, client: Client, isolated_sources: dict[str, dict[str, object]]
) -> None:
    day = timezone.localdate() - timedelta(days=3)

    def source(course_ids: Any) -> list[TimelineEvent]:
        return [
            TimelineEvent(
                c, day, "measure-start", "Indsats starter: Psykiatrisk udredning", "", "health"
            )
            for c in course_ids
        ] + [TimelineEvent(c, day, "meeting", "Netværksmøde", "", "plan") for c in course_ids]

    isolated_sources["events"]["test"] = source
    labels = lambda p: {e.label for e in p.events}  # noqa: E731
    job = selectors.course_progress(world.jobcenter, world.course.pk)
    assert labels(job) == {"Netværksmøde"}
    coordinator = selectors.course_progress(world.coordinator, world.course.pk)
    assert "Indsats starter: Psykiatrisk udredning" in labels(coordinator)
    (own,) = selectors.citizen_progress(world.citizen)
    assert "Indsats starter: Psykiatrisk udredning" in labels(own)
    client.force_login(world.jobcenter)
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert "Psykiatrisk udredning" not in page


def _life(world: World) -> Measurement:
    answers = {i.key: 6 for i in logic.LIFE_AREAS}
    answers["kriminalitet"] = 2
    return services.record_measurement(
        world.coordinator,
        world.course.pk,
        "livsomraader",
        answers,
        comments={"kriminalitet": "Sigtet for tyveri", "psykisk": "Sover dårligt"},
    )


def test_p2_life_area_items_follow_their_own_category(world: World, client: Client) -> None:
    _life(world)
    # health consent (plan, health, social): no economy, employment or crime items, no crime
    # comment
    p = selectors.course_progress(world.health, world.course.pk)
    assert p.life_areas is not None
    (m,) = p.life_areas
    assert "kriminalitet" not in m.answers and "oekonomi" not in m.answers
    assert "arbejde" not in m.answers  # work/education is employment data since issue 10
    assert m.answers["psykisk"] == 6 and m.comments == {"psykisk": "Sover dårligt"}
    assert m.score is None  # the mean would rest on items they may not see
    assert [i.key for i in p.life_items] == [
        i.key for i in logic.LIFE_AREAS if i.key not in ("oekonomi", "arbejde", "kriminalitet")
    ]
    table = views._life_table(p)
    assert len(table[0]["values"]) == len(p.life_items)
    charts = views.course_charts(p)
    assert "Kriminalitet" not in {c.title for c in charts["life"]}
    client.force_login(world.health)
    page = client.get(f"/forloeb/{world.course.pk}/progression/").content.decode()
    assert "Sigtet for tyveri" not in page and "Kriminalitet" not in page
    api = client.get(f"/api/progress/courses/{world.course.pk}/measurements").json()
    life = [m for m in api if m["instrument"] == "livsomraader"]
    assert life and "kriminalitet" not in life[0]["answers"]
    assert "oekonomi" not in life[0]["answers"]
    # jobcenter (plan, employment, economy): only the economy and work/education items
    p = selectors.course_progress(world.jobcenter, world.course.pk)
    assert p.life_areas is not None and [i.key for i in p.life_items] == ["oekonomi", "arbejde"]
    assert p.life_areas[0].answers == {"oekonomi": 6, "arbejde": 6}
    # the coordinator and the citizen see everything
    p = selectors.course_progress(world.coordinator, world.course.pk)
    assert p.life_areas is not None and p.life_areas[0].answers["kriminalitet"] == 2
    assert p.life_areas[0].comments["kriminalitet"] == "Sigtet for tyveri"
    (own,) = selectors.citizen_progress(world.citizen)
    assert own.life_areas is not None and own.life_areas[0].score is not None


def test_p2_life_area_categories_are_per_item() -> None:
    cats = {i.key: logic.item_category(logic.LIFE_AREAS_INSTRUMENT, i) for i in logic.LIFE_AREAS}
    assert cats["fysisk"] == cats["psykisk"] == cats["rusmidler"] == "health"
    assert cats["oekonomi"] == "economy" and cats["kriminalitet"] == "crime"
    assert cats["bolig"] == cats["familie"] == "social"
    assert cats["arbejde"] == "employment"  # apart from economy since issue 10
    assert set(logic.LIFE_AREAS_INSTRUMENT.categories) == {
        "health",
        "social",
        "employment",
        "economy",
        "crime",
    }


def test_p4_idempotency_keys_are_per_user(world: World, client: Client) -> None:
    other = make_citizen_user()
    course = open_course(world.coordinator, world.unit)
    course.citizen.user = other
    course.citizen.save()
    client.force_login(world.citizen)
    url = f"/api/progress/courses/{world.course.pk}/measurements"
    first = _post(client, url, {"instrument": "who5", "answers": FULL, "idempotency_key": "k1"})
    assert first.status_code == 201
    client.force_login(other)
    url2 = f"/api/progress/courses/{course.pk}/measurements"
    second = _post(client, url2, {"instrument": "who5", "answers": FULL, "idempotency_key": "k1"})
    assert second.status_code == 201, second.content
    assert first.json()["id"] not in second.content.decode()
    # the same user and key again is a double submission naming their own measurement
    again = _post(client, url2, {"instrument": "who5", "answers": FULL, "idempotency_key": "k1"})
    assert again.status_code == 409 and again.json()["existing_id"] == second.json()["id"]


def test_p5_small_numerators_are_suppressed() -> None:
    assert logic.show_share(1, 6) == "<5"  # 1 of 6 improved: "17 %" would reveal one citizen
    assert logic.show_share(5, 6) == "<5"  # 1 of 6 did not
    assert logic.show_share(4, 20) == "<5"
    assert logic.show_share(0, 6) == "0 %" and logic.show_share(6, 6) == "100 %"
    assert logic.show_share(5, 10) == "50 %"
    assert logic.show_share(3, 3) == "<5" and logic.show_share(0, 0) == "–"
    assert logic.share_suppressed(1, 6) and not logic.share_suppressed(5, 10)


def _cohort_courses(world: World, n: int, start: date) -> list[Course]:
    out = []
    for _ in range(n):
        c = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
        Course.objects.filter(pk=c.pk).update(start_date=start, referred_on=start)
        out.append(c)
    return out


def test_p5_share_bar_has_no_width_for_a_small_numerator(world: World) -> None:
    start = date(2024, 2, 1)
    courses = _cohort_courses(world, 6, start)
    for i, c in enumerate(courses):
        services.record_measurement(world.coordinator, c.pk, "who5", FULL, measured_on=start)
        later = {**FULL, "who5_1": 5, "who5_2": 5, "who5_3": 5} if i == 0 else FULL
        services.record_measurement(
            world.coordinator, c.pk, "who5", later, measured_on=start + timedelta(days=30)
        )
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    row = next(r for r in d.rows if r.label == "2024 K1")
    assert row.who5_paired == "6" and row.who5_share == "<5"
    bar = next(b for b in views._share_bars(d)["bars"] if b["label"] == "2024 K1")
    assert bar["width"] == 0 and bar["text"] == "<5"


def test_p6_a_suppressed_cohort_cannot_be_derived_from_the_total(world: World) -> None:
    Course.objects.filter(pk=world.course.pk).update(
        start_date=date(2024, 2, 1), referred_on=date(2024, 2, 1)
    )
    _cohort_courses(world, 7, date(2024, 2, 1))
    _cohort_courses(world, 3, date(2024, 5, 1))
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    rows = {r.label: r for r in d.rows}
    assert rows["2024 K2"].courses == "<5"
    # 11 in total minus 8 in K1 would give K2's 3: one of them must be hidden too
    assert not (rows["2024 K1"].courses.isdigit() and d.total.courses.isdigit())
    assert not (rows["2024 K1"].citizens.isdigit() and d.total.citizens.isdigit())
    # the rule itself
    assert logic.secondary_suppression([(8, False), (3, True)], (11, False)) == ({0}, False)
    assert logic.secondary_suppression([(8, False), (3, True), (2, True)], (13, False)) == (
        set(),
        False,
    )
    assert logic.secondary_suppression([(8, False), (6, False), (3, True)], (17, False)) == (
        {1},
        False,
    )
    assert logic.secondary_suppression([(3, True)], (3, True)) == (set(), False)


def test_p6_a_category_hides_a_second_initiative(world: World) -> None:
    from helhed.registry.models import Initiative

    other = Initiative.objects.create(name="Anden", location="Odense")
    for _ in range(3):
        open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    for _ in range(7):
        open_course(world.coordinator, world.unit, initiative=other)
    by_initiative, by_category = selectors.comparison(world.leader)
    # both initiatives are in the same category (none); the category total minus the visible
    # initiative must not reveal the suppressed one
    assert len(by_category) == 1
    shown = [r.row.courses for r in by_initiative]
    assert "<5" in shown
    assert not (any(s.isdigit() for s in shown) and by_category[0].row.courses.isdigit())
    # the visible initiative's figure is its dashboard's "I alt" (shown there), so the category
    # is what is hidden
    assert sorted(shown) == ["7", "<5"] and by_category[0].row.courses == "x"


def _export(client: Client, world: World, purpose: str, mode: str = "shift") -> Any:
    url = f"/progression/indsatser/{world.course.initiative_id}/udtraek/"
    return client.post(url, {"fmt": "csv", "date_mode": mode, "purpose": purpose})


def test_p7_date_shift_does_not_depend_on_the_purpose(world: World, client: Client) -> None:
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    more_evaluated_citizens(world, 4)
    day = timezone.localdate() - timedelta(days=40)
    services.record_measurement(world.citizen, world.course.pk, "who5", FULL, measured_on=day)
    client.force_login(world.analyst)
    a = _csv(_export(client, world, "evaluering"))
    b = _csv(_export(client, world, "forskning"))
    assert a[0]["pseudonym"] != b[0]["pseudonym"]
    assert a[0]["dato"] == b[0]["dato"] != day.isoformat()


def test_p11_export_only_for_analysts_and_consented_data(world: World, client: Client) -> None:
    day = timezone.localdate() - timedelta(days=40)
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    more_evaluated_citizens(world, 3)
    services.record_measurement(world.citizen, world.course.pk, "who5", FULL, measured_on=day)
    no_consent = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    services.record_measurement(world.coordinator, no_consent.pk, "who5", FULL, measured_on=day)
    plan_only = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    evaluation_consent(plan_only, world.coordinator, units=[world.unit], categories=("plan",))
    services.record_measurement(world.coordinator, plan_only.pk, "who5", FULL, measured_on=day)
    withdrawn = open_course(world.coordinator, world.unit, initiative=world.course.initiative)
    consent = evaluation_consent(
        withdrawn, world.coordinator, units=[world.unit], categories=("plan", "health")
    )
    consent.withdrawn_on = timezone.localdate() - timedelta(days=1)
    consent.save()
    services.record_measurement(world.coordinator, withdrawn.pk, "who5", FULL, measured_on=day)
    client.force_login(world.leader)
    assert _export(client, world, "evaluering").status_code == 403
    client.force_login(world.analyst)
    rows = _csv(_export(client, world, "evaluering"))
    forloeb = {r["forloeb"] for r in rows}
    assert len(forloeb) == 1  # only the course whose consent covers health data
    logged = set(
        AccessLogEntry.objects.filter(purpose="evaluering").values_list("citizen_id", flat=True)
    )
    assert world.course.citizen_id in logged
    assert not logged & {no_consent.citizen_id, withdrawn.citizen_id}


# --------------------------------------------------------------------------------------------
# 500s and half-written
# --------------------------------------------------------------------------------------------


def test_e1_non_finite_answers_are_field_errors(world: World, client: Client) -> None:
    for bad in (float("inf"), float("-inf"), float("nan"), 1e400):
        _clean, errors = logic.validate_answers(logic.WHO5, {**FULL, "who5_2": bad})
        assert errors == {"who5_2": "Svaret skal være et helt tal."}
    client.force_login(world.citizen)
    url = f"/api/progress/courses/{world.course.pk}/measurements"
    rest = ", ".join(f'"who5_{i}": 3' for i in range(2, 6))
    body = '{"instrument": "who5", "answers": {"who5_1": 1e400, ' + rest + "}}"
    r = client.post(url, body, content_type="application/json")
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert not Measurement.objects.exists()


def test_e2_export_streams_and_logs_before_streaming(world: World, client: Client) -> None:
    evaluation_consent(world.course, world.coordinator, units=[world.unit])
    more_evaluated_citizens(world, 4)
    services.record_measurement(world.citizen, world.course.pk, "who5", FULL)
    client.force_login(world.analyst)
    url = f"/progression/indsatser/{world.course.initiative_id}/udtraek/"
    response = client.post(url, {"fmt": "csv", "date_mode": "month", "purpose": "evaluering"})
    assert response.streaming
    # one entry per citizen in the export (the five who consent to it), before the first byte
    assert AccessLogEntry.objects.filter(purpose="evaluering").count() == 5
    rows = _csv(response)
    assert len(rows) == 1 and rows[0]["maaleredskab"] == "who5"
    xlsx = client.post(url, {"fmt": "xlsx", "date_mode": "month", "purpose": "evaluering"})
    assert xlsx.streaming
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert wb.active.max_row == 2


def test_e3_a_concurrent_outcome_twin_is_a_field_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = timezone.localdate() - timedelta(days=2)
    services.record_outcome(
        world.coordinator, world.course.pk, kind="bolig", value="egen-bolig", valid_from=day
    )
    real = QuerySet.exists

    def racing(self: QuerySet[Any]) -> bool:  # the twin is not there yet when we look
        return False if self.model is OutcomeState else real(self)

    monkeypatch.setattr(QuerySet, "exists", racing)
    with pytest.raises(ValidationError) as exc:
        services.record_outcome(
            world.coordinator, world.course.pk, kind="bolig", value="herberg", valid_from=day
        )
    assert "valid_from" in exc.value.message_dict
    assert OutcomeState.objects.count() == 1


def test_e5_duplicate_gas_rating_is_409(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    url = f"/api/progress/courses/{world.course.pk}/goal-ratings"
    body = {"levels": {str(g.pk): 0 for g in world.goals}}
    assert _post(client, url, body).status_code == 201
    again = _post(client, url, body)
    assert again.status_code == 409, again.content
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["existing_id"]
    assert Measurement.objects.filter(instrument="maalopfyldelse").count() == 3


# --------------------------------------------------------------------------------------------
# Domain logic
# --------------------------------------------------------------------------------------------


def test_c1_backdated_rating_recomputes_later_t_scores(world: World) -> None:
    a, b, c = world.goals
    d0 = timezone.localdate() - timedelta(days=30)
    rate = lambda levels, on: services.record_goal_ratings(  # noqa: E731
        world.coordinator, world.course.pk, levels, measured_on=on
    )
    rate({str(a.pk): 0, str(b.pk): 0, str(c.pk): 0}, d0)
    rate({str(a.pk): 2}, d0 + timedelta(days=20))
    rate({str(b.pk): 2}, d0 + timedelta(days=10))  # backdated
    weights = [logic.goal_weight(g.importance) for g in (a, b, c)]
    expected = round(logic.gas_t_score([2, 2, 0], weights), 2)
    later = Measurement.objects.get(instrument="gas-t", measured_on=d0 + timedelta(days=20))
    assert later.score == expected
    assert CourseSummary.objects.get(course=world.course).gas_t_last == expected
    middle = Measurement.objects.get(instrument="gas-t", measured_on=d0 + timedelta(days=10))
    assert middle.score == round(logic.gas_t_score([0, 2, 0], weights), 2)


def test_c2_a_citizen_with_two_courses_counts_once_in_the_total(world: World) -> None:
    Course.objects.filter(pk=world.course.pk).update(
        start_date=date(2024, 2, 1), referred_on=date(2024, 2, 1)
    )
    second = Course.objects.create(
        citizen=world.course.citizen,
        initiative=world.course.initiative,
        coordinator_unit=world.unit,
        coordinator=world.course.coordinator,
        referred_on=date(2024, 5, 1),
        start_date=date(2024, 5, 1),
    )
    assert second.citizen_id == world.course.citizen_id
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    assert d.total.raw["courses"] == 2 and d.total.raw["citizens"] == 1
    _by_init, by_cat = selectors.comparison(world.leader)
    assert sum(r.row.raw["citizens"] for r in by_cat) == 1


def test_c3_only_held_meetings_count(world: World) -> None:
    from helhed.meetings.models import Meeting

    now = timezone.now()
    for status in ("afholdt", "aflyst", "planlaegges", "afholdt"):
        Meeting.objects.create(
            course=world.course,
            purpose="Netværksmøde",
            status=status,
            starts_at=now - timedelta(days=1),
            created_by=world.coordinator,
        )
    d = selectors.dashboard(world.leader, world.course.initiative_id)
    assert d.total.raw["meetings"] == 2


def test_c4_t_chart_range_follows_the_data(world: World) -> None:
    from tests.progress.conftest import add_goals

    goals = [*world.goals, *add_goals(world.course, [("Mål 4", None), ("Mål 5", None)])]
    for g in goals:
        g.importance = None
        g.save()
    services.record_goal_ratings(world.coordinator, world.course.pk, {str(g.pk): 2 for g in goals})
    p = selectors.course_progress(world.coordinator, world.course.pk)
    t = p.gas_t[0].score
    assert t is not None and t > 80
    chart = views.course_charts(p)["gas_t"]
    assert all(0 <= pt.y <= chart.top + chart.plot_h for pt in chart.points)
    assert chart.points[0].y >= chart.top


def test_minor_invalid_goal_form_logs_one_read(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    before = AccessLogEntry.objects.count()
    r = client.post(f"/forloeb/{world.course.pk}/progression/maal/", {"maal-measured_on": "x"})
    assert r.status_code == 400
    assert AccessLogEntry.objects.count() == before + 1


# --------------------------------------------------------------------------------------------
# Spec gaps
# --------------------------------------------------------------------------------------------


def test_s6_instruments_are_kept_per_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    v2 = replace(logic.WHO5, version=2)
    monkeypatch.setitem(logic.INSTRUMENTS, ("who5", 2), v2)
    assert logic.instrument("who5") is v2
    assert logic.instrument("who5", 1) is logic.WHO5
    assert logic.instrument("who5", 2) is v2
    with pytest.raises(ValueError):
        logic.instrument("who5", 3)
    assert logic.rescore(logic.WHO5.key, 1, FULL) == 60.0


def test_p6_timeliness_means_get_secondary_suppression(
    world: World, isolated_sources: dict[str, dict[str, object]]
) -> None:
    from helhed.courses.sections import TimelinessMetric

    Course.objects.filter(pk=world.course.pk).update(
        start_date=date(2024, 2, 1), referred_on=date(2024, 2, 1)
    )
    _cohort_courses(world, 7, date(2024, 2, 1))
    _cohort_courses(world, 3, date(2024, 5, 1))
    ids = list(Course.objects.values_list("pk", flat=True))
    isolated_sources["timeliness"]["test"] = (
        [TimelinessMetric("days", "Dage til første møde", "dage")],
        lambda course_ids: {c: {"days": 10.0} for c in course_ids if c in ids},
    )
    d = selectors.dashboard_timeliness(world.leader, world.course.initiative_id)
    cells = {r.label: r.timely_cells[0] for r in d.rows}
    assert cells["2024 K2"] == "<5"
    # the mean of K2 = (11 · total − 8 · K1) / 3 unless K1 or the total is hidden
    assert cells["2024 K1"] == "x" and d.total.timely_cells[0] == "10.0"
