"""What the fhir app adds to pages it does not own: "Eksportér som FHIR" on the course page's
first screen (no query), the bulk export page in the main menu, and the deletion of bulk exports
past their keeping time in the daily job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.courses.sections import CourseSection, register_course_section
from helhed.notifications.alerts import Alert, register_alert_producer


def _course_action(request: HttpRequest, overview: Any) -> dict[str, object] | None:
    return {"course_id": overview.access.course.pk}


def delete_old_exports(today: date) -> Iterator[Alert]:
    """Not an alert: the daily job (``helhed alerts``) is the app's daily hook, and bulk exports
    past their keeping time are deleted there. Yields nothing."""
    from helhed.fhir import services

    services.delete_old_exports()
    yield from ()


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
    register_alert_producer("fhir:delete-old-exports", delete_old_exports)
