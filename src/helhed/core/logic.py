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


# --------------------------------------------------------------------------------------------
# Logins (docs/security.md, "Log ind / Logins")
# --------------------------------------------------------------------------------------------

# NSIS assurance levels that count as a second factor already given at the identity provider.
NSIS_SUFFICIENT = frozenset({"substantial", "high"})


def nsis_level(acr: str | None) -> str | None:
    """The NSIS level an ``acr`` value names, lower case: "low", "substantial", "high" — from a
    URI such as ``https://data.gov.dk/concept/core/nsis/loa/Substantial`` or a bare word;
    None for nothing or something else."""
    if not acr:
        return None
    word = acr.strip().rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower()
    return word if word in {"low", "substantial", "high"} else None


def second_factor_needed(
    *, password_login: bool, acr: str | None, enrolled: bool, required: bool
) -> bool:
    """Whether a staff session must still enrol a second factor before it may go anywhere.

    ``password_login``: the session was opened with a password. ``acr``: the assurance level the
    OpenID Connect identity provider stated (the session key ``helhed_acr``; None when the login
    did not come from one). ``enrolled``: the user has an authenticator (allauth then asks for
    its code at every login, so an enrolled user's session has given it). ``required``: the
    setting ``HELHED_REQUIRE_SECOND_FACTOR``.

    NSIS substantial or high from the identity provider is a second factor; a password alone,
    or an identity provider's login below substantial, is not."""
    if not required or enrolled:
        return False
    if nsis_level(acr) in NSIS_SUFFICIENT:
        return False
    return password_login or acr is not None


def memberships_have_ended(periods: Iterable[tuple[date | None, date | None]], today: date) -> bool:
    """A staff account whose every membership has ended (none current, none to come) may no
    longer log in. An account without any membership has not ended (an administrator has just
    created it), so it is not refused here (it sees the "no role" page)."""
    periods = list(periods)
    return bool(periods) and all(
        valid_to is not None and valid_to < today for _f, valid_to in periods
    )


def idle_too_long(last_activity: float | None, now: float, minutes: int) -> bool:
    """A session idle for longer than ``minutes`` (seconds since the epoch) ends."""
    return last_activity is not None and minutes > 0 and now - last_activity > minutes * 60
