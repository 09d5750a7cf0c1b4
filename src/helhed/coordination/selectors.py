"""Reads of the coordination app, with the permission rule inside each one.

* **Managers** — users with the role *leder* or *analytiker* in an organisation in a wave's
  scope — see the wave, its participants (names and workgroups, never who has answered), its
  response counts, and after it closes its results (``results``), read from the suppressed
  figures stored when it closed. Nobody else does: ``PermissionDenied``, also for an id that does
  not exist.
* **A participant** sees only their own invitation and draft (``answer_state``).
* **The structural network** (``structure``) and **RC beside timeliness** (``flow``) are counts
  and means over the courses in scope, computed from ``courses.selectors``,
  ``handovers.selectors``, ``meetings.selectors`` and ``courses.sections``' timeliness figures;
  figures resting on fewer than five courses (or handovers, or meetings) are shown as "<5". No
  page here names a citizen, so nothing here writes the access log.

No function here returns an individual's answers: the answer tables are read only to compute a
closing wave's figures (``compute_results``), which are suppressed before they are stored.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Count, Min, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from helhed.coordination import logic
from helhed.coordination.models import (
    Draft,
    Instrument,
    Participation,
    ScopeKind,
    Source,
    TeamMemberWorkgroup,
    TieAnswer,
    Wave,
    WaveResult,
    WaveStatus,
    Workgroup,
    WorkgroupKind,
)
from helhed.core.models import Membership, Organisation, Role, Unit, User, UserKind
from helhed.core.numbers import decimal
from helhed.core.prepared import Prepared
from helhed.core.selectors import membership_list, roles_of, today
from helhed.courses import selectors as course_selectors
from helhed.courses.sections import timeliness_for_courses, timeliness_metrics
from helhed.notifications.alerts import Alert
from helhed.notifications.models import NotificationKind

MANAGER_ROLES = frozenset({Role.LEDER, Role.ANALYTIKER})
DECIDER_ROLES = frozenset({Role.LEDER, Role.ANALYTIKER, Role.ADMINISTRATOR})
CITIZEN_CELL = 5  # figures about courses (citizens): the house rule (progress, handovers)
SPANNER_MINIMUM = 3  # a boundary spanner shares courses with at least this many workgroups
REMINDER_AFTER_DAYS = 5  # first reminder this many days after the wave opened
LAST_CALL_DAYS = 2  # second reminder this many days before the deadline


def threshold() -> int:
    """The installation's default threshold (``HELHED_RC_MIN_RESPONDENTS``, never below 3)."""
    value = getattr(settings, "HELHED_RC_MIN_RESPONDENTS", logic.DEFAULT_THRESHOLD)
    try:
        return logic.effective_threshold(int(value))
    except (TypeError, ValueError):
        return logic.DEFAULT_THRESHOLD


def bands() -> logic.Bands:
    """``HELHED_RC_BANDS = (weak below, strong from)``; the default 3.5 and 4.0 is a convention."""
    value = getattr(settings, "HELHED_RC_BANDS", None)
    if value is None:
        return logic.Bands()
    try:
        weak, strong = (float(v) for v in value)
    except (TypeError, ValueError):
        return logic.Bands()
    found = logic.Bands(weak, strong)
    return found if found.valid() else logic.Bands()


# --------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------


def _staff(user: User) -> bool:
    return bool(user.is_authenticated and user.kind == UserKind.STAFF)


def manager_organisations(user: User) -> set[Any]:
    """The organisations where the user is *leder* or *analytiker* today."""
    if not _staff(user):
        return set()
    return {m.unit.organisation_id for m in membership_list(user) if m.role in MANAGER_ROLES}


def may_manage(user: User, wave: Wave) -> bool:
    orgs = manager_organisations(user)
    return bool(orgs) and wave.organisations.filter(pk__in=orgs).exists()


def deciding_organisations(user: User) -> set[Any]:
    """Where the user may decide team members' workgroups: leder, analytiker, administrator."""
    if not _staff(user):
        return set()
    return {m.unit.organisation_id for m in membership_list(user) if m.role in DECIDER_ROLES}


def may_maintain_workgroups(user: User) -> bool:
    return _staff(user) and (Role.ADMINISTRATOR in roles_of(user) or bool(user.is_superuser))


def _wave(user: User, wave_id: Any) -> Wave:
    if not _staff(user):
        raise PermissionDenied
    try:
        wave = (
            Wave.objects.select_related("initiative", "instrument", "previous")
            .filter(pk=wave_id)
            .first()
        )
    except (ValidationError, ValueError):
        raise PermissionDenied from None
    if wave is None or not may_manage(user, wave):
        raise PermissionDenied
    return wave


def scope_of(wave: Wave) -> course_selectors.CourseScope:
    return course_selectors.CourseScope(
        organisation_ids=tuple(wave.organisations.values_list("pk", flat=True)),
        start=wave.period_start,
        end=wave.period_end,
        initiative_id=wave.initiative_id if wave.scope_kind == ScopeKind.INITIATIVE else None,
        unit_ids=tuple(wave.units.values_list("pk", flat=True))
        if wave.scope_kind == ScopeKind.NETWORK
        else (),
    )


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def group_name(group: Workgroup | Mapping[str, Any]) -> str:
    english = (get_language() or "da").startswith("en")
    if isinstance(group, Workgroup):
        return (group.name_en if english and group.name_en else group.name_da) or group.slug
    return str(group.get("name_en") if english and group.get("name_en") else group["name_da"])


def workgroups(*, active: bool = True) -> list[Workgroup]:
    qs = Workgroup.objects.all()
    return list(qs.filter(active=True) if active else qs)


def participant_groups() -> list[Workgroup]:
    """The workgroups a professional can belong to (not the citizen or relatives)."""
    return list(Workgroup.objects.filter(active=True, kind=WorkgroupKind.PROFESSIONAL))


def instruments() -> list[Instrument]:
    return list(Instrument.objects.filter(active=True))


def rated_groups(wave: Wave) -> list[Workgroup]:
    """The workgroups that can be rated in the wave, in the list's order."""
    return list(wave.groups.filter(active=True).order_by("order", "name_da"))


def scope_label(wave: Wave) -> str:
    from django.utils.translation import gettext as _

    if wave.scope_kind == ScopeKind.INITIATIVE and wave.initiative is not None:
        return _("Indsatsen %(name)s") % {"name": wave.initiative}
    if wave.scope_kind == ScopeKind.NETWORK:
        names = ", ".join(u.name for u in wave.units.all().order_by("name"))
        return _("Netværket: %(names)s") % {"names": names}
    return _("Alle forløb i organisationen")


# --------------------------------------------------------------------------------------------
# Lists and one wave
# --------------------------------------------------------------------------------------------


@dataclass
class WaveRow:
    wave: Wave
    invited: int
    submitted: int

    @property
    def rate(self) -> int | None:
        return round(100 * self.submitted / self.invited) if self.invited else None


@dataclass
class Invitation:
    wave: Wave
    workgroup: Workgroup
    submitted: bool
    has_draft: bool


@dataclass
class Overview:
    managed: list[WaveRow]
    invitations: list[Invitation]
    may_create: bool
    may_maintain: bool
    may_decide: bool
    pending_decisions: int


@dataclass(frozen=True)
class WaveFacts:
    wave: Wave
    invited: int
    submitted: int
    organisation_ids: list[Any]
    unit_ids: list[Any]


def wave_facts(wave: Wave) -> WaveFacts:
    """Counts and scope ids of a wave the caller already may see (for the API and messages)."""
    counts = Participation.objects.filter(wave=wave).aggregate(
        invited=Count("pk"), submitted=Count("pk", filter=Q(submitted=True))
    )
    return WaveFacts(
        wave,
        counts["invited"],
        counts["submitted"],
        list(wave.organisations.values_list("pk", flat=True)),
        list(wave.units.values_list("pk", flat=True)),
    )


def managed_waves(user: User) -> list[WaveRow]:
    orgs = manager_organisations(user)
    if not orgs:
        return []
    ids = Wave.objects.filter(organisations__in=orgs).values("pk")
    qs = (
        Wave.objects.filter(pk__in=ids)
        .select_related("initiative")
        .annotate(
            n_invited=Count("participations", distinct=True),
            n_submitted=Count(
                "participations", filter=Q(participations__submitted=True), distinct=True
            ),
        )
        .order_by("-created_at")
    )
    return [WaveRow(w, w.n_invited, w.n_submitted) for w in qs]


def invitations(user: User, *, open_only: bool = False) -> list[Invitation]:
    """The waves the user is invited to (open or closed; never drafts)."""
    if not _staff(user):
        return []
    return [
        Invitation(p.wave, p.workgroup, p.submitted, bool(p.n_draft))  # type: ignore[attr-defined]
        for p in _INVITATIONS(user.pk, open_only)
    ]


def _invitations(user_id: Any, open_only: bool) -> QuerySet[Participation]:
    qs = (
        Participation.objects.filter(user_id=user_id)
        .exclude(wave__status=WaveStatus.DRAFT)
        .select_related("wave", "workgroup")
        .annotate(n_draft=Count("draft"))
        .order_by("wave__answer_by")
    )
    if open_only:
        qs = qs.filter(wave__status=WaveStatus.OPEN, submitted=False)
    return qs


# Every staff start page asks (the participant's panel): compiled once per process.
_INVITATIONS: Prepared[Participation] = Prepared(Participation, _invitations)


def overview(user: User) -> Overview:
    if not _staff(user):
        raise PermissionDenied
    deciding = deciding_organisations(user)
    pending = (
        TeamMemberWorkgroup.objects.filter(source=Source.UNKNOWN, organisation_id__in=deciding)
        .values("signature")
        .distinct()
        .count()
        if deciding
        else 0
    )
    return Overview(
        managed=managed_waves(user),
        invitations=invitations(user),
        may_create=bool(manager_organisations(user)),
        may_maintain=may_maintain_workgroups(user),
        may_decide=bool(deciding),
        pending_decisions=pending,
    )


@dataclass
class GroupCount:
    group: Workgroup
    invited: int
    submitted: int

    @property
    def name(self) -> str:
        return group_name(self.group)


@dataclass
class ParticipantRow:
    id: Any
    name: str
    title: str
    group: Workgroup
    added: bool


@dataclass
class WaveDetail:
    wave: Wave
    scope: str
    organisations: list[Organisation]
    counts: list[GroupCount]
    invited: int
    submitted: int
    participants: list[ParticipantRow]  # names only while the wave is not closed
    rated: list[Workgroup]
    has_results: bool

    @property
    def rate(self) -> int | None:
        return round(100 * self.submitted / self.invited) if self.invited else None


def participant_row(p: Participation) -> ParticipantRow:
    """One invited person as a manager sees them: name, title, workgroup, added by hand."""
    return ParticipantRow(
        p.pk, p.user.get_full_name() or p.user.username, p.user.title, p.workgroup, p.added
    )


def wave_detail(user: User, wave_id: Any) -> WaveDetail:
    """One wave for a manager: scope, response counts per workgroup (never who has answered)
    and, until it closes, who is invited."""
    wave = _wave(user, wave_id)
    groups = {g.slug: g for g in Workgroup.objects.all()}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for group, submitted, n in (
        Participation.objects.filter(wave=wave)
        .values_list("workgroup_id", "submitted")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[group][1 if submitted else 0] += n
    rows = [
        GroupCount(groups[g], sum(v), v[1])
        for g, v in sorted(counts.items(), key=lambda kv: (groups[kv[0]].order, kv[0]))
    ]
    participants: list[ParticipantRow] = []
    if wave.status != WaveStatus.CLOSED:
        for p in (
            Participation.objects.filter(wave=wave)
            .select_related("user", "workgroup")
            .order_by("workgroup__order", "user__first_name", "user__last_name")
        ):
            participants.append(participant_row(p))
    return WaveDetail(
        wave=wave,
        scope=scope_label(wave),
        organisations=list(wave.organisations.order_by("name")),
        counts=rows,
        invited=sum(r.invited for r in rows),
        submitted=sum(r.submitted for r in rows),
        participants=participants,
        rated=rated_groups(wave),
        has_results=WaveResult.objects.filter(wave=wave).exists(),
    )


@dataclass(frozen=True)
class Candidate:
    user_id: Any
    label: str


def candidates(wave: Wave) -> list[Candidate]:
    """Staff who may be added to a wave: current members of a unit in an organisation in scope
    (or of a unit in the network), not yet invited."""
    on = today()
    invited = Participation.objects.filter(wave=wave).values("user_id")
    units = Q(unit__organisation__in=wave.organisations.all())
    if wave.scope_kind == ScopeKind.NETWORK:
        units |= Q(unit__in=wave.units.all())
    rows = (
        Membership.objects.filter(
            units, user__kind=UserKind.STAFF, user__is_active=True, user__is_system=False
        )
        .valid_on(on)
        .exclude(user_id__in=invited)
        .values_list(
            "user_id", "user__first_name", "user__last_name", "user__username", "unit__name"
        )
        .order_by("user__first_name", "user__last_name", "unit__name")
    )
    out: dict[Any, Candidate] = {}
    for uid, first, last, username, unit in rows:
        if uid not in out:
            name = f"{first} {last}".strip() or username
            out[uid] = Candidate(uid, f"{name} ({unit})")
    return list(out.values())


def previous_wave(wave: Wave) -> Wave | None:
    """The latest closed wave over the same scope (kind, initiative, organisations, units) whose
    period ended before this one's."""
    orgs = set(wave.organisations.values_list("pk", flat=True))
    units = set(wave.units.values_list("pk", flat=True))
    for other in (
        Wave.objects.filter(
            Q(initiative_id=wave.initiative_id)
            if wave.initiative_id is not None
            else Q(initiative__isnull=True),
            status=WaveStatus.CLOSED,
            scope_kind=wave.scope_kind,
            period_end__lt=wave.period_end,
        )
        .exclude(pk=wave.pk)
        .prefetch_related("organisations", "units")
        .order_by("-period_end", "-closed_at")
    ):
        if {o.pk for o in other.organisations.all()} == orgs and {
            u.pk for u in other.units.all()
        } == units:
            return other
    return None


def wave_form_choices(user: User) -> dict[str, list[tuple[Any, str]]]:
    """Choices for the new-wave form, as lists: the organisations the user leads or analyses,
    the initiatives with courses there, the units a network can be made of (the user's
    organisations' and every region's, state's, private and civil-society unit), the
    instruments and the closed waves to compare with."""
    orgs = manager_organisations(user)
    initiatives: list[tuple[Any, str]] = []
    if orgs:
        from helhed.progress.selectors import visible_initiatives

        try:
            initiatives = [(str(i.pk), str(i)) for i in visible_initiatives(user)]
        except PermissionDenied:
            initiatives = []
    units = [
        (str(pk), f"{name} ({org})")
        for pk, name, org in Unit.objects.filter(
            Q(organisation_id__in=orgs) | ~Q(organisation__org_type_id="kommune")
        )
        .order_by("organisation__name", "name")
        .values_list("pk", "name", "organisation__name")
    ]
    return {
        "organisations": [
            (str(o.pk), o.name) for o in Organisation.objects.filter(pk__in=orgs).order_by("name")
        ],
        "initiatives": initiatives,
        "units": units,
        "instruments": [(str(i.pk), str(i)) for i in instruments()],
        "previous": [(str(w.pk), w.name) for w in closed_waves_for(user)],
    }


def closed_waves_for(user: User) -> list[Wave]:
    """Closed waves the user manages (to compare a new wave with)."""
    return [r.wave for r in managed_waves(user) if r.wave.status == WaveStatus.CLOSED]


# --------------------------------------------------------------------------------------------
# Answering
# --------------------------------------------------------------------------------------------


@dataclass
class AnswerState:
    participation: Participation
    wave: Wave
    instrument: logic.Instrument
    own: Workgroup
    groups: list[Workgroup]  # the other workgroups that can be rated
    chosen: list[str]  # the ones the participant works with (in the draft)
    rate_own: bool
    others: dict[str, dict[str, str]]
    within: dict[str, str] | None
    suggested: list[str] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.wave.status == WaveStatus.CLOSED

    @property
    def done(self) -> bool:
        return self.participation.submitted

    def steps(self) -> list[Workgroup]:
        """The pages to answer, in order: the chosen workgroups, then one's own."""
        by_slug = {g.slug: g for g in self.groups}
        out = [by_slug[s] for s in self.chosen if s in by_slug]
        if self.rate_own:
            out.append(self.own)
        return out

    def answers_for(self, slug: str) -> dict[str, str]:
        if slug == self.own.slug:
            return dict(self.within or {})
        return dict(self.others.get(slug, {}))

    def complete(self, slug: str) -> bool:
        answers = self.answers_for(slug)
        return all(answers.get(i.key) for i in self.instrument.items)


def answer_state(user: User, wave_id: Any) -> AnswerState:
    """The user's own invitation and draft (``PermissionDenied`` for anyone not invited, or
    while the wave is a draft)."""
    if not _staff(user):
        raise PermissionDenied
    try:
        p = (
            Participation.objects.select_related("wave", "wave__instrument", "workgroup")
            .filter(wave_id=wave_id, user=user)
            .first()
        )
    except (ValidationError, ValueError):
        raise PermissionDenied from None
    if p is None or p.wave.status == WaveStatus.DRAFT:
        raise PermissionDenied
    draft = Draft.objects.filter(participation=p).first()
    groups = [g for g in rated_groups(p.wave) if g.slug != p.workgroup_id]
    others = dict(draft.others) if draft else {}
    suggested = [] if draft else _suggested_groups(user, p.wave, {g.slug for g in groups})
    return AnswerState(
        participation=p,
        wave=p.wave,
        instrument=p.wave.instrument.parsed(),
        own=p.workgroup,
        groups=groups,
        chosen=[g for g in others if g in {x.slug for x in groups}],
        rate_own=bool(draft and draft.within is not None),
        others=others,
        within=draft.within if draft else None,
        suggested=suggested,
    )


def _suggested_groups(user: User, wave: Wave, allowed: set[str]) -> list[str]:
    """The workgroups the user shares courses with in the wave's scope (pre-ticked)."""
    rows = course_selectors.team_rows_in_scope(scope_of(wave))
    mine = {r.course_id for r in rows if r.user_id == user.pk}
    if not mine:
        return []
    ids = [r.id for r in rows if r.course_id in mine and r.user_id != user.pk]
    groups = set(
        TeamMemberWorkgroup.objects.filter(team_member_id__in=ids, workgroup__isnull=False)
        .values_list("workgroup_id", flat=True)
        .distinct()
    )
    return sorted(groups & allowed)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _key(parts: Sequence[Any]) -> str:
    return "|".join(str(p) for p in parts)


def _stat_json(s: logic.Stat) -> dict[str, Any]:
    return {"n": s.n, "mean": round(s.mean, 4), "sd": round(s.sd, 4)}


def compute_results(wave: Wave) -> dict[str, Any]:
    """The wave's figures from its answers, suppressed (``logic.suppressed_results``), as the
    JSON stored in ``WaveResult``: a hidden cell keeps only *why* it is hidden."""
    facts = [
        logic.TieFact(resp, source, target, mean, dims or {})
        for resp, source, target, mean, dims in TieAnswer.objects.filter(wave=wave)
        .order_by()
        .values_list("response_id", "from_workgroup_id", "about_workgroup_id", "mean", "dimensions")
    ]
    agg = logic.aggregate(facts)
    groups = {g.slug: g for g in Workgroup.objects.all()}
    invited: Counter[str] = Counter()
    submitted: Counter[str] = Counter()
    for group, done in Participation.objects.filter(wave=wave).values_list(
        "workgroup_id", "submitted"
    ):
        invited[group] += 1
        if done:
            submitted[group] += 1
    order = {s: (g.order, g.name_da) for s, g in groups.items()}
    sources = sorted(set(invited) | set(agg.respondents), key=lambda s: order.get(s, (999, s)))
    targets = sorted(
        set(wave.groups.values_list("slug", flat=True))
        | {t for (_a, t) in agg.ties}
        | set(sources),
        key=lambda s: order.get(s, (999, s)),
    )
    k = wave.min_respondents
    cells = logic.suppressed_results(agg, sources, targets, k)
    return {
        "version": 1,
        "threshold": logic.effective_threshold(k),
        "dimensions": list(wave.instrument.parsed().dimensions),
        "groups": [
            {
                "slug": s,
                "name_da": groups[s].name_da,
                "name_en": groups[s].name_en,
                "kind": groups[s].kind,
            }
            for s in targets
            if s in groups
        ],
        "sources": sources,
        "targets": targets,
        "invited": dict(invited),
        "submitted": dict(submitted),
        "cells": {
            _key(key): (_stat_json(c.stat) if c.stat is not None else {"hidden": c.hidden})
            for key, c in cells.items()
        },
    }


@dataclass(frozen=True)
class Shown:
    """A figure as a page, the API or an export may show it."""

    key: str
    n: int | None = None
    mean: float | None = None
    sd: float | None = None
    hidden: str = ""  # "primary" (< threshold) or "secondary"
    band: str = ""

    @property
    def empty(self) -> bool:
        return self.mean is None and not self.hidden

    def marker(self, k: int) -> str:
        if self.hidden == logic.PRIMARY:
            return f"<{k}"
        if self.hidden:
            return "x"
        return "–" if self.mean is None else ""


@dataclass
class MatrixRow:
    group: str
    cells: list[Shown]
    given: Shown
    index: int = -1  # the column of the row's own workgroup (the within-group tie)


@dataclass
class ChangeRow:
    label: str
    key: str
    before: float
    after: float
    change: logic.Change


@dataclass
class Results:
    wave: Wave
    threshold: int
    bands: logic.Bands
    dimension: str  # "" = all items
    dimensions: list[str]
    groups: dict[str, dict[str, Any]]
    sources: list[str]
    targets: list[str]
    rows: list[MatrixRow]
    received: list[Shown]
    between: Shown
    within: Shown
    communication: Shown
    relationship: Shown
    profile: list[tuple[str, Shown]]  # network score per dimension
    invited: dict[str, int]
    submitted: dict[str, int]
    changes: list[ChangeRow]
    previous: Wave | None
    cells: dict[str, Shown]
    computed_at: Any = None  # when the figures were stored: part of a cache key for the page
    previous_computed_at: Any = None
    compared: int = 0  # ties shown in both waves (``changes`` lists the network and clear ones)
    all_changes: dict[str, ChangeRow] = field(default_factory=dict)

    def name(self, slug: str) -> str:
        g = self.groups.get(slug)
        return group_name(g) if g else slug

    @property
    def invited_total(self) -> int:
        return sum(self.invited.values())

    @property
    def submitted_total(self) -> int:
        return sum(self.submitted.values())

    def edges(self) -> list[tuple[str, str, Shown]]:
        """The between-group ties of the shown dimension (hidden ones included, as hidden)."""
        out = []
        for row in self.rows:
            for target, cell in zip(self.targets, row.cells, strict=True):
                if target != row.group and not cell.empty:
                    out.append((row.group, target, cell))
        return out


def _shown(key: str, raw: Mapping[str, Any] | None, b: logic.Bands) -> Shown:
    if raw is None:
        return Shown(key)
    if "hidden" in raw:
        return Shown(key, hidden=str(raw["hidden"]))
    mean = float(raw["mean"])
    return Shown(key, int(raw["n"]), mean, float(raw["sd"]), "", logic.band(mean, b))


def stored_results(wave: Wave) -> dict[str, Any] | None:
    found = _stored(wave)
    return found[0] if found else None


def _stored(wave: Wave) -> tuple[dict[str, Any], Any] | None:
    row = WaveResult.objects.filter(wave=wave).values_list("data", "computed_at").first()
    return (row[0], row[1]) if row else None


def results(user: User, wave_id: Any, dimension: str = "") -> Results:
    """A closed wave's figures for a manager (``PermissionDenied`` before it closes, or for
    anyone else): the tie matrix of all items or of one ``dimension``, what each workgroup gives
    and receives, the network's RC, response counts and the change since the previous wave."""
    wave = _wave(user, wave_id)
    found = _stored(wave) if wave.status == WaveStatus.CLOSED else None
    if found is None:
        raise PermissionDenied
    data, computed_at = found
    b = bands()
    dims = list(data.get("dimensions") or logic.DIMENSIONS)
    if dimension not in dims:
        dimension = ""
    raw: dict[str, Any] = data["cells"]
    cells = {key: _shown(key, value, b) for key, value in raw.items()}

    def get(*parts: Any) -> Shown:
        key = _key(parts)
        return cells.get(key, Shown(key))

    prefix: tuple[Any, ...] = (dimension,) if dimension else ()
    sources, targets = list(data["sources"]), list(data["targets"])
    rows = [
        MatrixRow(
            a,
            [get(*prefix, "tie", a, b_) for b_ in targets],
            get(*prefix, "given", a),
            targets.index(a) if a in targets else -1,
        )
        for a in sources
    ]
    received = [get(*prefix, "received", b_) for b_ in targets]
    previous = wave.previous if wave.previous_id else None
    stored_before = _stored(previous) if previous is not None else None
    before = stored_before[0] if stored_before else None
    all_changes = _changes(data, before, b) if before else []
    network_keys = {"between", "within", "communication", "relationship"}
    changes = [c for c in all_changes if c.key in network_keys or c.change.clear]
    return Results(
        wave=wave,
        threshold=int(data["threshold"]),
        bands=b,
        dimension=dimension,
        dimensions=dims,
        groups={g["slug"]: g for g in data["groups"]},
        sources=sources,
        targets=targets,
        rows=rows,
        received=received,
        between=get(*prefix, "between"),
        within=get("within") if not dimension else Shown("within"),
        communication=get("communication"),
        relationship=get("relationship"),
        profile=[(d, get(d, "between")) for d in dims],
        invited={k: int(v) for k, v in data["invited"].items()},
        submitted={k: int(v) for k, v in data["submitted"].items()},
        changes=changes,
        previous=previous if before else None,
        cells=cells,
        computed_at=computed_at,
        previous_computed_at=stored_before[1] if stored_before else None,
        compared=sum(1 for c in all_changes if c.key.startswith("tie|")),
        all_changes={c.key: c for c in all_changes},
    )


def _changes(
    after: Mapping[str, Any], before: Mapping[str, Any], b: logic.Bands
) -> list[ChangeRow]:
    """Every figure shown in both waves with its change and 95 % interval: the network first,
    then each tie."""
    out = []
    groups = {g["slug"]: g for g in [*before["groups"], *after["groups"]]}

    def label(key: str) -> str:
        parts = key.split("|")
        if parts[0] == "tie":
            return (
                f"{group_name(groups[parts[1]])} → {group_name(groups[parts[2]])}"
                if (parts[1] in groups and parts[2] in groups)
                else key
            )
        return key

    keys = [
        "between",
        "within",
        "communication",
        "relationship",
        *sorted(k for k in after["cells"] if k.startswith("tie|")),
    ]
    for key in keys:
        a, c = after["cells"].get(key), before["cells"].get(key)
        if not a or not c or "hidden" in a or "hidden" in c:
            continue
        s_after = logic.Stat(int(a["n"]), float(a["mean"]), float(a["sd"]))
        s_before = logic.Stat(int(c["n"]), float(c["mean"]), float(c["sd"]))
        ch = logic.change(s_before, s_after)
        if ch is not None:
            out.append(ChangeRow(label(key), key, s_before.mean, s_after.mean, ch))
    return out


# --------------------------------------------------------------------------------------------
# The structural network (computed from Helhed's own data, not asked)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A count about courses (citizens) as it may be shown: "<5" for 1-4."""

    n: int

    @property
    def shown(self) -> str:
        if 0 < self.n < CITIZEN_CELL:
            return f"<{CITIZEN_CELL}"
        return str(self.n)

    @property
    def hidden(self) -> bool:
        return 0 < self.n < CITIZEN_CELL


@dataclass
class PairRow:
    a: str
    b: str
    courses: Figure
    meetings: Figure
    handovers_ab: Figure
    handovers_ba: Figure
    hours_ab: float | None  # mean hours to acknowledgement (None when hidden or none)
    hours_ba: float | None


@dataclass
class SpannerRow:
    label: str
    group: str
    reached: list[str]
    courses: Figure


@dataclass
class Structure:
    wave: Wave
    courses: Figure
    groups: list[tuple[str, str, Figure, int]]  # slug, name, courses, people
    pairs: list[PairRow]
    spanners: list[SpannerRow]
    unknown: int  # team members whose workgroup is not decided
    names: dict[str, str]


@dataclass
class _Network:
    """The courses in scope with the workgroups on their teams, and who is who."""

    course_ids: list[Any]
    course_groups: dict[Any, set[str]]
    member_group: dict[Any, str]  # team member id → workgroup
    unit_group: dict[Any, str]
    person_courses: dict[Hashable, set[Any]]
    person_group: dict[Hashable, str]
    person_label: dict[Hashable, tuple[str, str, Any]]  # name, organisation name, org id
    unknown: int


def network(wave: Wave) -> _Network:
    scope = scope_of(wave)
    course_ids = course_selectors.course_ids_in_scope(scope)
    rows = course_selectors.team_rows_in_scope(scope)
    mapping = dict(
        TeamMemberWorkgroup.objects.filter(
            team_member_id__in=course_selectors.team_member_ids_in_scope(scope)
        ).values_list("team_member_id", "workgroup_id")
    )
    course_groups: dict[Any, set[str]] = {cid: set() for cid in course_ids}
    member_group: dict[Any, str] = {}
    unit_counts: dict[Any, Counter[str]] = defaultdict(Counter)
    person_courses: dict[Hashable, set[Any]] = defaultdict(set)
    person_counts: dict[Hashable, Counter[str]] = defaultdict(Counter)
    person_label: dict[Hashable, tuple[str, str, Any]] = {}
    unknown = 0
    for r in rows:
        group = mapping.get(r.id)
        if group is None:
            unknown += 1
            continue
        member_group[r.id] = group
        course_groups.setdefault(r.course_id, set()).add(group)
        if r.unit_id is not None:
            unit_counts[r.unit_id][group] += 1
        person: Hashable = r.user_id if r.user_id is not None else ("tm", r.name, r.organisation_id)
        person_courses[person].add(r.course_id)
        person_counts[person][group] += 1
        person_label.setdefault(person, (r.name, r.organisation_name, r.organisation_id))
    order = dict(Workgroup.objects.values_list("slug", "order"))
    unit_group = {u: g for u, c in unit_counts.items() if (g := logic.majority(c, order))}
    person_group = {p: g for p, c in person_counts.items() if (g := logic.majority(c, order))}
    return _Network(
        course_ids,
        course_groups,
        member_group,
        unit_group,
        dict(person_courses),
        person_group,
        person_label,
        unknown,
    )


def _unit_groups(unit_ids: Iterable[Any], known: dict[Any, str]) -> dict[Any, str]:
    """A unit's workgroup: the one most of its team members have in scope, else the rules on
    the unit's name and welfare area."""
    missing = [u for u in set(unit_ids) if u not in known and u is not None]
    out = dict(known)
    slugs = set(Workgroup.objects.filter(active=True).values_list("slug", flat=True))
    for uid, name, area, org_type in Unit.objects.filter(pk__in=missing).values_list(
        "pk", "name", "welfare_area_id", "organisation__org_type_id"
    ):
        slug = logic.classify("", name, area, org_type, slugs)
        if slug:
            out[uid] = slug
    return out


CITIZEN_SIDE = {"borger": "borgeren", "paaroerende": "paaroerende"}


def structure(user: User, wave_id: Any) -> Structure:
    """Which workgroups actually share courses in the wave's scope and period, how many,
    handovers between them with acknowledgement times, meetings held together, and the people
    who bridge many workgroups — for a manager of the wave, at any stage."""
    wave = _wave(user, wave_id)
    net = network(wave)
    names = {g.slug: group_name(g) for g in Workgroup.objects.all()}
    order = {g.slug: g.order for g in Workgroup.objects.all()}
    course_counts = logic.group_courses(net.course_groups)
    people: Counter[str] = Counter(net.person_group.values())
    shared = logic.shared_courses(net.course_groups)
    from helhed.handovers import selectors as handover_selectors
    from helhed.meetings import selectors as meeting_selectors

    facts = handover_selectors.handover_facts(net.course_ids, wave.period_start, wave.period_end)
    unit_group = _unit_groups(
        [f.from_unit_id for f in facts] + [f.to_unit_id for f in facts], net.unit_group
    )
    ties = logic.handover_ties(
        (unit_group[f.from_unit_id], unit_group[f.to_unit_id], f.hours_to_acknowledgement)
        for f in facts
        if f.from_unit_id in unit_group and f.to_unit_id in unit_group
    )
    meeting_groups: dict[Any, set[str]] = defaultdict(set)
    for meeting_id, _course, kind, member in meeting_selectors.attendance(
        net.course_ids, wave.period_start, wave.period_end
    ):
        group = net.member_group.get(member) if member is not None else CITIZEN_SIDE.get(kind)
        if group is not None and group in names:
            meeting_groups[meeting_id].add(group)
    together = logic.meetings_together(meeting_groups)
    pairs_keys = set(shared) | set(together) | {logic.pair(a, b) for a, b in ties}
    pairs = []
    for a, b in sorted(pairs_keys, key=lambda p: (order.get(p[0], 999), order.get(p[1], 999))):
        ab, ba = ties.get((a, b)), ties.get((b, a))
        pairs.append(
            PairRow(
                a,
                b,
                Figure(shared.get((a, b), 0)),
                Figure(together.get((a, b), 0)),
                Figure(ab.n if ab else 0),
                Figure(ba.n if ba else 0),
                _hours(ab),
                _hours(ba),
            )
        )
    mine = manager_organisations(user)
    spanners = []
    for s in logic.boundary_spanners(
        net.person_courses, net.person_group, net.course_groups, minimum=SPANNER_MINIMUM
    )[:15]:
        name, org_name, org_id = net.person_label[s.person]
        label = (
            f"{name} ({org_name})"
            if org_id in mine
            else f"{names.get(s.group, s.group)} ({org_name})"
        )
        spanners.append(SpannerRow(label, s.group, list(s.reached), Figure(s.courses)))
    groups = sorted(
        ((g, names.get(g, g), Figure(n), people.get(g, 0)) for g, n in course_counts.items()),
        key=lambda row: (order.get(row[0], 999), row[0]),
    )
    return Structure(
        wave=wave,
        courses=Figure(len(net.course_ids)),
        groups=groups,
        pairs=pairs,
        spanners=spanners,
        unknown=net.unknown,
        names=names,
    )


def _hours(tie: logic.HandoverTie | None) -> float | None:
    if tie is None or tie.hours is None or tie.hours.n < CITIZEN_CELL:
        return None
    return round(tie.hours.mean, 1)


# --------------------------------------------------------------------------------------------
# RC beside the timeliness figures
# --------------------------------------------------------------------------------------------


@dataclass
class FlowCell:
    mean: float | None
    n: int
    key: str = ""  # the timeliness metric

    @property
    def shown(self) -> str:
        if self.n == 0 or self.mean is None:
            return "–"
        if self.n < CITIZEN_CELL:
            return f"<{CITIZEN_CELL}"
        return decimal(self.mean)

    @property
    def value(self) -> float | None:
        return self.mean if self.n >= CITIZEN_CELL else None


@dataclass
class FlowRow:
    a: str
    b: str
    ab: Shown
    ba: Shown
    courses: Figure
    handovers_ab: Figure
    hours_ab: float | None
    handovers_ba: Figure
    hours_ba: float | None
    figures: list[FlowCell]

    @property
    def mean_tie(self) -> float | None:
        values = [c.mean for c in (self.ab, self.ba) if c.mean is not None]
        return sum(values) / len(values) if values else None


@dataclass
class Flow:
    wave: Wave
    metrics: list[Any]
    overall: list[FlowCell]
    courses: Figure
    rows: list[FlowRow]
    correlations: list[tuple[Any, float | None, int]]  # metric, Spearman's rho, pairs
    threshold: int
    names: dict[str, str]


def flow(user: User, wave_id: Any) -> Flow:
    """For a closed wave: the timeliness figures that other apps register (referral → first
    meeting, recommendation → ruling, handover acknowledgement, gap days, contact-person
    changes) over the courses in scope, and per pair of workgroups the tie scores both ways
    beside the figures of the courses both are on and the handovers between them. An
    association, not a cause."""
    res = results(user, wave_id)
    wave = res.wave
    net = network(wave)
    metrics = timeliness_metrics()
    keys = [m.key for m in metrics]
    figures = timeliness_for_courses(net.course_ids) if net.course_ids and keys else {}
    overall = []
    for key in keys:
        values = [float(x) for v in figures.values() if (x := v.get(key)) is not None]
        overall.append(FlowCell(sum(values) / len(values) if values else None, len(values), key))
    per_pair = logic.tie_figures(net.course_groups, figures, keys)
    shared = logic.shared_courses(net.course_groups)
    from helhed.handovers import selectors as handover_selectors

    facts = handover_selectors.handover_facts(net.course_ids, wave.period_start, wave.period_end)
    unit_group = _unit_groups(
        [f.from_unit_id for f in facts] + [f.to_unit_id for f in facts], net.unit_group
    )
    ties = logic.handover_ties(
        (unit_group[f.from_unit_id], unit_group[f.to_unit_id], f.hours_to_acknowledgement)
        for f in facts
        if f.from_unit_id in unit_group and f.to_unit_id in unit_group
    )
    professional = [s for s in res.targets if res.groups.get(s, {}).get("kind") == "fagfolk"]
    rows = []
    for i, a in enumerate(professional):
        for b in professional[i + 1 :]:
            ab = res.cells.get(_key(("tie", a, b)), Shown(""))
            ba = res.cells.get(_key(("tie", b, a)), Shown(""))
            pair = logic.pair(a, b)
            if ab.empty and ba.empty and pair not in shared:
                continue
            stats = per_pair.get(pair, {})
            rows.append(
                FlowRow(
                    a,
                    b,
                    ab,
                    ba,
                    Figure(shared.get(pair, 0)),
                    Figure(ties[(a, b)].n if (a, b) in ties else 0),
                    _hours(ties.get((a, b))),
                    Figure(ties[(b, a)].n if (b, a) in ties else 0),
                    _hours(ties.get((b, a))),
                    [
                        FlowCell(stats[k].mean, stats[k].n, k)
                        if k in stats
                        else FlowCell(None, 0, k)
                        for k in keys
                    ],
                )
            )
    correlations = []
    for i, m in enumerate(metrics):
        pairs = [
            (r.mean_tie, r.figures[i].value)
            for r in rows
            if r.mean_tie is not None and r.figures[i].value is not None
        ]
        clean = [(float(x), float(y)) for x, y in pairs if x is not None and y is not None]
        correlations.append((m, logic.spearman(clean), len(clean)))
    return Flow(
        wave=wave,
        metrics=metrics,
        overall=overall,
        courses=Figure(len(net.course_ids)),
        rows=rows,
        correlations=correlations,
        threshold=res.threshold,
        names={s: res.name(s) for s in res.targets},
    )


# --------------------------------------------------------------------------------------------
# Export (of the suppressed figures only)
# --------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "maaling",
    "dimension",
    "figur",
    "fra_faggruppe",
    "om_faggruppe",
    "n",
    "gennemsnit",
    "spredning",
    "baand",
    "skjult",
    "aendring",
    "aendring_fra",
    "aendring_til",
)


def export_rows(user: User, wave_id: Any) -> list[dict[str, Any]]:
    """One row per stored figure of a closed wave — hidden cells as "<k" or "x", never a value.
    Built from the suppressed results only, so it cannot show more than the page."""
    res = results(user, wave_id)
    out = []
    for key, cell in sorted(res.cells.items()):
        parts = key.split("|")
        dimension = parts[0] if parts[0] in logic.DIMENSIONS else ""
        rest = parts[1:] if dimension else parts
        figure = rest[0]
        source = rest[1] if figure in ("tie", "given") and len(rest) > 1 else ""
        target = (
            rest[2]
            if figure == "tie" and len(rest) > 2
            else (rest[1] if figure == "received" and len(rest) > 1 else "")
        )
        out.append(
            {
                "maaling": res.wave.name,
                "dimension": dimension or "alle",
                "figur": figure,
                "fra_faggruppe": source,
                "om_faggruppe": target,
                "n": cell.n if cell.n is not None else "",
                "gennemsnit": round(cell.mean, 2) if cell.mean is not None else "",
                "spredning": round(cell.sd, 2) if cell.sd is not None else "",
                "baand": cell.band,
                "skjult": cell.marker(res.threshold) if cell.hidden else "",
                **_change_columns(res.all_changes.get(key)),
            }
        )
    return out


def _change_columns(change: ChangeRow | None) -> dict[str, Any]:
    if change is None:
        return {"aendring": "", "aendring_fra": "", "aendring_til": ""}
    return {
        "aendring": round(change.change.diff, 2),
        "aendring_fra": round(change.change.low, 2),
        "aendring_til": round(change.change.high, 2),
    }


# --------------------------------------------------------------------------------------------
# Deciding unknown workgroups
# --------------------------------------------------------------------------------------------


@dataclass
class PendingSignature:
    signature: str
    role: str
    organisation: str
    unit: str
    welfare_area: str
    members: int
    current: str | None  # the workgroup decided (None: unknown)
    source: str


def classification(user: User, *, decided: bool = False) -> list[PendingSignature]:
    """Role texts (per unit and welfare area) whose workgroup the rules could not tell, in the
    organisations where the user may decide; with ``decided``, those a person has decided.
    Names of people and citizens are not shown — a decision is about a role in a unit."""
    orgs = deciding_organisations(user)
    if not orgs:
        raise PermissionDenied
    source = Source.PERSON if decided else Source.UNKNOWN
    # one sample team member per signature (MIN over text: PostgreSQL has no MIN(uuid))
    groups = (
        TeamMemberWorkgroup.objects.filter(source=source, organisation_id__in=orgs)
        .values("signature", "workgroup_id")
        .annotate(n=Count("pk"), sample=Min(Cast("team_member_id", CharField())))
        .order_by("signature")[:200]
    )
    rows = list(groups)
    samples = {
        uuid.UUID(str(r.id)): r
        for r in course_selectors.team_rows(ids=[uuid.UUID(row["sample"]) for row in rows])
    }
    areas = dict(_welfare_area_names())
    out = []
    for row in rows:
        sample = samples.get(uuid.UUID(row["sample"]))
        if sample is None:
            continue
        out.append(
            PendingSignature(
                signature=row["signature"],
                role=sample.role,
                organisation=sample.organisation_name,
                unit=sample.unit_name,
                welfare_area=areas.get(sample.welfare_area_id or "", ""),
                members=row["n"],
                current=row["workgroup_id"],
                source=source,
            )
        )
    return out


def _welfare_area_names() -> Iterator[tuple[str, str]]:
    from helhed.core.models import WelfareArea

    yield from WelfareArea.objects.values_list("slug", "name_da")


# --------------------------------------------------------------------------------------------
# Start pages and the daily job
# --------------------------------------------------------------------------------------------


def leader_panel(user: User) -> dict[str, Any] | None:
    if not manager_organisations(user):
        return None
    rows = managed_waves(user)
    return {
        "open": [r for r in rows if r.wave.status == WaveStatus.OPEN][:5],
        "closed": [r for r in rows if r.wave.status == WaveStatus.CLOSED][:3],
        "drafts": [r for r in rows if r.wave.status == WaveStatus.DRAFT][:3],
    }


def participant_panel(user: User) -> dict[str, Any] | None:
    found = invitations(user, open_only=True)
    return {"invitations": found} if found else None


def reminders(on: date) -> Iterator[Alert]:
    """For the daily job: a reminder to everyone who has not submitted, once some days after a
    wave opened and once just before its deadline; and to the wave's creator when the deadline
    has passed. Titles and links only — no names, no answers."""
    from django.utils.translation import gettext as _

    waves = Wave.objects.filter(status=WaveStatus.OPEN).only(
        "pk", "answer_by", "opened_at", "created_by_id"
    )
    for wave in waves:
        url = reverse("coordination:answer_start", args=[wave.pk])
        opened = timezone.localdate(wave.opened_at) if wave.opened_at else on
        if on > wave.answer_by:
            yield Alert(
                recipient_id=wave.created_by_id,
                title=_("Svarfristen for en måling af samarbejdet er udløbet"),
                body=_("Luk målingen for at se resultaterne."),
                url=reverse("coordination:wave_detail", args=[wave.pk]),
                dedupe_key=f"rk-frist:{wave.pk}",
                kind=NotificationKind.ALERT,
            )
            continue
        stage = ""
        if wave.answer_by - on <= timedelta(days=LAST_CALL_DAYS):
            stage = "sidste"
        elif on - opened >= timedelta(days=REMINDER_AFTER_DAYS):
            stage = "foerste"
        if not stage:
            continue
        for user_id in Participation.objects.filter(wave=wave, submitted=False).values_list(
            "user_id", flat=True
        ):
            yield Alert(
                recipient_id=user_id,
                title=_("Påmindelse: spørgeskema om samarbejdet omkring borgerne"),
                body=_("Dine svar er anonyme. Svarfrist %(date)s.")
                % {"date": f"{wave.answer_by:%d.%m.%Y}"},
                url=url,
                dedupe_key=f"rk-paamindelse:{wave.pk}:{stage}",
                kind=NotificationKind.TASK,
            )
