"""Plain rules of courses: CPR numbers, who may see a course, consent scope, team turnover,
conflicts between appointments, plan diffs. No ORM here — the selectors feed these functions plain
values, and the property tests exercise them directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

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


CONSENT_AGE = 15  # a young person aged 15 or more consents personally (KIT, 003:L1054)


def who_consents(born: date, on: date) -> str:
    """ "citizen" from 15 years, else "custody_holder"."""
    return "citizen" if age_on(born, on) >= CONSENT_AGE else "custody_holder"


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
) -> bool:
    """The access rule: the coordinator, or a team unit covered by a valid consent for at least
    the plan, or an explicit, logged access without consent."""
    if is_coordinator or without_consent_grant:
        return True
    return "plan" in consented_categories(user_units, team, consents, on)


# --------------------------------------------------------------------------------------------
# Team overview
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamOverview:
    current: int
    joined_last_12_months: int
    left_last_12_months: int

    @property
    def turnover(self) -> int:
        """Changes of contact person in the last 12 months: people who joined or left."""
        return self.joined_last_12_months + self.left_last_12_months


def team_overview(periods: Iterable[tuple[date, date | None]], on: date) -> TeamOverview:
    """Current contact persons and the turnover over the 12 months up to ``on``."""
    year_ago = on - timedelta(days=365)
    current = joined = left = 0
    for start, end in periods:
        if start <= on and (end is None or on <= end):
            current += 1
        if year_ago < start <= on:
            joined += 1
        if end is not None and year_ago <= end < on:
            left += 1
    return TeamOverview(current, joined, left)


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


FIELD_LABELS: Mapping[str, str] = {
    "text": "tekst",
    "horizon": "sigt",
    "priority": "prioritet",
    "importance": "vigtighed",
    "status": "status",
    "target_date": "måldato",
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
