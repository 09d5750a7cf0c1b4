"""A FHIR Bundle imported into a NEW course, through the lower apps' services, as the importing
user (docs/integration.md, "FHIR").

``import_bundle(user, body=…, unit_id=…, dry_run=…)`` reads the body (JSON, a ``Bundle``, every
entry validated by its R4B model), maps it to Helhed's values (unknown codes and unknown
organisations are errors pointing at the entry: ``entry[3].resource.status``), checks for a
duplicate (a CPR with an active course is refused, naming the existing course only when the
reader may see it), and then — unless it is a dry run — creates the course with
``courses.services.intake`` and its goals, measures, appointments and consents with the courses
services, all in one transaction: nothing is written when anything fails.

Imported: Patient, EpisodeOfCare, Goal, ServiceRequest, Appointment, Consent, RelatedPerson and
Group (the household), QuestionnaireResponse (WHO-5, with its answers) and its score Observation
(computed again), CareTeam with its Practitioners (``courses.services.add_team_member``; a user
is linked only when ``courses.selectors.linkable_users`` allows it, else the member is a
name-only contact and the report warns), Task (handovers through
``handovers.services.import_handover``; meeting tasks with their Encounter through
``meetings.services.import_meeting``); Organization and CarePlan as references. The importer
becomes the new course's coordinator (the coordinator participant, ``team-role#koordinator``,
is the importer's own team member), so a system user is refused.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as PydanticError

from helhed.core.domain import DomainError
from helhed.core.models import Organisation, Unit, User, UserKind, WelfareArea
from helhed.core.selectors import membership_list
from helhed.courses import selectors as course_selectors
from helhed.courses import services as course_services
from helhed.courses.models import Course, LegalBasis, Plan
from helhed.fhir import codes, tasks
from helhed.fhir.models import EXPORT_KEEP_DAYS, BulkExport
from helhed.handovers import logic as handover_logic
from helhed.handovers import selectors as handover_selectors
from helhed.handovers import services as handover_services
from helhed.meetings import logic as meeting_logic
from helhed.meetings import services as meeting_services
from helhed.progress import services as progress_services

IMPORTED = (
    "CareTeam",
    "Practitioner",
    "Encounter",
    "Task",
    "Patient",
    "EpisodeOfCare",
    "Goal",
    "ServiceRequest",
    "Appointment",
    "Consent",
    "RelatedPerson",
    "Group",
    "QuestionnaireResponse",
    "Observation",
)
REFERENCED = ("Organization", "CarePlan")
CATEGORY_KEYS = ("plan", "health", "social", "crime", "employment", "economy")


class InvalidBundleError(DomainError):
    """The body is not an importable Bundle: 422 with one error per problem, each with a
    ``pointer`` into the body (``entry[3].resource.status``)."""

    status: ClassVar[int] = 422
    title: ClassVar[str] = "Ugyldig FHIR-bundle"


class DuplicateCitizenError(DomainError):
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Borgeren har allerede et aktivt forløb"


@dataclass
class ImportReport:
    dry_run: bool
    create: dict[str, int]
    skipped: dict[str, int]
    course_id: uuid.UUID | None = None
    # per entry, what is imported otherwise than it stands (a member imported without its user
    # link, an unnamed team member or a task without an owner left out): {pointer, message}
    warnings: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Parsed:
    """The Bundle mapped to Helhed's plain values, with each item's pointer."""

    patient: dict[str, Any] = field(default_factory=dict)
    episode: dict[str, Any] = field(default_factory=dict)
    goals: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (url, ptr, v)
    measures: list[tuple[str, str, dict[str, Any], list[str]]] = field(default_factory=list)
    team: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # ptr, url, v
    coordinator_url: str = ""
    coordinator: tuple[str, str] = ("", "")  # (pointer, the user id the Bundle names)
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)  # url → values
    handovers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    meeting_tasks: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    appointments: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    consents: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    members: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (url, member)
    household_name: str = ""
    # WHO-5: (pointer, fullUrl, {answers, measured_on}); a score Observation names its answers
    measurements: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    derived: list[tuple[str, str]] = field(default_factory=list)  # (pointer, QR reference)
    counts: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, pointer: str, message: str) -> None:
        self.errors.append({"pointer": pointer, "message": message})

    def warn(self, pointer: str, message: str) -> None:
        self.warnings.append({"pointer": pointer, "message": message})


def _loc(loc: tuple[Any, ...]) -> str:
    found = ""
    for part in loc:
        if isinstance(part, int):
            found += f"[{part}]"
        else:
            found += f".{part}" if found else str(part)
    return found


def read_bundle(body: bytes | str) -> list[tuple[str, str, dict[str, Any]]]:
    """(pointer, fullUrl, resource) per entry, every resource validated by its R4B model; or
    ``InvalidBundleError`` with every message."""
    try:
        data = json.loads(body)
    except RecursionError:  # nested deeper than any Bundle (``[[[[…``)
        raise InvalidBundleError(
            "Indholdet er ikke gyldig JSON.",
            errors=[{"pointer": "", "message": "JSON-strukturen er for dybt indlejret."}],
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidBundleError(
            "Indholdet er ikke gyldig JSON.", errors=[{"pointer": "", "message": str(exc)}]
        ) from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InvalidBundleError(
            "Indholdet skal være en FHIR Bundle.",
            errors=[{"pointer": "resourceType", "message": "Forventede resourceType »Bundle«."}],
        )
    errors: list[dict[str, str]] = []
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        raise InvalidBundleError(
            "Bundlen har ingen ressourcer.",
            errors=[{"pointer": "entry", "message": "Bundlen skal have mindst én ressource."}],
        )
    found = []
    for i, entry in enumerate(entries):
        pointer = f"entry[{i}].resource"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            errors.append({"pointer": pointer, "message": "Mangler en ressource."})
            continue
        kind = resource.get("resourceType")
        try:
            model = get_fhir_model_class(str(kind))
        except (KeyError, ValueError):
            errors.append(
                {"pointer": f"{pointer}.resourceType", "message": f"Ukendt resourceType: {kind!r}"}
            )
            continue
        try:
            model.model_validate(resource)
        except PydanticError as exc:
            errors.extend(
                {"pointer": f"{pointer}.{_loc(e['loc'])}", "message": e["msg"]}
                for e in exc.errors()
            )
            continue
        full_url = str(entry.get("fullUrl") or f"{kind}/{resource.get('id', i)}")
        found.append((pointer, full_url, resource))
    if errors:
        raise InvalidBundleError("Bundlen er ikke gyldig FHIR R4.", errors=errors)
    return found


def _ref_key(reference: dict[str, Any] | None) -> str:
    return str((reference or {}).get("reference", ""))


def _extension(resource: dict[str, Any], url: str) -> dict[str, Any] | None:
    for ext in resource.get("extension") or []:
        if ext.get("url") == url:
            return dict(ext)
    return None


def _code(concept: dict[str, Any] | None, system: str) -> str | None:
    for c in (concept or {}).get("coding") or []:
        if c.get("system") == system:
            return str(c.get("code"))
    return None


def _day(value: Any) -> date | None:
    """A FHIR date or dateTime's day; None for none (and for a partial date, "2026-12", which
    a required field then reports)."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _instant(value: Any) -> datetime | None:
    """A FHIR dateTime as an aware datetime (a bare day is midnight, local time); None for none
    or a partial one."""
    try:
        found = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if found is not None and timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found


WHO5_QUESTIONNAIRE = f"{codes.BASE}/Questionnaire/who5"
WHO5_CODES = {(codes.LOINC, codes.WHO5_LOINC), (codes.INSTRUMENT, "who5")}


class _Mapper:
    def __init__(self, entries: list[tuple[str, str, dict[str, Any]]]) -> None:
        self.entries = entries
        self.parsed = _Parsed()
        self.orgs: dict[str, tuple[Organisation, Unit | None]] = {}
        self.practitioners: dict[str, tuple[str, dict[str, Any]]] = {}
        self.related: set[str] = set()
        self.patients: set[str] = set()
        self.careteams = 0

    def run(self) -> _Parsed:
        for pointer, url, resource in self.entries:
            if resource["resourceType"] == "Organization":
                self._organisation(pointer, url, resource)
            elif resource["resourceType"] == "Practitioner":
                self.practitioners[url] = (pointer, resource)
            elif resource["resourceType"] == "RelatedPerson":
                self.related.add(url)
            elif resource["resourceType"] == "Patient":
                self.patients.add(url)
        for pointer, url, resource in self.entries:
            kind = resource["resourceType"]
            handler = getattr(self, f"_{kind.lower()}", None)
            if kind in IMPORTED and handler is not None:
                self.parsed.counts[kind] += 1
                handler(pointer, url, resource)
            elif kind not in REFERENCED:
                self.parsed.error(f"{pointer}.resourceType", f"{kind} kan ikke importeres.")
        self._check_tasks()
        self._check_subjects()
        answered = {url for _p, url, _v in self.parsed.measurements}
        for pointer, source in self.parsed.derived:
            if source not in answered:
                self.parsed.error(
                    f"{pointer}.derivedFrom",
                    "En WHO-5-score importeres med sine svar: henvis til bundlens "
                    "QuestionnaireResponse (scoren regnes af svarene).",
                )
        if not self.parsed.patient:
            self.parsed.error("entry", "Bundlen skal have én Patient.")
        if not self.parsed.episode:
            self.parsed.error("entry", "Bundlen skal have én EpisodeOfCare (forløbet).")
        return self.parsed

    def _organisation(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        key = _uuid(r.get("id"))
        unit = Unit.objects.select_related("organisation").filter(pk=key).first() if key else None
        if unit is not None:
            self.orgs[url] = (unit.organisation, unit)
            return
        org = Organisation.objects.filter(pk=key).first() if key else None
        if org is None:
            for ident in r.get("identifier") or []:
                if ident.get("system") == codes.cs("organisation-code") and ident.get("value"):
                    org = Organisation.objects.filter(official_code=ident["value"]).first()
        if org is None:
            self.parsed.error(f"{pointer}.id", "Ukendt organisation eller enhed i Helhed.")
            return
        self.orgs[url] = (org, None)

    def _org(
        self, pointer: str, reference: dict[str, Any] | None
    ) -> tuple[Organisation, Unit | None] | None:
        found = self.orgs.get(_ref_key(reference))
        if found is None:
            self.parsed.error(pointer, "Henviser ikke til en Organization i bundlen.")
        return found

    def _patient(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        if self.parsed.patient:
            self.parsed.error(pointer, "Bundlen må kun have én Patient.")
            return
        cpr = next(
            (
                i.get("value")
                for i in r.get("identifier") or []
                if i.get("system") == codes.CPR_SYSTEM
            ),
            None,
        )
        if not cpr:
            self.parsed.error(
                f"{pointer}.identifier",
                "Patient skal have et CPR-nummer (urn:oid:1.2.208.176.1.2).",
            )
            return
        names = r.get("name") or [{}]
        self.parsed.patient = {
            "cpr": str(cpr),
            "first_name": _joined({"given": names[0].get("given")}),
            "last_name": str(names[0].get("family") or ""),
        }

    def _episodeofcare(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        initiative = None
        for concept in r.get("type") or []:
            initiative = initiative or _code(concept, codes.INITIATIVE)
        if initiative is None:
            self.parsed.error(f"{pointer}.type", f"Angiv indsatsen (system {codes.INITIATIVE}).")
        referred = _extension(r, codes.ext("referred-on"))
        period = r.get("period") or {}
        self.parsed.episode = {
            "initiative_id": initiative,
            "referred_on": _day(referred["valueDate"]) if referred else _day(period.get("start")),
            "status": codes.EPISODE_TO_COURSE.get(str(r.get("status")), "henvist"),
            "start_date": _day(period.get("start")) if referred else None,
        }
        if self.parsed.episode["referred_on"] is None:
            self.parsed.error(f"{pointer}.period.start", "Angiv henvisningsdatoen.")

    def _goal(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        status = codes.GOAL_FROM_LIFECYCLE.get(r.get("lifecycleStatus", ""))
        if status is None:
            self.parsed.error(
                f"{pointer}.lifecycleStatus", "Kendes ikke (active, completed, cancelled)."
            )
        horizon = None
        for concept in r.get("category") or []:
            horizon = horizon or _code(concept, codes.GOAL_HORIZON)
        priority = _code(r.get("priority"), codes.cs("goal-priority")) or "1"
        target = (r.get("target") or [{}])[0]
        person = _extension(r, codes.EXT_GOAL_PERSON)
        gas = {e.get("url"): e for e in (_extension(r, codes.EXT_GAS) or {}).get("extension") or []}
        level = gas.get("level", {}).get("valueInteger")
        if gas and (level is None or not -2 <= level <= 2 or "date" not in gas):
            self.parsed.error(
                f"{pointer}.extension", "Målopfyldelse (GAS) skal have niveau −2…+2 og dato."
            )
        self.parsed.goals.append(
            (
                url,
                pointer,
                {
                    "text": (r.get("description") or {}).get("text", ""),
                    "status": status,
                    "horizon": horizon or "kort",
                    "priority": int(priority) if priority.isdigit() else 1,
                    "target_date": _day(target.get("dueDate")),
                    "person_url": _ref_key((person or {}).get("valueReference")),
                    "gas": (level, _day(gas["date"].get("valueDate"))) if gas else None,
                },
            )
        )

    def _servicerequest(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        status = codes.MEASURE_FROM_FHIR.get(r.get("status", ""))
        if status is None:
            self.parsed.error(f"{pointer}.status", f"Ukendt status: {r.get('status')!r}.")
        basis = _extension(r, codes.EXT_LEGAL_BASIS)
        basis_id = ((basis or {}).get("valueCoding") or {}).get("code")
        if not basis_id or not LegalBasis.objects.filter(pk=basis_id).exists():
            self.parsed.error(
                f"{pointer}.extension", f"Ukendt eller manglende hjemmel ({codes.LEGAL_BASIS})."
            )
        area = None
        for concept in r.get("category") or []:
            area = area or _code(concept, codes.WELFARE_AREA)
        if not area or not WelfareArea.objects.filter(pk=area).exists():
            self.parsed.error(f"{pointer}.category", f"Ukendt fagområde ({codes.WELFARE_AREA}).")
        budget = (_extension(r, codes.EXT_BUDGET_AREA) or {}).get("valueCode", "andet")
        expected = _extension(r, codes.EXT_EXPECTED_END)
        place = self._org(f"{pointer}.performer", (r.get("performer") or [None])[0])
        period = r.get("occurrencePeriod") or {}
        values = {
            "title": (r.get("code") or {}).get("text", ""),
            "status": status,
            "legal_basis_id": basis_id,
            "welfare_area_id": area,
            "budget_area": budget,
            "organisation": place[0] if place else None,
            "unit": place[1] if place else None,
            "start_date": _day(period.get("start")),
            "end_date": _day(period.get("end")),
            "expected_end": _day(expected["valueDate"]) if expected else None,
            "description": "\n".join(n.get("text", "") for n in r.get("note") or []),
        }
        goals = [_ref_key(g) for g in r.get("supportingInfo") or []]
        self.parsed.measures.append((pointer, url, values, goals))

    def _appointment(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        org = _extension(r, codes.EXT_ORGANISATION)
        place = self._org(f"{pointer}.extension", (org or {}).get("valueReference"))
        area = None
        for concept in r.get("serviceCategory") or []:
            area = area or _code(concept, codes.WELFARE_AREA)
        values = {
            "title": r.get("description", ""),
            "organisation": place[0] if place else None,
            "welfare_area_id": area,
            "starts_at": datetime.fromisoformat(r["start"]) if r.get("start") else None,
            "ends_at": datetime.fromisoformat(r["end"]) if r.get("end") else None,
            "place": (_extension(r, codes.EXT_PLACE) or {}).get("valueString", ""),
            "note": r.get("comment", ""),
        }
        if values["starts_at"] is None or values["ends_at"] is None:
            self.parsed.error(f"{pointer}.start", "En aftale skal have start og slut.")
        self.parsed.appointments.append((pointer, values))

    def _relatedperson(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        cpr = next(
            (
                i.get("value")
                for i in r.get("identifier") or []
                if i.get("system") == codes.CPR_SYSTEM
            ),
            None,
        )
        if not cpr:
            self.parsed.error(f"{pointer}.identifier", "Et familiemedlem skal have et CPR-nummer.")
        relation = None
        for concept in r.get("relationship") or []:
            relation = relation or _code(concept, codes.HOUSEHOLD_RELATION)
        if relation not in codes.RELATION_KEYS.values():
            self.parsed.error(
                f"{pointer}.relationship", f"Ukendt relation ({codes.HOUSEHOLD_RELATION})."
            )
        names = r.get("name") or [{}]
        custody = (_extension(r, codes.EXT_CUSTODY) or {}).get("valueBoolean", False)
        self.parsed.members.append(
            (
                url,
                {
                    "cpr": str(cpr or ""),
                    "first_name": _joined({"given": names[0].get("given")}),
                    "last_name": str(names[0].get("family") or ""),
                    "relation": relation,
                    "custody": bool(custody),
                },
            )
        )

    def _questionnaireresponse(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        """A WHO-5 answered (Helhed's questionnaire): the five answers and the day."""
        if not str(r.get("questionnaire", "")).startswith(WHO5_QUESTIONNAIRE):
            self.parsed.error(
                f"{pointer}.questionnaire", f"Kun WHO-5 ({WHO5_QUESTIONNAIRE}) kan importeres."
            )
            return
        answers: dict[str, Any] = {}
        for i, item in enumerate(r.get("item") or []):
            values = [a.get("valueInteger") for a in item.get("answer") or []]
            if len(values) != 1 or not isinstance(values[0], int):
                self.parsed.error(f"{pointer}.item[{i}].answer", "Ét helt tal pr. spørgsmål.")
                continue
            answers[str(item.get("linkId", ""))] = values[0]
        measured_on = _day(r.get("authored"))
        if measured_on is None:
            self.parsed.error(f"{pointer}.authored", "Angiv dagen, skemaet blev udfyldt.")
        self.parsed.measurements.append(
            (pointer, url, {"answers": answers, "measured_on": measured_on})
        )

    def _observation(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        """A WHO-5 score: Helhed computes it from the answers, so it must name them."""
        codings = (r.get("code") or {}).get("coding") or []
        if not any(
            (c.get("system"), c.get("code")) in WHO5_CODES for c in codings if isinstance(c, dict)
        ):
            self.parsed.error(f"{pointer}.code", "Kun en WHO-5-score kan importeres.")
            return
        sources = [_ref_key(d) for d in r.get("derivedFrom") or []]
        self.parsed.derived.append((pointer, sources[0] if sources else ""))

    def _group(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        self.parsed.household_name = str(r.get("name") or "")

    def _consent(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        provision = r.get("provision") or {}
        categories = [
            c.get("code")
            for c in provision.get("securityLabel") or []
            if c.get("system") == codes.DATA_CATEGORY
        ]
        if not categories or not set(categories) <= set(CATEGORY_KEYS):
            self.parsed.error(
                f"{pointer}.provision.securityLabel", "Ukendte eller manglende datakategorier."
            )
        organisations: list[Organisation] = []
        units: list[Unit] = []
        for i, actor in enumerate(provision.get("actor") or []):
            place = self._org(f"{pointer}.provision.actor[{i}].reference", actor.get("reference"))
            if place is not None:
                if place[1] is not None:
                    units.append(place[1])
                else:
                    organisations.append(place[0])
        given_by = _code(r.get("policyRule"), codes.cs("consent-given-by")) or "borger"
        period = provision.get("period") or {}
        performer = (r.get("performer") or [{}])[0]
        self.parsed.consents.append(
            (
                pointer,
                {
                    "given_by": given_by,
                    "given_by_name": performer.get("display", ""),
                    "organisations": organisations,
                    "units": units,
                    "categories": categories,
                    "valid_from": _day(period.get("start")),
                    "valid_to": _day(period.get("end")),
                },
            )
        )

    # -- the team ------------------------------------------------------------------------------

    def _practitioner(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        """Read with the CareTeam that names it (a Practitioner no participant names is only
        counted)."""

    def _careteam(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        self.careteams += 1
        if self.careteams > 1:
            self.parsed.error(pointer, "Bundlen må kun have ét CareTeam (forløbets team).")
            return
        for i, p in enumerate(r.get("participant") or []):
            self._participant(f"{pointer}.participant[{i}]", p)

    def _participant(self, pointer: str, p: dict[str, Any]) -> None:
        member_url = _ref_key(p.get("member"))
        if not member_url:
            self.parsed.skipped["CareTeam.participant"] += 1
            self.parsed.warn(
                pointer,
                "Et unavngivet teammedlem (eksportørens samtykke viste ikke hvem) kan ikke "
                "genskabes og er sprunget over.",
            )
            return
        found = self.practitioners.get(member_url)
        if found is None:
            self.parsed.error(f"{pointer}.member", "Henviser ikke til en Practitioner i bundlen.")
            return
        practitioner = found[1]
        roles = p.get("role") or [{}]
        coordinator = any(
            _code(role, codes.TEAM_ROLE) == "koordinator"
            for role in roles
            if isinstance(role, dict)
        )
        if coordinator and not self.parsed.coordinator_url:
            # the importer is the new course's coordinator, with the team member intake gives
            self.parsed.coordinator_url = member_url
            self.parsed.coordinator = (pointer, _user_id(practitioner) or "")
            return
        period = p.get("period") or {}
        valid_from = _day(period.get("start"))
        if valid_from is None:
            self.parsed.error(f"{pointer}.period.start", "Angiv, hvornår personen kom i teamet.")
        place = self._org(f"{pointer}.onBehalfOf", p.get("onBehalfOf"))
        names = practitioner.get("name") or [{}]
        name = str(names[0].get("text") or "") or _joined(names[0])
        unit = place[1] if place else None
        self.parsed.team.append(
            (
                pointer,
                member_url,
                {
                    "organisation": place[0] if place else None,
                    "unit": unit,
                    "name": name.strip(),
                    "role": str(roles[0].get("text") or "Teammedlem"),
                    "valid_from": valid_from,
                    "valid_to": _day(period.get("end")),
                    "member_user": self._linked_user(pointer, practitioner, unit),
                },
            )
        )

    def _linked_user(
        self, pointer: str, practitioner: dict[str, Any], unit: Unit | None
    ) -> User | None:
        """The Helhed user the Practitioner names, when linking is safe: an active person (no
        system user) with a membership of the participant's unit valid today
        (``courses.selectors.linkable_users``, as the team form offers). Else None, and a
        warning that does not tell which condition failed (no oracle on user ids)."""
        user_id = _user_id(practitioner)
        if not user_id:
            return None
        key = _uuid(user_id)
        found = (
            course_selectors.linkable_users(unit.pk).filter(pk=key).first()
            if key is not None and unit is not None
            else None
        )
        if found is None:
            self.parsed.warn(
                pointer,
                "Importeres som kontaktperson uden bruger i Helhed: brugeren er ikke aktiv "
                "medarbejder i den angivne enhed i dag.",
            )
        return found

    # -- meetings and tasks --------------------------------------------------------------------

    def _encounter(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        kind = _code({"coding": [r.get("class") or {}]}, codes.MEETING_KIND)
        if kind is None:
            self.parsed.error(f"{pointer}.class", f"Angiv mødets slags ({codes.MEETING_KIND}).")
        status = (_extension(r, codes.EXT_MEETING_STATUS) or {}).get(
            "valueCode"
        ) or codes.ENCOUNTER_TO_MEETING.get(r.get("status", ""))
        if status is None:
            self.parsed.error(f"{pointer}.status", f"Ukendt status: {r.get('status')!r}.")
        start = (r.get("period") or {}).get("start")
        self.parsed.meetings[url] = {
            "pointer": pointer,
            "kind": kind,
            "status": status,
            "starts_at": _instant(start),
            "purpose": " ".join(
                str(c.get("text", "")) for c in r.get("reasonCode") or [] if c.get("text")
            ),
            "minutes_category": (_extension(r, codes.EXT_MINUTES_CATEGORY) or {}).get("valueCode"),
        }

    def _task(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        kind = _code(r.get("code"), codes.TASK_KIND)
        if kind == "handover":
            self._handover(pointer, r)
        elif kind == "meeting-task":
            self._meeting_task(pointer, url, r)
        else:
            self.parsed.error(
                f"{pointer}.code", f"Kun handover og meeting-task ({codes.TASK_KIND})."
            )

    def _unit_of(self, pointer: str, reference: dict[str, Any] | None) -> Unit | None:
        place = self._org(pointer, reference)
        if place is not None and place[1] is None:
            self.parsed.error(pointer, "Skal være en enhed i Helhed, ikke en organisation.")
        return place[1] if place else None

    def _handover(self, pointer: str, r: dict[str, Any]) -> None:
        owner = r.get("owner") or {}
        to_unit = self._unit_of(f"{pointer}.owner", owner) if owner.get("reference") else None
        external = "" if owner.get("reference") else str(owner.get("display") or "")
        if not owner.get("reference") and not external:
            self.parsed.error(f"{pointer}.owner", "Angiv den modtagende enhed (owner).")
        description = str(r.get("description", ""))
        mode = next((m for m in ("ledsaget", "henvist") if f"({m})" in description), None)
        if mode is None:
            self.parsed.error(
                f"{pointer}.description", "Angiv »Overdragelse (ledsaget)« eller »(henvist)«."
            )
        arrivals = {v: k for k, v in handover_logic.ARRIVAL_CODES.items()}
        measure = _extension(r, codes.EXT_HANDOVER_MEASURE)
        self.parsed.handovers.append(
            (
                pointer,
                {
                    "from_unit": self._unit_of(f"{pointer}.requester", r.get("requester")),
                    "to_unit": to_unit,
                    "external_organisation": external,
                    "measure_url": _ref_key((measure or {}).get("valueReference")),
                    "mode": mode,
                    "status": r.get("status", ""),
                    "requested_at": _instant(r.get("authoredOn")),
                    "last_modified": _instant(r.get("lastModified")),
                    "arrival": arrivals.get(str((r.get("businessStatus") or {}).get("text")), ""),
                },
            )
        )

    def _meeting_task(self, pointer: str, url: str, r: dict[str, Any]) -> None:
        owner = r.get("owner") or {}
        target = _ref_key(owner)
        if target and target in self.practitioners:
            who = ("team", target)
        elif target and target in self.related:
            who = ("familie", target)
        elif target and target in self.patients:
            who = ("borger", "")
        elif target:
            self.parsed.error(f"{pointer}.owner", "Henviser ikke til en person i bundlen.")
            return
        elif owner.get("display"):
            who = ("andet", str(owner["display"]))
        else:
            self.parsed.counts["Task"] -= 1
            self.parsed.skipped["Task"] += 1
            self.parsed.warn(
                pointer,
                "Opgaven har ingen navngiven ansvarlig (eksportørens samtykke viste ikke hvem) "
                "og er sprunget over.",
            )
            return
        status = r.get("status")
        if status not in MEETING_TASK_STATUSES:
            self.parsed.error(
                f"{pointer}.status",
                f"Ukendt status for en mødeopgave: {status!r} (requested eller completed).",
            )
        done = (r.get("executionPeriod") or {}).get("end") or r.get("lastModified")
        done_at = _instant(done) if status == "completed" else None
        if done_at is not None and done_at > timezone.now():
            self.parsed.error(
                f"{pointer}.executionPeriod.end", "Opgaven kan ikke være udført i fremtiden."
            )
        goal = _extension(r, codes.EXT_TASK_GOAL)
        self.parsed.meeting_tasks.append(
            (
                pointer,
                {
                    "meeting_url": _ref_key(r.get("encounter")),
                    "decision": str((r.get("groupIdentifier") or {}).get("value") or url),
                    "decision_text": str((r.get("reasonCode") or {}).get("text") or ""),
                    "decision_measure_url": _ref_key(r.get("reasonReference")),
                    "title": str(r.get("description", "")),
                    "owner": who,
                    "due_date": _day(((r.get("restriction") or {}).get("period") or {}).get("end")),
                    "done_at": (done_at or timezone.now()) if status == "completed" else None,
                    "measure_url": _ref_key(r.get("focus")),
                    "goal_url": _ref_key((goal or {}).get("valueReference")),
                },
            )
        )

    def _check_subjects(self) -> None:
        """Whatever is about a patient is about the Bundle's one Patient (or its household
        Group): a resource whose ``subject``, ``for`` or ``patient`` names anything else would
        be written into this citizen's course all the same."""
        if len(self.patients) != 1:
            return  # "Bundlen skal have én Patient" / "kun have én" is reported
        allowed = self.patients | {
            url for _p, url, r in self.entries if r["resourceType"] == "Group"
        }
        for pointer, _url, resource in self.entries:
            for key in ("subject", "for", "patient"):
                value = resource.get(key)
                if isinstance(value, dict) and _ref_key(value) not in allowed:
                    self.parsed.error(
                        f"{pointer}.{key}", "Henviser ikke til bundlens Patient (borgeren)."
                    )

    def _check_tasks(self) -> None:
        """Every meeting task comes from a meeting of the Bundle (its Encounter); a handover
        has the time it was asked."""
        for pointer, values in self.parsed.handovers:
            if values["requested_at"] is None:
                self.parsed.error(f"{pointer}.authoredOn", "Angiv, hvornår der blev anmodet.")
        used = {values["meeting_url"] for _p, values in self.parsed.meeting_tasks}
        for url, meeting in self.parsed.meetings.items():
            if url not in used:  # a meeting is imported for its tasks (docs/integration.md)
                self.parsed.counts["Encounter"] -= 1
                self.parsed.skipped["Encounter"] += 1
                self.parsed.warn(meeting["pointer"], "Mødet har ingen opgaver i bundlen.")
        for pointer, values in self.parsed.meeting_tasks:
            if values["meeting_url"] not in self.parsed.meetings:
                self.parsed.error(
                    f"{pointer}.encounter", "En mødeopgave skal henvise til bundlens Encounter."
                )
            if values["due_date"] is None:
                self.parsed.error(f"{pointer}.restriction.period.end", "Angiv opgavens frist.")


# What Helhed's export writes: an open task is requested, a done one completed; a cancelled or
# failed task has no place in a meeting's decisions, so it is refused rather than reopened.
MEETING_TASK_STATUSES = frozenset({"requested", "completed"})


def _joined(name: dict[str, Any]) -> str:
    """A HumanName's given names and family name as one string (parts may be null)."""
    given = name.get("given") or []
    parts = [*(given if isinstance(given, list) else [given]), name.get("family")]
    return " ".join(str(part) for part in parts if part)


def _user_id(practitioner: dict[str, Any]) -> str | None:
    """The Helhed user id a Practitioner carries (``identifier`` of system ``…/user``)."""
    return next(
        (
            str(i.get("value"))
            for i in practitioner.get("identifier") or []
            if i.get("system") == codes.USER_SYSTEM and i.get("value")
        ),
        None,
    )


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _coordinating_unit(user: User, unit_id: Any) -> Any:
    """The unit the course is coordinated from: the one given, else the user's only unit; one
    the user is a member of today (checked before the duplicate lookup, as intake does, so the
    import is no way to ask about a CPR number from a unit one does not belong to)."""
    units = {m.unit_id for m in membership_list(user)}
    if not unit_id:
        if len(units) == 1:
            return units.pop()
        raise ValidationError(
            {"unit_id": "Angiv den enhed, der skal koordinere forløbet (unit_id)."}
        )
    if _uuid(unit_id) not in units:
        raise ValidationError({"unit_id": "Du er ikke medlem af den valgte enhed i dag."})
    return _uuid(unit_id)


def import_bundle(
    user: User, *, body: bytes | str, unit_id: Any = None, dry_run: bool = False
) -> ImportReport:
    """Validate, map and (unless ``dry_run``) import the Bundle as a new course."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise course_selectors.NoAccessError
    if user.is_system:
        # the importer becomes the new course's coordinator (intake): a person, never another
        # system; refused before the duplicate lookup, so no CPR can be probed this way
        raise PermissionDenied("Et fagsystem kan ikke importere et forløb; det gør en medarbejder.")
    parsed = _Mapper(read_bundle(body)).run()
    if parsed.errors:
        raise InvalidBundleError("Bundlen kan ikke importeres.", errors=parsed.errors)
    unit_id = _coordinating_unit(user, unit_id)
    cpr = parsed.patient["cpr"]
    found = course_selectors.duplicate_check(user, cpr, unit_id=unit_id)
    if found.active:
        visible = [str(c.pk) for c in found.visible]
        raise DuplicateCitizenError(
            "Borgeren har allerede et aktivt forløb; intet er importeret.",
            **({"course_ids": visible} if visible else {}),
        )
    _foreign_handovers(user, parsed)
    create = dict(parsed.counts)
    pointer, named = parsed.coordinator
    if pointer and named != str(user.pk):
        parsed.warn(
            pointer,
            "Koordinatoren i Bundlen bliver dig, der importerer (forløbets nye koordinator).",
        )
    report = ImportReport(dry_run, create, dict(parsed.skipped), warnings=parsed.warnings)
    with transaction.atomic():
        course_id = _create(user, parsed, unit_id).pk
        if dry_run:
            # The dry run runs the whole import — every service's own checks — and rolls it
            # back, so it fails exactly where the import would; e-mails are sent on commit and
            # the outbox and access log are in this transaction, so nothing leaves it.
            transaction.set_rollback(True)
        else:
            report.course_id = course_id
    return report


def _foreign_handovers(user: User, parsed: _Parsed) -> None:
    """An open handover the receiver has answered (accepted, in progress) to a unit not the
    importer's is imported as requested — the receiving unit acknowledges it in Helhed — with a
    warning. A handover sent from a unit the importer is not a member of today is left out, with a
    warning (the dry run says so too): only a unit's own staff hand over from it, so a Bundle
    cannot make another unit a party to the course; the rest of the course — a course moved
    from another municipality, with its old handovers — is still imported.
    ``handovers.services.import_handover`` refuses such a sender as well."""
    units = {u.pk for u in handover_selectors.sender_units(user)}
    kept = []
    for pointer, values in parsed.handovers:
        sender, receiver = values["from_unit"], values["to_unit"]
        if handover_logic.answers_for_receiver(
            values["status"], receiver.pk if receiver else None, units
        ):
            # only the receiving unit acknowledges in Helhed; the import cannot answer for it
            values["status"], values["last_modified"] = handover_logic.REQUESTED, None
            parsed.warn(
                f"{pointer}.status",
                "Overdragelsen importeres som anmodet: den modtagende enhed kvitterer selv i "
                "Helhed.",
            )
        if sender is not None and sender.pk not in units:
            parsed.counts["Task"] -= 1
            parsed.skipped["Task"] += 1
            parsed.warn(
                f"{pointer}.requester",
                "Overdragelsen er sendt fra en enhed, du ikke er medlem af; den er ikke "
                "importeret (kun enhedens egne medarbejdere overdrager fra den).",
            )
            continue
        kept.append((pointer, values))
    parsed.handovers = kept


def _pointed(pointer: str, exc: ValidationError) -> InvalidBundleError:
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    return InvalidBundleError(
        "Bundlen kan ikke importeres.",
        errors=[
            {"pointer": f"{pointer}" + (f" ({name})" if name else ""), "message": m}
            for name, ms in messages.items()
            for m in ms
        ],
    )


def _create(user: User, parsed: _Parsed, unit_id: Any) -> Course:
    try:
        course = course_services.intake(
            user,
            initiative_id=parsed.episode["initiative_id"],
            coordinator_unit_id=unit_id,
            referred_on=parsed.episode["referred_on"],
            household_name=parsed.household_name,
            members=[m for _url, m in parsed.members],
            **parsed.patient,
        )
    except ValidationError as exc:
        raise _pointed("entry (Patient/EpisodeOfCare/RelatedPerson)", exc) from None
    status, start = parsed.episode["status"], parsed.episode["start_date"]
    if status != course.status or start is not None:
        try:  # the course's status and start as the other system had them
            course_services.change_status(user, course, status, start_date=start)
        except ValidationError as exc:
            raise _pointed("entry (EpisodeOfCare)", exc) from None
    plan = course.plan
    people = {m["cpr"]: url for url, m in parsed.members}
    member_ids = {
        people[c.cpr]: c.pk
        for c in (course.household.members.all() if course.household else [])
        if c.cpr in people
    }
    goal_ids: dict[str, Any] = {}
    for url, pointer, values in parsed.goals:
        person_url = values.pop("person_url")
        gas = values.pop("gas")
        if person_url:
            if person_url not in member_ids:
                raise InvalidBundleError(
                    "Bundlen kan ikke importeres.",
                    errors=[
                        {
                            "pointer": f"{pointer}.extension",
                            "message": "Målets person er ikke i familien.",
                        }
                    ],
                )
            values["person_id"] = member_ids[person_url]
        try:
            goal = course_services.save_goal(user, plan.pk, _version(plan.pk), **values)
        except ValidationError as exc:
            raise _pointed(pointer, exc) from None
        goal_ids[url] = goal
        if gas is not None:
            try:
                progress_services.record_goal_ratings(
                    user, course_id=course.pk, levels={str(goal.pk): gas[0]}, measured_on=gas[1]
                )
            except ValidationError as exc:
                raise _pointed(pointer, exc) from None
    measure_ids: dict[str, Any] = {}
    for pointer, url, values, goal_urls in parsed.measures:
        goals = [goal_ids[u] for u in goal_urls if u in goal_ids]
        try:
            measure = course_services.save_measure(
                user, plan.pk, _version(plan.pk), goals=goals, **values
            )
        except ValidationError as exc:
            raise _pointed(pointer, exc) from None
        measure_ids[url] = measure.pk
    _appointments_consents_and_who5(user, course, parsed)
    team = _team(user, course, parsed)
    _handovers(user, course, parsed, measure_ids)
    _meetings(
        user,
        course,
        parsed,
        _Refs(
            team=team,
            family={url: pk for url, pk in member_ids.items()},
            goals={url: g.pk for url, g in goal_ids.items()},
            measures=measure_ids,
        ),
    )
    return course


@dataclass
class _Refs:
    """The Bundle's fullUrls → the ids of what the import created."""

    team: dict[str, Any]
    family: dict[str, Any]
    goals: dict[str, Any]
    measures: dict[str, Any]


def _team(user: User, course: Course, parsed: _Parsed) -> dict[str, Any]:
    """The team members, through ``add_team_member`` (the coordinator's rights check); the
    coordinator participant is the importer's own member from intake."""
    found: dict[str, Any] = {}
    if parsed.coordinator_url:
        own = course.team.filter(user=user).order_by("valid_from").first()
        if own is not None:
            found[parsed.coordinator_url] = own.pk
    for pointer, url, values in parsed.team:
        try:
            member = course_services.add_team_member(user, course, **values)
        except ValidationError as exc:
            raise _pointed(pointer, exc) from None
        found[url] = member.pk
    return found


def _handovers(user: User, course: Course, parsed: _Parsed, measure_ids: dict[str, Any]) -> None:
    for pointer, values in parsed.handovers:
        measure_url = values.pop("measure_url")
        if measure_url and measure_url not in measure_ids:
            raise _one(f"{pointer}.extension", "Overdragelsens indsats er ikke i bundlen.")
        to_unit = values.pop("to_unit")
        try:
            handover_services.import_handover(
                user,
                course_id=course.pk,
                from_unit_id=values.pop("from_unit").pk,
                to_unit_id=to_unit.pk if to_unit is not None else None,
                measure_id=measure_ids.get(measure_url),
                **values,
            )
        except ValidationError as exc:
            raise _pointed(pointer, exc) from None


def _meetings(user: User, course: Course, parsed: _Parsed, refs: _Refs) -> None:
    """Each Encounter with its tasks as a meeting (``meetings.services.import_meeting``): the
    tasks with the same ``groupIdentifier`` are one decision."""
    by_meeting: dict[str, dict[str, list[tuple[str, dict[str, Any]]]]] = {}
    for pointer, values in parsed.meeting_tasks:
        decisions = by_meeting.setdefault(values["meeting_url"], {})
        decisions.setdefault(values["decision"], []).append((pointer, values))
    for url, decisions in by_meeting.items():
        meeting = parsed.meetings[url]
        imported = []
        for group in decisions.values():
            first = group[0][1]
            imported.append(
                meeting_logic.ImportedDecision(
                    text=first["decision_text"] or NO_DECISION_TEXT,
                    measure_id=_resolved(
                        group[0][0], first["decision_measure_url"], refs.measures, "reasonReference"
                    ),
                    tasks=tuple(_imported_task(p, v, refs) for p, v in group),
                )
            )
        try:
            meeting_services.import_meeting(
                user,
                course_id=course.pk,
                kind=meeting["kind"],
                purpose=meeting["purpose"],
                status=meeting["status"],
                starts_at=meeting["starts_at"],
                minutes_category=meeting["minutes_category"],
                decisions=imported,
            )
        except ValidationError as exc:
            raise _pointed(meeting["pointer"], exc) from None


NO_DECISION_TEXT = "Beslutningen var ikke med i den importerede bundle."


def _resolved(pointer: str, url: str, known: dict[str, Any], where: str) -> Any:
    if not url:
        return None
    if url not in known:
        raise _one(f"{pointer}.{where}", "Henviser ikke til en ressource i bundlen.")
    return known[url]


def _imported_task(pointer: str, v: dict[str, Any], refs: _Refs) -> meeting_logic.ImportedTask:
    kind, target = v["owner"]
    if kind == "team":
        owner = meeting_logic.ImportedOwner(kind, _resolved(pointer, target, refs.team, "owner"))
    elif kind == "familie":
        owner = meeting_logic.ImportedOwner(kind, _resolved(pointer, target, refs.family, "owner"))
    else:
        owner = meeting_logic.ImportedOwner(kind, name=target)
    return meeting_logic.ImportedTask(
        title=v["title"],
        owner=owner,
        due_date=v["due_date"],
        done_at=v["done_at"],
        goal_id=_resolved(pointer, v["goal_url"], refs.goals, "extension"),
        measure_id=_resolved(pointer, v["measure_url"], refs.measures, "focus"),
    )


def _one(pointer: str, message: str) -> InvalidBundleError:
    return InvalidBundleError(
        "Bundlen kan ikke importeres.", errors=[{"pointer": pointer, "message": message}]
    )


def _appointments_consents_and_who5(user: User, course: Course, parsed: _Parsed) -> None:
    plan = course.plan
    for pointer, values in parsed.appointments:
        try:
            course_services.save_appointment(user, plan.pk, _version(plan.pk), **values)
        except ValidationError as exc:
            raise _pointed(pointer, exc) from None
    for pointer, values in parsed.consents:
        try:
            course_services.give_consent(user, course, **values)
        except ValidationError as exc:
            raise _pointed(pointer, exc) from None
    for pointer, _url, values in parsed.measurements:
        try:
            progress_services.record_measurement(
                user, course_id=course.pk, instrument="who5", **values
            )
        except ValidationError as exc:
            raise _pointed(pointer, exc) from None


def _version(plan_id: Any) -> int:
    return int(Plan.objects.values_list("version", flat=True).get(pk=plan_id))


# --------------------------------------------------------------------------------------------
# The bulk export (a job on the worker)
# --------------------------------------------------------------------------------------------


def request_bulk_export(user: User, *, pseudonymise: bool = False) -> BulkExport:
    """Record a bulk export of every course the user may see today and queue the job after the
    commit (ids only in the queue). Exports past their keeping time go first."""
    delete_old_exports()
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise course_selectors.NoAccessError
    ids = [
        str(pk)
        for pk in course_selectors.visible_courses(user).order_by("pk").values_list("pk", flat=True)
    ]
    with transaction.atomic():
        export = BulkExport.objects.create(
            requested_by=user, pseudonymise=pseudonymise, course_ids=ids, total=len(ids)
        )
        transaction.on_commit(lambda: tasks.run_bulk_export.enqueue(str(export.pk)))
    return export


def delete_old_exports(now: datetime | None = None) -> int:
    """Bulk exports older than ``EXPORT_KEEP_DAYS`` are deleted (with their lines)."""
    cutoff = (now or timezone.now()) - timedelta(days=EXPORT_KEEP_DAYS)
    deleted, _by_model = BulkExport.objects.filter(created_at__lt=cutoff).delete()
    return deleted
