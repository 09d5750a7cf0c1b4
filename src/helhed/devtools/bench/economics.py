"""The economics benchmark's dataset and its raw-SQL counterpart (used by ``helhed bench``).

One initiative ("Benchmark: økonomi") with N courses (default 20,000) in one municipality's
benchmark unit; each course has two measures and cost rows for about a year spread over three
calendar years (``PER_COURSE`` rows a course, 12 by default: 240,000 rows), on four budget
areas and two payer levels. Citizens, courses, plans and measures are inserted with
``bulk_create``; the cost rows with ``executemany`` on the raw connection. Every row has a
``uuid5`` key from the seed, so a second run finds the last cost row and reuses the dataset. CPR
numbers start with ``E`` and never collide with real or demo numbers (they are never shown).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

NAMESPACE = uuid.UUID("0b7a4d1e-8c55-4b6f-9a31-2f5e6c7d8e90")
PER_COURSE = 12
CHUNK = 1000
AREAS = (
    ("beskaeftigelse", "kommune", "economy", "beskaeftigelse"),
    ("boern-familie", "kommune", "social", "specialiseret-boern-unge"),
    ("voksne", "kommune", "social", "specialiseret-voksen"),
    ("sygehus", "region", "health", "psykiatri"),
)


def key(seed: int, *parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join([str(seed), *map(str, parts)]))


def initiative_id(seed: int) -> uuid.UUID:
    return key(seed, "initiative")


def leader_username() -> str:
    return "bench-oekonomi-leder"


def _exists(seed: int, courses: int) -> bool:
    from helhed.economics.models import CostEntry

    return CostEntry.objects.filter(pk=key(seed, "cost", courses - 1, PER_COURSE - 1)).exists()


def ensure_dataset(seed: int, courses: int, out: Callable[[str], None]) -> tuple[uuid.UUID, bool]:
    """Build the dataset unless it is there; returns (initiative id, built now)."""
    if courses < 1:
        raise ValueError("need at least one course")
    if _exists(seed, courses):
        return initiative_id(seed), False
    started = time.perf_counter()
    world = _world(seed)
    rng = random.Random(f"{seed}:economics-bench")
    today = timezone.localdate()
    n_rows = 0
    for lo in range(0, courses, CHUNK):
        hi = min(courses, lo + CHUNK)
        with transaction.atomic():
            n_rows += _chunk(seed, rng, world, range(lo, hi), today)
        if (hi // CHUNK) % 5 == 0 or hi == courses:
            out(f"  {hi} forløb, {n_rows} udgiftslinjer ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        # A running system has planner statistics and (autovacuum) a visibility map, so that
        # PostgreSQL reads the covering index without visiting the table: measure that system.
        if connection.vendor == "postgresql" and connection.get_autocommit():
            cursor.execute("VACUUM (ANALYZE) economics_costentry")
        cursor.execute("ANALYZE")
    out(
        f"Økonomi-datasæt bygget: {courses} forløb, {n_rows} udgiftslinjer på "
        f"{time.perf_counter() - started:.0f} s."
    )
    return initiative_id(seed), True


def _world(seed: int) -> dict[str, Any]:
    from helhed.core.models import Membership, Organisation, Unit, User
    from helhed.economics.models import UnitPrice
    from helhed.registry.models import Initiative

    org = Organisation.objects.filter(org_type_id="kommune").order_by("official_code").first()
    if org is None:
        raise RuntimeError("no municipality in the reference data")
    unit, _ = Unit.objects.get_or_create(
        pk=key(seed, "unit"),
        defaults={"organisation": org, "name": "Benchmark: økonomi", "welfare_area_id": None},
    )
    coordinator, _ = User.objects.get_or_create(
        username="bench-oekonomi-koordinator",
        defaults={"first_name": "Bench", "last_name": "Koordinator"},
    )
    leader, _ = User.objects.get_or_create(
        username=leader_username(), defaults={"first_name": "Bench", "last_name": "Økonomileder"}
    )
    Membership.objects.get_or_create(user=coordinator, unit=unit, role="koordinator")
    Membership.objects.get_or_create(user=leader, unit=unit, role="leder")
    initiative, _ = Initiative.objects.get_or_create(
        pk=initiative_id(seed), defaults={"name": "Benchmark: økonomi", "location": org.name}
    )
    price, _ = UnitPrice.objects.get_or_create(
        pk=key(seed, "price"),
        defaults={
            "organisation": org,
            "name": "Time (benchmark)",
            "unit": "time",
            "amount_ore": 50_000,
            "year": timezone.localdate().year,
            "payer": "kommune",
            "budget_area": "beskaeftigelse",
            "source": "Benchmark",
        },
    )
    return {
        "org": org,
        "unit": unit,
        "coordinator": coordinator,
        "initiative": initiative,
        "price": price,
    }


def _chunk(
    seed: int, rng: random.Random, world: dict[str, Any], indexes: range, today: date
) -> int:
    from helhed.courses.legal_bases import shipped_category
    from helhed.courses.models import Citizen, Course, Measure, Plan

    citizens, courses, plans, measures = [], [], [], []
    rows: list[tuple[Any, ...]] = []
    now = timezone.now()
    for i in indexes:
        # starts spread over two years before today: the months cross three calendar years
        start = (today - timedelta(days=30 + (i * 7919) % 700)).replace(day=1)
        cid, course_id, plan_id = key(seed, "c", i), key(seed, "course", i), key(seed, "plan", i)
        citizens.append(
            Citizen(
                id=cid,
                cpr=f"E{i:09d}",
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
        picked = [AREAS[i % len(AREAS)], AREAS[(i // 7 + 1) % len(AREAS)]]
        for m, (area, payer, category, welfare) in enumerate(picked):
            mid = key(seed, "measure", i, m)
            measures.append(
                Measure(
                    id=mid,
                    plan_id=plan_id,
                    title="Indsats",
                    welfare_area_id=welfare,
                    legal_basis_id="lab-187",
                    organisation=world["org"],
                    start_date=start,
                    status="aktiv",
                    budget_area="beskaeftigelse",
                    data_category=shipped_category("lab-187", welfare),
                )
            )
            for k in range(PER_COURSE // 2):
                month = start.month - 1 + k
                year, month = start.year + month // 12, month % 12 + 1
                quantity = rng.randint(2, 20)
                rows.append(
                    (
                        key(seed, "cost", i, m * (PER_COURSE // 2) + k),
                        course_id,
                        world["initiative"].pk,
                        world["org"].pk,
                        mid,
                        category,
                        world["price"].pk,
                        year,
                        month,
                        quantity,
                        50_000,
                        quantity * 50_000,
                        payer,
                        area,
                        world["coordinator"].pk,
                        now,
                    )
                )
    Citizen.objects.bulk_create(citizens, ignore_conflicts=True)
    Course.objects.bulk_create(courses, ignore_conflicts=True)
    Plan.objects.bulk_create(plans, ignore_conflicts=True)
    Measure.objects.bulk_create(measures, ignore_conflicts=True)
    _insert_costs(rows)
    return len(rows)


COLUMNS = (
    "id",
    "course_id",
    "initiative_id",
    "organisation_id",
    "measure_id",
    "category",
    "unit_price_id",
    "year",
    "month",
    "quantity",
    "unit_amount_ore",
    "amount_ore",
    "payer",
    "budget_area",
    "note",
    "created_by_id",
    "created_at",
)


def _insert_costs(rows: list[tuple[Any, ...]]) -> None:
    from helhed.economics.models import CostEntry

    sqlite = connection.vendor == "sqlite"

    def u(v: Any) -> Any:
        return v.hex if sqlite and isinstance(v, uuid.UUID) else v

    params = [
        (
            u(r[0]),
            u(r[1]),
            u(r[2]),
            u(r[3]),
            u(r[4]),
            r[5],
            u(r[6]),
            r[7],
            r[8],
            str(r[9]),
            r[10],
            r[11],
            r[12],
            r[13],
            "",
            u(r[14]),
            r[15].isoformat() if sqlite else r[15],
        )
        for r in rows
    ]
    table = CostEntry._meta.db_table
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    sql = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --------------------------------------------------------------------------------------------
# The same sums in hand-written SQL (the benchmark's yardstick)
# --------------------------------------------------------------------------------------------

Statement = tuple[str, str, list[Any]]


def raw_sql(organisation_ids: list[Any], initiative: Any) -> list[Statement]:
    """The initiative page's aggregate statements as plain SQL: sums and distinct courses per
    (year, month, budget area, payer); the courses counted and those with costs."""
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        ids = [o.hex if isinstance(o, uuid.UUID) else o for o in organisation_ids]
        init = initiative.hex if isinstance(initiative, uuid.UUID) else initiative
    else:
        ids, init = list(organisation_ids), initiative
    org_in = ", ".join(["%s"] * len(ids))
    params = [init, *ids]
    where = f"FROM economics_costentry WHERE initiative_id = %s AND organisation_id IN ({org_in})"
    return [
        (
            "groups",
            "SELECT year, month, budget_area, payer, SUM(amount_ore), COUNT(DISTINCT course_id) "
            f"{where} GROUP BY year, month, budget_area, payer",
            params,
        ),
        (
            "counted",
            "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM economics_costentry e "
            "WHERE e.course_id = c.id) THEN 1 ELSE 0 END) FROM courses_course c "
            "JOIN core_unit u ON u.id = c.coordinator_unit_id "
            f"WHERE c.initiative_id = %s AND u.organisation_id IN ({org_in})",
            params,
        ),
    ]


def run_raw(statements: list[Statement]) -> dict[str, list[tuple[Any, ...]]]:
    result = {}
    with connection.cursor() as cursor:
        for name, sql, params in statements:
            cursor.execute(sql, params)
            result[name] = list(cursor.fetchall())
    return result
