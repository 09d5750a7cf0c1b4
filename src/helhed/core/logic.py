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
