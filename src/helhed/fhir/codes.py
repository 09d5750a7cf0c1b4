"""The code systems and identifier systems the FHIR Bundles use (docs/integration.md, "FHIR").

Helhed's own codes live under ``https://helhed.dk/fhir/CodeSystem/<name>``; the stored value is
the code, so mapping back on import is a dictionary lookup. Plain values only (no Django)."""

from __future__ import annotations

from collections.abc import Mapping

BASE = "https://helhed.dk/fhir"
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"  # DK Core: the CPR number
PSEUDONYM_SYSTEM = f"{BASE}/NamingSystem/pseudonym"
LOINC = "http://loinc.org"
# LOINC 89708-7 is "WHO-5 Well-Being Index" (the panel/score); used for the questionnaire and the
# index score observation alike (documented as an approximation, see docs/integration.md).
WHO5_LOINC = "89708-7"


def cs(name: str) -> str:
    return f"{BASE}/CodeSystem/{name}"


def ext(name: str) -> str:
    return f"{BASE}/StructureDefinition/{name}"


DATA_CATEGORY = cs("data-category")
WELFARE_AREA = cs("welfare-area")
LEGAL_BASIS = cs("legal-basis")
INITIATIVE = cs("initiative")
MEASURE_STATUS = cs("measure-status")
GOAL_HORIZON = cs("goal-horizon")
BUDGET_AREA = cs("budget-area")
HOUSEHOLD_RELATION = cs("household-relation")
TASK_KIND = cs("task-kind")
INSTRUMENT = cs("instrument")
TEAM_ROLE = cs("team-role")  # koordinator: the course's coordinator's own team member
MEETING_KIND = cs("meeting-kind")  # netvaerk, koordinering, opfoelgning (Encounter.class)
USER_SYSTEM = f"{BASE}/user"  # a Helhed user's id (Practitioner.identifier)
DECISION_SYSTEM = f"{BASE}/decision"  # a meeting's decision (Task.groupIdentifier)

EXT_LEGAL_BASIS = ext("legal-basis")
EXT_BUDGET_AREA = ext("budget-area")
EXT_EXPECTED_END = ext("expected-end")
EXT_PLACE = ext("place")
EXT_ORGANISATION = ext("organisation")
EXT_HOUSEHOLD_MEMBER = ext("household-member")
EXT_CUSTODY = ext("custody")
EXT_GOAL_PERSON = ext("goal-person")
EXT_MEETING_STATUS = ext("meeting-status")  # the Helhed status (Encounter.status is coarser)
EXT_MINUTES_CATEGORY = ext("minutes-category")  # who may read the minutes (a data category)
EXT_TASK_GOAL = ext("task-goal")  # a meeting task's goal of the plan
EXT_HANDOVER_MEASURE = ext("handover-measure")  # the measure a handover hands over
EXT_GAS = ext("goal-attainment")  # the latest GAS rating: sub-extensions level (−2…+2), date


def gas_achievement(level: int) -> str:
    """An open goal's achievementStatus from its latest GAS level (0 = the expected outcome)."""
    if level >= 0:
        return "achieved"
    return "improving" if level == -1 else "no-progress"


# A household member's relation as intake names it (``courses.services.MEMBER_RELATIONS``: the
# member is the citizen's …), from the stored relation's kind and direction.
RELATION_KEYS: Mapping[tuple[str, bool], str] = {
    ("forælder", True): "barn",
    ("forælder", False): "forælder",
    ("partner", True): "partner",
    ("partner", False): "partner",
    ("ekspartner", True): "ekspartner",
    ("ekspartner", False): "ekspartner",
    ("stedforælder", True): "stedbarn",
    ("stedforælder", False): "stedforælder",
    ("søskende", True): "søskende",
    ("søskende", False): "søskende",
    ("halvsøskende", True): "halvsøskende",
    ("halvsøskende", False): "halvsøskende",
}


def relation_key(kind: str, *, main_first: bool) -> str:
    """``main_first``: the stored relation reads "citizen is <kind> of member"."""
    return RELATION_KEYS[(kind, main_first)]


# Measure status (Helhed) ⇄ ServiceRequest.status (a bijection: the round trip keeps it).
MEASURE_TO_FHIR: Mapping[str, str] = {
    "planlagt": "draft",
    "aktiv": "active",
    "pause": "on-hold",
    "afsluttet": "completed",
    "annulleret": "revoked",
}
MEASURE_FROM_FHIR = {v: k for k, v in MEASURE_TO_FHIR.items()}

# Goal status ⇄ Goal.lifecycleStatus and achievementStatus.
GOAL_LIFECYCLE: Mapping[str, str] = {
    "aaben": "active",
    "naaet": "completed",
    "opgivet": "cancelled",
}
GOAL_FROM_LIFECYCLE = {v: k for k, v in GOAL_LIFECYCLE.items()}
GOAL_ACHIEVEMENT: Mapping[str, str] = {
    "aaben": "in-progress",
    "naaet": "achieved",
    "opgivet": "not-achieved",
}
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"

COURSE_TO_EPISODE: Mapping[str, str] = {
    "henvist": "waitlist",
    "afklaring": "planned",
    "aktiv": "active",
    "pause": "onhold",
    "afsluttet": "finished",
}
# An imported course continues here: a finished (or cancelled) episode starts again as referred.
EPISODE_TO_COURSE: Mapping[str, str] = {
    v: k for k, v in COURSE_TO_EPISODE.items() if k != "afsluttet"
}

# A meeting's status ⇄ Encounter.status (coarser: the Helhed status also rides in the extension
# ``meeting-status``, which the import prefers).
MEETING_TO_ENCOUNTER: Mapping[str, str] = {
    "planlaegges": "planned",
    "planlagt": "planned",
    "afholdt": "finished",
    "aflyst": "cancelled",
}
ENCOUNTER_TO_MEETING: Mapping[str, str] = {
    "planned": "planlagt",
    "finished": "afholdt",
    "cancelled": "aflyst",
}
