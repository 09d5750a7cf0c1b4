"""The progress app's contributions to pages it does not own: the course page's inline section
"Seneste progression" (one query), the citizen's start-page panel and the leaders' menu entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.core.models import Role
from helhed.core.panels import Panel, register_panel
from helhed.courses.sections import CourseSection, register_course_section
from helhed.notifications.alerts import Alert, register_alert_producer
from helhed.progress import logic


def _latest_section(request: HttpRequest, overview: Any) -> dict[str, Any] | None:
    """The course page already checked access and logged the read of the course; this adds one
    query (the course's summary row) — two more when the course has a measurement plan, for its
    due and overdue points — and shows only what the professional's consented categories
    allow."""
    from helhed.progress import selectors

    summary = selectors.latest_summary(overview.access)
    if summary is None:
        return None
    return {
        "s": summary,
        # two more queries only for a course with a measurement plan
        "due": selectors.open_points(overview.access) if summary.has_plan else [],
        "url": reverse("progress:course_progress", args=[overview.access.course.pk]),
    }


def measurement_plan_alerts(today: date) -> Iterator[Alert]:
    """A notification to the course's coordinator when a planned measurement point becomes due
    (its window opens, 14 days before its date) and once more when it is overdue and not taken.
    No personal data: the instrument and the date; the link leads to the course's progress page,
    where access is checked and logged."""
    from helhed.progress import selectors

    for coordinator_id, course_id, plan, point in selectors.schedule_alerts(today):
        overdue = point.status == logic.PointStatus.OVERDUE
        what = {"name": plan.name, "date": formats.date_format(point.on, "SHORT_DATE_FORMAT")}
        yield Alert(
            recipient_id=coordinator_id,
            title=(_("%(name)s skulle være målt %(date)s") if overdue else _("%(name)s skal måles"))
            % what,
            body=_("Planlagt måling %(date)s. Se forløbets progression i Helhed.") % what,
            url=reverse("progress:course_progress", args=[course_id]),
            dedupe_key=f"progress-plan:{plan.id}:{point.on.isoformat()}"
            + (":over" if overdue else ""),
        )


def _citizen_panel(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.progress import selectors

    courses = selectors.citizen_courses(request.user)  # type: ignore[arg-type]
    if not courses:
        return None
    return {"url": reverse("progress:my_progress")}


def _leader_panel(request: HttpRequest) -> dict[str, Any] | None:
    from django.core.exceptions import PermissionDenied

    from helhed.progress import selectors

    try:
        initiatives = selectors.visible_initiatives(request.user)  # type: ignore[arg-type]
    except PermissionDenied:
        return None
    return {"initiatives": initiatives[:10], "total": len(initiatives)}


def register() -> None:
    register_course_section(
        CourseSection(
            key="progress-latest",
            label=_("Seneste progression"),
            order=50,
            template="progress/section_latest.html",
            context=_latest_section,
        )
    )
    register_course_section(
        CourseSection(
            key="progress",
            label=_("Progression"),
            order=50,
            url_name="progress:course_progress",
            tab="progression",
        )
    )
    register_panel(
        Panel(
            "progress:citizen",
            "progress/panel_citizen.html",
            _citizen_panel,
            order=20,
            pages=frozenset({"home:citizen"}),
        )
    )
    register_panel(
        Panel(
            "progress:leader",
            "progress/panel_leader.html",
            _leader_panel,
            order=30,
            pages=frozenset({"home:leder", "home:analytiker"}),
        )
    )
    register_alert_producer("progress:measurement-plan", measurement_plan_alerts)
    register_menu_item(
        "progress:initiatives", _("Resultater"), frozenset({Role.LEDER, Role.ANALYTIKER})
    )
