"""Plain rules of the core app: membership validity, role precedence, official names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

# Highest first: the start page shows the most responsible role a user holds.
ROLE_PRECEDENCE: tuple[str, ...] = (
    "administrator",
    "leder",
    "analytiker",
    "koordinator",
    "fagperson",
)


def membership_is_current(valid_from: date | None, valid_to: date | None, today: date) -> bool:
    """A membership counts from its first day through its last day, both inclusive."""
    return (valid_from is None or valid_from <= today) and (valid_to is None or today <= valid_to)


def primary_role(roles: Iterable[str]) -> str | None:
    """The most responsible of a user's roles, or None for a user without any current role."""
    held = set(roles)
    for role in ROLE_PRECEDENCE:
        if role in held:
            return role
    return None


def municipality_name(name: str) -> str:
    """The official organisation name: "Holbæk Kommune", but "Københavns Kommune"."""
    if name == "København":
        return "Københavns Kommune"
    return f"{name} Kommune"


# --------------------------------------------------------------------------------------------
# Data categories (docs/security.md, "The data categories")
# --------------------------------------------------------------------------------------------

# The categories a consent names, one flag each. They follow what the law treats apart rather
# than which sector holds the data: health data (GDPR art. 9, including treatment for drug or
# alcohol use whether given under Sundhedsloven or Serviceloven), criminal offences (GDPR art. 10,
# databeskyttelseslovens § 8), social circumstances ("rent private forhold"), employment measures
# (the jobcenter's own field), and income and benefits. Everything that reveals none of these
# (goals in the citizen's words, school, day care, leisure, education) is plan data.
DATA_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("plan", "Plan, mål og aftaler"),
    ("health", "Helbred (sundhed, psykiatri og rusmiddelbehandling)"),
    ("social", "Sociale forhold"),
    ("crime", "Strafbare forhold"),
    ("employment", "Beskæftigelse"),
    ("economy", "Økonomi og forsørgelse"),
)
CATEGORY_KEYS: frozenset[str] = frozenset(key for key, _label in DATA_CATEGORIES)

# The fagområde's category when nothing more specific (a legal basis) says otherwise.
AREA_CATEGORY: dict[str, str] = {
    "psykiatri": "health",
    "somatik": "health",
    "almen-praksis": "health",
    "kommunalt-sundhed": "health",
    "aeldre": "health",
    "specialiseret-voksen": "social",
    "specialiseret-boern-unge": "social",
    "boligsocial": "social",
    "kriminalitet": "crime",
    "beskaeftigelse": "employment",
}


def category_for_area(area: str | None) -> str:
    """Everything not sensitive in itself (school, day care, education, leisure) is plan data."""
    return AREA_CATEGORY.get(area or "", "plan")


# Words in a unit's name that say more than its fagområde (a "Rusmiddelcenter" is often filed
# under specialised adult services, but naming it reveals drug treatment). Checked in order.
_UNIT_NAME_CATEGORY: tuple[tuple[str, str], ...] = (
    ("kriminalforsorg", "crime"),
    ("fængsel", "crime"),
    ("arrest", "crime"),
    ("politi", "crime"),
    ("rusmiddel", "health"),
    ("misbrug", "health"),
    ("alkohol", "health"),
    ("psykiatri", "health"),
    ("hospital", "health"),
    ("sygehus", "health"),
    ("jobcenter", "employment"),
    ("ydelse", "economy"),
    ("borgerservice", "plan"),
)


def category_for_unit(name: str, area: str | None) -> str:
    """The category that *naming* a unit on a citizen's team reveals: from its name where the
    name is telling, else from its fagområde. A default for the administrator to confirm."""
    lowered = name.lower()
    for word, category in _UNIT_NAME_CATEGORY:
        if word in lowered:
            return category
    return category_for_area(area)


# The fagområder whose public-authority units have a statutory basis to obtain information
# without consent in their own casework: children and adults' social services, the jobcenter,
# hospital treatment (Sundhedsloven § 43) and crime prevention and probation (Retsplejeloven
# § 115). Schools, day care, leisure and private or voluntary organisations never do.
WITHOUT_CONSENT_AREAS: frozenset[str] = frozenset(
    {
        "specialiseret-boern-unge",
        "specialiseret-voksen",
        "beskaeftigelse",
        "psykiatri",
        "somatik",
        "kriminalitet",
    }
)


def default_may_open_without_consent(organisation_is_public: bool, area: str | None) -> bool:
    """The default for a unit's "myndighedsenhed" flag, which the administrator confirms."""
    return organisation_is_public and (area or "") in WITHOUT_CONSENT_AREAS
