"""Everything Helhed holds about one citizen (databeskyttelsesforordningen art. 15).

:func:`collect` gathers it from every app into an :class:`Export` of named sections; the JSON and
the readable HTML document are two renderings of the same export. :data:`SECTIONS` is the explicit
registry — model → section and the rows of it that concern the citizen — and
:data:`NOT_PERSONAL` names the models that reference a citizen by the rule in
:func:`citizen_models` but hold nothing about them, with the reason. A test walks every installed
model and fails, naming the model, when one references a citizen and is in neither.

**The family rule.** A course is the course of one citizen (``Course.citizen``) and may cover their
household. The citizen's *own* courses are exported whole — the shared plan (goals without a
``person``, measures, demands, appointments, meetings, handovers, measurements) is theirs — except
what belongs to another member: another member's own goals (``Goal.person``) with their sub-goals,
the measures that serve only those goals and the measurements of them, another child's own
perspective, and the plan versions' copies of those goals. From a course in which the citizen is
only a household member (a child in a parent's course) the export holds only what is theirs: the
course's plain facts (initiative, status, dates, coordinator), their own goals with sub-goals,
measures serving them and their measurements, their own perspective, the consents that name them
and their own meeting participations — never the parent's plan, team, texts or minutes. Another
person named in a row is shown as "Et andet familiemedlem" (no id, no CPR number), except in the
household and its relations, which name the members as the citizen registered them. Names of
professionals and units are shown (the citizen's access log shows them too).

Nothing here checks who asks: :mod:`helhed.gdpr.services` does, and writes the access log.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext_lazy as _

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import User
from helhed.courses.models import Citizen, Course
from helhed.courses.selectors import (
    Access,
    NoAccessError,
    access_for,
    citizen_for_user,
    log_course_read,
)
from helhed.gdpr.models import DataSubjectRequest, RequestKind
from helhed.meetings.models import Meeting

FORMAT = "helhed-indsigt"
FORMAT_VERSION = 1
OTHER_PERSON = _("Et andet familiemedlem")
# Fields never exported: secrets and internal bookkeeping that say nothing about the person.
SECRET_FIELDS = frozenset({"password"})
# The plain facts of a course in which the citizen is only a household member.
FAMILY_COURSE_FIELDS = (
    "id",
    "initiative",
    "household",
    "status",
    "referred_on",
    "start_date",
    "end_date",
    "coordinator",
    "coordinator_unit",
)
# Sections that name the other members of the household (as the citizen registered them).
NAMES_FAMILY = frozenset({"household", "household_relations"})


# --------------------------------------------------------------------------------------------
# Which models reference a citizen (the rule the completeness test applies)
# --------------------------------------------------------------------------------------------


def _targets(model: type[models.Model]) -> Iterator[type[models.Model]]:
    """The models ``model`` points at: forward foreign keys, one-to-ones and its own
    many-to-manys (not the reverse side, not auto-created through tables)."""
    for f in model._meta.get_fields():
        forward = f.many_to_one or f.one_to_one or f.many_to_many
        if f.is_relation and not f.auto_created and f.related_model is not None and forward:
            yield f.related_model


def citizen_models() -> set[str]:
    """Every installed model that references a citizen: ``Citizen`` itself, every model with a
    foreign-key, one-to-one or many-to-many path to it (directly or through a course, plan,
    meeting, handover, …), and every model with a ``citizen_id`` UUID field that is not a foreign
    key (the access log keeps the citizen by id so it never cascades away)."""
    found: set[type[models.Model]] = {Citizen}
    for model in apps.get_models():
        try:
            f = model._meta.get_field("citizen_id")
        except Exception:
            continue
        if isinstance(f, models.UUIDField):
            found.add(model)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model not in found and any(t in found for t in _targets(model)):
                found.add(model)
                changed = True
    return {m._meta.label for m in found}


# --------------------------------------------------------------------------------------------
# What concerns the citizen
# --------------------------------------------------------------------------------------------


@dataclass
class Scope:
    citizen: Citizen
    own_courses: list[uuid.UUID]  # the citizen's own courses: exported whole (the family rule)
    family_courses: list[uuid.UUID]  # courses they are only a household member of
    goals: set[uuid.UUID] = field(default_factory=set)  # goals that are theirs
    others_goals: set[uuid.UUID] = field(default_factory=set)  # other members' own goals

    @property
    def all_courses(self) -> list[uuid.UUID]:
        return self.own_courses + self.family_courses


def scope_for(citizen: Citizen) -> Scope:
    from helhed.courses.models import Goal

    own = list(Course.objects.filter(citizen=citizen).values_list("id", flat=True))
    family = list(
        Course.objects.filter(household__members=citizen)
        .exclude(citizen=citizen)
        .values_list("id", flat=True)
        .distinct()
    )
    scope = Scope(citizen, own, family)
    for goal_id, course_id, person_id in Goal.objects.filter(
        plan__course__in=own + family
    ).values_list("id", "plan__course_id", "person_id"):
        mine = person_id == citizen.pk or (person_id is None and course_id in own)
        (scope.goals if mine else scope.others_goals).add(goal_id)
    return scope


def _measures(s: Scope) -> Iterable[Any]:
    from helhed.courses.models import Measure

    rows = Measure.objects.filter(
        Q(plan__course__in=s.own_courses) | Q(goals__in=s.goals)
    ).distinct()
    result = []
    for m in rows.prefetch_related("goals"):
        goal_ids = {g.pk for g in m.goals.all()}
        # A measure that serves only other members' own goals is theirs, not the citizen's.
        if goal_ids and not (goal_ids & s.goals):
            continue
        result.append(m)
    return result


def _own(path: str) -> Callable[[Scope], Q]:
    return lambda s: Q(**{f"{path}__in": s.own_courses})


def _consents(prefix: str = "") -> Callable[[Scope], Q]:
    """The consents that concern the citizen: in their own courses the course's consents except
    a household member's own (a 15+ member's consent is theirs, not the parent's); in a family
    member's course the consents that cover them as a child or are their own."""

    def q(s: Scope) -> Q:
        p = prefix
        return (
            Q(**{f"{p}course__in": s.own_courses, f"{p}person__isnull": True})
            | Q(**{f"{p}course__in": s.own_courses, f"{p}person": s.citizen})
            | Q(**{f"{p}course__in": s.family_courses, f"{p}children": s.citizen})
            | Q(**{f"{p}course__in": s.family_courses, f"{p}person": s.citizen})
        )

    return q


def _plan_versions(s: Scope) -> Iterable[Any]:
    from helhed.courses.models import PlanVersion

    rows = list(PlanVersion.objects.filter(plan__course__in=s.own_courses).order_by("number"))
    others = {str(g) for g in s.others_goals}
    for v in rows:
        snap = dict(v.snapshot or {})
        if others:
            snap["goals"] = [g for g in snap.get("goals", []) if g.get("id") not in others]
            snap["measures"] = [
                m
                for m in snap.get("measures", [])
                if not m.get("goals") or set(m["goals"]) - others
            ]
            v.changes = []  # the change texts may quote another member's goal
        v.snapshot = snap
    return rows


def _notifications(s: Scope) -> Iterable[Any]:
    from helhed.notifications.models import Notification

    q = Q(recipient_id=s.citizen.user_id) if s.citizen.user_id else Q(pk__in=[])
    for course_id in s.own_courses:
        q |= Q(url__contains=str(course_id))
    return Notification.objects.filter(q).select_related("recipient")


Query = Callable[[Scope], "Q | Iterable[Any]"]


@dataclass(frozen=True)
class Section:
    key: str  # the JSON key (stable)
    title: Any  # the heading (translated)
    model: str  # app_label.ModelName
    query: Query  # a filter on the model, or the rows themselves
    order_by: tuple[str, ...] = ()
    fields: tuple[str, ...] | None = None  # None: every field


SECTIONS: tuple[Section, ...] = (
    Section("citizen", _("Borger"), "courses.Citizen", lambda s: Q(pk=s.citizen.pk)),
    Section(
        "account",
        _("Borgerens login"),
        "core.User",
        lambda s: Q(pk=s.citizen.user_id) if s.citizen.user_id else Q(pk__in=[]),
    ),
    Section("relatives", _("Pårørende"), "courses.Relative", lambda s: Q(citizen=s.citizen)),
    Section("household", _("Husstand"), "courses.Household", lambda s: Q(members=s.citizen)),
    Section(
        "household_relations",
        _("Familierelationer"),
        "courses.HouseholdRelation",
        lambda s: Q(from_citizen=s.citizen) | Q(to_citizen=s.citizen),
    ),
    Section(
        "courses",
        _("Forløb"),
        "courses.Course",
        lambda s: Q(pk__in=s.own_courses),
        ("referred_on",),
    ),
    Section(
        "family_courses",
        _("Forløb, hvor borgeren er med som familiemedlem"),
        "courses.Course",
        lambda s: Q(pk__in=s.family_courses),
        ("referred_on",),
        FAMILY_COURSE_FIELDS,
    ),
    Section(
        "coordinator_changes",
        _("Skift af koordinator"),
        "courses.CoordinatorChange",
        _own("course"),
        ("changed_at",),
    ),
    Section(
        "consents",
        _("Samtykker"),
        "courses.Consent",
        _consents(),
        ("valid_from",),
    ),
    Section(
        "consent_history",
        _("Samtykkernes historik"),
        "courses.ConsentEvent",
        _consents("consent__"),
        ("at",),
    ),
    Section(
        "consent_documents",
        _("Underskrevne samtykkeerklæringer"),
        "courses.ConsentDocument",
        _consents("consent__"),
        ("uploaded_at",),
        ("consent", "original_name", "content_type", "size", "sha256", "uploaded_at"),
    ),
    Section(
        "without_consent_accesses",
        _("Adgang uden samtykke"),
        "courses.WithoutConsentAccess",
        _own("course"),
        ("opened_at",),
    ),
    Section("join_requests", _("Anmodninger om at deltage"), "courses.JoinRequest", _own("course")),
    Section("team", _("Team og kontaktpersoner"), "courses.TeamMember", _own("course")),
    Section("plans", _("Planer"), "courses.Plan", _own("course")),
    Section("plan_versions", _("Planens versioner"), "courses.PlanVersion", _plan_versions),
    Section("goals", _("Mål"), "courses.Goal", lambda s: Q(id__in=s.goals), ("plan", "priority")),
    Section("subgoals", _("Delmål"), "courses.SubGoal", lambda s: Q(goal__in=s.goals), ("goal",)),
    Section(
        "child_perspectives",
        _("Barnets eget perspektiv"),
        "courses.ChildPerspective",
        lambda s: Q(child=s.citizen),
    ),
    Section("measures", _("Indsatser"), "courses.Measure", _measures),
    Section("demands", _("Krav"), "courses.Demand", _own("plan__course")),
    Section(
        "demand_conflicts", _("Modstridende krav"), "courses.DemandConflict", _own("plan__course")
    ),
    Section(
        "appointments",
        _("Aftaler"),
        "courses.Appointment",
        _own("plan__course"),
        ("starts_at",),
    ),
    Section("meetings", _("Møder"), "meetings.Meeting", _own("course")),
    Section(
        "meeting_participants",
        _("Mødedeltagere"),
        "meetings.Participant",
        lambda s: Q(meeting__course__in=s.own_courses) | Q(household_member=s.citizen),
    ),
    Section(
        "meeting_times",
        _("Foreslåede mødetider"),
        "meetings.ProposedTime",
        _own("meeting__course"),
    ),
    Section(
        "meeting_availability",
        _("Svar på mødetider"),
        "meetings.Availability",
        _own("proposed_time__meeting__course"),
    ),
    Section("decisions", _("Beslutninger"), "meetings.Decision", _own("meeting__course")),
    Section("tasks", _("Opgaver"), "meetings.Task", _own("course")),
    Section("recommendations", _("Indstillinger"), "meetings.Recommendation", _own("course")),
    Section("rulings", _("Afgørelser"), "meetings.Ruling", _own("course")),
    Section("handovers", _("Overdragelser"), "handovers.Handover", _own("course")),
    Section(
        "handover_events",
        _("Overdragelsernes forløb"),
        "handovers.HandoverEvent",
        _own("handover__course"),
    ),
    Section(
        "stays",
        _("Ophold på institution"),
        "handovers.InstitutionalStay",
        _own("course"),
    ),
    Section(
        "measurements",
        _("Målinger (WHO-5, GAS, livsområder)"),
        "progress.Measurement",
        lambda s: Q(course__in=s.own_courses, goal__isnull=True) | Q(goal__in=s.goals),
        ("measured_on",),
    ),
    Section("outcomes", _("Resultater"), "progress.OutcomeState", _own("course")),
    Section(
        "course_summaries",
        _("Opsummering af progression"),
        "progress.CourseSummary",
        _own("course"),
    ),
    Section(
        "measurement_schedules",
        _("Måleplaner"),
        "progress.MeasurementSchedule",
        _own("course"),
    ),
    Section("costs", _("Udgifter til forløbet"), "economics.CostEntry", _own("course")),
    Section(
        "contract_enrolments",
        _("Tilmelding til resultatkontrakter"),
        "economics.Enrolment",
        _own("course"),
    ),
    Section(
        "contract_results",
        _("Resultater i resultatkontrakter"),
        "economics.IndicatorResult",
        _own("enrolment__course"),
    ),
    Section(
        "team_workgroups",
        _("Teammedlemmernes arbejdsgrupper"),
        "coordination.TeamMemberWorkgroup",
        _own("team_member__course"),
    ),
    Section("notifications", _("Notifikationer"), "notifications.Notification", _notifications),
    Section(
        "requests",
        _("Anmodninger om indsigt, sletning og begrænsning"),
        "gdpr.DataSubjectRequest",
        lambda s: Q(citizen=s.citizen),
        ("registered_at",),
    ),
    Section(
        "access_log",
        _("Adgangslog: hvem har set dine oplysninger"),
        "audit.AccessLogEntry",
        lambda s: Q(citizen_id=s.citizen.pk),
        ("at",),
    ),
)

# Models that reference a citizen by the rule in ``citizen_models`` but hold nothing about them.
NOT_PERSONAL: dict[str, str] = {}


# --------------------------------------------------------------------------------------------
# Rendering rows as plain values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    value: Any  # the JSON value
    text: str  # the readable value


@dataclass(frozen=True)
class ExportSection:
    key: str
    title: str
    model: str
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Export:
    citizen_id: uuid.UUID
    citizen_name: str
    generated_at: datetime
    sections: list[ExportSection]

    def section(self, key: str) -> ExportSection:
        return next(s for s in self.sections if s.key == key)

    def as_data(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "generated_at": self.generated_at.isoformat(),
            "citizen_id": str(self.citizen_id),
            "sections": {
                s.key: {
                    "title": s.title,
                    "model": s.model,
                    "items": [{c.key: c.value for c in row} for row in s.rows],
                }
                for s in self.sections
            },
        }

    def as_json(self) -> str:
        return json.dumps(self.as_data(), ensure_ascii=False, indent=2, sort_keys=False)


class _Renderer:
    def __init__(self, citizen: Citizen, section: str) -> None:
        self.citizen = citizen
        self.section = section
        self.names: dict[tuple[str, Any], str] = {}

    def ref(self, target: Any) -> tuple[Any, str]:
        if target is None:
            return None, ""
        if isinstance(target, Citizen):
            if target.pk == self.citizen.pk:
                return {"id": str(target.pk), "name": target.full_name}, target.full_name
            name = target.full_name if self.section in NAMES_FAMILY else str(OTHER_PERSON)
            return {"id": None, "name": name}, name
        key = (target._meta.label, target.pk)
        if key not in self.names:
            if isinstance(target, User):
                self.names[key] = target.get_full_name() or target.get_username()
            elif isinstance(target, Course):
                self.names[key] = target.initiative.name
            elif isinstance(target, Meeting):
                # Its kind and day, not its purpose: a family member's participation must not
                # carry the parent's meeting's words.
                when = localize(timezone.localtime(target.starts_at)) if target.starts_at else ""
                self.names[key] = f"{target.get_kind_display()} {when}".strip()
            else:
                self.names[key] = str(target)
        return {"id": str(target.pk), "name": self.names[key]}, self.names[key]

    def plain(self, obj: Any, f: models.Field) -> tuple[Any, str]:
        value = getattr(obj, f.attname)
        if f.choices and value not in (None, ""):
            return value, str(getattr(obj, f"get_{f.name}_display")())
        return _json_value(value), _text(value)

    def row(self, obj: Any, only: tuple[str, ...] | None) -> list[Cell]:
        cells: list[Cell] = []
        for f in obj._meta.get_fields():
            if (f.auto_created and not f.concrete) or f.name in SECRET_FIELDS:
                continue
            if only is not None and f.name not in only:
                continue
            label = str(getattr(f, "verbose_name", f.name))
            if f.many_to_many:
                refs = [self.ref(t) for t in getattr(obj, f.name).all()]
                value: Any = [r[0] for r in refs]
                text = ", ".join(r[1] for r in refs)
            elif f.is_relation:
                value, text = self.ref(getattr(obj, f.name))
            elif f.concrete:
                value, text = self.plain(obj, f)
            else:
                continue
            cells.append(Cell(f.name, label, value, text))
        return cells


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Ja") if value else _("Nej"))
    if isinstance(value, datetime):
        return str(localize(timezone.localtime(value)))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(localize(value))


def _rows(section: Section, scope: Scope) -> list[Any]:
    model = apps.get_model(section.model)
    found = section.query(scope)
    if not isinstance(found, Q):
        return list(found)
    fks = [
        f.name for f in model._meta.concrete_fields if f.is_relation and f.name not in SECRET_FIELDS
    ]
    qs = model._default_manager.filter(found).select_related(*fks).distinct()
    if section.order_by:
        qs = qs.order_by(*section.order_by, "pk")
    return list(qs)


def collect(citizen_id: uuid.UUID | str) -> Export:
    """Everything held about the citizen, under the family rule above. ``Citizen.DoesNotExist``
    when there is no such citizen."""
    citizen = Citizen.objects.select_related("user").get(pk=citizen_id)
    scope = scope_for(citizen)
    sections = []
    for section in SECTIONS:
        renderer = _Renderer(citizen, section.key)
        rows = [renderer.row(obj, section.fields) for obj in _rows(section, scope)]
        sections.append(ExportSection(section.key, str(section.title), section.model, rows))
    return Export(citizen.pk, citizen.full_name, timezone.now(), sections)


def find_citizen(identifier: str) -> Citizen | None:
    """A citizen by id or CPR number (the command line's argument)."""
    text = identifier.strip().replace("-", "")
    if text.isdigit() and len(text) == 10:
        return Citizen.objects.filter(cpr=text).first()
    try:
        return Citizen.objects.filter(pk=uuid.UUID(identifier.strip())).first()
    except ValueError:
        return None


def _requests_of(citizen_id: uuid.UUID) -> list[DataSubjectRequest]:
    return list(
        DataSubjectRequest.objects.filter(citizen_id=citizen_id, kind=RequestKind.ACCESS)
        .select_related("registered_by")
        .order_by("-registered_at")
    )


def coordinator_access(user: User, course_id: uuid.UUID | str) -> Access:
    """The guard's answer for the course, if ``user`` coordinates it (the citizen's own course,
    while a member of the coordinating unit); else the guard's refusal (403). Team members,
    leaders and administrators are refused: the coordinator is the citizen's one entry point."""
    access = access_for(user, course_id)
    if not access.is_coordinator:
        raise NoAccessError
    return access


def course_requests(user: User, course_id: uuid.UUID | str) -> tuple[Access, list[Any]]:
    """The coordinator's page: the citizen's requests for access (logged)."""
    access = coordinator_access(user, course_id)
    requests = _requests_of(access.course.citizen_id)
    log_course_read(user, access, "indsigtsanmodninger", Purpose.CASEWORK)
    return access, requests


def my_requests(user: User) -> tuple[Citizen, list[Any]] | None:
    """The citizen's own requests (logged as their own access); None for anyone else."""
    citizen = citizen_for_user(user)
    if citizen is None:
        return None
    requests = _requests_of(citizen.pk)
    log_access(user, citizen.pk, "egne indsigtsanmodninger", Purpose.CITIZEN_SELF)
    return citizen, requests
