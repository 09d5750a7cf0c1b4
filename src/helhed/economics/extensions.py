"""The economics app's contributions to pages and jobs it does not own: the menu entry and the
leaders' start-page panel ("Økonomi"), the coordinator's and the citizen's planned measurements,
the course page's "Økonomi" section (loaded by htmx from this app's own view, which checks access
and logs), and two producers for the daily job ``helhed alerts``: the contracts' indicator
evaluation and reminders of planned measurement points."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.core.context_processors import register_menu_item
from helhed.core.panels import Panel, register_panel
from helhed.courses.sections import CourseSection, register_course_section
from helhed.notifications.alerts import Alert, register_alert_producer


def _leader_panel(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.economics import access, selectors

    user = request.user
    if not access.economics_organisations(user):  # type: ignore[arg-type]
        return None
    initiatives = selectors.visible_initiatives(user)  # type: ignore[arg-type]
    contracts = selectors.visible_contracts(user)  # type: ignore[arg-type]
    return {"initiatives": initiatives[:10], "total": len(initiatives), "contracts": contracts[:10]}


def _coordinator_panel(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.core.selectors import today
    from helhed.economics import selectors

    due = selectors.coordinator_points(request.user)  # type: ignore[arg-type]
    if not due:
        return None
    return {"due": due, "today": today()}


def _citizen_panel(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.economics import selectors

    points = selectors.citizen_points(request.user)  # type: ignore[arg-type]
    if not points:
        return None
    return {"points": points}


def evaluate_indicators(today: date) -> Iterator[Alert]:
    """The daily evaluation of every open contract's indicators (results are stored, not
    notified): registered as a producer so that ``helhed alerts`` runs it every day."""
    from helhed.economics import services

    services.evaluate_contracts(today)
    return iter(())


def measurement_reminders(today: date) -> Iterator[Alert]:
    """A reminder to the coordinator a week before a planned measurement is due, and while it is
    overdue and not taken. No personal data in the text; the link leads to the course's
    economics page (access checked and logged there)."""
    from helhed.economics import selectors, texts

    for coordinator_id, enrolment, point in selectors.due_point_alerts(today):
        overdue = point.due < today
        yield Alert(
            recipient_id=coordinator_id,
            title=(
                _("En planlagt måling er overskredet: uge %(week)s (%(what)s)")
                if overdue
                else _("En planlagt måling forfalder snart: uge %(week)s (%(what)s)")
            )
            % {"week": point.week, "what": texts.instrument_label(point.instrument)},
            body=_("Se forløbets økonomi og resultatmål i Helhed."),
            url=reverse("economics:course", args=[enrolment.course_id]),
            dedupe_key=f"maalepunkt:{enrolment.pk}:{point.week}:{point.instrument}"
            + (":over" if overdue else ""),
        )


def course_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """A course saved with another initiative or coordinating organisation moves its cost rows'
    copies along (in the same transaction)."""
    if created or kwargs.get("raw"):
        return
    from helhed.economics import services

    organisation_id = instance.coordinator_unit.organisation_id
    services.course_moved(instance.pk, instance.initiative_id, organisation_id)


def measures_reclassified(sender: Any, changed: dict[Any, str], **kwargs: Any) -> None:
    """A cost row keeps its measure's data category: follow a reclassified legal basis."""
    from helhed.economics.models import CostEntry

    for measure_id, category in changed.items():
        CostEntry.objects.filter(measure_id=measure_id).update(category=category)


def register() -> None:
    from django.db.models.signals import post_save

    from helhed.courses.signals import measures_reclassified as reclassified
    from helhed.economics import access

    post_save.connect(course_saved, sender="courses.Course", dispatch_uid="economics.course_saved")
    reclassified.connect(measures_reclassified, dispatch_uid="economics:reclassified")
    register_menu_item("economics:index", gettext_lazy("Økonomi"), access.ROLES)
    register_panel(
        Panel(
            "economics:leader",
            "economics/panels/leader.html",
            _leader_panel,
            order=35,
            pages=frozenset({"home:leder", "home:analytiker"}),
        )
    )
    register_panel(
        Panel(
            "economics:coordinator",
            "economics/panels/coordinator.html",
            _coordinator_panel,
            order=25,
            pages=frozenset({"home:koordinator"}),
        )
    )
    register_panel(
        Panel(
            "economics:citizen",
            "economics/panels/citizen.html",
            _citizen_panel,
            order=25,
            pages=frozenset({"home:citizen"}),
        )
    )
    register_course_section(
        CourseSection(
            key="economics",
            label=gettext_lazy("Økonomi"),
            order=60,
            url_name="economics:course_section",
        )
    )
    register_alert_producer("economics:indicators", evaluate_indicators)
    register_alert_producer("economics:measurement-points", measurement_reminders)
