"""Alert producers for ``helhed alerts`` (the daily job): transitions ahead, gaps ahead and
unanswered handovers.

Each producer looks at the data *as of* the day it is given and returns ``Alert``\\ s whose
``dedupe_key`` names the situation (``overgang-18:<course>``), never the day, so running the job
twice — or every day of the alert window — notifies once. Titles and bodies carry no personal
data; the link leads to the course's "Overdragelser og overgange" page, where access applies.

Lead times: ``logic.DEFAULT_LEAD_DAYS``, overridden per kind by the setting
``HELHED_TRANSITION_LEAD_DAYS``; unanswered handovers escalate after
``HELHED_HANDOVER_ESCALATE_DAYS`` days (default 3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse

from helhed.core.models import Membership, Role
from helhed.courses.models import Course, CourseStatus, Measure, MeasureStatus
from helhed.handovers import logic
from helhed.handovers.models import Handover, InstitutionalStay
from helhed.handovers.selectors import escalate_after_days, lead_overrides, measure_periods
from helhed.notifications.alerts import Alert
from helhed.notifications.models import NotificationKind


def _section_url(course_id: Any) -> str:
    return reverse("handovers:course_section", args=[course_id])


def _years_back(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def transition_alerts(today: date) -> Iterable[Alert]:
    """16th and 18th birthdays and ends of stays whose alert window contains ``today``."""
    lead = lead_overrides()
    running = Course.objects.exclude(status=CourseStatus.CLOSED)
    for kind, years in ((logic.TURNS_16, 16), (logic.TURNS_18, 18)):
        days = logic.lead_days(kind, lead)
        # Birthdays between today and today + lead; one day of slack either side for 29 February.
        born_from = _years_back(today, years) - timedelta(days=1)
        born_to = _years_back(today + timedelta(days=days), years) + timedelta(days=1)
        rows = running.filter(citizen__birth_date__range=(born_from, born_to)).values_list(
            "pk", "coordinator_id", "citizen__birth_date"
        )
        for course_id, coordinator_id, born in rows.iterator(chunk_size=2000):
            t = next(x for x in logic.age_transitions(born, lead) if x.kind == kind)
            if not t.due_for_alert(today):
                continue
            yield Alert(
                recipient_id=coordinator_id,
                title=f"Overgang om {t.days_until(today)} dage i et forløb, du koordinerer",
                body=(
                    "En borger i et forløb, du koordinerer, står foran en overgang. Se forløbets "
                    "overdragelser og overgange, og sørg for at næste tilbud er klar."
                ),
                url=_section_url(course_id),
                dedupe_key=logic.transition_alert_key(t, course_id),
            )
        # The children of the families the running courses' plans cover.
        members = (
            running.filter(
                household__isnull=False,
                household__members__birth_date__range=(born_from, born_to),
            )
            .values_list(
                "pk",
                "coordinator_id",
                "citizen_id",
                "household__members__id",
                "household__members__birth_date",
            )
            .distinct()
        )
        for course_id, coordinator_id, citizen_id, member_id, born in members.iterator(
            chunk_size=2000
        ):
            if member_id == citizen_id:
                continue
            t = next(
                x for x in logic.age_transitions(born, lead, member=member_id) if x.kind == kind
            )
            if not t.due_for_alert(today):
                continue
            yield Alert(
                recipient_id=coordinator_id,
                title=(
                    f"Overgang om {t.days_until(today)} dage for et barn i et forløb, "
                    "du koordinerer"
                ),
                body=(
                    "Et barn i en familie, du koordinerer et forløb for, står foran en overgang. "
                    "Se forløbets overdragelser og overgange."
                ),
                url=_section_url(course_id),
                dedupe_key=logic.transition_alert_key(t, course_id),
            )
    max_lead = max(logic.lead_days(k, lead) for k in logic.STAY_CATEGORY)
    stays = (
        InstitutionalStay.objects.filter(
            actual_end__isnull=True,
            expected_end__gte=today,
            expected_end__lte=today + timedelta(days=max_lead),
        )
        .exclude(course__status=CourseStatus.CLOSED)
        .values_list("pk", "kind", "expected_end", "course_id", "course__coordinator_id")
    )
    for stay_id, kind, expected_end, course_id, coordinator_id in stays.iterator(chunk_size=2000):
        (t,) = logic.stay_transitions([logic.StayFacts(stay_id, kind, expected_end, None)], lead)
        if not t.due_for_alert(today):
            continue
        yield Alert(
            recipient_id=coordinator_id,
            title=f"Overgang om {t.days_until(today)} dage i et forløb, du koordinerer",
            body=(
                "Et ophold slutter snart for en borger i et forløb, du koordinerer. Aftal hvem "
                "der tager imod borgeren, så der ikke opstår et hul."
            ),
            url=_section_url(course_id),
            dedupe_key=logic.transition_alert_key(t, course_id),
        )


def gap_alerts(today: date) -> Iterable[Alert]:
    """Planned gaps: a measure ending (or expected to end) within the gap lead time with
    nothing covering the next day — found by the same ``logic.gap_picture`` as the page, its
    summary and the API (``selectors.course_gap_picture``), so an alert is about a gap the page
    shows, with the same first day."""
    lead = logic.lead_days("gap", lead_overrides())
    window = (today, today + timedelta(days=lead))
    ending = Q(end_date__range=window) | Q(
        end_date__isnull=True,
        expected_end__range=window,
        status__in=[MeasureStatus.PLANNED, MeasureStatus.ACTIVE, MeasureStatus.PAUSED],
    )
    courses = {
        c.pk: c
        for c in Course.objects.filter(
            pk__in=Measure.objects.filter(ending, start_date__isnull=False).values(
                "plan__course_id"
            )
        )
        .exclude(status=CourseStatus.CLOSED)
        .only("pk", "status", "end_date", "coordinator_id")
    }
    periods = measure_periods(list(courses), on=today)
    for course_id, course in courses.items():
        picture = logic.gap_picture(
            periods.get(course_id, []),
            today,
            running=course.status != CourseStatus.CLOSED,
            course_end=course.end_date,
        )
        for gap in logic.gaps_to_alert(picture, today, lead):
            days = (gap.first_day - today).days
            yield Alert(
                recipient_id=course.coordinator_id,
                title=f"Hul om {days} dage: en indsats slutter, uden at en ny starter",
                body=(
                    "En indsats i et forløb, du koordinerer, slutter snart, og der er ikke "
                    "planlagt noget, der tager over. Borgeren risikerer ventetid."
                ),
                url=_section_url(course_id),
                dedupe_key=gap.alert_key,
            )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def handover_alerts(today: date) -> Iterable[Alert]:
    """Escalation: handovers unanswered (not acknowledged, or acknowledged without confirmed
    knowledge of the situation) for ``HELHED_HANDOVER_ESCALATE_DAYS`` calendar days (counted
    from the request, or from the reopening after "did not arrive") go to the sender, the
    course's coordinator and the receiving unit's staff; after twice as long to the receiving
    unit's leader; handovers overtaken but without an arrival report a week after
    the expected start go to the receiver's reporter (the coordinator)."""
    days = escalate_after_days()
    cutoff = _start_of(today - timedelta(days=days) + timedelta(days=1))
    second_cutoff = _start_of(today - timedelta(days=2 * days) + timedelta(days=1))
    # Waiting since the request, or since the reopening after "did not arrive" (calendar days).
    unanswered = list(
        Handover.objects.annotate(since=Coalesce("reopened_at", "requested_at"))
        .filter(status__in=[logic.REQUESTED, logic.ACCEPTED], since__lt=cutoff)
        .values_list(
            "pk",
            "status",
            "reopened_count",
            "requested_by_id",
            "course__coordinator_id",
            "to_unit_id",
            "since",
        )
    )
    staff: dict[Any, set[Any]] = defaultdict(set)
    leaders: dict[Any, set[Any]] = defaultdict(set)
    to_units = {row[5] for row in unanswered if row[5] is not None}
    if to_units:
        members = (
            Membership.objects.filter(unit_id__in=to_units)
            .valid_on(today)
            .values_list("unit_id", "user_id", "role")
        )
        for unit_id, user_id, role in members:
            staff[unit_id].add(user_id)
            if role == Role.LEDER:
                leaders[unit_id].add(user_id)
    for pk, status, reopened, sender_id, coordinator_id, to_unit_id, since in unanswered:
        what = "ikke kvitteret" if status == logic.REQUESTED else "kvitteret, men ikke overtaget"
        url = reverse("handovers:detail", args=[pk])
        key = f"overdragelse-ubesvaret:{pk}:{status}:{reopened}"
        # Level 1: the sender side and the receiving unit's staff.
        for recipient in {sender_id, coordinator_id} | staff.get(to_unit_id, set()):
            yield Alert(
                recipient_id=recipient,
                title=f"Overdragelse {what} efter {days} dage",
                body=(
                    "Afsenderen har stadig ansvaret for borgeren. Modtageren skal kvittere og "
                    "bekræfte at kende borgerens situation, eller afvise med en begrundelse."
                ),
                url=url,
                dedupe_key=f"{key}:1",
            )
        # Level 2 after twice as long: the receiving unit's leader.
        if since < second_cutoff:
            for recipient in leaders.get(to_unit_id, set()):
                yield Alert(
                    recipient_id=recipient,
                    title=f"Overdragelse til jeres enhed {what} efter {2 * days} dage",
                    body=(
                        "En overdragelse til en enhed, du er leder for, er stadig ikke besvaret. "
                        "Sørg for, at nogen kvitterer eller afviser."
                    ),
                    url=url,
                    dedupe_key=f"{key}:2",
                )
    late = today - timedelta(days=7)
    no_report = Handover.objects.filter(
        status=logic.IN_PROGRESS, expected_start__isnull=False, expected_start__lte=late
    ).values_list("pk", "reopened_count", "requested_by_id", "course__coordinator_id")
    for pk, reopened, sender_id, coordinator_id in no_report.iterator(chunk_size=2000):
        for recipient in {sender_id, coordinator_id}:
            yield Alert(
                recipient_id=recipient,
                title="Ingen melding om fremmøde efter overdragelse",
                body="Det er en uge efter forventet start. Meld om borgeren er mødt op.",
                url=reverse("handovers:detail", args=[pk]),
                kind=NotificationKind.HANDOVER,
                dedupe_key=f"overdragelse-fremmoede:{pk}:{reopened}",
            )
