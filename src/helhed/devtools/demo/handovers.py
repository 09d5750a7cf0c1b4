"""Demo handovers and institutional stays for ``helhed demo``.

For the fixed ``koordinator`` login's first courses, the cases the issue names:

* a handover to the municipal drug treatment unit (Rusmiddelcenter) **waiting for acknowledgement**
  for four days (so ``helhed alerts`` escalates it), with a custody stay ending in 25 days;
* a **completed** handover (the citizen arrived);
* a handover where the citizen **did not arrive** — reopened, responsibility back on the sender;
* a handover to the Jobcenter (the ``fagperson`` login's unit) waiting for acknowledgement, so the
  fagperson's start page shows it.

Across all other running courses about one in seven gets a handover in a random state (to the
Rusmiddelcenter, the Jobcenter or a service outside Helhed) and some young people a custody stay,
some adults a psychiatric admission. Gaps come from the courses demo's own measures.

Deterministic (one ``random.Random`` per course, seeded by the seed and the course) and
idempotent (every row's key is ``ctx.uuid(...)``; inserts ignore existing rows). Courses are
streamed in chunks, so 300,000 citizens stay linear.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses.legal_bases import shipped_category
from helhed.courses.logic import age_on
from helhed.courses.models import Course, CourseStatus, Measure, MeasureStatus
from helhed.devtools.demokit import DemoContext, InsertStat, in_pages, new_row
from helhed.devtools.fastinsert import insert_rows
from helhed.handovers import logic
from helhed.handovers.models import Handover, HandoverEvent, InstitutionalStay

CHUNK = 2000
HANDOVER_SHARE = 0.15
EXTERNAL = (
    ("Privatpraktiserende psykolog", "Psykologen, 70 20 30 40"),
    ("Højskole med særligt tilbud", "Forstanderen, 70 50 60 70"),
    ("Misbrugsbehandling, privat leverandør", "Indtaget, 70 11 22 33"),
)
REASONS = (
    "Ambulant behandling for hashmisbrug; borgeren ønsker at stoppe.",
    "Afklaring af arbejdsevne og mentorstøtte efter endt behandling.",
    "Bostøtte efter udskrivning; borgeren har brug for hjælp til økonomi og bolig.",
    "Overgang til voksenområdet: efterværn og uddannelsesvejledning.",
)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(settings.TIME_ZONE))


class Builder:
    def __init__(self, ctx: DemoContext, today: date) -> None:
        self.ctx = ctx
        self.today = today
        self.handovers: list[Handover] = []
        self.events: list[HandoverEvent] = []
        self.stays: list[InstitutionalStay] = []
        # Gaps: (course, day the current measures end) and the next measure, starting later
        self.gap_ends: dict[date, list[Any]] = {}
        self.gap_measures: list[Measure] = []

    def gap(self, key: str, course: dict[str, Any], ended_days_ago: int, next_in: int) -> None:
        """The course's measures end ``ended_days_ago`` days ago and the next one (a planned
        treatment at the drug treatment unit) starts in ``next_in`` days (negative: already
        started): a waiting time that the gap figures and the gap alerts find."""
        if course["plan"] is None:
            return
        ended = self.today - timedelta(days=ended_days_ago)
        starts = self.today + timedelta(days=next_in)
        self.gap_ends.setdefault(ended, []).append(course["pk"])
        self.gap_measures.append(
            new_row(
                Measure,
                id=self.ctx.uuid("gap-measure", key),
                plan_id=course["plan"],
                title="Ambulant misbrugsbehandling (efter venteliste)",
                welfare_area_id="specialiseret-voksen",
                legal_basis_id="sel-101",
                organisation_id=course["coordinator_unit__organisation_id"],
                start_date=starts,
                expected_end=starts + timedelta(days=180),
                status=MeasureStatus.ACTIVE if next_in <= 0 else MeasureStatus.PLANNED,
                budget_area="voksne",
                description="Venteliste hos Rusmiddelcentret.",
                data_category=shipped_category("sel-101", "specialiseret-voksen"),
            )
        )

    def handover(
        self,
        key: str,
        course: dict[str, Any],
        *,
        to_unit: Unit | None,
        final: str,
        requested: date,
        reason: str,
        external: tuple[str, str] | None = None,
        ack_hours: int = 20,
        mode: str = "henvist",
    ) -> None:
        """A handover whose events walk the state machine to ``final`` (not-arrived: reopened)."""
        hid = self.ctx.uuid("handover", key)
        requested_at = _at(requested)
        receiver = to_unit.name if to_unit is not None else (external or ("", ""))[0]
        h = new_row(
            Handover,
            id=hid,
            course_id=course["pk"],
            from_unit_id=course["coordinator_unit_id"],
            to_unit=to_unit,
            external_organisation="" if to_unit is not None else receiver,
            external_contact=external[1] if external else "",
            mode=mode,
            reason=reason,
            expected_start=requested + timedelta(days=14),
            status=logic.REQUESTED,
            requested_at=requested_at,
            requested_by_id=course["coordinator_id"],
        )
        steps = {
            logic.REQUESTED: [],
            logic.ACCEPTED: [logic.ACCEPT],
            logic.REJECTED: [logic.DECLINE],
            logic.CANCELLED: [logic.REVOKE],
            logic.IN_PROGRESS: [logic.ACCEPT, logic.CONFIRM],
            logic.COMPLETED: [logic.ACCEPT, logic.CONFIRM, logic.ARRIVED],
            "not-arrived": [logic.ACCEPT, logic.CONFIRM, logic.NOT_ARRIVED],
        }[final]
        answerer = f"Medarbejder, {receiver}"[:200]
        at = requested_at
        self._event(h, "create", "", logic.REQUESTED, at, "Koordinatoren", 0)
        status = logic.REQUESTED
        for n, action in enumerate(steps, start=1):
            at = at + timedelta(hours=ack_hours if n == 1 else 24 * (n + 2))
            new = logic.TRANSITIONS[(status, action)]
            note = ""
            if action == logic.ACCEPT:
                h.acknowledged_at, h.acknowledged_by_name = at, answerer
                h.first_acknowledged_at = h.first_acknowledged_at or at
            elif action == logic.CONFIRM:
                h.knows_situation_at, h.knows_situation_by_name = at, answerer
            elif action == logic.DECLINE:
                note = h.decline_reason = "Ingen ledig plads de næste tre måneder."
                h.closed_at = at
            elif action == logic.REVOKE:
                note = h.cancel_reason = "Borgeren er flyttet til en anden kommune."
                h.closed_at = at
            elif action == logic.ARRIVED:
                h.arrival, h.closed_at = "moedt", at
            elif action == logic.NOT_ARRIVED:
                h.arrival, h.reopened_count, h.reopened_at = "ikke-moedt", 1, at
                h.acknowledged_at = h.knows_situation_at = None
                h.acknowledged_by_name = h.knows_situation_by_name = ""
                note = "Borgeren mødte ikke op til de to første aftaler."
            who = "Koordinatoren" if action == logic.REVOKE else answerer
            self._event(h, action, status, new, at, who, n, note)
            status = new
        h.status = status
        self.handovers.append(h)

    def _event(
        self,
        h: Handover,
        action: str,
        before: str,
        after: str,
        at: datetime,
        who: str,
        n: int,
        note: str = "",
    ) -> None:
        self.events.append(
            new_row(
                HandoverEvent,
                id=self.ctx.uuid("handover-event", h.id, n),
                handover_id=h.id,
                action=action,
                from_status=before,
                to_status=after,
                at=at,
                actor_id=h.requested_by_id if action in ("create", logic.REVOKE) else None,
                actor_name=who,
                note=note,
            )
        )

    def stay(self, key: str, course: dict[str, Any], kind: str, end_in: int, place: str) -> None:
        expected_end = self.today + timedelta(days=end_in)
        start = expected_end - timedelta(days=90 if kind != "psykiatri" else 30)
        self.stays.append(
            new_row(
                InstitutionalStay,
                id=self.ctx.uuid("stay", key),
                course_id=course["pk"],
                kind=kind,
                institution=place,
                start_date=start,
                expected_end=expected_end,
                actual_end=expected_end if expected_end < self.today else None,
                recorded_by_id=course["coordinator_id"],
            )
        )

    def flush(self, stats: dict[str, list[float]]) -> None:
        with transaction.atomic():
            start = time.perf_counter()
            done = set(
                Measure.objects.filter(pk__in=[m.pk for m in self.gap_measures]).values_list(
                    "plan__course_id", flat=True
                )
            )
            for ended, course_ids in self.gap_ends.items():
                todo = [c for c in course_ids if c not in done]
                if not todo:
                    continue
                (
                    Measure.objects.filter(plan__course_id__in=todo, start_date__lte=ended)
                    .filter(Q(end_date__isnull=True) | Q(end_date__gt=ended))
                    .exclude(status=MeasureStatus.CANCELLED)
                    .update(end_date=ended, status=MeasureStatus.ENDED)
                )
            insert_rows(Measure, self.gap_measures)
            stats.setdefault("indsatser med ventetid", [0.0])[0] += time.perf_counter() - start
            for label, model, rows in (
                ("overdragelser", Handover, self.handovers),
                ("overdragelser: hændelser", HandoverEvent, self.events),
                ("institutionsophold", InstitutionalStay, self.stays),
            ):
                start = time.perf_counter()
                model_cls: type[models.Model] = model
                insert_rows(model_cls, rows)
                stats.setdefault(label, [0.0])[0] += time.perf_counter() - start
        self.handovers, self.events, self.stays = [], [], []
        self.gap_ends, self.gap_measures = {}, []


COURSE_FIELDS = (
    "pk",
    "coordinator_id",
    "coordinator_unit_id",
    "coordinator_unit__organisation_id",
    "referred_on",
    "citizen__birth_date",
    "plan",
)


def _courses(exclude: set[uuid.UUID]) -> Iterator[dict[str, Any]]:
    qs = Course.objects.exclude(status=CourseStatus.CLOSED).order_by("pk").values(*COURSE_FIELDS)
    for row in in_pages(qs, CHUNK):
        if row["pk"] not in exclude:
            yield row


def generate(ctx: DemoContext) -> None:
    today = timezone.localdate()
    units = {
        (org, name): unit
        for unit in Unit.objects.filter(name__in=["Rusmiddelcenter", "Jobcenter"])
        for org, name in [(unit.organisation_id, unit.name)]
    }
    if not units:
        ctx.out.write("handovers: demo springes over (kør core- og courses-demoen først)\n")
        return
    before = {
        m: m._default_manager.count() for m in (Measure, Handover, HandoverEvent, InstitutionalStay)
    }
    stats: dict[str, list[float]] = {}
    b = Builder(ctx, today)

    # The showcase: the fixed koordinator login's first running courses.
    showcase: set[uuid.UUID] = set()
    koordinator = User.objects.filter(username="koordinator").first()
    if koordinator is not None:
        mine = list(
            Course.objects.filter(coordinator=koordinator)
            .exclude(status=CourseStatus.CLOSED)
            .order_by("referred_on", "pk")
            .values(*COURSE_FIELDS)[:4]
        )
        plan = [
            ("showcase-waiting", "Rusmiddelcenter", logic.REQUESTED, 4),
            ("showcase-completed", "Rusmiddelcenter", logic.COMPLETED, 60),
            ("showcase-not-arrived", "Rusmiddelcenter", "not-arrived", 30),
            ("showcase-jobcenter", "Jobcenter", logic.REQUESTED, 1),
        ]
        for course, (key, unit_name, final, days_ago) in zip(mine, plan, strict=False):
            unit = units.get((course["coordinator_unit__organisation_id"], unit_name))
            if unit is None:
                continue
            showcase.add(course["pk"])
            b.handover(
                key,
                course,
                to_unit=unit,
                final=final,
                requested=today - timedelta(days=days_ago),
                reason=REASONS[0] if unit_name == "Rusmiddelcenter" else REASONS[1],
                mode="ledsaget" if final == logic.COMPLETED else "henvist",
            )
        if mine:
            b.stay("showcase-custody", mine[0], "varetaegt", 25, "Arresthuset i Holbæk")
        if len(mine) >= 3:  # the citizen who did not arrive: a waiting time without a measure
            b.gap("showcase-not-arrived", mine[2], ended_days_ago=20, next_in=10)

    # Everyone else: a share of the running courses.
    finals = (
        [logic.REQUESTED] * 5
        + [logic.ACCEPTED] * 2
        + [logic.IN_PROGRESS] * 3
        + [logic.COMPLETED] * 7
        + [logic.REJECTED, logic.CANCELLED, "not-arrived"]
    )
    for course in _courses(showcase):
        r = random.Random(f"{ctx.seed}:handovers:{course['pk']}")
        years = age_on(course["citizen__birth_date"], today)
        if years < 25 and r.random() < 0.08:
            b.stay(f"custody:{course['pk']}", course, "varetaegt", r.randint(-20, 120), "Arresthus")
        elif years >= 25 and r.random() < 0.05:
            b.stay(f"psych:{course['pk']}", course, "psykiatri", r.randint(-10, 40), "Psykiatrien")
        if r.random() < 0.05:
            b.gap(f"course:{course['pk']}", course, r.randint(5, 60), r.randint(-3, 30))
        if r.random() < HANDOVER_SHARE:
            org = course["coordinator_unit__organisation_id"]
            pick = r.random()
            to_unit = units.get((org, "Rusmiddelcenter" if pick < 0.5 else "Jobcenter"))
            external = None if pick < 0.85 and to_unit is not None else r.choice(EXTERNAL)
            if external is not None:
                to_unit = None
            span = max(1, (today - course["referred_on"]).days)
            b.handover(
                f"course:{course['pk']}",
                course,
                to_unit=to_unit,
                external=external,
                final=r.choice(finals),
                requested=today - timedelta(days=r.randint(0, min(span, 200))),
                reason=r.choice(REASONS),
                ack_hours=r.choice([2, 6, 20, 30, 48, 70, 120]),
                mode=r.choice(["henvist", "ledsaget"]),
            )
        if len(b.handovers) >= CHUNK:
            b.flush(stats)
    b.flush(stats)
    for label, model in (
        ("indsatser med ventetid", Measure),
        ("overdragelser", Handover),
        ("overdragelser: hændelser", HandoverEvent),
        ("institutionsophold", InstitutionalStay),
    ):
        rows = model._default_manager.count() - before[model]
        ctx.stats.append(InsertStat(label, rows=rows, seconds=stats.get(label, [0.0])[0]))
