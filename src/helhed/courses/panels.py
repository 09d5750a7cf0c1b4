"""The courses app's contributions to pages owned by core: start-page panels, menu entries and
the resolver from a citizen login to the citizen record."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.core.panels import Panel, register_citizen_resolver, register_panel

TEAM_COURSES_CAP = 100


def _caseload(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.courses import selectors

    rows = selectors.caseload(request.user)  # type: ignore[arg-type]
    return {"rows": rows[:10], "total": len(rows)}


def _my_citizen(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.courses import selectors

    view = selectors.citizen_view(request.user)  # type: ignore[arg-type]
    return {"view": view} if view is not None else None


def _team_courses(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.courses import selectors

    # Counting every visible course means checking each against team and consent (3 s for a
    # Jobcenter on 33,000 teams at 300,000 citizens): count up to the cap and show "100+".
    visible = selectors.visible_courses(request.user)  # type: ignore[arg-type]
    count = visible.values("pk")[: TEAM_COURSES_CAP + 1].count()
    return {"count": min(count, TEAM_COURSES_CAP), "more": count > TEAM_COURSES_CAP}


def register() -> None:
    from helhed.courses import selectors

    register_citizen_resolver(selectors.citizen_id_for_user)
    register_panel(
        Panel(
            "courses:caseload",
            "courses/panels/caseload.html",
            _caseload,
            order=10,
            pages=frozenset({"home:koordinator"}),
        )
    )
    register_panel(
        Panel(
            "courses:team",
            "courses/panels/team_courses.html",
            _team_courses,
            order=10,
            pages=frozenset({"home:fagperson"}),
        )
    )
    register_panel(
        Panel(
            "courses:citizen",
            "courses/panels/citizen_plan.html",
            _my_citizen,
            order=10,
            pages=frozenset({"home:citizen"}),
        )
    )
    register_menu_item("courses:course_list", _("Forløb"), frozenset({"koordinator", "fagperson"}))
