"""Reading an identity broker's claims: plain values in, plain values out (no ORM)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NSIS_LOA = "https://data.gov.dk/concept/core/nsis/loa/"
NSIS_LOW = NSIS_LOA + "Low"
NSIS_SUBSTANTIAL = NSIS_LOA + "Substantial"
NSIS_HIGH = NSIS_LOA + "High"
# The NSIS levels at which the broker's login already was two factors (MitID substantial/high):
# Helhed then asks for no second factor of its own (docs/security.md).
STRONG_LEVELS = frozenset({NSIS_SUBSTANTIAL, NSIS_HIGH})

SESSION_ACR = "helhed_acr"
SESSION_ISSUER = "helhed_oidc_issuer"


@dataclass(frozen=True)
class ClaimNames:
    """Which claim holds what, as the organisation's administrator configured it."""

    sub: str = "sub"
    name: str = "name"
    email: str = "email"
    unit: str = "helhed_unit"
    role: str = "helhed_role"
    cpr: str = "dk:gov:saml:attribute:CprNumberIdentifier"
    acr: str = "acr"


@dataclass(frozen=True)
class Identity:
    sub: str
    name: str
    email: str
    units: tuple[str, ...]
    roles: tuple[str, ...]
    cpr: str
    acr: str


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""


def _values(value: Any) -> tuple[str, ...]:
    """A claim with one value or a list of values (brokers send either)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    return tuple(v.strip() for v in items if isinstance(v, str) and v.strip())


def read_identity(claims: Mapping[str, Any], names: ClaimNames) -> Identity:
    return Identity(
        sub=_text(claims.get(names.sub)),
        name=_text(claims.get(names.name)),
        email=_text(claims.get(names.email)),
        units=_values(claims.get(names.unit)),
        roles=_values(claims.get(names.role)),
        cpr=_text(claims.get(names.cpr)),
        acr=_text(claims.get(names.acr)),
    )


def merge_claims(id_token: Mapping[str, Any], userinfo: Mapping[str, Any]) -> dict[str, Any]:
    """The ID token's claims, completed by the userinfo response; ``iss``, ``sub`` and ``acr``
    come from the (signed) ID token whenever it has them."""
    merged = {**id_token, **userinfo}
    for key in ("iss", "sub", "acr", "aud"):
        if key in id_token:
            merged[key] = id_token[key]
    return merged


def pick_memberships(
    identity: Identity, unit_map: Mapping[str, Any], role_map: Mapping[str, str]
) -> frozenset[tuple[Any, str]] | None:
    """The (unit, role) pairs the claims name, or None when they name none unambiguously.

    Values that are not configured are ignored. One unit and one or more roles: that unit with
    each role; several units and one role: each unit with that role. Several units *and*
    several roles are refused (None): two flat claims do not say which role belongs to which
    unit, and guessing could put a leader's role in the wrong unit. No configured unit or no
    configured role: None."""
    units = list(dict.fromkeys(unit_map[u] for u in identity.units if u in unit_map))
    roles = list(dict.fromkeys(role_map[r] for r in identity.roles if r in role_map))
    if not units or not roles or (len(units) > 1 and len(roles) > 1):
        return None
    return frozenset((unit, role) for unit in units for role in roles)


def split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def is_strong(acr: str) -> bool:
    """True when the broker's login was NSIS substantial or high (two factors already)."""
    return acr in STRONG_LEVELS
