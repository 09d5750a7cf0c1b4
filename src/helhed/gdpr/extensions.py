"""What the gdpr app adds to lower apps' pages: the coordinator's "Indsigt (art. 15)" on the
course page's first screen and the citizen's "Få alle mine oplysninger" on their start page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.panels import Panel, register_panel
from helhed.courses.sections import CourseSection, register_course_section


def _course_action(request: HttpRequest, overview: Any) -> dict[str, object] | None:
    """Only the coordinator records a request and downloads the export (no query)."""
    if not overview.access.is_coordinator:
        return None
    return {"course_id": overview.access.course.pk}


def _citizen_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not getattr(user, "is_citizen", False):
        return None
    return {}


def register() -> None:
    register_course_section(
        CourseSection(
            key="gdpr:access",
            label=_("Indsigt (art. 15)"),
            order=95,
            template="gdpr/_course_action.html",
            context=_course_action,
        )
    )
    register_panel(
        Panel(
            "gdpr:citizen",
            "gdpr/panels/citizen.html",
            _citizen_panel,
            order=90,
            pages=frozenset({"home:citizen"}),
        )
    )
