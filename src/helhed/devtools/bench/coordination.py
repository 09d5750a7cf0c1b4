"""The coordination benchmark's dataset (used by ``helhed bench``): one initiative ("Benchmark:
samarbejde") in the first municipality with N respondents (default 2,000) in W workgroups
(default 12), two closed waves a year apart (so the results page also computes the change), and
N/2 courses whose teams hold the respondents (so the structural network and the timeliness pages
have something to show).

Users, citizens, courses, team members and answers are inserted with ``bulk_create``; every row
has a ``uuid5`` key from the seed, so a second run finds the second wave and reuses the dataset.
Each respondent rates eight other workgroups and, every other one, their own (about 9 ties each:
18,000 tie answers per wave at 2,000 respondents), scored with ``logic.score_tie`` like a real
submission; the results are stored through ``services.store_results`` as closing does.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from helhed.coordination import logic, services
from helhed.core import selectors as core_selectors

NAMESPACE = uuid.UUID("0b7a63c4-5f1e-4d2a-8e47-21d3f1c9b0a5")
RATED = 8  # other workgroups each respondent rates
BATCH = 2000


def key(seed: int, *parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join([str(seed), *map(str, parts)]))


def leader_username() -> str:
    return "bench-rk-leder"


def wave_id(seed: int, respondents: int, groups: int, number: int = 2) -> uuid.UUID:
    return key(seed, "wave", respondents, groups, number)


def ensure_dataset(
    seed: int, respondents: int, groups: int, out: Callable[[str], None]
) -> tuple[uuid.UUID, bool]:
    """Build the dataset unless it is there; returns (the latest wave's id, built now)."""
    from helhed.coordination.models import Wave

    if respondents < 1 or groups < 2:
        raise ValueError("need at least one respondent and two workgroups")
    latest = wave_id(seed, respondents, groups)
    if Wave.objects.filter(pk=latest).exists():
        return latest, False
    started = time.perf_counter()
    world = _world(seed, groups)
    slugs: list[str] = world["groups"]
    users = _users(seed, respondents)
    group_of = {u: slugs[i % len(slugs)] for i, u in enumerate(users)}
    _courses(seed, world, users, group_of)
    took = time.perf_counter() - started
    out(f"  {len(users)} medarbejdere og {len(users) // 2} forløb ({took:.0f} s)")
    today = core_selectors.today()
    previous = None
    for number in (1, 2):
        previous = _wave(
            seed,
            world,
            number,
            respondents,
            groups,
            users,
            group_of,
            today - timedelta(days=365 * (2 - number)),
            previous,
        )
        out(f"  måling {number}: {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return latest, True


def _world(seed: int, groups: int) -> dict[str, Any]:
    from helhed.coordination.models import Workgroup, WorkgroupKind
    from helhed.core.models import Membership, Organisation, Role, Unit, User
    from helhed.registry.models import Initiative

    org = Organisation.objects.filter(org_type_id="kommune").order_by("official_code").first()
    if org is None:
        raise RuntimeError("no municipality in the reference data")
    unit, _ = Unit.objects.get_or_create(
        pk=key(seed, "unit"),
        defaults={"organisation": org, "name": "Benchmark: samarbejde", "welfare_area_id": None},
    )
    leader, _ = User.objects.get_or_create(
        username=leader_username(), defaults={"first_name": "Bench", "last_name": "Samarbejde"}
    )
    Membership.objects.get_or_create(user=leader, unit=unit, role=Role.LEDER)
    initiative, _ = Initiative.objects.get_or_create(
        pk=key(seed, "initiative"),
        defaults={"name": "Benchmark: samarbejde", "location": org.name},
    )
    slugs = list(
        Workgroup.objects.filter(active=True, kind=WorkgroupKind.PROFESSIONAL)
        .order_by("order", "slug")
        .values_list("slug", flat=True)[:groups]
    )
    for n in range(len(slugs), groups):
        group, _ = Workgroup.objects.get_or_create(
            slug=f"bench-{n}", defaults={"name_da": f"Benchmark-gruppe {n}", "order": 900 + n}
        )
        slugs.append(group.slug)
    return {"org": org, "unit": unit, "leader": leader, "initiative": initiative, "groups": slugs}


def _users(seed: int, n: int) -> list[uuid.UUID]:
    from django.contrib.auth.hashers import make_password

    from helhed.core.models import User, UserKind

    password = make_password(None)  # unusable: nobody logs in as these
    ids = [key(seed, "user", i) for i in range(n)]
    for lo in range(0, n, BATCH):
        User.objects.bulk_create(
            [
                User(
                    id=ids[i],
                    username=f"bench-rk-{seed}-{i}",
                    first_name="Bench",
                    last_name=str(i),
                    kind=UserKind.STAFF,
                    password=password,
                )
                for i in range(lo, min(n, lo + BATCH))
            ],
            ignore_conflicts=True,
        )
    return ids


def _courses(
    seed: int, world: dict[str, Any], users: list[uuid.UUID], group_of: dict[uuid.UUID, str]
) -> None:
    """Half as many courses as respondents; each team: two respondents in turn and four more."""
    from helhed.coordination.models import Source, TeamMemberWorkgroup
    from helhed.courses.models import Citizen, Course, TeamMember

    rng = random.Random(f"{seed}:coordination-bench:courses")
    today = core_selectors.today()
    n = max(1, len(users) // 2)
    for lo in range(0, n, BATCH // 4):
        citizens, courses, team, mapping = [], [], [], []
        for i in range(lo, min(n, lo + BATCH // 4)):
            cid, course_id = key(seed, "citizen", i), key(seed, "course", i)
            start = today - timedelta(days=30 + (i * 7919) % 600)
            citizens.append(
                Citizen(
                    id=cid,
                    cpr=f"R{i:09d}",
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
                    coordinator=world["leader"],
                    coordinator_unit=world["unit"],
                )
            )
            members = {users[(2 * i) % len(users)], users[(2 * i + 1) % len(users)]}
            members |= set(rng.sample(users, min(4, len(users))))
            for m, user in enumerate(sorted(members, key=str)):
                tm = key(seed, "team", i, m)
                group = group_of[user]
                team.append(
                    TeamMember(
                        id=tm,
                        course_id=course_id,
                        user_id=user,
                        name="Bench",
                        organisation=world["org"],
                        unit=world["unit"],
                        role=f"Bench {group}",
                        valid_from=start,
                    )
                )
                mapping.append(
                    TeamMemberWorkgroup(
                        team_member_id=tm,
                        workgroup_id=group,
                        source=Source.PERSON,
                        signature=f"bench|{group}",
                        organisation=world["org"],
                    )
                )
        with transaction.atomic():
            Citizen.objects.bulk_create(citizens, ignore_conflicts=True)
            Course.objects.bulk_create(courses, ignore_conflicts=True)
            TeamMember.objects.bulk_create(team, ignore_conflicts=True)
            TeamMemberWorkgroup.objects.bulk_create(mapping, ignore_conflicts=True)


def _wave(
    seed: int,
    world: dict[str, Any],
    number: int,
    respondents: int,
    groups: int,
    users: list[uuid.UUID],
    group_of: dict[uuid.UUID, str],
    closed: date,
    previous: Any,
) -> Any:
    from helhed.coordination.models import (
        Participation,
        Response,
        ScopeKind,
        TieAnswer,
        Wave,
        WaveStatus,
        Workgroup,
    )

    instrument_row = services.ensure_builtin_instrument()
    instrument = instrument_row.parsed()
    rng = random.Random(f"{seed}:coordination-bench:{number}")
    slugs: list[str] = world["groups"]
    strength = {(a, b): rng.uniform(2.8, 4.4) for a in slugs for b in slugs}
    at = datetime.combine(closed, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    with transaction.atomic():
        wave = Wave.objects.create(
            id=wave_id(seed, respondents, groups, number),
            name=f"Benchmark: samarbejde {number}",
            scope_kind=ScopeKind.INITIATIVE,
            initiative=world["initiative"],
            period_start=closed - timedelta(days=365),
            period_end=closed,
            answer_by=closed,
            instrument=instrument_row,
            previous=previous,
            status=WaveStatus.CLOSED,
            created_by=world["leader"],
            opened_at=at - timedelta(days=21),
            closed_at=at,
        )
        wave.organisations.set([world["org"]])
        wave.groups.set(Workgroup.objects.filter(slug__in=slugs))
        Participation.objects.bulk_create(
            [
                Participation(
                    id=key(seed, "participation", number, i),
                    wave=wave,
                    user_id=u,
                    workgroup_id=group_of[u],
                    submitted=True,
                )
                for i, u in enumerate(users)
            ],
            batch_size=BATCH,
        )
        responses, ties = [], []
        for i, u in enumerate(users):
            own = group_of[u]
            response = Response(id=key(seed, "response", number, i), wave=wave, workgroup_id=own)
            responses.append(response)
            others = rng.sample([g for g in slugs if g != own], min(RATED, len(slugs) - 1))
            rated = [*others, own] if i % 2 else others
            offset = rng.gauss(0, 0.3)
            for about in rated:
                answers: dict[str, str] = {}
                for item in instrument.items:
                    if rng.random() < 0.05:
                        answers[item.key] = logic.NOT_RELEVANT
                        continue
                    score = round(strength[(own, about)] + offset + rng.gauss(0, 0.6))
                    score = min(logic.SCORE_MAX, max(logic.SCORE_MIN, score))
                    answers[item.key] = next(o.code for o in item.options if o.score == score)
                scored = logic.score_tie(instrument, answers)
                ties.append(
                    TieAnswer(
                        id=key(seed, "tie", number, i, about),
                        response=response,
                        wave=wave,
                        from_workgroup_id=own,
                        about_workgroup_id=about,
                        within=about == own,
                        answers=answers,
                        items_answered=scored.answered,
                        mean=scored.mean,
                        dimensions=scored.dimensions,
                    )
                )
        Response.objects.bulk_create(responses, batch_size=BATCH)
        TieAnswer.objects.bulk_create(ties, batch_size=BATCH)
        services.store_results(wave)
    return wave
