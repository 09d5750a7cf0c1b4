"""The dashboard benchmark's dataset and its raw-SQL counterpart (used by ``helhed bench``).

One initiative ("Benchmark: progression") with N courses (default 20,000) in one municipality's
benchmark unit, and M measurements (default 1,000,000: 50 per course — 14 WHO-5, 4 life-area
ratings, 3 goals × 8 goal-attainment ratings and 8 GAS T-scores), plus a contact person, a measure,
3 goals per course and 2-3 employment/placement states. Courses start over eight quarters.

Citizens, courses, plans, goals, team and measures are inserted with ``bulk_create``; the
measurements (the bulk) with ``executemany`` on the raw connection, about ten times faster. Every
row has a ``uuid5`` key from the seed, so a second run finds the last measurement and reuses the
dataset. CPR numbers of these synthetic citizens start with ``B`` and can never collide with real
or demo numbers (they are never shown: the dashboard has no individual citizens).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from helhed.progress import logic

NAMESPACE = uuid.UUID("4f0d1b6e-2f0e-4b7c-9d53-9d5b7f1e6a21")
PER_COURSE = 50  # 14 WHO-5 + 4 life areas + 24 goal ratings + 8 GAS T-scores
CHUNK = 1000  # courses per transaction


def key(seed: int, *parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join([str(seed), *map(str, parts)]))


def initiative_id(seed: int) -> uuid.UUID:
    return key(seed, "initiative")


def leader_username() -> str:
    return "bench-leder"


def _exists(seed: int, courses: int, measurements: int) -> bool:
    from helhed.progress.models import Measurement

    per = max(1, measurements // courses)
    return Measurement.objects.filter(pk=key(seed, "m", courses - 1, per - 1)).exists()


def ensure_dataset(
    seed: int, courses: int, measurements: int, out: Callable[[str], None]
) -> tuple[uuid.UUID, bool]:
    """Build the dataset unless it is there; returns (initiative id, built now)."""
    if courses < 1 or measurements < courses:
        raise ValueError("need at least one course and one measurement per course")
    if _exists(seed, courses, measurements):
        return initiative_id(seed), False
    started = time.perf_counter()
    world = _world(seed)
    rng = random.Random(f"{seed}:progress-bench")
    today = timezone.localdate()
    per = max(1, measurements // courses)
    n_rows = 0
    for lo in range(0, courses, CHUNK):
        hi = min(courses, lo + CHUNK)
        with transaction.atomic():
            n_rows += _chunk(seed, rng, world, range(lo, hi), per, today)
        if (hi // CHUNK) % 5 == 0 or hi == courses:
            out(f"  {hi} forløb, {n_rows} målinger ({time.perf_counter() - started:.0f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out(
        f"Dashboard-datasæt bygget: {courses} forløb, {n_rows} målinger på "
        f"{time.perf_counter() - started:.0f} s."
    )
    return initiative_id(seed), True


def _world(seed: int) -> dict[str, Any]:
    from helhed.core.models import Membership, Organisation, Unit, User
    from helhed.registry.models import Initiative

    org = Organisation.objects.filter(org_type_id="kommune").order_by("official_code").first()
    if org is None:
        raise RuntimeError("no municipality in the reference data")
    unit, _ = Unit.objects.get_or_create(
        pk=key(seed, "unit"),
        defaults={
            "organisation": org,
            "name": "Benchmark: progression",
            "welfare_area_id": "beskaeftigelse",
        },
    )
    coordinator, _ = User.objects.get_or_create(
        username="bench-koordinator", defaults={"first_name": "Bench", "last_name": "Koordinator"}
    )
    leader, _ = User.objects.get_or_create(
        username=leader_username(), defaults={"first_name": "Bench", "last_name": "Leder"}
    )
    Membership.objects.get_or_create(user=coordinator, unit=unit, role="koordinator")
    Membership.objects.get_or_create(user=leader, unit=unit, role="leder")
    initiative, _ = Initiative.objects.get_or_create(
        pk=initiative_id(seed),
        defaults={"name": "Benchmark: progression", "location": org.name},
    )
    return {"org": org, "unit": unit, "coordinator": coordinator, "initiative": initiative}


def _chunk(
    seed: int,
    rng: random.Random,
    world: dict[str, Any],
    indexes: range,
    per: int,
    today: date,
) -> int:
    from helhed.courses.legal_bases import shipped_category
    from helhed.courses.models import Citizen, Course, Goal, Measure, Plan, TeamMember
    from helhed.progress.models import OutcomeState

    citizens, courses, plans, goals, team, measures, states = [], [], [], [], [], [], []
    rows: list[tuple[Any, ...]] = []
    now = timezone.now()
    for i in indexes:
        start = today - timedelta(days=240 + (i * 7919) % 490)
        cid, course_id, plan_id = key(seed, "c", i), key(seed, "course", i), key(seed, "plan", i)
        citizens.append(
            Citizen(
                id=cid,
                cpr=f"B{i:09d}",
                birth_date=date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
                first_name="Bench",
                last_name=str(i),
            )
        )
        courses.append(
            Course(
                id=course_id,
                initiative=world["initiative"],
                citizen_id=cid,
                status="aktiv",
                referred_on=start - timedelta(days=14),
                start_date=start,
                coordinator=world["coordinator"],
                coordinator_unit=world["unit"],
            )
        )
        plans.append(Plan(id=plan_id, course_id=course_id))
        goal_ids = [key(seed, "goal", i, g) for g in range(3)]
        for g, gid in enumerate(goal_ids):
            goals.append(
                Goal(
                    id=gid,
                    plan_id=plan_id,
                    text=f"Mål {g + 1}",
                    priority=g + 1,
                    importance=1 + (i + g) % 5,
                )
            )
        team.append(
            TeamMember(
                id=key(seed, "team", i),
                course_id=course_id,
                name="Kontaktperson",
                organisation=world["org"],
                unit=world["unit"],
                role="Kontaktperson",
                valid_from=start,
            )
        )
        measures.append(
            Measure(
                id=key(seed, "measure", i),
                plan_id=plan_id,
                title="Mentor",
                welfare_area_id="beskaeftigelse",
                legal_basis_id="lab-36",
                organisation=world["org"],
                start_date=start,
                status="aktiv",
                budget_area="beskaeftigelse",
                data_category=shipped_category("lab-36", "beskaeftigelse"),
            )
        )
        first = rng.choice(
            ["kontanthjaelp", "sygedagpenge", "ressourceforloeb", "uddannelseshjaelp"]
        )
        states.append(
            OutcomeState(
                id=key(seed, "e", i, 0),
                course_id=course_id,
                kind="beskaeftigelse",
                value=first,
                valid_from=start,
            )
        )
        if rng.random() < 0.4:
            states.append(
                OutcomeState(
                    id=key(seed, "e", i, 1),
                    course_id=course_id,
                    kind="beskaeftigelse",
                    value=rng.choice(["ordinaert-job", "fleksjob", "uddannelse", "kontanthjaelp"]),
                    valid_from=start + timedelta(days=200),
                )
            )
        if i % 5 == 0:
            states.append(
                OutcomeState(
                    id=key(seed, "p", i),
                    course_id=course_id,
                    kind="anbringelse",
                    value="anbragt" if rng.random() < 0.3 else "hjemme",
                    valid_from=start,
                )
            )
        rows.extend(_measurement_rows(seed, rng, i, course_id, goal_ids, start, per, now))
    Citizen.objects.bulk_create(citizens, ignore_conflicts=True)
    Course.objects.bulk_create(courses, ignore_conflicts=True)
    Plan.objects.bulk_create(plans, ignore_conflicts=True)
    Goal.objects.bulk_create(goals, ignore_conflicts=True)
    TeamMember.objects.bulk_create(team, ignore_conflicts=True)
    Measure.objects.bulk_create(measures, ignore_conflicts=True)
    OutcomeState.objects.bulk_create(states, ignore_conflicts=True)
    _insert_measurements(rows)
    insert_summaries(rows, states, [c.pk for c in courses])
    return len(rows)


def insert_summaries(rows: list[tuple[Any, ...]], states: list[Any], course_ids: list[Any]) -> None:
    """``CourseSummary`` rows for bulk-loaded courses, from the generated rows (the services keep
    them up to date for everything entered afterwards)."""
    from helhed.progress.models import CourseSummary

    CourseSummary.objects.bulk_create(
        summaries(rows, states, course_ids), ignore_conflicts=True, batch_size=2000
    )


def summaries(rows: list[tuple[Any, ...]], states: list[Any], course_ids: list[Any]) -> list[Any]:
    """The unsaved ``CourseSummary`` rows ``insert_summaries`` writes."""
    from helhed.progress.models import CourseSummary

    who5: dict[Any, list[tuple[date, float]]] = {c: [] for c in course_ids}
    gas: dict[Any, list[tuple[date, float]]] = {c: [] for c in course_ids}
    for r in rows:
        if r[8] is None:
            continue
        if r[3] == "who5":
            who5[r[1]].append((r[5], r[8]))
        elif r[3] == logic.GAS_T_KEY:
            gas[r[1]].append((r[5], r[8]))
    employment: dict[Any, list[tuple[date, str]]] = {c: [] for c in course_ids}
    placement: dict[Any, list[str]] = {c: [] for c in course_ids}
    for st in states:
        if st.kind == "beskaeftigelse":
            employment[st.course_id].append((st.valid_from, st.value))
        elif st.kind == "anbringelse":
            placement[st.course_id].append(st.value)
    return [
        CourseSummary(
            course_id=c,
            **logic.summarise(who5[c], gas[c], employment[c], placement[c]),
        )
        for c in course_ids
    ]


def _measurement_rows(
    seed: int,
    rng: random.Random,
    i: int,
    course_id: uuid.UUID,
    goal_ids: list[uuid.UUID],
    start: date,
    per: int,
    now: datetime,
) -> Iterator[tuple[Any, ...]]:
    """``per`` measurements of one course (the plan below is for 50; fewer or more are cut or
    padded with WHO-5)."""
    base = rng.randint(5, 15) * 4
    slope = rng.choice([-1, 0, 1, 2, 3])
    plan: list[tuple[str, Any, date, dict[str, Any], float]] = []
    weeks = max(14, per - 36)
    for k in range(weeks):
        raw = max(0, min(25, base // 4 + slope * k // 3 + rng.randint(-1, 1)))
        answers = _split(raw, rng)
        plan.append(("who5", None, start + timedelta(days=14 * k), answers, float(raw * 4)))
    for k in range(4):
        answers = {item.key: rng.randint(3, 9) for item in logic.LIFE_AREAS}
        plan.append(
            (
                "livsomraader",
                None,
                start + timedelta(days=42 * k + 1),
                answers,
                logic.life_areas_mean(answers),
            )
        )
    weights = [float(1 + (i + g) % 5) for g in range(3)]
    for r in range(8):
        on = start + timedelta(days=28 * r + 2)
        levels = [max(-2, min(2, -2 + r // 2 + rng.randint(-1, 0))) for _g in range(3)]
        for g, gid in enumerate(goal_ids):
            plan.append(("maalopfyldelse", gid, on, {"niveau": levels[g]}, float(levels[g])))
        plan.append(
            (
                logic.GAS_T_KEY,
                None,
                on,
                {"rho": logic.GAS_RHO},
                round(logic.gas_t_score(levels, weights), 2),
            )
        )
    for n, (instrument, goal, on, answers, score) in enumerate(plan[:per]):
        yield (
            key(seed, "m", i, n),
            course_id,
            goal,
            instrument,
            1,
            on,
            answers,
            {},
            score,
            None,
            "borger",
            None,
            now,
        )


def _split(raw: int, rng: random.Random) -> dict[str, int]:
    values = [raw // 5] * 5
    for j in range(raw - sum(values)):
        values[j] += 1
    rng.shuffle(values)
    return {f"who5_{j + 1}": v for j, v in enumerate(values)}


COLUMNS = (
    "id",
    "course_id",
    "goal_id",
    "instrument",
    "version",
    "measured_on",
    "answers",
    "comments",
    "score",
    "entered_by_id",
    "entered_as",
    "idempotency_key",
    "created_at",
)


def _insert_measurements(rows: list[tuple[Any, ...]]) -> None:
    insert_measurement_params(measurement_params(rows))


def measurement_params(
    rows: list[tuple[Any, ...]], *, json_text: bool = False
) -> list[tuple[Any, ...]]:
    """The parameters ``_insert_measurements`` writes for ``rows`` (plain values); with
    ``json_text`` the JSON columns as JSON text on PostgreSQL too (for ``COPY``, which reads
    a ``jsonb`` column from its text)."""
    from helhed.progress.models import Measurement

    sqlite = connection.vendor == "sqlite"
    ops = connection.ops
    json_field = Measurement._meta.get_field("answers")

    def u(v: uuid.UUID | None) -> Any:
        if v is None:
            return None
        return v.hex if sqlite else v

    def j(v: Any) -> Any:
        if sqlite or json_text:
            return json.dumps(v, cls=json_field.encoder)
        return ops.adapt_json_value(v, json_field.encoder)

    def d(v: date | datetime) -> Any:
        return v.isoformat() if sqlite else v

    return [
        (
            u(r[0]),
            u(r[1]),
            u(r[2]),
            r[3],
            r[4],
            d(r[5]),
            j(r[6]),
            j(r[7]),
            r[8],
            r[9],
            r[10],
            r[11],
            d(r[12]),
        )
        for r in rows
    ]


def insert_measurement_params(params: list[tuple[Any, ...]]) -> None:
    from helhed.progress.models import Measurement

    table = Measurement._meta.db_table
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    conflict = " ON CONFLICT DO NOTHING"
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders}){conflict}"
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --------------------------------------------------------------------------------------------
# The same figures in hand-written SQL (the benchmark's yardstick)
# --------------------------------------------------------------------------------------------


Statement = tuple[str, str, list[Any]]


def raw_sql(
    organisation_ids: list[Any], initiative: Any
) -> tuple[list[Statement], list[Statement]]:
    """The dashboard's aggregate statements as plain SQL, (name, sql, params) each: the same
    statements as the page (over the per-course summary), and — for comparison — the outcome
    figures computed straight from the measurements and outcome states with correlated
    subqueries (what the summary saves)."""
    sqlite = connection.vendor == "sqlite"
    start = "COALESCE(c.start_date, c.referred_on)"
    if sqlite:
        year, quarter = (
            f"CAST(substr({start}, 1, 4) AS INTEGER)",
            f"((CAST(substr({start}, 6, 2) AS INTEGER) + 2) / 3)",
        )
        ids = [o.hex if isinstance(o, uuid.UUID) else o for o in organisation_ids]
        init = initiative.hex if isinstance(initiative, uuid.UUID) else initiative
    else:
        year, quarter = f"EXTRACT(YEAR FROM {start})", f"EXTRACT(QUARTER FROM {start})"
        ids, init = list(organisation_ids), initiative
    org_in = ", ".join(["%s"] * len(ids))
    base = (
        "FROM courses_course c JOIN core_unit u ON u.id = c.coordinator_unit_id "
        f"WHERE c.initiative_id = %s AND u.organisation_id IN ({org_in})"
    )
    params = [init, *ids]
    m = "progress_measurement"
    w = f"FROM {m} m WHERE m.course_id = c.id AND m.score IS NOT NULL AND m.instrument"
    who_first = f"(SELECT score {w} = 'who5' ORDER BY m.measured_on ASC LIMIT 1)"
    who_last = f"(SELECT score {w} = 'who5' ORDER BY m.measured_on DESC LIMIT 1)"
    who_n = f"(SELECT COUNT(*) {w} = 'who5')"
    gas = f"(SELECT score {w} = 'gas-t' ORDER BY m.measured_on DESC LIMIT 1)"
    o = "progress_outcomestate"
    k = f"FROM {o} s WHERE s.course_id = c.id AND s.kind"
    e_first = f"(SELECT value {k} = 'beskaeftigelse' ORDER BY s.valid_from, s.created_at LIMIT 1)"
    e_last = (
        f"(SELECT value {k} = 'beskaeftigelse' "
        "ORDER BY s.valid_from DESC, s.created_at DESC LIMIT 1)"
    )
    tracked = f"EXISTS (SELECT 1 {k} = 'anbringelse')"
    placed = f"EXISTS (SELECT 1 {k} = 'anbringelse' AND s.value = 'anbragt')"
    passive = "('kontanthjaelp', 'sygedagpenge', 'uddannelseshjaelp')"
    job = "('fleksjob', 'ordinaert-job', 'uddannelse')"
    summary_join = "LEFT JOIN progress_coursesummary s ON s.course_id = c.id WHERE"
    outcomes = (
        "SELECT cy, cq, COUNT(*), COUNT(DISTINCT citizen_id), "
        "SUM(CASE WHEN who5_n >= 2 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN who5_n >= 2 AND who5_last >= who5_first + 10 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN who5_n >= 2 THEN who5_first END), "
        "SUM(CASE WHEN who5_n >= 2 THEN who5_last END), COUNT(gas_t_last), SUM(gas_t_last), "
        f"SUM(CASE WHEN employment_first IN {passive} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN employment_first IN {passive} AND employment_last IN {job} "
        "THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN placement_tracked THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN placement_tracked AND NOT placement_ever THEN 1 ELSE 0 END) "
        f"FROM (SELECT c.citizen_id, {year} AS cy, {quarter} AS cq, s.* "
        f"{base.replace('WHERE', summary_join)}"
        ") x GROUP BY cy, cq ORDER BY cy, cq"
    )
    measures = (
        f"SELECT {year}, {quarter}, COUNT(*) FROM courses_measure me "
        "JOIN courses_plan p ON p.id = me.plan_id JOIN courses_course c ON c.id = p.course_id "
        "JOIN core_unit u ON u.id = c.coordinator_unit_id "
        f"WHERE c.initiative_id = %s AND u.organisation_id IN ({org_in}) GROUP BY 1, 2"
    )
    contacts = (
        f"SELECT {year}, {quarter}, COUNT(*) FROM courses_teammember t "
        "JOIN courses_course c ON c.id = t.course_id "
        "JOIN core_unit u ON u.id = c.coordinator_unit_id "
        f"WHERE c.initiative_id = %s AND u.organisation_id IN ({org_in}) GROUP BY 1, 2"
    )
    from_measurements = (
        "SELECT cy, cq, COUNT(*), COUNT(DISTINCT citizen_id), "
        "SUM(CASE WHEN wn >= 2 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN wn >= 2 AND wl >= wf + 10 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN wn >= 2 THEN wf END), SUM(CASE WHEN wn >= 2 THEN wl END), "
        f"COUNT(t), SUM(t), SUM(CASE WHEN ef IN {passive} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN ef IN {passive} AND el IN {job} THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN pt THEN 1 ELSE 0 END), SUM(CASE WHEN pt AND NOT pp THEN 1 ELSE 0 END) "
        f"FROM (SELECT c.id, c.citizen_id, {year} AS cy, {quarter} AS cq, {who_first} AS wf, "
        f"{who_last} AS wl, {who_n} AS wn, {gas} AS t, {e_first} AS ef, {e_last} AS el, "
        f"{tracked} AS pt, {placed} AS pp {base}) x GROUP BY cy, cq ORDER BY cy, cq"
    )
    page = [
        ("outcomes", outcomes, params),
        ("measures", measures, params),
        ("contacts", contacts, params),
    ]
    return page, [("from-measurements", from_measurements, params)]


def run_raw(statements: list[tuple[str, str, list[Any]]]) -> dict[str, list[tuple[Any, ...]]]:
    result = {}
    with connection.cursor() as cursor:
        for name, sql, params in statements:
            cursor.execute(sql, params)
            result[name] = list(cursor.fetchall())
    return result
