"""What the fhir app adds to pages it does not own: "Eksportér som FHIR" on the course page's
first screen (no query) and the bulk export page in the main menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.courses.sections import CourseSection, register_course_section


def _course_action(request: HttpRequest, overview: Any) -> dict[str, object] | None:
    return {"course_id": overview.access.course.pk}


def register() -> None:
    register_course_section(
        CourseSection(
            key="fhir:export",
            label=_("Eksportér som FHIR"),
            order=96,
            template="fhir/_course_action.html",
            context=_course_action,
        )
    )
    register_menu_item("fhir:exports", _("FHIR-eksport"), frozenset({"koordinator", "fagperson"}))
