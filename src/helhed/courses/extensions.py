"""The courses app's contributions to pages owned by core: start-page panels, menu entries and
the resolver from a citizen login to the citizen record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.core.models import Role
from helhed.core.panels import Panel, register_citizen_resolver, register_panel
from helhed.courses.sections import TimelineEvent, register_event_source
from helhed.notifications.alerts import Alert, register_alert_producer

TEAM_COURSES_CAP = 100
CASELOAD_SHOWN = 10


def _caseload(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.courses import selectors

    # The first ten by name, and the number of them all: only the citizens shown are read and
    # logged.
    rows = selectors.caseload(request.user, first=CASELOAD_SHOWN)  # type: ignore[arg-type]
    if len(rows) < CASELOAD_SHOWN:
        return {"rows": rows, "total": len(rows)}
    return {"rows": rows, "total": selectors.caseload_count(request.user)}  # type: ignore[arg-type]


def _my_citizen(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.courses import selectors

    view = selectors.citizen_view(request.user)  # type: ignore[arg-type]
    return {"view": view} if view is not None else None


def _team_courses(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.courses import selectors

    # Counting every visible course means checking each against team and consent (3 s for a
    # Jobcenter on 33,000 teams at 300,000 citizens): count up to the cap and show "100+".
    count = selectors.visible_count(request.user, TEAM_COURSES_CAP)  # type: ignore[arg-type]
    return {"count": min(count, TEAM_COURSES_CAP), "more": count > TEAM_COURSES_CAP}


def _without_consent_reviews(request: HttpRequest) -> dict[str, Any] | None:
    """A leader's count of accesses without consent from their organisations that nobody has
    reviewed yet (the list itself names no citizen)."""
    from helhed.courses import selectors

    if not selectors.review_organisations(request.user):  # type: ignore[arg-type]
        return None
    pending = selectors.without_consent_reviews(request.user, pending_only=True)  # type: ignore[arg-type]
    return {"pending": pending.count()}


def _plan_events(course_ids: Sequence[Any]) -> Iterable[TimelineEvent]:
    """Measures starting and ending, for the progress charts' time axis."""
    from helhed.courses.models import Measure

    rows = Measure.objects.filter(plan__course__in=list(course_ids)).values_list(
        "plan__course_id", "title", "start_date", "end_date", "data_category"
    )
    for course_id, title, start, end, category in rows:
        if start is not None:
            label = gettext("Indsats starter: %(title)s") % {"title": title}
            yield TimelineEvent(course_id, start, "measure-start", label, category=category)
        if end is not None:
            label = gettext("Indsats slutter: %(title)s") % {"title": title}
            yield TimelineEvent(course_id, end, "measure-end", label, category=category)


def _consent_expiry_alerts(today: date) -> Iterable[Alert]:
    """The coordinator is told once per consent when the last valid consent of an open course
    expires within 30 days (the caseload shows the same)."""
    from django.db.models import Exists, OuterRef, Q

    from helhed.courses.models import Consent, CourseStatus
    from helhed.courses.selectors import CONSENT_EXPIRY_WARNING

    horizon = today + CONSENT_EXPIRY_WARNING
    valid = Q(valid_from__lte=today) & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
    lasting = Consent.objects.filter(valid, course=OuterRef("course")).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=horizon)
    )
    expiring = (
        Consent.objects.filter(valid, valid_to__gte=today, valid_to__lte=horizon)
        .exclude(course__status=CourseStatus.CLOSED)
        .filter(~Exists(lasting))
        .values_list("pk", "course_id", "course__coordinator_id", "valid_to")
    )
    for consent_id, course_id, coordinator_id, valid_to in expiring:
        assert valid_to is not None  # filtered on above
        yield Alert(
            recipient_id=coordinator_id,
            title=gettext("Et samtykke udløber %(date)s") % {"date": valid_to.strftime("%d.%m.%Y")},
            body=gettext("Forny samtykket med borgeren, før det udløber."),
            url=reverse("courses:course_detail", args=[course_id]),
            dedupe_key=f"samtykke-udloeber:{consent_id}:{valid_to.isoformat()}",
        )


def register() -> None:
    from helhed.courses import selectors

    register_citizen_resolver(selectors.citizen_id_for_user)
    register_event_source("courses:measures", _plan_events)
    register_alert_producer("courses:consent-expiry", _consent_expiry_alerts)
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
            "courses:without-consent-reviews",
            "courses/panels/without_consent_reviews.html",
            _without_consent_reviews,
            order=5,
            pages=frozenset({"home:leder"}),
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
    register_menu_item(
        "courses:course_list", _("Forløb"), frozenset({Role.KOORDINATOR, Role.FAGPERSON})
    )
