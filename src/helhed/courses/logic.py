"""Plain rules of courses: CPR numbers, who may see a course, consent scope, team turnover,
conflicts between appointments, plan snapshots and diffs. No ORM here — the selectors feed these
functions plain values, and the property tests exercise them directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from helhed.core import logic as core_logic

# --------------------------------------------------------------------------------------------
# CPR numbers
# --------------------------------------------------------------------------------------------


class CprError(ValueError):
    """A CPR number that is malformed or names an impossible date; the message is Danish."""


def normalize_cpr(raw: str) -> str:
    """``"010190-1234"``, ``"0101901234"`` or ``"010190 1234"`` → ``"0101901234"``."""
    digits = "".join(ch for ch in raw if not ch.isspace() and ch != "-")
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        raise CprError("Et CPR-nummer har 10 cifre (ddmmåå-xxxx).")
    return digits


def cpr_birth_date(raw: str) -> date:
    """The birth date in a CPR number, with the century from the 7th digit (CPR-kontoret's
    table): 0-3 → 1900s; 4 and 9 → 2000s if yy ≤ 36 else 1900s; 5-8 → 2000s if yy ≤ 57 else
    1800s."""
    cpr = normalize_cpr(raw)
    day, month, yy, seventh = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    try:
        return date(century + yy, month, day)
    except ValueError:
        shown = f"{cpr[0:2]}.{cpr[2:4]}.{cpr[4:6]}"
        raise CprError(f"CPR-nummeret begynder med en dato, der ikke findes ({shown}).") from None


def validate_cpr(raw: str, today: date) -> str:
    """The normalised CPR number, or ``CprError``. No modulus-11 check: CPR numbers issued since
    2007 need not satisfy it."""
    cpr = normalize_cpr(raw)
    born = cpr_birth_date(cpr)
    if born > today:
        raise CprError("CPR-nummerets fødselsdato ligger i fremtiden.")
    return cpr


def mask_cpr(cpr: str) -> str:
    """Shown in the UI: birth date part only, ``"010190-xxxx"``."""
    return f"{cpr[:6]}-xxxx"


def age_on(born: date, on: date) -> int:
    """Whole years; a person born on 29 February turns a year older on 1 March in common years."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


# Length limits of the plan's free texts, checked by the models' validation (page and API alike):
# a goal in the citizen's own words is a sentence or a few, a plan text a page or two.
GOAL_TEXT_MAX = 1000
PLAN_TEXT_MAX = 5000

ADULT_AGE = 18  # a child under 18 has a child plan (barnets lov) and an own perspective in it
CONSENT_AGE = 15  # a young person aged 15 or more consents personally (KIT, 003:L1054)


def who_consents(born: date, on: date) -> str:
    """ "citizen" from 15 years, else "custody_holder"."""
    return "citizen" if age_on(born, on) >= CONSENT_AGE else "custody_holder"


# --------------------------------------------------------------------------------------------
# Consent with evidence (issue 15): the signed document and the giver's own confirmation
# --------------------------------------------------------------------------------------------

CONSENT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024  # 10 MB: a scanned, signed page or a few
# What a signed consent may be, known by its first bytes (not by its name or the browser's word).
DOCUMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
DOCUMENT_SUFFIXES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}


def document_type(head: bytes) -> str | None:
    """The content type a file's first bytes show (PDF, PNG, JPEG), or None."""
    for magic, content_type, _suffix in DOCUMENT_SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def document_problem(name: str, size: int, head: bytes) -> str:
    """Why an upload cannot be a signed consent ("" if it can): empty, too large, not a PDF, PNG
    or JPEG by its content, or a name that says another type than the content."""
    if size == 0:
        return "Filen er tom."
    if size > CONSENT_DOCUMENT_MAX_BYTES:
        mb = CONSENT_DOCUMENT_MAX_BYTES // (1024 * 1024)
        actual = f"{size / (1024 * 1024):.1f}".replace(".", ",")
        return f"Filen må højst fylde {mb} MB, men fylder {actual} MB."
    found = document_type(head)
    if found is None:
        return "Filen skal være en PDF, PNG eller JPEG (indholdet er ingen af delene)."
    if not name.lower().endswith(DOCUMENT_SUFFIXES[found]):
        return "Filnavnet passer ikke til indholdet: vælg en PDF, PNG eller JPEG med rette endelse."
    return ""


# How a consent is confirmed: by the giver on their own page, by a signed document, or not.
CONFIRMED_BY_CITIZEN = "borger"
CONFIRMED_BY_DOCUMENT = "dokument"
NOT_CONFIRMED = "ikke-bekraeftet"


def confirmation(*, confirmed: bool, has_document: bool) -> str:
    """The consent's evidence: the giver's own confirmation first (it is the stronger: logged
    in), then a signed document."""
    if confirmed:
        return CONFIRMED_BY_CITIZEN
    if has_document:
        return CONFIRMED_BY_DOCUMENT
    return NOT_CONFIRMED


def may_confirm(
    *,
    reader_id: object,
    giver_id: object,
    custody_holder_ids: Iterable[object],
    by_custody_holder: bool,
    withdrawn: bool,
    expired: bool,
    confirmed: bool,
) -> str:
    """Why this citizen may not confirm this consent ("" if they may). The giver confirms their
    own consent; a consent given by the custody holder for a child under 15 is confirmed by a
    registered custody holder of that child. A withdrawn, expired or confirmed one is not."""
    if by_custody_holder:
        if reader_id not in set(custody_holder_ids):
            return "Kun den, der har forældremyndigheden, kan bekræfte samtykket."
    elif reader_id != giver_id:
        return "Du kan kun bekræfte dit eget samtykke."
    if withdrawn:
        return "Samtykket er trukket tilbage."
    if expired:
        return "Samtykket er udløbet."
    if confirmed:
        return "Samtykket er allerede bekræftet."
    return ""


# --------------------------------------------------------------------------------------------
# Consent and access
# --------------------------------------------------------------------------------------------

# The categories and the fagområde rule live in ``core.logic`` (units are classified too).
DATA_CATEGORIES = core_logic.DATA_CATEGORIES
CATEGORY_KEYS = core_logic.CATEGORY_KEYS
AREA_CATEGORY = core_logic.AREA_CATEGORY
data_category_for_area = core_logic.category_for_area


def item_category(basis_category: str | None, area: str | None) -> str:
    """The data category of a plan item: its legal basis's category where the basis has one
    (Sundhedsloven § 142 is health whatever fagområde the measure is filed under), else its
    fagområde's."""
    if basis_category:
        return basis_category
    return data_category_for_area(area)


# Words that, in a free text written before texts carried a category, reveal a sensitive
# category. Used once, by the migration that classified existing texts (most sensitive first);
# new texts carry the category their writer chose.
_TEXT_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "crime",
        (
            "dom",
            "domme",
            "fængsel",
            "afsoning",
            "kriminal",
            "vilkår",
            "prøveløs",
            "anholdt",
            "sigtet",
            "tiltalt",
            "straf",
            "fodlænke",
        ),
    ),
    (
        "health",
        (
            "psykiat",
            "psykose",
            "skizofren",
            "depressi",
            "angst",
            "diagnose",
            "medicin",
            "misbrug",
            "rusmiddel",
            "hash",
            "kokain",
            "alkohol",
            "indlæg",
            "selvmord",
            "ptsd",
            "adhd",
            "autis",
            "sygdom",
            "læge",
        ),
    ),
    (
        "social",
        ("anbring", "underretning", "vold", "hjemløs", "forsorgshjem", "botilbud", "§ 50"),
    ),
    ("economy", ("gæld", "kontanthjælp", "sygedagpenge", "ydelse", "husleje", "restance")),
    ("employment", ("jobcenter", "praktik", "løntilskud", "ledig", "jobafklaring")),
)


def guess_text_category(text: str) -> str:
    """The most sensitive category a free text's words suggest, else plan."""
    lowered = f" {text.lower()} "
    for category, words in _TEXT_HINTS:
        for word in words:
            if (f" {word}" if len(word) <= 4 else word) in lowered:
                return category
    return "plan"


@dataclass(frozen=True)
class ConsentFacts:
    organisation_ids: frozenset[Any]
    unit_ids: frozenset[Any]
    categories: frozenset[str]
    valid_from: date
    valid_to: date | None
    withdrawn_on: date | None

    def valid_on(self, on: date) -> bool:
        """Valid from the first day to the last, both inclusive; a withdrawal counts from the
        day it was made (the same day is already without consent)."""
        if on < self.valid_from:
            return False
        if self.valid_to is not None and on > self.valid_to:
            return False
        return self.withdrawn_on is None or on < self.withdrawn_on

    def covers(self, unit_id: Any, organisation_id: Any) -> bool:
        return unit_id in self.unit_ids or organisation_id in self.organisation_ids


@dataclass(frozen=True)
class TeamFacts:
    unit_id: Any
    organisation_id: Any
    valid_from: date
    valid_to: date | None

    def active_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def categories_by_unit(
    user_units: Iterable[tuple[Any, Any]],
    team: Iterable[TeamFacts],
    consents: Iterable[ConsentFacts],
    on: date,
) -> dict[Any, frozenset[str]]:
    """For each of the professional's units that is on the course's team on ``on`` and covered by
    a consent valid that day (by unit or by its whole organisation): what those consents cover."""
    units = set(user_units)
    team_units = {(t.unit_id, t.organisation_id) for t in team if t.active_on(on)}
    found: dict[Any, frozenset[str]] = {}
    for unit_id, org_id in units & team_units:
        allowed: set[str] = set()
        for consent in consents:
            if consent.valid_on(on) and consent.covers(unit_id, org_id):
                allowed |= consent.categories
        if allowed:
            found[unit_id] = frozenset(allowed)
    return found


def consented_categories(
    user_units: Iterable[tuple[Any, Any]],
    team: Iterable[TeamFacts],
    consents: Iterable[ConsentFacts],
    on: date,
) -> frozenset[str]:
    """The data categories a professional may see in a course on ``on``.

    ``user_units`` are the (unit id, organisation id) pairs the professional belongs to today.
    A unit counts only if it is on the course's team on that day *and* a consent valid on that day
    covers it (by unit or by its whole organisation). The result is the union of what those
    consents cover; empty means no access.
    """
    allowed: set[str] = set()
    for categories in categories_by_unit(user_units, team, consents, on).values():
        allowed |= categories
    return frozenset(allowed)


def acting_unit(
    granted: dict[Any, frozenset[str]], order: Sequence[Any], category: str = "plan"
) -> Any:
    """The unit a read is attributed to in the access log: the first unit (in ``order``, the
    professional's memberships in a stable order) through which the consent grants ``category``,
    else the first that grants anything, else None."""
    for unit_id in order:
        if category in granted.get(unit_id, frozenset()):
            return unit_id
    for unit_id in order:
        if unit_id in granted:
            return unit_id
    return None


def sees_item(
    *,
    category: str,
    owner_units: Iterable[Any],
    may: frozenset[str],
    own_units: frozenset[Any],
    is_coordinator: bool,
) -> bool:
    """May a reader with course access see one item of the plan (a measure, demand, appointment
    or sub-goal, a team member's name and unit)? The coordinator sees everything; others see an
    item whose category their consent covers, and always what one of their own units owns or is
    responsible for (a jobcenter sees its own mentor measure under a plan-only consent)."""
    if is_coordinator or category in may:
        return True
    return any(unit in own_units for unit in owner_units if unit is not None)


def may_see_course(
    *,
    is_coordinator: bool,
    user_units: Iterable[tuple[Any, Any]],
    team: Iterable[TeamFacts],
    consents: Iterable[ConsentFacts],
    on: date,
    without_consent_grant: bool = False,
    restricted: bool = False,
) -> bool:
    """The access rule: the coordinator, or a team unit covered by a valid consent for at least
    the plan, or an explicit, logged access without consent. A course whose processing is
    restricted (GDPR art. 18) is read by its coordinator only."""
    if is_coordinator:
        return True
    if restricted:
        return False
    if without_consent_grant:
        return True
    return "plan" in consented_categories(user_units, team, consents, on)


# --------------------------------------------------------------------------------------------
# Team overview
# --------------------------------------------------------------------------------------------


# A successor who joins up to this long before the predecessor leaves took over from them (a
# handover with an overlap, e.g. the former coordinator staying on for a while).
HANDOVER_OVERLAP = timedelta(days=30)


@dataclass(frozen=True)
class TeamOverview:
    current: int
    joined_last_12_months: int
    left_last_12_months: int
    replaced_last_12_months: int = 0

    @property
    def turnover(self) -> int:
        """Changes of contact person in the last 12 months: people who left and were replaced
        by someone who joined after them (or shortly before, as a handover). Building the team
        (people joining, nobody leaving) is not a change; nor is someone leaving with nobody
        taking over."""
        return self.replaced_last_12_months


def team_overview(periods: Iterable[tuple[date, date | None]], on: date) -> TeamOverview:
    """Current contact persons, who joined and left over the 12 months up to ``on``, and how
    many of those who left were replaced (``TeamOverview.turnover``)."""
    periods = [(start, end) for start, end in periods if start <= on]
    year_ago = on - timedelta(days=365)
    current = joined = 0
    for start, end in periods:
        if end is None or on <= end:
            current += 1
        if year_ago < start:
            joined += 1
    first_day = min((start for start, _end in periods), default=on)
    departures = sorted(end for _s, end in periods if end is not None and year_ago <= end < on)
    # Who joined after the team was first formed, each able to replace one person.
    successors = sorted(start for start, _end in periods if start > first_day)
    replaced = 0
    for left_on in departures:
        match = next((s for s in successors if s >= left_on - HANDOVER_OVERLAP), None)
        if match is not None:
            successors.remove(match)
            replaced += 1
    return TeamOverview(current, joined, len(departures), replaced)


# --------------------------------------------------------------------------------------------
# Conflicts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    key: Any
    start: datetime
    end: datetime


def overlapping(slots: Sequence[Slot]) -> list[tuple[Any, Any]]:
    """Pairs of appointments that overlap in time (touching end/start is not an overlap)."""
    ordered = sorted(slots, key=lambda s: (s.start, s.end))
    pairs: list[tuple[Any, Any]] = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start >= a.end:
                break
            pairs.append((a.key, b.key))
    return pairs


# --------------------------------------------------------------------------------------------
# Plan versions
# --------------------------------------------------------------------------------------------


class SnapshotSubGoal(Protocol):
    """What a plan snapshot reads from a sub-goal (a ``SubGoal``, saved or not)."""

    @property
    def id(self) -> UUID: ...
    @property
    def text(self) -> str: ...
    @property
    def owner_id(self) -> UUID | None: ...
    @property
    def welfare_area_id(self) -> str | None: ...


class SnapshotGoal(Protocol):
    """What a plan snapshot reads from a goal."""

    @property
    def id(self) -> UUID: ...
    @property
    def text(self) -> str: ...
    @property
    def horizon(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def importance(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def target_date(self) -> date | None: ...


class SnapshotMeasure(Protocol):
    """What a plan snapshot reads from a measure (its goals are passed beside it)."""

    @property
    def id(self) -> UUID: ...
    @property
    def title(self) -> str: ...
    @property
    def welfare_area_id(self) -> str: ...
    @property
    def legal_basis_id(self) -> str: ...
    @property
    def organisation_id(self) -> UUID: ...
    @property
    def unit_id(self) -> UUID | None: ...
    @property
    def responsible_id(self) -> UUID | None: ...
    @property
    def start_date(self) -> date | None: ...
    @property
    def end_date(self) -> date | None: ...
    @property
    def expected_end(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def budget_area(self) -> str: ...
    @property
    def description(self) -> str: ...


class SnapshotDemand(Protocol):
    """What a plan snapshot reads from a demand."""

    @property
    def id(self) -> UUID: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def organisation_id(self) -> UUID: ...
    @property
    def welfare_area_id(self) -> str: ...
    @property
    def details(self) -> str: ...
    @property
    def frequency(self) -> str: ...
    @property
    def consequence(self) -> str: ...
    @property
    def legal_basis_id(self) -> str | None: ...
    @property
    def start_date(self) -> date | None: ...
    @property
    def end_date(self) -> date | None: ...


class SnapshotAppointment(Protocol):
    """What a plan snapshot reads from an appointment."""

    @property
    def id(self) -> UUID: ...
    @property
    def title(self) -> str: ...
    @property
    def organisation_id(self) -> UUID: ...
    @property
    def welfare_area_id(self) -> str | None: ...
    @property
    def place(self) -> str: ...
    @property
    def with_member_id(self) -> UUID | None: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def demand_id(self) -> UUID | None: ...
    @property
    def note(self) -> str: ...


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _str_or_none(value: UUID | None) -> str | None:
    return str(value) if value else None


def plan_snapshot(
    *,
    citizen_statement: str = "",
    summary: str = "",
    goals: Iterable[tuple[SnapshotGoal, Iterable[SnapshotSubGoal]]] = (),
    measures: Iterable[tuple[SnapshotMeasure, Iterable[UUID]]] = (),
    demands: Iterable[SnapshotDemand] = (),
    appointments: Iterable[SnapshotAppointment] = (),
) -> dict[str, Any]:
    """The whole plan as plain JSON data: what a ``PlanVersion`` stores, what a restore brings
    back and what ``diff_snapshots`` compares. Goals come with their sub-goals (kept in the order
    given), measures with the ids of their goals. Goals are ordered by priority, everything else by
    id, so the same plan always gives the same snapshot. Without arguments: an empty plan."""
    return {
        "citizen_statement": citizen_statement,
        "summary": summary,
        "goals": sorted(
            (_goal_entry(g, subgoals) for g, subgoals in goals),
            key=lambda item: (item["priority"], item["id"]),
        ),
        "measures": sorted((_measure_entry(m, goal_ids) for m, goal_ids in measures), key=_by_id),
        "demands": sorted((_demand_entry(d) for d in demands), key=_by_id),
        "appointments": sorted((_appointment_entry(a) for a in appointments), key=_by_id),
    }


def _by_id(item: Mapping[str, Any]) -> str:
    return str(item["id"])


def _goal_entry(g: SnapshotGoal, subgoals: Iterable[SnapshotSubGoal]) -> dict[str, Any]:
    # Whose goal, only for a family member's (a child's) goal: the citizen's own goals keep the
    # shape older versions were stored in, so comparing with them names no change.
    person = getattr(g, "person_id", None)
    return ({"person": str(person)} if person else {}) | {
        "id": str(g.id),
        "text": g.text,
        "horizon": g.horizon,
        "priority": g.priority,
        "importance": g.importance,
        "status": g.status,
        "target_date": _iso(g.target_date),
        "subgoals": [
            {
                "id": str(s.id),
                "text": s.text,
                "owner": _str_or_none(s.owner_id),
                "welfare_area": s.welfare_area_id,
            }
            for s in subgoals
        ],
    }


def _measure_entry(m: SnapshotMeasure, goal_ids: Iterable[UUID]) -> dict[str, Any]:
    return {
        "id": str(m.id),
        "title": m.title,
        "welfare_area": m.welfare_area_id,
        "legal_basis": m.legal_basis_id,
        "organisation": str(m.organisation_id),
        "unit": _str_or_none(m.unit_id),
        "responsible": _str_or_none(m.responsible_id),
        "goals": sorted(str(g) for g in goal_ids),
        "start_date": _iso(m.start_date),
        "end_date": _iso(m.end_date),
        "expected_end": _iso(m.expected_end),
        "status": m.status,
        "budget_area": m.budget_area,
        "description": m.description,
    }


def _demand_entry(d: SnapshotDemand) -> dict[str, Any]:
    return {
        "id": str(d.id),
        "title": d.title,
        "kind": d.kind,
        "organisation": str(d.organisation_id),
        "welfare_area": d.welfare_area_id,
        "details": d.details,
        "frequency": d.frequency,
        "consequence": d.consequence,
        "legal_basis": d.legal_basis_id,
        "start_date": _iso(d.start_date),
        "end_date": _iso(d.end_date),
    }


def _appointment_entry(a: SnapshotAppointment) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "title": a.title,
        "organisation": str(a.organisation_id),
        "welfare_area": a.welfare_area_id,
        "place": a.place,
        "with_member": _str_or_none(a.with_member_id),
        "starts_at": _iso(a.starts_at),
        "ends_at": _iso(a.ends_at),
        "demand": _str_or_none(a.demand_id),
        "note": a.note,
    }


FIELD_LABELS: Mapping[str, str] = {
    "text": "tekst",
    "horizon": "sigt",
    "priority": "prioritet",
    "importance": "vigtighed",
    "status": "status",
    "target_date": "måldato",
    "person": "hvis mål",
    "subgoals": "delmål",
    "title": "titel",
    "welfare_area": "fagområde",
    "legal_basis": "hjemmel",
    "organisation": "organisation",
    "unit": "enhed",
    "responsible": "ansvarlig",
    "goals": "mål",
    "start_date": "start",
    "end_date": "slut",
    "expected_end": "forventet slut",
    "budget_area": "hvem betaler",
    "description": "beskrivelse",
    "kind": "type",
    "details": "uddybning",
    "frequency": "hyppighed",
    "consequence": "konsekvens",
    "place": "sted",
    "with_member": "med",
    "starts_at": "starter",
    "ends_at": "slutter",
    "demand": "krav",
    "note": "note",
}

# section -> (noun, "new" in the noun's gender): "nyt mål", "ny indsats", "nyt krav", "ny aftale"
_SECTIONS: Mapping[str, tuple[str, str]] = {
    "goals": ("mål", "Nyt"),
    "measures": ("indsats", "Ny"),
    "demands": ("krav", "Nyt"),
    "appointments": ("aftale", "Ny"),
}


def diff_snapshots(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    visible_categories: frozenset[str] | None = None,
) -> list[str]:
    """Human-readable changes between two plan snapshots (Danish), for the version history.

    With ``visible_categories`` only changes to items in those data categories are named (goals
    and the plan's texts are plan data; measures, demands and appointments fall in the category
    of their fagområde); the rest are summed up in one line that names nothing."""
    changes: list[str] = []
    hidden = 0

    def shown(section: str, item: Mapping[str, Any]) -> bool:
        if visible_categories is None:
            return True
        area = item.get("welfare_area") if section != "goals" else None
        return data_category_for_area(area) in visible_categories

    for section, (noun, new_word) in _SECTIONS.items():
        before_all = {item["id"]: item for item in old.get(section, [])}
        after_all = {item["id"]: item for item in new.get(section, [])}
        before = {k: v for k, v in before_all.items() if shown(section, v)}
        after = {k: v for k, v in after_all.items() if shown(section, v)}
        hidden += len(
            {k for k in before_all.keys() ^ after_all.keys() if k not in before and k not in after}
        ) + sum(
            1
            for k in before_all.keys() & after_all.keys()
            if (k not in before or k not in after) and before_all[k] != after_all[k]
        )
        for key in after.keys() - before.keys():
            changes.append(f"{new_word} {noun}: {_name(after[key])}")
        for key in before.keys() - after.keys():
            changes.append(f"Fjernet {noun}: {_name(before[key])}")
        for key in after.keys() & before.keys():
            fields = sorted(
                FIELD_LABELS.get(k, k)
                for k in after[key]
                if k != "id" and after[key].get(k) != before[key].get(k)
            )
            if fields:
                changes.append(f"Ændret {noun} «{_name(after[key])}»: {', '.join(fields)}")
    if old.get("summary") != new.get("summary"):
        changes.append("Ændret planens resumé")
    if old.get("citizen_statement") != new.get("citizen_statement"):
        changes.append("Ændret borgerens egne ord")
    if hidden:
        changes.append("Andre ændringer i oplysninger, du ikke har adgang til")
    return sorted(changes)


def _name(item: Mapping[str, Any]) -> str:
    return str(item.get("title") or item.get("text") or "")
