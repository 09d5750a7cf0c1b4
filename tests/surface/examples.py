"""A hand-written world that every run checks first (hypothesis's explicit example), so that the
situations docs/security.md names are always there, whatever the random worlds happen to draw:

* a jobcenter with a plan-only consent and its own mentor measure (it sees the measure, and
  Min Plan lists it); a private mentor company covered only by unit;
* an organisation-wide consent (Odense Kommune) with plan, health and social;
* a consent withdrawn today, one expired yesterday, one from tomorrow, one withdrawn tomorrow;
* a Rusmiddelcenter and Kriminalforsorgen on the team, whose people are named only to readers
  whose consent covers health or crime;
* an access without consent opened from the reader's own unit (live), one opened from a unit the
  reader has left, and an expired one;
* a coordinator who is still a member, and one whose membership of the coordinating unit ended;
* memberships ended yesterday and starting tomorrow; a reader with two units;
* free texts filed under health, crime, social and plan; contradictory demands;
* a unit on the team whose consent covers a measure's category but not the plan (no course);
* a meeting with minutes under health or crime, a recommendation and an open handover each.
"""

from __future__ import annotations

from tests.surface.world import (
    CURRENT,
    ENDED,
    EXPIRED,
    FREE_TEXTS,
    FUTURE,
    NOT_YET,
    USERS,
    VALID,
    WITHDRAWN_TODAY,
    WITHDRAWN_TOMORROW,
    ConsentSpec,
    CourseSpec,
    GrantSpec,
    HandoverSpec,
    ItemSpec,
    MeetingSpec,
    TeamSpec,
    WorldSpec,
)

_ENDED_OR_FUTURE = {
    ("kollega", "koord", "fagperson"): ENDED,
    ("leder", "job", "leder"): FUTURE,
    ("to-enheder", "psyk", "fagperson"): ENDED,
    ("socialraadgiver", "soc", "koordinator"): ENDED,
    ("frivillig", "frivillig", "fagperson"): FUTURE,
}


def _memberships() -> tuple[tuple[tuple[str, str, str], str], ...]:
    return tuple(
        ((u.key, unit, role), _ENDED_OR_FUTURE.get((u.key, unit, role), CURRENT))
        for u in USERS
        for unit, role in u.memberships
    )


def _items(owners: dict[str, tuple[str | None, int | None]]) -> tuple[ItemSpec, ...]:
    """One measure per category with its owner (unit, responsible team row), then demands,
    appointments and sub-goals in several categories."""
    measures = tuple(
        ItemSpec("measure", category, 0, unit, member, i % 2)
        for i, (category, (unit, member)) in enumerate(owners.items())
    )
    return (
        *measures,
        ItemSpec("demand", "crime", 1, "krim", None, 0),
        ItemSpec("demand", "employment", 0, "job", None, 0),
        ItemSpec("demand", "health", 0, None, None, 0),
        ItemSpec("appointment", "health", 1, None, 2, 0),
        ItemSpec("appointment", "employment", 0, None, 1, 1),
        ItemSpec("appointment", "plan", 0, None, None, 0),
        ItemSpec("subgoal", "crime", 0, None, 5, 0),
        ItemSpec("subgoal", "social", 1, None, 3, 1),
        ItemSpec("subgoal", "plan", 1, None, None, 0),
    )


COURSE_0 = CourseSpec(
    coordinator="koordinator",
    coordinator_unit="koord",
    team=(
        TeamSpec("koord", CURRENT, coordinator=True),  # 0
        TeamSpec("job", CURRENT),  # 1
        TeamSpec("rus", CURRENT),  # 2
        TeamSpec("soc", CURRENT),  # 3
        TeamSpec("ydelse", ENDED),  # 4
        TeamSpec("krim", CURRENT),  # 5
        TeamSpec("psyk", FUTURE),  # 6
        TeamSpec("mentor", CURRENT),  # 7
        TeamSpec("frivillig", CURRENT),  # 8
        TeamSpec(None, CURRENT, area="psykiatri"),  # 9
    ),
    consents=(
        ConsentSpec(frozenset({"job", "mentor"}), frozenset(), frozenset({"plan"}), VALID),
        ConsentSpec(frozenset(), frozenset({"m1"}), frozenset({"plan", "health", "social"}), VALID),
        ConsentSpec(
            frozenset({"krim"}), frozenset(), frozenset({"plan", "crime"}), WITHDRAWN_TODAY
        ),
        ConsentSpec(frozenset({"frivillig"}), frozenset(), frozenset({"plan"}), EXPIRED),
        ConsentSpec(frozenset({"psyk"}), frozenset(), frozenset({"plan", "health"}), NOT_YET),
        ConsentSpec(frozenset({"ydelse"}), frozenset(), frozenset({"plan", "economy"}), VALID),
    ),
    grants=(
        GrantSpec("kriminalforsorg", "krim", True, "dbl-8-2-3"),  # from their own unit
        GrantSpec("ydelse", "job", True, "fvl-31"),  # from a unit they are not in
        GrantSpec("psykiatri", "psyk", False, "sul-43-2"),  # expired
    ),
    items=_items(
        {
            "plan": ("frivillig", None),
            "health": ("rus", 2),
            "social": ("soc", 9),
            "crime": ("krim", 5),
            "employment": ("job", 1),  # the jobcenter's own mentor measure
            "economy": ("ydelse", None),
        }
    ),
    texts=tuple(zip(FREE_TEXTS, ("health", "crime", "plan", "social"), strict=True)),
    conflict=True,
    # minutes under health; a decision about the Rusmiddelcenter's health measure with a task
    # for the jobcenter's contact person; a recommendation about the mentor measure to the jobcenter
    meeting=MeetingSpec("health", 1, 1, 4, "job"),
    # the jobcenter hands its mentor measure over to the Rusmiddelcenter (open)
    handover=HandoverSpec("job", "rus", 4, True),
    stay="varetaegt",
)

COURSE_1 = CourseSpec(
    coordinator="socialraadgiver",  # whose membership of the coordinating unit has ended
    coordinator_unit="soc",
    team=(
        TeamSpec("soc", CURRENT, coordinator=True),  # 0
        TeamSpec("job", CURRENT),  # 1
        TeamSpec("psyk", CURRENT),  # 2
        TeamSpec("krim", CURRENT),  # 3
        TeamSpec("koord", CURRENT),  # 4
        TeamSpec(None, CURRENT, area="kriminalitet"),  # 5
        TeamSpec("mentor", CURRENT),  # 6
    ),
    consents=(
        ConsentSpec(
            frozenset({"psyk", "krim"}),
            frozenset(),
            frozenset({"plan", "crime", "health"}),
            WITHDRAWN_TOMORROW,
        ),
        ConsentSpec(frozenset(), frozenset({"reg", "m1"}), frozenset({"plan"}), VALID),
        ConsentSpec(frozenset({"job"}), frozenset(), frozenset({"employment"}), VALID),
        # the mentor company on the team, with a consent without the plan: it may not see the
        # course at all (not even its own mentor measure, nor a recommendation about it)
        ConsentSpec(frozenset({"mentor"}), frozenset(), frozenset({"employment"}), VALID),
    ),
    grants=(
        GrantSpec("psykiatri", "psyk", True, "rsl-11c"),
        GrantSpec("jobcenter", "job", False, "fvl-31"),
        GrantSpec("to-enheder", "psyk", True, "rpl-115"),  # whose psyk membership has ended
    ),
    items=_items(
        {
            "plan": (None, 4),
            "health": ("psyk", None),
            "social": ("soc", 0),
            "crime": (None, 3),
            "employment": ("mentor", None),
            "economy": (None, 1),
        }
    ),
    texts=tuple(zip(FREE_TEXTS, ("crime", "plan", "health", "economy"), strict=True)),
    conflict=True,
    # minutes under crime; a recommendation about the mentor company's employment measure
    meeting=MeetingSpec("crime", 3, 2, 4, "psyk"),
    # the whole course handed over to Kriminalforsorgen (open)
    handover=HandoverSpec("soc", "krim", None, True),
    stay="psykiatri",
)

RICH = WorldSpec(
    memberships=_memberships(),
    casework_units=frozenset({"job", "soc", "psyk", "krim"}),
    courses=(COURSE_0, COURSE_1),
)
