"""The meetings app's contributions to pages it does not own: the course page's section, its
timeline events and timeliness figures, start-page panels ("Mine opgaver", the citizen's
meetings), a menu entry and the daily overdue-task alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.core.models import Role
from helhed.core.panels import Panel, register_panel
from helhed.core.selectors import today
from helhed.courses.sections import (
    CourseSection,
    TimelinessMetric,
    register_course_section,
    register_event_source,
    register_timeliness_source,
)
from helhed.notifications.alerts import Alert, register_alert_producer
from helhed.notifications.models import NotificationKind

MY_TASKS_ON_START_PAGE = 8
OPEN_TASKS_ON_COURSE_PAGE = 5


def _open_tasks(request: HttpRequest, overview: Any) -> dict[str, Any]:
    """The course page's first screen: the course's open tasks by due date, labelled as the
    reader may see them (one query; the course page checked access and logged the read)."""
    from helhed.meetings import selectors

    access = overview.access
    tasks = selectors.open_tasks(request.user, access, OPEN_TASKS_ON_COURSE_PAGE + 1)  # type: ignore[arg-type]
    return {
        "tasks": tasks[:OPEN_TASKS_ON_COURSE_PAGE],
        "more": len(tasks) > OPEN_TASKS_ON_COURSE_PAGE,
        "today": today(),
        "url": reverse("meetings:course_section", args=[access.course.pk]),
    }


def _my_tasks(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.meetings import selectors

    tasks = selectors.my_tasks(request.user, limit=MY_TASKS_ON_START_PAGE + 1)  # type: ignore[arg-type]
    return {
        "tasks": tasks[:MY_TASKS_ON_START_PAGE],
        "more": len(tasks) > MY_TASKS_ON_START_PAGE,
        "today": today(),
    }


def _citizen_meetings(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.meetings import selectors

    view = selectors.citizen_meetings(request.user)  # type: ignore[arg-type]
    if view is None or not (view.upcoming or view.minutes):
        return None
    return {"view": view}


def overdue_task_alerts(today: date) -> Iterator[Alert]:
    """One alert per overdue open task to its owner (when they use Helhed) and to the course's
    coordinator. The key names the task, not the day, so the daily job notifies once."""
    from helhed.meetings import selectors

    for task_id, owner_id, coordinator_id, course_id in selectors.overdue_tasks_for_alerts(today):
        key = f"opgave-forfalden:{task_id}"
        if owner_id is not None:
            yield Alert(
                recipient_id=owner_id,
                title="En af dine opgaver har overskredet fristen",
                body="Se opgaven under »Mine opgaver« i Helhed.",
                url=reverse("meetings:my_tasks"),
                dedupe_key=key,
                kind=NotificationKind.TASK,
            )
        if coordinator_id is not None and coordinator_id != owner_id:
            yield Alert(
                recipient_id=coordinator_id,
                title="En opgave i et forløb, du koordinerer, har overskredet fristen",
                body="Se forløbets møder og opgaver i Helhed.",
                url=reverse("meetings:course_section", args=[course_id]),
                dedupe_key=key,
            )


def _measures_reclassified(sender: Any, changed: dict[Any, str], **kwargs: Any) -> None:
    """Keep each recommendation's copy of its measure's category."""
    from helhed.meetings.models import Recommendation

    for measure_id, category in changed.items():
        Recommendation.objects.filter(measure_id=measure_id).update(data_category=category)


def register() -> None:
    from helhed.courses.signals import measures_reclassified
    from helhed.meetings import selectors

    measures_reclassified.connect(_measures_reclassified, dispatch_uid="meetings:reclassified")

    register_course_section(
        CourseSection(
            key="meetings",
            label=_("Møder og opgaver"),
            order=20,
            url_name="meetings:course_section",
            tab="moeder",
        )
    )
    register_course_section(
        CourseSection(
            key="meetings-tasks",
            label=_("Åbne opgaver"),
            order=15,
            template="meetings/_course_tasks.html",
            context=_open_tasks,
        )
    )
    register_event_source("meetings", selectors.meeting_events)
    register_timeliness_source(
        "meetings",
        [
            TimelinessMetric(
                selectors.DAYS_TO_FIRST_MEETING, _("Dage fra henvisning til første møde"), _("dage")
            ),
            TimelinessMetric(
                selectors.DAYS_RECOMMENDATION_TO_RULING,
                _("Dage fra indstilling til afgørelse (gennemsnit)"),
                _("dage"),
            ),
            TimelinessMetric(
                selectors.OPEN_RECOMMENDATIONS, _("Åbne indstillinger"), _("indstillinger")
            ),
            TimelinessMetric(selectors.OVERDUE_TASKS, _("Overskredne opgaver"), _("opgaver")),
        ],
        selectors.timeliness,
    )
    register_alert_producer("meetings:overdue-tasks", overdue_task_alerts)
    register_panel(
        Panel(
            "meetings:my-tasks",
            "meetings/panels/my_tasks.html",
            _my_tasks,
            order=20,
            pages=frozenset({"home:fagperson", "home:koordinator"}),
        )
    )
    register_panel(
        Panel(
            "meetings:citizen",
            "meetings/panels/citizen_meetings.html",
            _citizen_meetings,
            order=20,
            pages=frozenset({"home:citizen"}),
        )
    )
    register_menu_item(
        "meetings:my_tasks", _("Mine opgaver"), frozenset({Role.KOORDINATOR, Role.FAGPERSON})
    )
    register_menu_item(
        "meetings:recommendations",
        _("Indstillinger"),
        frozenset({Role.KOORDINATOR, Role.FAGPERSON}),
    )
