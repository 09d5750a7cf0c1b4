"""What the handovers app adds to pages and jobs owned by lower apps: the course-page section,
timeline events, timeliness figures, start-page panels, the menu entry and the alert producers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.core.models import Role
from helhed.core.panels import Panel, register_panel
from helhed.core.selectors import roles_of
from helhed.courses.sections import (
    CourseSection,
    TimelineEvent,
    TimelinessMetric,
    register_course_section,
    register_event_source,
    register_timeliness_source,
)

TIMELINESS_METRICS = [
    TimelinessMetric("handover_ack_hours", _("Tid til kvittering for overdragelse"), _("timer")),
    TimelinessMetric("handovers_waiting", _("Overdragelser der venter på kvittering"), _("antal")),
    TimelinessMetric("gap_days_total", _("Dage uden indsats (huller i alt)"), _("dage")),
    TimelinessMetric("gap_days_longest", _("Længste hul mellem indsatser"), _("dage")),
    TimelinessMetric("contact_persons_current", _("Kontaktpersoner nu"), _("antal")),
    TimelinessMetric("contact_person_changes", _("Skift af kontaktperson"), _("antal")),
]


def timeline_events(course_ids: Sequence[Any]) -> Iterable[TimelineEvent]:
    """Handover steps and the 16th/18th birthdays. Stays are left out: a timeline is shown to
    everyone with access to the course, and a stay's kind is health or crime data."""
    from django.utils import timezone

    from helhed.courses.models import Course
    from helhed.handovers import logic

    # One query for both (a page's query budget is 15): the courses with their citizen's birth
    # date, left-joined to their handovers' events (a course without handovers gives one row of
    # None).
    rows = Course.objects.filter(pk__in=list(course_ids)).values_list(
        "pk",
        "citizen__birth_date",
        "handovers__events__handover_id",
        "handovers__events__at",
        "handovers__events__action",
        "handovers__to_unit__name",
        "handovers__external_organisation",
        "handovers__measure_category",
        "handovers__to_unit__data_category",
    )
    born_on: dict[Any, Any] = {}
    for course_id, born, handover_id, at, action, unit_name, external, cat, unit_cat in rows:
        born_on[course_id] = born
        if handover_id is None or action == logic.ACCEPT:
            continue
        receiver = unit_name or external
        # The label names the receiving unit: its own category (a "Rusmiddelcenter" is health
        # data), else the measure's.
        category = logic.handover_category(cat, unit_cat)
        yield TimelineEvent(
            course_id=course_id,
            on=timezone.localdate(at),
            kind="handover",
            label=f"{logic.ACTION_LABELS.get(action, action)}: {receiver}",
            url=reverse("handovers:detail", args=[handover_id]),
            category=category,
        )
    for course_id, born in born_on.items():
        for t in logic.age_transitions(born):
            yield TimelineEvent(
                course_id=course_id,
                on=t.on,
                kind="transition",
                label=t.label,
                url=reverse("handovers:course_section", args=[course_id]),
            )


def _waiting_panel(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.handovers import selectors

    rows = selectors.waiting_for_my_units(request.user)  # type: ignore[arg-type]
    return {"rows": rows} if rows else None


def _coordinator_panel(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.handovers import selectors

    user = request.user
    if Role.KOORDINATOR not in roles_of(user):  # type: ignore[arg-type]
        return None
    overview = selectors.coordinator_overview(
        user,  # type: ignore[arg-type]
        horizon_days=120,
        handovers_shown=0,  # the panel shows only how many
        transitions_shown=10,
    )
    if not overview.handover_count and not overview.transitions:
        return None
    return {"handovers_count": overview.handover_count, "transitions": overview.transitions}


def _measures_reclassified(sender: Any, changed: dict[Any, str], **kwargs: Any) -> None:
    """Keep each handover's copy of its measure's category (used once the measure is gone)."""
    from helhed.handovers.models import Handover

    for measure_id, category in changed.items():
        Handover.objects.filter(measure_id=measure_id).update(measure_category=category)


def register() -> None:
    from helhed.courses.signals import measures_reclassified
    from helhed.handovers import alerts, selectors
    from helhed.notifications.alerts import register_alert_producer

    measures_reclassified.connect(_measures_reclassified, dispatch_uid="handovers:reclassified")

    register_course_section(
        CourseSection(
            key="handovers",
            label=_("Overdragelser og overgange"),
            order=40,
            url_name="handovers:course_section",
            tab="overdragelser",
        )
    )
    register_event_source("handovers", timeline_events)
    register_timeliness_source("handovers", TIMELINESS_METRICS, selectors.timeliness_for)
    register_alert_producer("handovers:transitions", alerts.transition_alerts)
    register_alert_producer("handovers:gaps", alerts.gap_alerts)
    register_alert_producer("handovers:unanswered", alerts.handover_alerts)
    register_panel(
        Panel(
            "handovers:waiting",
            "handovers/panels/waiting.html",
            _waiting_panel,
            order=20,
            pages=frozenset({"home:koordinator", "home:fagperson"}),
        )
    )
    register_panel(
        Panel(
            "handovers:ahead",
            "handovers/panels/ahead.html",
            _coordinator_panel,
            order=21,
            pages=frozenset({"home:koordinator"}),
        )
    )
    register_menu_item(
        "handovers:overview", _("Overdragelser"), frozenset({Role.KOORDINATOR, Role.FAGPERSON})
    )
