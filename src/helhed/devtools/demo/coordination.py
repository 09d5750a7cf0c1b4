"""Demo relational-coordination data: two closed waves on the initiative "IPS" (Individual
Placement and Support: employment support integrated with mental-health treatment) run jointly by
the demo municipalities that use it (a year apart, so the results show a change), and an open
wave in the ``leder`` login's municipality that the ``fagperson`` login is invited to answer.

Participants are the people on the initiative's teams plus the other staff of the units on those
teams (as a leader would invite them). The answers are synthetic, drawn around a tie-strength
model with realistic differences — jobcenter ↔ psychiatry weak in the first wave and better in
the second (what IPS sets out to change), social psychiatry ↔ psychiatry strong, drug treatment
↔ psychiatry weak (dual diagnosis), strong ties to the coordinators — and one tie rated by only
two respondents (a suppressed cell).

Deterministic for a seed (``ctx.rng``), idempotent (a wave that exists is skipped, and each wave
is written with its answers in one transaction). The demo writes the waves directly, not through
``services.create_wave``: a real wave can only span organisations its creator leads.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from helhed.coordination import logic, selectors, services
from helhed.coordination.models import (
    Participation,
    Response,
    ScopeKind,
    TeamMemberWorkgroup,
    TieAnswer,
    Wave,
    WaveStatus,
    Workgroup,
    WorkgroupKind,
)
from helhed.core import selectors as core_selectors
from helhed.core.models import Membership, Organisation, Role, Unit, User, UserKind
from helhed.devtools.demo.core import DEMO_MUNICIPALITIES, SECTOR_LOGINS
from helhed.devtools.demokit import DemoContext, InsertStat, indexes_built_after
from helhed.registry.models import Initiative

INITIATIVE = "IPS"
BASE = 3.75
# Unordered pairs of workgroups → how much stronger (+) or weaker (−) than the base, per wave.
PAIRS: dict[tuple[str, str], tuple[float, float]] = {
    ("jobcenter", "psykiatri"): (-1.0, -0.35),
    ("psykiatri", "voksensocial"): (0.45, 0.5),
    ("psykiatri", "rusmiddel"): (-0.6, -0.5),
    ("jobcenter", "sundhed"): (-0.25, -0.2),
    ("jobcenter", "voksensocial"): (0.05, 0.15),
    ("civilsamfund", "voksensocial"): (0.3, 0.3),
    ("kriminalforsorg", "rusmiddel"): (-0.8, -0.6),
    ("boern-familie", "ppr-skole"): (0.65, 0.7),
}
TO_COORDINATOR = (0.45, 0.55)  # everyone ↔ the coordinators
WITHIN = 0.35  # each group rates its own side better
CITIZEN_SIDE = {"borgeren": 0.15, "paaroerende": -0.35}
# On weak ties the communication is late and knowledge of each other thin; respect holds up.
WEAK_DIMENSIONS = {"timely": -0.45, "shared_knowledge": -0.4, "mutual_respect": 0.25}
SUPPRESSED_CELL = ("jobcenter", "civilsamfund")  # rated by two respondents only


def _strength(a: str, b: str, wave: int) -> float:
    if a == b:
        return BASE + WITHIN
    if b in CITIZEN_SIDE:
        return BASE + CITIZEN_SIDE[b]
    if "koordinator" in (a, b):
        return BASE + TO_COORDINATOR[wave]
    return BASE + PAIRS.get(logic.pair(a, b), (0.0, 0.0))[wave]


def _answers(
    rng: random.Random, instrument: logic.Instrument, mean: float, offset: float
) -> dict[str, str]:
    """One respondent's answers about one workgroup around ``mean``: a few "ikke relevant",
    now and then so many that the tie does not count (fewer than 5 of 7 answered)."""
    sparse = rng.random() < 0.05
    out: dict[str, str] = {}
    for item in instrument.items:
        if rng.random() < (0.45 if sparse else 0.04):
            out[item.key] = logic.NOT_RELEVANT
            continue
        adjust = WEAK_DIMENSIONS.get(item.dimension, 0.0) if mean < 3.3 else 0.0
        score = round(mean + offset + adjust + rng.gauss(0, 0.6))
        score = min(logic.SCORE_MAX, max(logic.SCORE_MIN, score))
        codes = [o.code for o in item.options if o.score == score] or [item.options[-1].code]
        out[item.key] = codes[0]
    return out


def _participants(
    wave: Wave, net: Any, extra_units: set[Any], unit_group: dict[Any, str]
) -> list[tuple[Any, str, bool]]:
    """(user id, workgroup, added) — the team members derived as the service does (from the
    wave's network ``net``, read once per wave after ``classify_pending``), plus the other
    current staff of the units on the teams."""
    derived, _groups = services.derive(wave, net)
    out = {u: (g, False) for u, g in derived}
    for user_id, unit_id in (
        Membership.objects.filter(
            unit_id__in=extra_units,
            role__in=[Role.FAGPERSON, Role.KOORDINATOR],
            user__kind=UserKind.STAFF,
            user__is_active=True,
        )
        .exclude(user__username__in=list(SECTOR_LOGINS))  # the survey is as without them
        .order_by("user_id", "unit_id")
        .values_list("user_id", "unit_id")
    ):
        group = unit_group.get(unit_id)
        if user_id not in out and group is not None:
            out[user_id] = (group, True)
    return sorted(((u, g, a) for u, (g, a) in out.items()), key=lambda p: str(p[0]))


def _write_wave(
    ctx: DemoContext,
    *,
    number: int,
    name: str,
    scope_kind: str,
    initiative: Initiative | None,
    organisations: list[Organisation],
    period: tuple[date, date],
    opened: date,
    answer_by: date,
    closed: date | None,
    include_citizen_side: bool,
    previous: Wave | None,
    creator: User,
    answer_rate: float,
    extra_staff: bool,
) -> Wave | None:
    wave_id = ctx.uuid("coordination-wave", number)
    found = Wave.objects.filter(pk=wave_id).first()
    if found is not None:
        return found
    rng = random.Random(f"{ctx.seed}:coordination:{number}")
    instrument_row = services.ensure_builtin_instrument()
    instrument = instrument_row.parsed()
    tz = timezone.get_current_timezone()

    def at(day: date) -> datetime:
        return datetime.combine(day, time(9, 0), tzinfo=tz)

    with transaction.atomic():
        wave = Wave.objects.create(
            id=wave_id,
            name=name,
            scope_kind=scope_kind,
            initiative=initiative,
            period_start=period[0],
            period_end=period[1],
            answer_by=answer_by,
            instrument=instrument_row,
            include_citizen_side=include_citizen_side,
            previous=previous,
            status=WaveStatus.CLOSED if closed else WaveStatus.OPEN,
            created_by=creator,
            opened_at=at(opened),
            opened_by=creator,
            closed_at=at(closed) if closed else None,
            closed_by=creator if closed else None,
        )
        wave.organisations.set(organisations)
        net = selectors.network(wave)
        team_groups = {g for gs in net.course_groups.values() for g in gs}
        unit_group = dict(net.unit_group)
        if extra_staff:
            # the other units of the same kinds in the organisations (and the units on the teams)
            known = set(Workgroup.objects.values_list("slug", flat=True))
            for unit in Unit.objects.filter(organisation__in=organisations).select_related(
                "organisation"
            ):
                group = logic.classify(
                    "", unit.name, unit.welfare_area_id, unit.organisation.org_type_id, known
                )
                if group in team_groups:
                    unit_group.setdefault(unit.pk, group)
        units = set(unit_group) if extra_staff else set()
        people = _participants(wave, net, units, unit_group)
        usable = {
            g.slug: g
            for g in Workgroup.objects.filter(active=True)
            if g.kind == WorkgroupKind.PROFESSIONAL or include_citizen_side
        }
        groups = {g for gs in net.course_groups.values() for g in gs} | {g for _u, g, _a in people}
        if include_citizen_side:
            groups |= set(CITIZEN_SIDE)
        wave.groups.set([usable[g] for g in groups if g in usable])
        submitted = (
            [rng.random() < answer_rate for _p in people] if closed else [False] * len(people)
        )
        Participation.objects.bulk_create(
            [
                Participation(
                    id=ctx.uuid("coordination-participation", number, i),
                    wave=wave,
                    user_id=user_id,
                    workgroup_id=group,
                    added=added,
                    submitted=done,
                )
                for i, ((user_id, group, added), done) in enumerate(
                    zip(people, submitted, strict=True)
                )
            ]
        )
        if closed:
            partners: dict[str, set[str]] = defaultdict(set)
            for a, b in logic.shared_courses(net.course_groups):
                partners[a].add(b)
                partners[b].add(a)
            respondents = [g for (_u, g, _a), done in zip(people, submitted, strict=True) if done]
            rng.shuffle(respondents)  # nothing about the order of people survives
            wave_index = 0 if previous is None else 1
            forced = [i for i, g in enumerate(respondents) if g == SUPPRESSED_CELL[0]][:2]
            responses: list[Response] = []
            ties: list[TieAnswer] = []
            for i, group in enumerate(respondents):
                rated = {b for b in partners.get(group, set()) if b in groups} | (
                    {"koordinator"} if "koordinator" in groups else set()
                )
                rated.discard(group)
                rated.discard(SUPPRESSED_CELL[1] if group == SUPPRESSED_CELL[0] else "")
                if i in forced and SUPPRESSED_CELL[1] in groups:
                    rated.add(SUPPRESSED_CELL[1])
                if include_citizen_side:
                    rated |= {g for g in CITIZEN_SIDE if rng.random() < 0.7}
                if rng.random() < 0.6:
                    rated.add(group)
                response = Response(
                    id=ctx.uuid("coordination-response", number, i), wave=wave, workgroup_id=group
                )
                responses.append(response)
                offset = rng.gauss(0, 0.35)
                for about in sorted(rated):
                    answers = _answers(rng, instrument, _strength(group, about, wave_index), offset)
                    scored = logic.score_tie(instrument, answers)
                    ties.append(
                        TieAnswer(
                            id=ctx.uuid("coordination-tie", number, i, about),
                            response=response,
                            wave=wave,
                            from_workgroup_id=group,
                            about_workgroup_id=about,
                            within=about == group,
                            answers=answers,
                            items_answered=scored.answered,
                            mean=scored.mean,
                            dimensions=scored.dimensions,
                        )
                    )
            Response.objects.bulk_create(responses)
            TieAnswer.objects.bulk_create(ties)
            services.store_results(wave)
        else:
            services._invite(wave, [u for u, _g, _a in people], email=False)
    return wave


def generate(ctx: DemoContext) -> None:
    import time as clock

    started = clock.perf_counter()
    before = Wave.objects.count()
    services.ensure_builtin_instrument()
    # Every team member's workgroup, into an empty mapping table the first time: its foreign keys
    # and secondary indexes (workgroup, signature, organisation) are built after, once (the
    # one-to-one team member key stays, which classify_pending's NOT EXISTS reads).
    with indexes_built_after([TeamMemberWorkgroup]):
        classified = services.classify_pending()
    orgs = list(
        Organisation.objects.filter(
            org_type_id="kommune", official_code__in=DEMO_MUNICIPALITIES
        ).order_by("official_code")
    )
    leader = User.objects.filter(username="leder").first()
    initiative = Initiative.objects.filter(name=INITIATIVE).order_by("pk").first()
    if not orgs or leader is None or initiative is None:
        ctx.out.write(
            "coordination: demo springes over (kør core-, registry- og courses-demoen først)\n"
        )
        return
    today = core_selectors.today()
    year = timedelta(days=365)
    first = _write_wave(
        ctx,
        number=1,
        name=f"{INITIATIVE}: samarbejdet {today.year - 1}",
        scope_kind=ScopeKind.INITIATIVE,
        initiative=initiative,
        organisations=orgs,
        period=(today - 2 * year, today - year),
        opened=today - year + timedelta(days=1),
        answer_by=today - year + timedelta(days=22),
        closed=today - year + timedelta(days=25),
        include_citizen_side=False,
        previous=None,
        creator=leader,
        answer_rate=0.8,
        extra_staff=True,
    )
    _write_wave(
        ctx,
        number=2,
        name=f"{INITIATIVE}: samarbejdet {today.year}",
        scope_kind=ScopeKind.INITIATIVE,
        initiative=initiative,
        organisations=orgs,
        period=(today - year, today - timedelta(days=30)),
        opened=today - timedelta(days=28),
        answer_by=today - timedelta(days=8),
        closed=today - timedelta(days=6),
        include_citizen_side=True,
        previous=first,
        creator=leader,
        answer_rate=0.86,
        extra_staff=True,
    )
    home = [o for o in orgs if leader.memberships.filter(unit__organisation=o).exists()]
    _write_wave(
        ctx,
        number=3,
        name=f"Samarbejdet omkring borgerne i {home[0].name if home else orgs[0].name}",
        scope_kind=ScopeKind.ORGANISATION,
        initiative=None,
        organisations=home or orgs[:1],
        period=(today - year, today),
        opened=today - timedelta(days=3),
        answer_by=today + timedelta(days=14),
        closed=None,
        include_citizen_side=False,
        previous=None,
        creator=leader,
        answer_rate=0.0,
        extra_staff=False,
    )
    ctx.stats.append(
        InsertStat(
            f"samarbejdsmålinger ({classified} kontaktpersoner placeret i faggrupper)",
            rows=Wave.objects.count() - before,
            seconds=clock.perf_counter() - started,
        )
    )
