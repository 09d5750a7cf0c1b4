"""The API's scope catalogue: what an integration client may be granted (helhed.integrations).

Each API operation open to clients requires exactly one scope; which one is said in one place,
``helhed.api.CLIENT_SCOPES`` (per API module: its reads' scope and its writes' scope). Operations
of modules not listed there stay session-only (people, not systems). The names follow
``<area>:read`` / ``<area>:write``; the descriptions are shown to administrators (Danish) and in
the OpenAPI document (English)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Scope:
    name: str
    label: str | Promise  # Danish msgid, shown in the administration
    english: str  # the OpenAPI document's description


SCOPES: tuple[Scope, ...] = (
    Scope("registry:read", _("Læse registret over indsatser"), "Read the registry of initiatives"),
    Scope("courses:read", _("Læse forløb, team og samtykker"), "Read courses, teams and consents"),
    Scope(
        "courses:write",
        _("Ændre forløb, team og samtykker"),
        "Change courses, teams and consents",
    ),
    Scope("plans:write", _("Ændre den fælles plan"), "Change the shared plan"),
    Scope("meetings:read", _("Læse møder og opgaver"), "Read meetings and tasks"),
    Scope("meetings:write", _("Oprette og ændre møder"), "Create and change meetings"),
    Scope("handovers:read", _("Læse overgange"), "Read handovers"),
    Scope("handovers:write", _("Oprette og besvare overgange"), "Create and answer handovers"),
    Scope("progress:read", _("Læse målinger og resultater"), "Read measurements and outcomes"),
    Scope("progress:write", _("Registrere målinger"), "Record measurements"),
    Scope("events:read", _("Læse hændelser (pull-feed)"), "Read the event feed"),
    Scope("fhir:read", _("Læse FHIR-ressourcer"), "Read FHIR resources"),
)

SCOPE_NAMES: frozenset[str] = frozenset(s.name for s in SCOPES)


def scope_choices() -> list[tuple[str, str]]:
    """(name, "name – Danish label") pairs for a form's checkboxes."""
    return [(s.name, f"{s.name} – {s.label}") for s in SCOPES]


def unknown_scopes(names: list[str]) -> list[str]:
    return [n for n in names if n not in SCOPE_NAMES]
