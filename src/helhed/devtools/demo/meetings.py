"""Demo meetings, minutes, tasks, recommendations and rulings for the demo courses.

For most courses (always for the showcase course of the ``koordinator`` login): a network meeting
held a few weeks after the referral with closed minutes (citizen present — or, now and then, not,
with the reason), a decision with one or two tasks (some done, some overdue) owned by a team
member other than the coordinator where there is one (so the ``fagperson`` login has tasks), and
the next meeting being planned with proposed times and availability answers; a recommendation for
the first measure of the plan, ruled on by a member of the deciding unit — mostly as recommended,
sometimes deviating with a justification, sometimes still open.

Linear and cheap: courses are read in chunks of 500 (their team, first measure and the deciding
units' members in three queries per chunk), rows are built in memory per chunk and bulk-inserted
with ``ignore_conflicts``. Keys are ``ctx.uuid(...)`` of the course id, and choices come from a
generator seeded per course, so a re-run inserts nothing and a small run's courses get the same
data as in a large run.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models, transaction

from helhed.core.models import Membership, User
from helhed.core.selectors import today
from helhed.courses.logic import data_category_for_area
from helhed.courses.models import BudgetArea, Course, CourseStatus, Measure, TeamMember
from helhed.devtools.demokit import (
    DemoContext,
    InsertStat,
    Turns,
    committed_in_turn,
    in_workers,
    indexes_built_after,
    new_row,
    workers_write,
)
from helhed.devtools.fastinsert import insert_prepared, prepared_values
from helhed.meetings.models import (
    Availability,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    ParticipantKind,
    ProposedTime,
    Recommendation,
    Ruling,
    RulingOutcome,
    Task,
)

CHUNK = 500
SHARE_WITH_MEETINGS = 0.7
TZ = ZoneInfo("Europe/Copenhagen")

TABLES: list[tuple[str, type[models.Model]]] = [
    ("møder", Meeting),
    ("mødedeltagere", Participant),
    ("foreslåede tidspunkter", ProposedTime),
    ("svar om tidspunkter", Availability),
    ("beslutninger", Decision),
    ("opgaver", Task),
    ("indstillinger", Recommendation),
    ("afgørelser", Ruling),
]

PROBLEMS = (
    "Borgeren har svært ved at overskue de mange aftaler med forskellige forvaltninger.",
    "Boligsituationen er usikker, og det fylder mere end jobsøgningen.",
    "Fremmøde i praktikken er faldet efter skift af kontaktperson.",
    "Krav fra to sektorer passer ikke sammen, og borgeren ved ikke, hvad der gælder.",
)
WORKS = (
    "Den faste kontaktperson og korte, hyppige møder.",
    "Praktikken, hvor borgeren har fået ansvar for egne opgaver.",
    "Støtten fra familien i hverdagen.",
)
WORRIES = (
    "Risiko for tilbagefald, hvis støtten stopper brat.",
    "Ventetid på afgørelse om mentorstøtte.",
    "Gæld og rykkere, som borgeren ikke åbner.",
)
DECISIONS = (
    ("Der søges om mentorstøtte i praktikken.", BudgetArea.EMPLOYMENT),
    ("Socialpsykiatrien tilbyder bostøtte to gange om ugen.", BudgetArea.ADULTS),
    ("Koordinatoren samler alle aftaler i én kalender til borgeren.", ""),
)
TASKS = (
    "Send indstilling om mentorstøtte",
    "Aftal opstartsmøde med bostøtten",
    "Ring til borgeren og følg op på praktikken",
    "Indhent status fra behandlingsstedet",
)
REASONS = (
    "Borgeren har brug for støtte for at fastholde praktikken og komme i job.",
    "Indsatsen er nødvendig for, at planens mål om egen bolig kan nås.",
)
JUSTIFICATIONS = (
    "Betingelserne for fuld bevilling er ikke opfyldt; der bevilges 10 timer i stedet for 20.",
    "Indsatsen kan gives som tilbud efter anden lovgivning, som er forsøgt først.",
)


@dataclass
class Rows:
    tables: dict[str, list[models.Model]] = field(default_factory=dict)

    def add(self, label: str, obj: models.Model) -> None:
        self.tables.setdefault(label, []).append(obj)


@dataclass(frozen=True)
class CourseFacts:
    id: Any
    citizen_name: str
    citizen_user_id: Any
    referred_on: date
    coordinator_id: Any
    team: tuple[tuple[Any, Any, str, str, Any], ...]  # (member id, user id, name, role, unit id)
    measure: tuple[Any, Any, str, str, str] | None  # (id, unit, legal basis, title, category)


def _workdays(start: date, n: int) -> list[date]:
    """``n`` weekdays from ``start`` (inclusive)."""
    days: list[date] = []
    day = start
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=TZ)


_COURSE_FIELDS = (
    "pk",
    "citizen__first_name",
    "citizen__last_name",
    "citizen__user_id",
    "referred_on",
    "coordinator_id",
)


def _facts(batch: Sequence[tuple[Any, ...]]) -> list[CourseFacts]:
    ids = [row[0] for row in batch]
    on = today()
    team: dict[Any, list[tuple[Any, Any, str, str, Any]]] = {}
    for course_id, member_id, user_id, name, role, unit_id in (
        TeamMember.objects.valid_on(on)
        .filter(course_id__in=ids)
        .order_by("course_id", "valid_from", "name", "pk")
        .values_list("course_id", "pk", "user_id", "name", "role", "unit_id")
    ):
        team.setdefault(course_id, []).append((member_id, user_id, name, role, unit_id))
    measures: dict[Any, tuple[Any, Any, str, str, str]] = {}
    for course_id, measure_id, unit_id, basis_id, title, area in (
        Measure.objects.filter(plan__course_id__in=ids)
        .order_by("plan__course_id", "title", "pk")
        .values_list(
            "plan__course_id", "pk", "unit_id", "legal_basis_id", "title", "welfare_area_id"
        )
    ):
        measures.setdefault(
            course_id, (measure_id, unit_id, basis_id, title, data_category_for_area(area))
        )
    return [
        CourseFacts(
            id=row[0],
            citizen_name=f"{row[1]} {row[2]}",
            citizen_user_id=row[3],
            referred_on=row[4],
            coordinator_id=row[5],
            team=tuple(_lead(team.get(row[0], []), row[5])[:4]),
            measure=measures.get(row[0]),
        )
        for row in batch
    ]


_DEMO_LOGINS: set[Any] = set()


def _lead(members: list[tuple[Any, Any, str, str, Any]], coordinator_id: Any) -> list[Any]:
    """The team members invited to the demo meetings: the coordinator and the demo logins
    first (so ``koordinator`` and ``fagperson`` find their meetings and tasks), then the rest."""
    return sorted(members, key=lambda m: m[1] != coordinator_id and m[1] not in _DEMO_LOGINS)


class Builder:
    def __init__(self, ctx: DemoContext, showcase_ids: set[Any]) -> None:
        self.ctx = ctx
        self.today = today()
        self.showcase = showcase_ids
        self.unit_members: dict[Any, Any] = {}

    def load_unit_members(self, facts: Sequence[CourseFacts]) -> None:
        units = {u for f in facts for *_m, u in f.team if u is not None} - set(self.unit_members)
        for unit_id in units:
            self.unit_members[unit_id] = None
        for unit_id, user_id in (
            Membership.objects.filter(unit_id__in=units)
            .order_by("unit_id", "user__username")
            .values_list("unit_id", "user_id")
        ):
            if self.unit_members.get(unit_id) is None:
                self.unit_members[unit_id] = user_id

    def build(self, rows: Rows, f: CourseFacts) -> None:
        rng = random.Random(f"{self.ctx.seed}:meetings:{f.id}")
        if f.id not in self.showcase and rng.random() > SHARE_WITH_MEETINGS:
            return
        held_on = _workdays(f.referred_on + timedelta(days=rng.randint(5, 30)), 1)[0]
        if held_on >= self.today - timedelta(days=1) or not f.team:
            self._upcoming(rows, rng, f, None, self.today + timedelta(days=rng.randint(3, 12)))
            return
        uid = self.ctx.uuid
        present = f.id in self.showcase or rng.random() < 0.9
        next_date = _workdays(
            max(held_on + timedelta(days=42), self.today + timedelta(days=rng.randint(3, 12))), 1
        )[0]
        coordinator_member = next((m for m in f.team if m[1] == f.coordinator_id), f.team[0])
        held = new_row(
            Meeting,
            id=uid("meeting", f.id, "held"),
            course_id=f.id,
            kind=MeetingKind.NETWORK,
            purpose="Fælles plan: hvad er vigtigst for borgeren nu",
            place="Borgerservice, mødelokale 2",
            status=MeetingStatus.HELD,
            starts_at=_at(held_on, rng.choice((9, 10, 13))),
            created_by_id=f.coordinator_id,
            problem_focus=rng.choice(PROBLEMS),
            what_works=rng.choice(WORKS),
            what_worries=rng.choice(WORRIES),
            exceptions="De uger, hvor der kun var én aftale, gik godt.",
            legal_options="Mentorstøtte (LAB § 187) og bostøtte (SEL § 85).",
            motivation="Borgeren vil gerne i job og ønsker færre møder.",
            organisational_options="Ét fælles møde hver 6. uge i stedet for separate møder.",
            plain_summary=(
                "Vi talte om, hvad der er vigtigst for dig nu. Vi aftalte, hvem der gør hvad, "
                "og hvornår vi ses igen."
            ),
            citizen_present=present,
            citizen_absence_reason="" if present else "Borgeren var syg og deltog ikke.",
            coordinated_by_id=coordinator_member[0],
            keeps_in_step_id=coordinator_member[0],
            next_meeting_date=next_date,
            next_meeting_id=uid("meeting", f.id, "next"),
            minutes_closed_at=_at(held_on, 16),
            minutes_closed_by_id=f.coordinator_id,
        )
        # The follow-up must exist before the held meeting points at it.
        self._upcoming(rows, rng, f, held, next_date)
        rows.add("møder", held)
        participants = self._participants(rows, f, held, present)
        owners = [p for p in participants if p.kind == ParticipantKind.TEAM]
        # Others than the coordinator first, a demo login before them.
        owners.sort(key=lambda p: (p.user_id == f.coordinator_id, p.user_id not in _DEMO_LOGINS))
        text, payer = rng.choice(DECISIONS)
        decision = new_row(
            Decision,
            id=uid("decision", f.id),
            meeting_id=held.id,
            text=text,
            payer=payer,
            measure_id=f.measure[0] if f.measure and payer else None,
            created_by_id=f.coordinator_id,
        )
        rows.add("beslutninger", decision)
        for i in range(1 if rng.random() < 0.5 else 2):
            # The first task to a partner, the second to the coordinator (who then has one too).
            owner = owners[0] if i == 0 else owners[-1]
            due = held_on + timedelta(days=rng.randint(7, 35))
            # Most tasks are done by their due date; a few are overdue, and none for months
            # (a task two years overdue would be followed up at the next meeting).
            done = due < self.today and (
                due < self.today - timedelta(days=60) or rng.random() < 0.6
            )
            rows.add(
                "opgaver",
                new_row(
                    Task,
                    id=uid("task", f.id, i),
                    course_id=f.id,
                    decision_id=decision.id,
                    title=TASKS[(i + rng.randint(0, 3)) % len(TASKS)],
                    owner_id=owner.id,
                    owner_user_id=owner.user_id,
                    due_date=due,
                    measure_id=f.measure[0] if f.measure and i == 0 else None,
                    done_at=_at(due, 12) if done else None,
                    done_by_id=owner.user_id if done else None,
                ),
            )
        self._recommendation(rows, rng, f, held_on)

    def _participants(
        self, rows: Rows, f: CourseFacts, meeting: Meeting, present: bool | None
    ) -> list[Participant]:
        uid = self.ctx.uuid
        result = [
            new_row(
                Participant,
                id=uid("participant", meeting.id, member_id),
                meeting_id=meeting.id,
                kind=ParticipantKind.TEAM,
                team_member_id=member_id,
                user_id=user_id,
                name=name[:200],
                role=role[:120],
                present=True if present is not None else None,
            )
            for member_id, user_id, name, role, _unit in f.team
        ]
        result.append(
            new_row(
                Participant,
                id=uid("participant", meeting.id, "citizen"),
                meeting_id=meeting.id,
                kind=ParticipantKind.CITIZEN,
                user_id=f.citizen_user_id,
                name=f.citizen_name[:200],
                role="Borger",
                present=present,
            )
        )
        for p in result:
            rows.add("mødedeltagere", p)
        return result

    def _upcoming(
        self, rows: Rows, rng: random.Random, f: CourseFacts, held: Meeting | None, day: date
    ) -> None:
        uid = self.ctx.uuid
        meeting = new_row(
            Meeting,
            id=uid("meeting", f.id, "next"),
            course_id=f.id,
            kind=MeetingKind.FOLLOW_UP if held else MeetingKind.NETWORK,
            purpose="Opfølgning på planen" if held else "Første netværksmøde",
            place="Borgerservice, mødelokale 2" if rng.random() < 0.7 else "",
            virtual_link="" if rng.random() < 0.7 else "https://moede.helhed.example/rum",
            status=MeetingStatus.PLANNING,
            created_by_id=f.coordinator_id,
        )
        if not meeting.place and not meeting.virtual_link:
            meeting.place = "Jobcentret, stueetagen"
        rows.add("møder", meeting)
        participants = self._participants(rows, f, meeting, None)
        times = [
            new_row(
                ProposedTime,
                id=uid("time", meeting.id, i),
                meeting_id=meeting.id,
                starts_at=_at(d, h),
            )
            for i, (d, h) in enumerate(zip(_workdays(day, 3), (10, 13, 9), strict=True))
        ]
        for t in times:
            rows.add("foreslåede tidspunkter", t)
        # Most have answered: yes to the second time, mixed for the first; a few partners have
        # not answered yet (the coordinator always has, and everyone in the showcase course).
        for p in participants:
            waiting = p.user_id != f.coordinator_id and f.id not in self.showcase
            if waiting and rng.random() < 0.15:
                continue
            for i, t in enumerate(times):
                answer = "ja" if i > 0 else rng.choice(("ja", "nej", "maaske"))
                rows.add(
                    "svar om tidspunkter",
                    new_row(
                        Availability,
                        id=uid("answer", p.id, t.id),
                        proposed_time_id=t.id,
                        participant_id=p.id,
                        answer=answer,
                    ),
                )

    def _recommendation(
        self, rows: Rows, rng: random.Random, f: CourseFacts, held_on: date
    ) -> None:
        if f.measure is None:
            return
        measure_id, measure_unit, basis_id, title, category = f.measure
        units = [m[4] for m in f.team if m[4] is not None and m[1] != f.coordinator_id]
        authority = measure_unit or (units[0] if units else None)
        if authority is None:
            return
        recommended_on = min(held_on + timedelta(days=1), self.today)
        rec = new_row(
            Recommendation,
            id=self.ctx.uuid("recommendation", f.id),
            course_id=f.id,
            measure_id=measure_id,
            measure_title=title[:200],
            data_category=category,
            recommends=RulingOutcome.GRANTED,
            reasoning=rng.choice(REASONS),
            authority_unit_id=authority,
            recommended_on=recommended_on,
            recommended_by_id=f.coordinator_id,
        )
        rows.add("indstillinger", rec)
        decider = self.unit_members.get(authority)
        if decider is None or rng.random() < 0.35:
            return  # still open: it shows on the list with its waiting time
        decided_on = min(recommended_on + timedelta(days=rng.randint(2, 45)), self.today)
        deviates = rng.random() < 0.3
        outcome = (
            rng.choice((RulingOutcome.REFUSED, RulingOutcome.PARTIAL))
            if deviates
            else rec.recommends
        )
        rows.add(
            "afgørelser",
            new_row(
                Ruling,
                id=self.ctx.uuid("ruling", f.id),
                recommendation_id=rec.id,
                course_id=f.id,
                outcome=outcome,
                legal_basis_id=basis_id,
                justification=rng.choice(JUSTIFICATIONS) if deviates else "",
                deviates=deviates,
                decided_on=decided_on,
                waiting_days=(decided_on - recommended_on).days,
                decided_by_id=decider,
            ),
        )


# What a forked worker builds from: set before the workers start (inherited, never pickled):
# the builder, the open courses' keys, and the units whose first member the first chunk looked
# up (``Builder.unit_members`` after it).
_FORKED: tuple[Builder, list[Any], dict[Any, Any]] | None = None


def _in_worker(lo: int) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """The rows of the chunk of open courses starting at ``lo``, per table, as the values the
    parent writes (``fastinsert.prepared_values``): reads courses, teams, measures and unit
    memberships, writes nothing.

    A recommendation is decided only if its authority unit's first member is known, and the
    builder knows the units of the teams it has built so far — in one process, every chunk
    before. A later chunk (``lo`` > 0) starts from what the first chunk knew instead, so it is
    the same whichever process builds it and whatever it built before."""
    assert _FORKED is not None
    builder, ids, known = _FORKED
    if lo:
        builder.unit_members = dict(known)
    batch = list(
        Course.objects.filter(pk__in=ids[lo : lo + CHUNK])
        .order_by("pk")
        .values_list(*_COURSE_FIELDS)
    )
    facts = _facts(batch)
    builder.load_unit_members(facts)
    rows = Rows()
    for f in facts:
        builder.build(rows, f)
    return {
        label: prepared_values(model, rows.tables[label])
        for label, model in TABLES
        if rows.tables.get(label)
    }


def _write_prepared(
    prepared: dict[str, tuple[list[str], list[tuple[Any, ...]]]], seconds: dict[str, float]
) -> None:
    with transaction.atomic():
        for label, model in TABLES:
            if label in prepared:
                t0 = clock.perf_counter()
                insert_prepared(model, *prepared[label])
                seconds[label] += clock.perf_counter() - t0


_TURNS: Turns | None = None  # when the workers write their chunks (``demokit.workers_write``)


def _write_in_worker(lo: int) -> dict[str, float]:
    """Build the chunk at ``lo`` and write it with this process's connection, committed in
    chunk order; the time per table."""
    assert _TURNS is not None
    seconds: dict[str, float] = {}
    with committed_in_turn(_TURNS, lo // CHUNK - 1):
        prepared = _in_worker(lo)
        for label, model in TABLES:
            if label in prepared:
                t0 = clock.perf_counter()
                insert_prepared(model, *prepared[label])
                seconds[label] = clock.perf_counter() - t0
    return seconds


def generate(ctx: DemoContext) -> None:
    global _FORKED, _TURNS
    started = clock.perf_counter()
    before = {label: model._default_manager.count() for label, model in TABLES}
    seconds = dict.fromkeys(before, 0.0)
    _DEMO_LOGINS.clear()
    _DEMO_LOGINS.update(
        User.objects.filter(username__in=("fagperson", "leder")).values_list("pk", flat=True)
    )
    showcase = set(
        Course.objects.filter(coordinator__username="koordinator").values_list("pk", flat=True)[:5]
    )
    builder = Builder(ctx, showcase)
    ids = list(
        Course.objects.exclude(status=CourseStatus.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    starts = range(0, len(ids), CHUNK)
    _FORKED = (builder, ids, {})
    # The chunks read courses, teams and measures, never the tables they fill; each course draws
    # from a generator of its own, so a chunk is built alike here or in a worker process.
    try:
        with indexes_built_after([model for _label, model in TABLES]):
            first = [_in_worker(0)] if ids else []  # here, as before
            _FORKED = (builder, ids, dict(builder.unit_members))
            tables = [model for _label, model in TABLES]
            if workers_write(ctx.workers, len(starts) - 1, tables):
                for prepared in first:
                    _write_prepared(prepared, seconds)
                _TURNS = turns = Turns()
                for spent in ctx.bar(
                    in_workers(
                        _write_in_worker, starts[1:], ctx.workers, what="meetings", abort=turns.fail
                    ),
                    total=len(starts) - 1,
                    desc="møder",
                ):
                    for label, t in spent.items():
                        seconds[label] += t
            else:
                later = in_workers(_in_worker, starts[1:], ctx.workers, what="meetings")
                for prepared in ctx.bar(chain(first, later), total=len(starts), desc="møder"):
                    _write_prepared(prepared, seconds)
    finally:
        _FORKED = None
        _TURNS = None
    total = 0
    for label, model in TABLES:
        rows_added = model._default_manager.count() - before[label]
        total += rows_added
        ctx.stats.append(InsertStat(label, rows=rows_added, seconds=seconds[label]))
    ctx.stats.append(
        InsertStat(
            "mødedata i alt (med opbygning)", rows=total, seconds=clock.perf_counter() - started
        )
    )
