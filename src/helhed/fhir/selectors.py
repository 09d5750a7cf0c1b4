"""A course as a FHIR R4 Bundle (type ``collection``), read through the guard.

``course_bundle(user, course_id)`` asks ``courses.selectors.access_for`` first (a 403 for a course
the reader may not see, the same as for one that does not exist), builds the resources from what
the reader's ``Access`` lets through, validates every resource with fhir.resources' R4B models and
logs the read (``log_course_read``; a system user's read is logged as "integration" by the log).

What the consent decides (docs/integration.md, "FHIR"): a plan item (measure, appointment,
sub-goal) goes in only when ``access.sees(item)``; a team member is named (Practitioner) only
when ``access.sees_member(member)``, else the CareTeam has an unnamed participant; WHO-5 answers
and scores only with ``access.may("health")``; a handover only when its measure's category may be
seen. The references are ``urn:uuid:`` full URLs (a ``collection`` Bundle has no server base).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from helhed.audit.models import Purpose
from helhed.core.models import Organisation, Unit, User
from helhed.courses import selectors as course_selectors
from helhed.courses.models import Appointment, Goal, HouseholdRelation, Measure
from helhed.courses.selectors import Access
from helhed.fhir import codes
from helhed.fhir.models import EXPORT_KEEP_DAYS, BulkExport, BulkExportLine
from helhed.handovers import logic as handover_logic
from helhed.handovers.models import Handover
from helhed.meetings import selectors as meeting_selectors
from helhed.meetings.models import Task as MeetingTask
from helhed.progress.logic import GOAL_ATTAINMENT
from helhed.progress.models import Measurement

GAS_INSTRUMENT = GOAL_ATTAINMENT.key


def ref(kind: str, key: Any) -> dict[str, str]:
    return {"reference": f"urn:uuid:{key}", "type": kind}


def coding(system: str, code: str, display: str = "") -> dict[str, str]:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def pseudonym(citizen_id: Any) -> str:
    """A stable pseudonym for a citizen (the same in every export from this installation, never
    the CPR number or derivable from it without the installation's secret)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"fhir-pseudonym:{citizen_id}".encode(), hashlib.sha256
    ).hexdigest()
    return str(uuid.UUID(digest[:32]))


def validate(resource: dict[str, Any]) -> dict[str, Any]:
    """Validate one resource with its R4B model (raises pydantic's ValidationError) and return
    the dict the model serialises to (so what is exported is what validated)."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(_strip(resource))
    return dict(model.model_dump(mode="json", exclude_none=True))


def _strip(value: Any) -> Any:
    """Drop None and empty lists (FHIR has no nulls or empty arrays)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None and v != [] and v != ""}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@dataclass
class _Builder:
    access: Access
    pseudonymise: bool
    entries: list[dict[str, Any]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    also_read: list[Any] = field(default_factory=list)  # household members shown

    def add(self, resource: dict[str, Any]) -> None:
        key = str(resource["id"])
        if key in self.seen:
            return
        self.seen.add(key)
        self.entries.append({"fullUrl": f"urn:uuid:{key}", "resource": validate(resource)})

    @property
    def patient_id(self) -> str:
        citizen_id = self.access.course.citizen_id
        return pseudonym(citizen_id) if self.pseudonymise else str(citizen_id)

    def organisation(self, org: Organisation) -> dict[str, str]:
        resource: dict[str, Any] = {
            "resourceType": "Organization",
            "id": str(org.pk),
            "name": org.name,
        }
        if org.official_code:
            resource["identifier"] = [
                {"system": codes.cs("organisation-code"), "value": org.official_code}
            ]
        self.add(resource)
        return ref("Organization", org.pk)

    def unit(self, unit: Unit) -> dict[str, str]:
        parent = self.organisation(unit.organisation)
        self.add(
            {
                "resourceType": "Organization",
                "id": str(unit.pk),
                "name": unit.name,
                "partOf": parent,
            }
        )
        return ref("Organization", unit.pk)

    def names(self, unit: Unit | None) -> bool:
        """May the reader see this unit named? Naming a unit can reveal a category (as
        ``Access.sees_member``): the coordinating unit and the reader's own are always named."""
        if unit is None:
            return True
        access = self.access
        return (
            unit.pk == access.course.coordinator_unit_id
            or unit.pk in access.own_units
            or access.may(unit.data_category)
        )

    def place(self, org: Organisation, unit: Unit | None) -> dict[str, str]:
        """The unit when the reader may see it named, else its organisation."""
        return self.unit(unit) if unit is not None and self.names(unit) else self.organisation(org)


def course_bundle(
    user: User,
    course_id: uuid.UUID | str,
    *,
    pseudonymise: bool = False,
    what: str = "FHIR-eksport",
) -> dict[str, Any]:
    """The course as a validated Bundle dict (see the module's docstring); logs the read."""
    return course_bundle_with_facts(user, course_id, pseudonymise=pseudonymise, what=what)[0]


def reader_fingerprint(access: Access) -> list[str]:
    """What decides the content of a Bundle for this reader: the categories they may see,
    coordinator or not, an access without consent, their own units (whose people they see)."""
    return [
        *sorted(access.visible_categories),
        f"coordinator={access.is_coordinator}",
        f"without_consent={access.without_consent is not None}",
        *sorted(f"unit={u}" for u in access.own_units),
    ]


def course_bundle_with_facts(
    user: User,
    course_id: uuid.UUID | str,
    *,
    pseudonymise: bool = False,
    what: str = "FHIR-eksport",
) -> tuple[dict[str, Any], list[str], list[str]]:
    """The Bundle, the reader's fingerprint and the ids of the people it names; logs the read."""
    access = course_selectors.access_for(user, course_id)
    b = _Builder(access, pseudonymise)
    bundle = build_bundle(b)
    named = [access.course.citizen_id, *b.also_read]
    course_selectors.log_course_read(user, access, what, Purpose.CASEWORK, citizen_ids=named)
    return bundle, reader_fingerprint(access), [str(i) for i in named]


def build_bundle(b: _Builder) -> dict[str, Any]:
    access = b.access
    course = access.course
    _patient(b)
    _episode(b)
    members = _care_team(b)
    goal_ids = _goals(b)
    measure_ids = _measures(b, members)
    _care_plan(b, goal_ids, measure_ids)
    _consents(b)
    _appointments(b)
    _tasks(b, members, set(goal_ids), set(measure_ids))
    _who5(b)
    _household(b)
    bundle = {
        "resourceType": "Bundle",
        "id": str(course.pk),
        "type": "collection",
        "entry": b.entries,
    }
    return validate(bundle)


def _patient(b: _Builder) -> None:
    citizen = b.access.course.citizen
    resource: dict[str, Any] = {"resourceType": "Patient", "id": b.patient_id}
    if b.pseudonymise:
        resource["identifier"] = [{"system": codes.PSEUDONYM_SYSTEM, "value": b.patient_id}]
    else:
        resource["identifier"] = [{"system": codes.CPR_SYSTEM, "value": citizen.cpr}]
        resource["name"] = [{"family": citizen.last_name, "given": [citizen.first_name]}]
        resource["birthDate"] = citizen.birth_date.isoformat()
    b.add(resource)


def _period(start: date | datetime | None, end: date | datetime | None) -> dict[str, str] | None:
    found = {}
    if start is not None:
        found["start"] = start.isoformat()
    if end is not None:
        found["end"] = end.isoformat()
    return found or None


def _episode(b: _Builder) -> None:
    course = b.access.course
    resource: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": str(course.pk),
        "status": codes.COURSE_TO_EPISODE.get(course.status, "active"),
        "type": [
            {
                "coding": [
                    coding(codes.INITIATIVE, str(course.initiative_id), course.initiative.name)
                ],
            }
        ],
        "patient": ref("Patient", b.patient_id),
        "managingOrganization": b.unit(course.coordinator_unit),
        "extension": [
            {"url": codes.ext("referred-on"), "valueDate": course.referred_on.isoformat()}
        ],
    }
    period = _period(course.start_date, course.end_date)
    if period:
        resource["period"] = period
    b.add(resource)


def _coordinator_member(course: Any) -> Any:
    """The course's coordinator's own team member (intake makes one): the coordinator's user in
    the coordinating unit, the current one first. None when there is none."""
    own = [
        m
        for m in course.team.all()
        if m.user_id == course.coordinator_id and m.unit_id == course.coordinator_unit_id
    ]
    own.sort(key=lambda m: (m.valid_to is not None, m.valid_from, str(m.pk)))
    return own[0].pk if own else None


def _care_team(b: _Builder) -> dict[Any, str]:
    """The CareTeam; returns the team members named (id → Practitioner id). A named member who
    is a Helhed user carries the user's id (``Practitioner.identifier``, system ``…/user``); the
    coordinator's own member has the role code ``team-role#koordinator``."""
    access = b.access
    coordinator = _coordinator_member(access.course)
    named: dict[Any, str] = {}
    participants = []
    team = sorted(access.course.team.all(), key=lambda m: (m.valid_from, m.name, str(m.pk)))
    for member in team:
        participant: dict[str, Any] = {"role": [{"text": "Teammedlem"}]}
        if access.sees_member(member):
            role: dict[str, Any] = {"text": member.role or "Teammedlem"}
            if member.pk == coordinator:
                role["coding"] = [coding(codes.TEAM_ROLE, "koordinator", "Koordinator")]
            participant["role"] = [role]
            # a pseudonymised export names no user id: one caseworker's id across many
            # citizens' Bundles would link records the pseudonym is there to keep apart
            identifier = (
                [{"system": codes.USER_SYSTEM, "value": str(member.user_id)}]
                if member.user_id is not None and not b.pseudonymise
                else None
            )
            b.add(
                {
                    "resourceType": "Practitioner",
                    "id": str(member.pk),
                    "identifier": identifier,
                    "name": [{"text": member.name}],
                }
            )
            named[member.pk] = str(member.pk)
            participant["member"] = ref("Practitioner", member.pk)
            participant["onBehalfOf"] = b.place(member.organisation, member.unit)
        participant["period"] = _period(member.valid_from, member.valid_to)
        participants.append(participant)
    b.add(
        {
            "resourceType": "CareTeam",
            "id": str(uuid.uuid5(access.course.pk, "careteam")),
            "status": "active",
            "subject": ref("Patient", b.patient_id),
            "participant": participants or None,
            "managingOrganization": [b.unit(access.course.coordinator_unit)],
        }
    )
    return named


def _goals(b: _Builder) -> list[str]:
    access = b.access
    plan = access.course.plan
    found = []
    ratings: dict[Any, Measurement] = {}
    for m in Measurement.objects.filter(
        course=access.course, instrument=GAS_INSTRUMENT, goal__isnull=False
    ).order_by("measured_on", "created_at"):
        ratings[m.goal_id] = m  # the latest per goal
    for goal in Goal.objects.filter(plan=plan).order_by("priority", "horizon", "pk"):
        rating = ratings.get(goal.pk)
        achievement = codes.GOAL_ACHIEVEMENT[goal.status]
        extensions: list[dict[str, Any]] = []
        if rating is not None and rating.score is not None:
            level = int(rating.score)
            if goal.status == "aaben":
                achievement = codes.gas_achievement(level)
            extensions.append(
                {
                    "url": codes.EXT_GAS,
                    "extension": [
                        {"url": "level", "valueInteger": level},
                        {"url": "date", "valueDate": rating.measured_on.isoformat()},
                    ],
                }
            )
        target: dict[str, Any] = {
            "measure": {"coding": [coding(codes.INSTRUMENT, GAS_INSTRUMENT, "GAS")]},
            "detailInteger": 0,  # GAS: 0 is the expected level
        }
        if goal.target_date is not None:
            target["dueDate"] = goal.target_date.isoformat()
        resource: dict[str, Any] = {
            "resourceType": "Goal",
            "id": str(goal.pk),
            "lifecycleStatus": codes.GOAL_LIFECYCLE[goal.status],
            "achievementStatus": {"coding": [coding(codes.ACHIEVEMENT_SYSTEM, achievement)]},
            "priority": {"coding": [coding(codes.cs("goal-priority"), str(goal.priority))]},
            "category": [{"coding": [coding(codes.GOAL_HORIZON, goal.horizon)]}],
            "description": {"text": goal.text},
            "subject": ref("Patient", b.patient_id),
            "target": [target],
            "extension": extensions,
        }
        if goal.person_id is not None:
            person = pseudonym(goal.person_id) if b.pseudonymise else str(goal.person_id)
            extensions.append(
                {"url": codes.EXT_GOAL_PERSON, "valueReference": ref("RelatedPerson", person)}
            )
        b.add(resource)
        found.append(str(goal.pk))
    return found


def _measures(b: _Builder, named: dict[Any, str]) -> list[str]:
    access = b.access
    found = []
    measures = (
        Measure.objects.filter(plan=access.course.plan)
        .select_related("legal_basis", "welfare_area", "organisation", "unit")
        .prefetch_related("goals")
        .order_by("start_date", "title", "pk")
    )
    for m in measures:
        if not access.sees(m):
            continue
        extensions: list[dict[str, Any]] = [
            {
                "url": codes.EXT_LEGAL_BASIS,
                "valueCoding": coding(
                    codes.LEGAL_BASIS,
                    m.legal_basis_id,
                    f"{m.legal_basis.law} {m.legal_basis.paragraph}",
                ),
            },
            {"url": codes.EXT_BUDGET_AREA, "valueCode": m.budget_area},
        ]
        if m.expected_end is not None:
            extensions.append(
                {"url": codes.EXT_EXPECTED_END, "valueDate": m.expected_end.isoformat()}
            )
        resource: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "id": str(m.pk),
            "status": codes.MEASURE_TO_FHIR[m.status],
            "intent": "plan",
            "code": {"text": m.title},
            "category": [
                {"coding": [coding(codes.WELFARE_AREA, m.welfare_area_id, m.welfare_area.name_da)]},
                {"coding": [coding(codes.DATA_CATEGORY, m.data_category)]},
            ],
            "subject": ref("Patient", b.patient_id),
            "performer": [b.place(m.organisation, m.unit)],
            "extension": extensions,
            "supportingInfo": [
                ref("Goal", g.pk) for g in sorted(m.goals.all(), key=lambda g: str(g.pk))
            ]
            or None,
        }
        period = _period(m.start_date, m.end_date)
        if period:
            resource["occurrencePeriod"] = period
        if m.responsible_id in named:
            resource["requester"] = ref("Practitioner", m.responsible_id)
        if m.description:
            resource["note"] = [{"text": m.description}]
        b.add(resource)
        found.append(str(m.pk))
    return found


def _care_plan(b: _Builder, goal_ids: list[str], measure_ids: list[str]) -> None:
    course = b.access.course
    b.add(
        {
            "resourceType": "CarePlan",
            "id": str(course.plan.pk),
            "status": "completed" if course.status == "afsluttet" else "active",
            "intent": "plan",
            "subject": ref("Patient", b.patient_id),
            "extension": [
                {
                    "url": codes.ext("episode-of-care"),
                    "valueReference": ref("EpisodeOfCare", course.pk),
                }
            ],
            "careTeam": [ref("CareTeam", uuid.uuid5(course.pk, "careteam"))],
            "goal": [ref("Goal", g) for g in goal_ids] or None,
            "activity": [{"reference": ref("ServiceRequest", m)} for m in measure_ids] or None,
        }
    )


def _consents(b: _Builder) -> None:
    access = b.access
    for consent in sorted(access.course.consents.all(), key=lambda c: (c.valid_from, str(c.pk))):
        actors = [
            {
                "role": {
                    "coding": [
                        coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP")
                    ]
                },
                "reference": b.organisation(o),
            }
            for o in sorted(consent.organisations.all(), key=lambda o: str(o.pk))
        ] + [
            {
                "role": {
                    "coding": [
                        coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP")
                    ]
                },
                "reference": b.unit(u),
            }
            for u in sorted(consent.units.all(), key=lambda u: str(u.pk))
            if b.names(u)
        ]
        categories = [
            key
            for key in ("plan", "health", "social", "crime", "employment", "economy")
            if getattr(consent, f"cat_{key}")
        ]
        b.add(
            {
                "resourceType": "Consent",
                "id": str(consent.pk),
                "status": "inactive" if consent.withdrawn_on else "active",
                "scope": {
                    "coding": [
                        coding(
                            "http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"
                        )
                    ]
                },
                "category": [{"coding": [coding(codes.LOINC, "59284-0", "Patient Consent")]}],
                "patient": ref("Patient", b.patient_id),
                "dateTime": consent.recorded_at.isoformat(),
                "performer": [
                    {
                        "display": "" if b.pseudonymise else consent.given_by_name,
                        "type": "RelatedPerson" if consent.given_by != "borger" else "Patient",
                    }
                ],
                "policyRule": {"coding": [coding(codes.cs("consent-given-by"), consent.given_by)]},
                "provision": {
                    "type": "permit",
                    "period": _period(consent.valid_from, consent.withdrawn_on or consent.valid_to),
                    "actor": actors or None,
                    "securityLabel": [coding(codes.DATA_CATEGORY, c) for c in categories],
                },
            }
        )


def _appointments(b: _Builder) -> None:
    access = b.access
    appointments = (
        Appointment.objects.filter(plan=access.course.plan)
        .select_related("organisation")
        .order_by("starts_at", "pk")
    )
    for a in appointments:
        if not access.sees(a):
            continue
        resource: dict[str, Any] = {
            "resourceType": "Appointment",
            "id": str(a.pk),
            "status": "booked",
            "description": a.title,
            "start": a.starts_at.isoformat(),
            "end": a.ends_at.isoformat(),
            "participant": [{"actor": ref("Patient", b.patient_id), "status": "accepted"}],
            "extension": [
                {"url": codes.EXT_ORGANISATION, "valueReference": b.organisation(a.organisation)}
            ],
        }
        if a.welfare_area_id:
            resource["serviceCategory"] = [
                {"coding": [coding(codes.WELFARE_AREA, a.welfare_area_id)]}
            ]
        if a.place:
            resource["extension"].append({"url": codes.EXT_PLACE, "valueString": a.place})
        if a.note:
            resource["comment"] = a.note
        b.add(resource)


def _tasks(b: _Builder, named: dict[Any, str], goal_ids: set[str], measure_ids: set[str]) -> None:
    """Handovers and meeting tasks as Tasks (``code`` ``task-kind#handover`` /
    ``#meeting-task``); a meeting task's meeting as an Encounter (``Task.encounter``)."""
    access = b.access
    course = access.course
    handovers = (
        Handover.objects.filter(course=course)
        .select_related("from_unit", "to_unit", "from_unit__organisation", "to_unit__organisation")
        .order_by("requested_at", "pk")
    )
    for h in handovers:
        if h.measure_category and not access.may(h.measure_category):
            continue
        if not (b.names(h.from_unit) and b.names(h.to_unit)):
            continue
        _handover(b, h, measure_ids)
    # what the meetings' own pages and API show of each task: a task tied to a measure the
    # reader may not see, or to a decision whose minutes they may not read, is left out (its
    # title, "Book tid hos psykiater", is itself health data)
    tasks = (
        MeetingTask.objects.filter(course=course)
        .select_related("decision", "decision__measure", "decision__meeting", "measure", "owner")
        .order_by("due_date", "title", "pk")
    )
    household = {str(c) for c in _household_ids(course)}
    for t in meeting_selectors.label_tasks(access.user, access, tasks):
        if not t.shown:  # type: ignore[attr-defined]
            continue
        decision = t.decision
        _encounter(b, decision.meeting)
        resource: dict[str, Any] = {
            "resourceType": "Task",
            "id": str(t.pk),
            "status": "completed" if t.done_at else "requested",
            "intent": "order",
            "code": {"coding": [coding(codes.TASK_KIND, "meeting-task")]},
            "description": t.title,
            "for": ref("Patient", b.patient_id),
            "encounter": ref("Encounter", decision.meeting_id),
            "groupIdentifier": {"system": codes.DECISION_SYSTEM, "value": str(decision.pk)},
            "restriction": {"period": {"end": t.due_date.isoformat()}},
            "owner": _task_owner(b, t, named, household),
        }
        if meeting_selectors.sees_decision(access, decision):
            resource["reasonCode"] = {"text": decision.text}
            if str(decision.measure_id) in measure_ids:
                resource["reasonReference"] = ref("ServiceRequest", decision.measure_id)
        if str(t.measure_id) in measure_ids:
            resource["focus"] = ref("ServiceRequest", t.measure_id)
        if str(t.goal_id) in goal_ids:
            resource["extension"] = [
                {"url": codes.EXT_TASK_GOAL, "valueReference": ref("Goal", t.goal_id)}
            ]
        if t.done_at is not None:
            resource["executionPeriod"] = {"end": t.done_at.isoformat()}
        b.add(resource)


def _handover(b: _Builder, h: Handover, measure_ids: set[str]) -> None:
    course = b.access.course
    task = handover_logic.fhir_task(
        handover_id=h.pk,
        status=h.status,
        citizen_id=b.patient_id,
        plan_id=course.plan.pk,
        requester=(h.from_unit_id, h.from_unit.name),
        owner=(h.to_unit_id, h.to_unit.name if h.to_unit else h.external_organisation),
        authored_on=h.requested_at,
        last_modified=h.closed_at or h.acknowledged_at or h.requested_at,
        mode=h.mode,
        arrival=h.arrival,
    )
    task["for"] = ref("Patient", b.patient_id)
    task["focus"] = ref("CarePlan", course.plan.pk)
    # the parties as Organization entries of the Bundle (the import resolves them there)
    parties = {"requester": h.from_unit, "owner": h.to_unit}
    for key in ("requester", "owner"):
        unit = parties[key]
        if unit is not None:
            task[key] = {**b.unit(unit), "display": task[key].get("display", "")}
    task["code"] = {
        "coding": [coding(codes.TASK_KIND, "handover")],
        "text": task["code"]["text"],
    }
    if str(h.measure_id) in measure_ids:
        task["extension"] = [
            {
                "url": codes.EXT_HANDOVER_MEASURE,
                "valueReference": ref("ServiceRequest", h.measure_id),
            }
        ]
    b.add(task)


def _household_ids(course: Any) -> list[Any]:
    household = course.household
    if household is None:
        return []
    return [c for c in household.members.values_list("pk", flat=True) if c != course.citizen_id]


def _task_owner(
    b: _Builder, t: MeetingTask, named: dict[Any, str], household: set[str]
) -> dict[str, Any] | None:
    """The owner as the reader may know them: a named team member (Practitioner), the citizen,
    a family member (RelatedPerson), or by name (a relative, another person); None when the
    reader may not know who it is."""
    owner = t.owner
    if owner.kind == "team":
        if owner.team_member_id in named:  # named there (a participant's own name may differ)
            return ref("Practitioner", owner.team_member_id)
        return None
    if owner.kind == "borger":
        return ref("Patient", b.patient_id)
    if owner.kind == "familie" and str(owner.household_member_id) in household:
        member = owner.household_member_id
        return ref("RelatedPerson", pseudonym(member) if b.pseudonymise else member)
    if b.pseudonymise:
        return None
    return {"display": owner.name}


def _encounter(b: _Builder, meeting: Any) -> None:
    """The meeting a task came from (added once): kind, status, time, purpose and who may read
    its minutes — what importing it as a meeting needs."""
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(meeting.pk),
        "status": codes.MEETING_TO_ENCOUNTER[meeting.status],
        "class": coding(codes.MEETING_KIND, meeting.kind),
        "subject": ref("Patient", b.patient_id),
        "reasonCode": [{"text": meeting.purpose}],
        "extension": [
            {"url": codes.EXT_MEETING_STATUS, "valueCode": meeting.status},
            {"url": codes.EXT_MINUTES_CATEGORY, "valueCode": meeting.minutes_category},
        ],
    }
    if meeting.starts_at is not None:
        resource["period"] = {"start": meeting.starts_at.isoformat()}
    b.add(resource)


def _who5(b: _Builder) -> None:
    access = b.access
    if not access.may("health"):
        return
    for m in Measurement.objects.filter(course=access.course, instrument="who5").order_by(
        "measured_on", "pk"
    ):
        qr_id = str(m.pk)
        items = [
            {"linkId": key, "answer": [{"valueInteger": int(value)}]}
            for key, value in sorted(m.answers.items())
            if isinstance(value, int)
        ]
        b.add(
            {
                "resourceType": "QuestionnaireResponse",
                "id": qr_id,
                "questionnaire": f"{codes.BASE}/Questionnaire/who5|{m.version}",
                "status": "completed",
                "subject": ref("Patient", b.patient_id),
                "authored": m.measured_on.isoformat(),
                "item": items or None,
            }
        )
        if m.score is None:
            continue
        b.add(
            {
                "resourceType": "Observation",
                "id": str(uuid.uuid5(m.pk, "who5-score")),
                "status": "final",
                "category": [
                    {
                        "coding": [
                            coding(
                                "http://terminology.hl7.org/CodeSystem/observation-category",
                                "survey",
                            )
                        ]
                    }
                ],
                "code": {
                    "coding": [
                        coding(codes.LOINC, codes.WHO5_LOINC, "WHO-5 Well-Being Index"),
                        coding(codes.INSTRUMENT, "who5"),
                    ]
                },
                "subject": ref("Patient", b.patient_id),
                "effectiveDateTime": m.measured_on.isoformat(),
                "valueQuantity": {
                    "value": m.score,
                    "unit": "index",
                    "system": "http://unitsofmeasure.org",
                    "code": "1",
                },
                "derivedFrom": [ref("QuestionnaireResponse", qr_id)],
            }
        )


def _household(b: _Builder) -> None:
    course = b.access.course
    household = course.household
    if household is None:
        return
    members = list(household.members.exclude(pk=course.citizen_id).order_by("birth_date", "pk"))
    relations = {
        (r.from_citizen_id, r.to_citizen_id): r
        for r in HouseholdRelation.objects.filter(household=household)
    }
    refs = []
    for member in members:
        member_id = pseudonym(member.pk) if b.pseudonymise else str(member.pk)
        resource: dict[str, Any] = {
            "resourceType": "RelatedPerson",
            "id": member_id,
            "patient": ref("Patient", b.patient_id),
        }
        main_first = relations.get((course.citizen_id, member.pk))
        member_first = relations.get((member.pk, course.citizen_id))
        relation = main_first or member_first
        if relation is not None:
            key = codes.relation_key(relation.kind, main_first=main_first is not None)
            resource["relationship"] = [{"coding": [coding(codes.HOUSEHOLD_RELATION, key)]}]
            resource["extension"] = [{"url": codes.EXT_CUSTODY, "valueBoolean": relation.custody}]
        if not b.pseudonymise:
            resource["identifier"] = [{"system": codes.CPR_SYSTEM, "value": member.cpr}]
            resource["name"] = [{"family": member.last_name, "given": [member.first_name]}]
            resource["birthDate"] = member.birth_date.isoformat()
        b.add(resource)
        b.also_read.append(member.pk)
        refs.append(
            {"url": codes.EXT_HOUSEHOLD_MEMBER, "valueReference": ref("RelatedPerson", member_id)}
        )
    b.add(
        {
            "resourceType": "Group",
            "id": str(household.pk),
            "type": "person",
            "actual": True,
            "name": None if b.pseudonymise else household.name,
            "quantity": len(members) + 1,
            "member": [{"entity": ref("Patient", b.patient_id)}],
            "extension": refs or None,
        }
    )


def bulk_export(user: User, export_id: uuid.UUID | str) -> BulkExport:
    """The requester's own bulk export (the same 403 for another's, a missing one and one past
    its keeping time, ``EXPORT_KEEP_DAYS``, even before the daily job deletes it)."""
    found = None
    if user.is_authenticated:
        try:
            kept_since = timezone.now() - timedelta(days=EXPORT_KEEP_DAYS)
            found = BulkExport.objects.filter(
                pk=export_id, requested_by=user, created_at__gte=kept_since
            ).first()
        except (ValueError, DjangoValidationError):
            found = None
    if found is None:
        raise course_selectors.NoAccessError
    return found


def bulk_export_lines(user: User, export: BulkExport) -> Iterator[str]:
    """The export's NDJSON lines, each through the guard at the time of download: a course the
    requester can no longer see is left out; a line built when they saw more or other than now
    (a consent narrowed, a membership ended) or whose citizen has since been anonymised is built
    afresh; each one given is logged as a read of every person it names."""
    what = "FHIR-masseeksport hentet"
    for line in BulkExportLine.objects.filter(export=export).order_by("seq").iterator():
        if not line.bundle:
            continue
        try:
            access = course_selectors.access_for(user, line.course_id)
        except PermissionDenied:
            continue
        stale = (
            line.fingerprint != reader_fingerprint(access)
            or access.course.citizen.anonymised_on is not None
        )
        if stale:
            bundle, _fingerprint, _named = course_bundle_with_facts(
                user, line.course_id, pseudonymise=export.pseudonymise, what=what
            )
            yield json.dumps(bundle, separators=(",", ":")) + "\n"
            continue
        named = [uuid.UUID(i) for i in line.citizen_ids] or None
        course_selectors.log_course_read(user, access, what, Purpose.CASEWORK, citizen_ids=named)
        yield line.bundle + "\n"


def my_bulk_exports(user: User, limit: int = 20) -> list[BulkExport]:
    """The user's own bulk exports, newest first (ids, status and counts: no personal data)."""
    return list(BulkExport.objects.filter(requested_by=user).order_by("-created_at")[:limit])
