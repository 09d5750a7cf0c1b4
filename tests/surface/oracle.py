"""docs/security.md's rules, restated over a world's plain data (``world.WorldSpec``).

Written apart from the code: nothing here imports ``helhed`` (no selectors, no ``logic``); the
rules are read off the page:

* **Who may see a course** — the coordinator while still a member of the coordinating unit; a
  reader one of whose current units is on the team today and covered (by unit or by its whole
  organisation) by a consent valid today that includes the plan; a reader with a live access
  without consent opened from a unit they are still a member of. A citizen login sees only their
  own course (all of it); the superuser and every other account see nothing.
* **What** — the categories of the consents covering the reader's team units (the coordinator:
  every category), plus those an access without consent opens.
* **Items** — an item is shown if its category is covered, or one of the reader's own units owns
  it or is responsible for it (its unit, its responsible person's or contact's or owner's unit),
  or the reader is the coordinator.
* **Team members** — named if their unit's category is covered, or the unit is one of the
  reader's or the coordinating unit (a person outside Helhed's units: their fagområde's category).
* **Free texts** — shown if their category is covered.
* **The log** — a read is attributed to the coordinating unit (coordinator), to the unit the
  access without consent was opened from (flagged), or to a team unit through which the consent
  lets the reader in.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.surface.world import (
    CATEGORIES,
    CURRENT,
    LIFE_AREAS,
    ORGANISATIONS,
    PUBLIC,
    STAYS,
    UNIT,
    USER,
    CourseSpec,
    GrantSpec,
    Token,
    WorldSpec,
)

ALL = frozenset(CATEGORIES)
# A contact person outside Helhed's units: what their fagområde reveals.
AREA_REVEALS = {"psykiatri": "health", "kriminalitet": "crime"}
ROLE_ORDER = ("administrator", "leder", "analytiker", "koordinator", "fagperson")


def org_of(unit: str) -> str:
    return UNIT[unit].org


def current_memberships(w: WorldSpec, user: str) -> list[tuple[str, str]]:
    """(unit, role) of the memberships current today; only staff have any."""
    if USER[user].kind != "staff":
        return []
    return [
        (unit, role) for (u, unit, role), period in w.memberships if u == user and period == CURRENT
    ]


def current_units(w: WorldSpec, user: str) -> frozenset[str]:
    return frozenset(unit for unit, _role in current_memberships(w, user))


def roles(w: WorldSpec, user: str) -> set[str]:
    return {role for _unit, role in current_memberships(w, user)}


def start_role(w: WorldSpec, user: str) -> str | None:
    if USER[user].kind == "citizen":
        return "citizen"
    held = roles(w, user)
    return next((r for r in ROLE_ORDER if r in held), None)


def may_open_without_consent(w: WorldSpec, user: str) -> bool:
    """A current koordinator or fagperson of a casework-authority unit in a public organisation."""
    return any(
        role in ("koordinator", "fagperson") and unit in w.casework_units and org_of(unit) in PUBLIC
        for unit, role in current_memberships(w, user)
    )


def _covers(consent_units: frozenset[str], consent_orgs: frozenset[str], unit: str) -> bool:
    return unit in consent_units or org_of(unit) in consent_orgs


def consented(w: WorldSpec, user: str, c: CourseSpec) -> dict[str, frozenset[str]]:
    """For each of the reader's current units on the team today, what the consents valid today
    covering it (by unit or organisation) cover."""
    units = current_units(w, user)
    on_team = {t.unit for t in c.team if t.unit is not None and t.period == CURRENT}
    found: dict[str, frozenset[str]] = {}
    for unit in sorted(units & on_team):
        cats: set[str] = set()
        for consent in c.consents:
            if consent.valid_today() and _covers(consent.units, consent.organisations, unit):
                cats |= consent.categories
        if cats:
            found[unit] = frozenset(cats)
    return found


@dataclass(frozen=True)
class View:
    """What one reader may see of one course."""

    visible: bool
    coordinator: bool = False
    categories: frozenset[str] = frozenset()
    own_units: frozenset[str] = frozenset()
    # The acceptable (unit, without consent) attributions of a read in the access log.
    attributions: frozenset[tuple[str, bool]] = frozenset()
    grant: GrantSpec | None = None
    citizen: bool = False  # the citizen's own course: everything

    def may(self, category: str) -> bool:
        return self.citizen or self.coordinator or category in self.categories

    def may_all(self) -> bool:
        return self.citizen or self.coordinator or self.categories >= ALL


NOTHING = View(False)


def view(w: WorldSpec, user: str, course: int) -> View:
    c = w.courses[course]
    spec = USER[user]
    if spec.kind == "citizen":
        return View(True, citizen=True) if spec.citizen_of == course else NOTHING
    if spec.kind != "staff":
        return NOTHING
    own = current_units(w, user)
    coordinator = c.coordinator == user and c.coordinator_unit in own
    by_unit = consented(w, user, c)
    grant = next((g for g in c.grants if g.user == user and g.live and g.unit in own), None)
    through_consent = frozenset(u for u, cats in by_unit.items() if "plan" in cats)
    if not (coordinator or grant or through_consent):
        return NOTHING
    if coordinator:
        return View(True, True, ALL, own, frozenset({(c.coordinator_unit, False)}), grant)
    categories = frozenset().union(*by_unit.values()) if by_unit else frozenset()
    attributions = {(u, False) for u in through_consent}
    if grant is not None:
        categories |= grant.categories
        attributions.add((grant.unit, True))
    return View(True, False, categories, own, frozenset(attributions), grant)


# --------------------------------------------------------------------------------------------
# Items, team members, texts and unit names
# --------------------------------------------------------------------------------------------


def member_unit(c: CourseSpec, member: int | None) -> str | None:
    return c.team[member].unit if member is not None else None


def owner_units(c: CourseSpec, item_index: int) -> set[str]:
    item = c.items[item_index]
    return {u for u in (item.unit, member_unit(c, item.member)) if u is not None}


def sees_item(v: View, c: CourseSpec, item_index: int) -> bool:
    if not v.visible:
        return False
    return v.may(c.items[item_index].category) or bool(owner_units(c, item_index) & v.own_units)


def member_category(c: CourseSpec, t_index: int) -> str:
    t = c.team[t_index]
    return UNIT[t.unit].category if t.unit is not None else AREA_REVEALS[t.area or ""]


def sees_member(v: View, c: CourseSpec, t_index: int) -> bool:
    if not v.visible:
        return False
    unit = c.team[t_index].unit
    if unit is not None and (unit == c.coordinator_unit or unit in v.own_units):
        return True
    return v.may(member_category(c, t_index))


def sees_unit_name(v: View, c: CourseSpec, unit: str) -> bool:
    """May a page about this course name the unit (its name can reveal a category)? The same rule
    as for the unit's team members; a measure the reader sees also names its own unit."""
    if not v.visible:
        return False
    if v.citizen or unit == c.coordinator_unit or unit in v.own_units or v.may(UNIT[unit].category):
        return True
    if unit in (c.handover.from_unit, c.handover.to_unit) and sees_handover(v, c):
        return True  # a handover the reader may see names its two units
    return any(
        item.kind == "measure" and item.unit == unit and sees_item(v, c, i)
        for i, item in enumerate(c.items)
    )


def sees_text(v: View, c: CourseSpec, name: str) -> bool:
    return v.visible and v.may(c.text_category[name])


def demand_indexes(c: CourseSpec) -> list[int]:
    return [i for i, item in enumerate(c.items) if item.kind == "demand"]


def sees_conflict(v: View, c: CourseSpec) -> bool:
    first, second = demand_indexes(c)[:2]
    return c.conflict and sees_item(v, c, first) and sees_item(v, c, second)


# --------------------------------------------------------------------------------------------
# Meetings (docs/meetings.md), handovers and stays (docs/handovers.md), progress (docs/progress.md)
# --------------------------------------------------------------------------------------------


def sees_minutes(v: View, c: CourseSpec) -> bool:
    """Minutes are free text filed under a category."""
    return v.visible and v.may(c.meeting.minutes_category)


def task_owner(c: CourseSpec) -> int:
    """The team row owning the task about a measure (the world falls back to the coordinator's
    row when the drawn one is not on the team today)."""
    owner = c.meeting.task_owner
    return owner if c.team[owner].period == CURRENT else 0


def sees_task(v: View, c: CourseSpec, about_measure: bool) -> bool:
    """A task is its owner's unit's own contribution; else it follows its measure, or the
    minutes when it is about none."""
    owner = task_owner(c) if about_measure else 0
    if c.team[owner].unit in v.own_units:
        return v.visible
    if about_measure:
        return sees_item(v, c, c.meeting.decision_measure)
    return sees_minutes(v, c)


def sees_handover(v: View, c: CourseSpec) -> bool:
    """A handover's existence reveals its measure and the receiving unit's own category: other
    readers of the course see it only if they may see both; the sending and receiving units and
    the coordinator always do."""
    if not v.visible:
        return False
    h = c.handover
    if v.citizen or v.coordinator or h.from_unit in v.own_units or h.to_unit in v.own_units:
        return True
    if h.measure is not None and not sees_item(v, c, h.measure):
        return False
    return v.may(UNIT[h.to_unit].category)


def shows_handover_text(v: View, c: CourseSpec) -> bool:
    """The free texts travel with the measure and the plan category."""
    h = c.handover
    measure_shown = h.measure is None or sees_item(v, c, h.measure)
    return sees_handover(v, c) and measure_shown and v.may("plan")


def is_handover_party(w: WorldSpec, user: str, course: int) -> bool:
    """The sending and receiving units' current staff and the coordinator (while a member)."""
    c = w.courses[course]
    units = current_units(w, user)
    coordinator = c.coordinator == user and c.coordinator_unit in units
    return coordinator or c.handover.from_unit in units or c.handover.to_unit in units


def receiver_categories(w: WorldSpec, course: int) -> frozenset[str]:
    """What a consent valid today covering the receiving unit (by unit or organisation) lets
    travel to it — whether or not it is on the team."""
    c = w.courses[course]
    unit = c.handover.to_unit
    found: set[str] = set()
    for consent in c.consents:
        if consent.valid_today() and _covers(consent.units, consent.organisations, unit):
            found |= consent.categories
    return frozenset(found)


def receiver_tokens(w: WorldSpec, user: str, course: int, tokens: list[Token]) -> set[str]:
    """What the receiving unit's staff see in an open handover's summary: only the categories
    that travel (and what they may see anyway); without the plan nothing identifying."""
    c = w.courses[course]
    h = c.handover
    units = current_units(w, user)
    if not h.open or h.to_unit not in units:
        return set()
    v = view(w, user, course)
    own = ALL if v.coordinator else (v.categories if v.visible else frozenset())
    shown = receiver_categories(w, course) | own
    identifying = "plan" in shown  # without the plan nothing identifying travels
    found = set()
    for t in tokens:
        if t.course != course:
            continue
        if t.kind == "measure" and t.ref == h.measure:
            travels = c.items[t.ref].category in shown  # named by its category
        elif not identifying:
            travels = False
        elif t.kind in ("citizen", "goal"):
            travels = True
        elif t.kind in ("measure", "demand"):
            travels = c.items[t.ref].category in shown
        elif t.kind == "stay":
            travels = STAYS[c.stay] in shown
        elif t.kind == "member":
            named = member_category(c, t.ref) in shown or c.team[t.ref].unit in units
            travels = c.team[t.ref].period == CURRENT and named
        elif t.kind == "handover":  # the reason travels with the measure
            travels = h.measure is None or c.items[h.measure].category in shown
        else:
            travels = False
        if travels:
            found.add(t.value)
    return found


def sees_token(v: View, c: CourseSpec, token: Token) -> bool:
    """May a reader with this view of the token's course see the token?"""
    if not v.visible:
        return False
    kind = token.kind
    if kind in ("citizen", "goal", "meeting"):
        return v.may("plan")
    if kind in ("measure", "demand", "appointment", "subgoal"):
        return sees_item(v, c, token.ref)
    if kind == "member":
        return sees_member(v, c, token.ref)
    if kind == "text":
        return sees_text(v, c, token.ref)
    if kind == "conflict":
        return sees_conflict(v, c)
    if kind == "minutes":
        return sees_minutes(v, c)
    if kind == "decision":  # about a measure: the measure's rule; else the minutes'
        return sees_item(v, c, c.meeting.decision_measure) if token.ref else sees_minutes(v, c)
    if kind == "task":
        return sees_task(v, c, token.ref)
    if kind == "recommendation":
        return sees_item(v, c, c.meeting.recommendation_measure)
    if kind == "handover":
        return shows_handover_text(v, c)
    if kind == "stay":
        return v.may(STAYS[c.stay])
    if kind == "comment":  # a life area's answer and comment: its category
        return v.may(LIFE_AREAS[token.ref])
    raise AssertionError(token)


def allowed_tokens(w: WorldSpec, user: str, tokens: list[Token]) -> frozenset[str]:
    """The course-bound tokens ``user`` may see anywhere (unit names are judged per course)."""
    views = [view(w, user, i) for i in range(len(w.courses))]
    found = {
        t.value
        for t in tokens
        if t.course is not None and sees_token(views[t.course], w.courses[t.course], t)
    }
    for course in range(len(w.courses)):
        found |= receiver_tokens(w, user, course, tokens)
    return frozenset(found)


def organisations_of(w: WorldSpec, user: str, *wanted: str) -> set[str]:
    return {org_of(unit) for unit, role in current_memberships(w, user) if role in wanted}


ORGANISATION_KEYS = tuple(ORGANISATIONS)
