"""Panels: how higher apps contribute to pages that a lower app owns.

The start pages live in ``core``, but what they show (a coordinator's caseload, a citizen's plan,
the latest WHO-5) belongs to higher apps. Instead of ``core`` importing them, each app registers a
panel in its ``AppConfig.ready``; the page renders the panels that have something to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

PanelContext = Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: PanelContext
    order: int = 100
    pages: frozenset[str] = field(default_factory=frozenset)


_PANELS: dict[str, Panel] = {}
_CITIZEN_RESOLVERS: list[Callable[[Any], Any]] = []


def register_panel(panel: Panel) -> None:
    from helhed.core.extension_points import claim

    claim("panel", panel.key)
    _PANELS[panel.key] = panel


def registered_panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def panels_for(page: str, request: HttpRequest) -> list[tuple[Panel, dict[str, Any]]]:
    """The panels registered for ``page`` that have content for this request, in order."""
    result = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if page in panel.pages:
            ctx = panel.context(request)
            if ctx is not None:
                result.append((panel, ctx))
    return result


def register_citizen_resolver(resolver: Callable[[Any], Any]) -> None:
    """The courses app tells core how to find the citizen record behind a citizen login."""
    if resolver not in _CITIZEN_RESOLVERS:
        _CITIZEN_RESOLVERS.append(resolver)


def citizen_id_for_user(user: Any) -> Any:
    for resolver in _CITIZEN_RESOLVERS:
        found = resolver(user)
        if found is not None:
            return found
    return None
