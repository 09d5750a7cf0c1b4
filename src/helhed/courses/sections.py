"""Course sections and timeline events: how higher apps add to the course page and its timeline.

The course page belongs to ``courses``; meetings, handovers, progress and economics belong to apps
built on top of it. Each of them registers a :class:`CourseSection` from its ``extensions.py``
(``core.extension_points``; ``courses.checks`` checks URL names and templates at start-up):

* a *lazy* section (``url_name``) is loaded by htmx after the page has rendered, from a view that
  takes ``course_id`` and answers with a fragment for htmx requests (``HX-Request``) and with a
  whole page otherwise, so the course page's own query count does not grow with every app and the
  section still works without JavaScript (the placeholder links to it);
* an *inline* section (``template`` + ``context``) is rendered with the page; its ``context`` gets
  the request and the course's ``courses.selectors.CourseOverview`` and returns ``None`` when it
  has nothing to show. Use it only for small summaries (one query);
* a *sub-page* (``tab`` + ``url_name``) is not shown on the course's first screen: it is a tab in
  the course's tab bar (:func:`course_tabs`) that links to the app's own page at ``url_name``
  (taking ``course_id``). That page checks access and logs the read itself, and renders the same
  header and tab bar as the course's other pages with
  ``{% include "courses/_course_header.html" with course=course tab="<tab>" %}``.

The course page's own tabs (overview, plan, demands, appointments, history) are in
:data:`COURSE_TABS`; each has a stable URL under ``/forloeb/<id>/``.

Timeline events (meetings held, measures started, handovers, …) come from sources registered with
:func:`register_event_source`; progress charts mark them on their time axis.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from helhed.core.extension_points import claim

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import StrOrPromise

    from helhed.courses.selectors import CourseOverview

# An inline section's context: what its template needs, or None when it has nothing to show.
SectionContext = Callable[[HttpRequest, "CourseOverview"], "dict[str, object] | None"]


@dataclass(frozen=True)
class CourseSection:
    key: str
    label: StrOrPromise
    order: int = 100
    url_name: str | None = None
    template: str | None = None
    context: SectionContext | None = None
    # A sub-page: the tab's slug (``aria-current`` on the app's page, ``id`` of the tab). The tab
    # links to ``url_name``; ``label`` is the tab's text.
    tab: str | None = None


@dataclass(frozen=True)
class CourseTab:
    """One tab of the course's tab bar: a link to a page about the course."""

    slug: str
    label: StrOrPromise
    url_name: str
    order: int


# The course page's own pages (``courses.views.detail``), in the tab bar with the sections'
# sub-pages between them (by ``order``).
COURSE_TABS: tuple[CourseTab, ...] = (
    CourseTab("overblik", gettext_lazy("Overblik"), "courses:course_detail", 0),
    CourseTab("plan", gettext_lazy("Plan"), "courses:course_plan", 10),
    CourseTab("krav", gettext_lazy("Krav"), "courses:course_demands", 12),
    CourseTab("aftaler", gettext_lazy("Aftaler"), "courses:course_appointments", 14),
    CourseTab("historik", gettext_lazy("Historik"), "courses:course_history", 90),
)

_SECTIONS: dict[str, CourseSection] = {}


def register_course_section(section: CourseSection) -> None:
    if section.tab is not None:
        if section.url_name is None or section.template is not None:
            raise ValueError(f"section {section.key!r}: a sub-page (tab) needs url_name only")
        if section.tab in {t.slug for t in COURSE_TABS}:
            raise ValueError(f"section {section.key!r}: the tab {section.tab!r} is the course's")
    elif (section.url_name is None) == (section.template is None):
        raise ValueError(f"section {section.key!r}: give either url_name or template")
    claim("course section", section.key)
    _SECTIONS[section.key] = section


def course_sections() -> list[CourseSection]:
    """Every registered section, sub-pages included."""
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def first_screen_sections() -> list[CourseSection]:
    """The sections shown on the course's first screen (inline summaries and lazy sections)."""
    return [s for s in course_sections() if s.tab is None]


def course_tabs() -> list[CourseTab]:
    """The course's tab bar: its own pages and the sections' sub-pages, by ``order``."""
    tabs = list(COURSE_TABS)
    for section in course_sections():
        if section.tab is not None and section.url_name is not None:
            tabs.append(CourseTab(section.tab, section.label, section.url_name, section.order))
    return sorted(tabs, key=lambda t: (t.order, t.slug))


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event in a course, for timelines and chart markers."""

    course_id: uuid.UUID
    on: date
    kind: str  # e.g. "meeting", "measure-start", "handover"
    label: str  # short, already translated
    url: str = ""
    # The data category the label reveals (plan, health, social, crime, economy): callers show
    # an event only to a reader who may see that category (``events_for_courses(..., may=)``).
    category: str = "plan"


EventSource = Callable[[Sequence[uuid.UUID]], Iterable[TimelineEvent]]
_EVENT_SOURCES: dict[str, EventSource] = {}


def register_event_source(key: str, source: EventSource) -> None:
    """``source(course_ids)`` returns the events of those courses. It must not check access:
    callers have already done so for the courses they pass."""
    claim("timeline event source", key)
    _EVENT_SOURCES[key] = source


def events_for_courses(
    course_ids: Sequence[uuid.UUID], may: Callable[[str], bool] | None = None
) -> list[TimelineEvent]:
    """The events of the given courses in date order; with ``may`` (e.g. ``Access.may``) only
    those whose category the reader may see."""
    events: list[TimelineEvent] = []
    for key in sorted(_EVENT_SOURCES):
        events.extend(e for e in _EVENT_SOURCES[key](course_ids) if may is None or may(e.category))
    events.sort(key=lambda e: (e.on, e.kind, e.label))
    return events


# Timeliness figures per course (days from referral to first meeting, recommendation to ruling,
# handover acknowledgement, gap days, …). Meetings and handovers register sources; the progress
# dashboard and the API read them per course and aggregate per initiative and start cohort.
FigureValue = float | int | None
TimelinessSource = Callable[[Sequence[uuid.UUID]], dict[uuid.UUID, dict[str, FigureValue]]]


@dataclass(frozen=True)
class TimelinessMetric:
    key: str  # e.g. "days_referral_to_first_meeting"
    label: StrOrPromise
    unit: StrOrPromise  # e.g. "dage"


_TIMELINESS: dict[str, tuple[list[TimelinessMetric], TimelinessSource]] = {}


def register_timeliness_source(
    key: str, metrics: list[TimelinessMetric], source: TimelinessSource
) -> None:
    """``source(course_ids)`` returns ``{course_id: {metric key: value}}`` for the given courses
    (a course or metric without a value may be left out). A handful of aggregate queries, not one
    per course: the dashboard asks for 20,000 courses at a time. No access check inside: callers
    pass courses they may see (or aggregate without showing individual citizens)."""
    claim("timeliness source", key)
    _TIMELINESS[key] = (metrics, source)


def timeliness_metrics() -> list[TimelinessMetric]:
    return [m for key in sorted(_TIMELINESS) for m in _TIMELINESS[key][0]]


def timeliness_for_courses(
    course_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, dict[str, FigureValue]]:
    result: dict[uuid.UUID, dict[str, FigureValue]] = {cid: {} for cid in course_ids}
    for key in sorted(_TIMELINESS):
        for cid, values in _TIMELINESS[key][1](course_ids).items():
            result.setdefault(cid, {}).update(values)
    return result
