"""Registry API: read for every logged-in user, write for administrators and analysts.

Reads go through ``selectors`` (search, evaluate, matrix); ``POST /categorize`` takes the same
JSON document as ``helhed registry categorize`` and answers the same. Writes validate the whole
initiative first - shape, the actor and funding rules of ``logic``, a manual category's reason
and source, the model's own field rules - and answer 422 with every field error at once; only a
valid initiative is written, in one transaction.

``helhed.api`` imports this router, so errors are raised as ninja's ``ValidationError`` (422) and
``HttpError`` (403/404/409); its handlers turn them into problem bodies.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pydantic
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from helhed.core.models import Organisation
from helhed.registry import io, logic, selectors
from helhed.registry.models import Initiative, OverrideSource

router = Router(tags=["registry"])

CHANGE = "registry.change_initiative"


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class IssueOut(Schema):
    code: str
    message: str
    severity: str


class ConditionOut(Schema):
    number: int
    title: str
    passed: bool | None
    explanation: str


class InitiativeListItem(Schema):
    id: uuid.UUID
    name: str
    location: str
    category: int | None = Field(description="Effektiv kategori: manuel, beregnet eller VIVE's")
    category_basis: str
    computed_category: int | None
    vive_category: int | None
    alternative_category: int | None
    within_definition: bool | None
    umbrella: bool
    welfare_areas: list[str]
    time_perspective: str
    phase: str
    collaboration_model: str


class InitiativeFields(Schema):
    """The initiative's own fields, on VIVE's nine variation parameters (see the model)."""

    name: str = Field(max_length=300)
    location: str = ""
    description: str = ""
    umbrella: bool = False
    source: str = ""
    target_group: str = ""
    target_unit: str = "ukendt"
    age_min: int | None = None
    age_max: int | None = None
    objective_criteria: str = ""
    judgement_criteria: str = ""
    course_length: str = "ukendt"
    breadth: str = ""
    complexity: str = "ukendt"
    volunteers: str = "ukendt"
    citizen_involvement: str = "ukendt"
    relatives_involvement: str = "ukendt"
    time_perspective: str = "ukendt"
    phase: str = "ukendt"
    since_year: int | None = None
    evidence_level: str = "ukendt"
    standardisation: str = "ukendt"
    process_formalisation: str = "ukendt"
    decision_level: str = "ukendt"
    disciplines_count: int | None = None
    specialisations_count: int | None = None
    interdisciplinarity: str = "ukendt"
    collaboration_model: str = "ukendt"
    kl_scale: str = "ukendt"
    cond_welfare_area: str = "ukendt"
    cond_public_actor: str = "ukendt"
    cond_cross_area_coordination: str = "ukendt"
    policy_area_count: int | None = None
    cond_coordinating_function: str = "ukendt"
    vive_category: int | None = None
    classification_date: date | None = None
    category_override: int | None = None
    override_reason: str = ""
    override_source: str = ""
    alternative_category: int | None = None
    alternative_note: str = ""


SCALAR_FIELDS = tuple(InitiativeFields.model_fields)


class ActorIn(Schema):
    name: str = Field(max_length=300)
    org_type: logic.OrgType
    role: logic.ActorRole
    units: str | None = Field(None, description="Udeladt: behold det gemte for samme navn")
    professions: str | None = None
    note: str | None = None
    organisation_id: uuid.UUID | None = None


class FundingIn(Schema):
    funder: str = Field(max_length=300)
    org_type: logic.OrgType
    inside: bool = Field(description="Kilden er selv aktør i indsatsen (intern finansiering)")
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    start: date | None = None
    end: date | None = None
    counts_for_classification: bool = True
    note: str | None = None


class InitiativeIn(InitiativeFields):
    welfare_areas: list[str] = Field(
        default_factory=list, description="Fagområder: slug eller navn, fx 'Beskæftigelse'"
    )
    actors: list[ActorIn] = Field(default_factory=list)
    funding: list[FundingIn] = Field(default_factory=list)


class ActorOut(Schema):
    id: uuid.UUID
    name: str
    org_type: str
    role: str
    units: str
    professions: str
    note: str
    organisation_id: uuid.UUID | None
    provenance: Any


class FundingOut(Schema):
    id: uuid.UUID
    funder: str
    org_type: str
    inside: bool
    amount: Decimal | None
    start: date
    end: date | None
    counts_for_classification: bool
    note: str
    provenance: Any


class WelfareAreaOut(Schema):
    slug: str
    name: str
    raw_term: str
    provenance: Any


class EvaluationOut(Schema):
    as_of: date
    category: int | None
    basis: str = Field(description="override, computed, vive eller none")
    basis_text: str
    computed_category: int | None
    actor_axis: str | None
    financing_axis: str | None
    computed_explanation: str
    active_funding: list[str]
    within_definition: bool | None
    verdict: str
    failed_conditions: list[int]
    unknown_conditions: list[int]
    alternative_category: int | None
    alternative_note: str
    issues: list[IssueOut]


class InitiativeOut(InitiativeFields):
    id: uuid.UUID
    welfare_areas: list[str]
    welfare_area_details: list[WelfareAreaOut]
    actors: list[ActorOut]
    funding: list[FundingOut]
    conditions: list[ConditionOut]
    evaluation: EvaluationOut
    provenance: Any
    source_key: str
    created_at: datetime
    updated_at: datetime


class MatrixCellOut(Schema):
    category: int
    actor_axis: str
    financing_axis: str
    count: int
    ids: list[uuid.UUID]
    names: list[str]


class MatrixOut(Schema):
    as_of: date | None = Field(description="Tom: hver indsats' egen kategoriseringsdato")
    total: int
    uncategorised: int
    cells: list[MatrixCellOut]


class CategorizeOut(Schema):
    name: str
    category: int | None
    actor_axis: str | None
    financing_axis: str | None
    explanation: str
    as_of: date
    active_funding: list[str]
    fagomraader: list[str]
    conditions: list[ConditionOut]
    within_definition: bool | None
    verdict: str
    failed_conditions: list[int]
    unknown_conditions: list[int]
    issues: list[IssueOut]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _filters(params: dict[str, Any]) -> tuple[selectors.Filters, date | None]:
    try:
        return io.filters_from_params(params)
    except io.FilterError as exc:
        raise ValidationError(
            [{"loc": ["query", exc.param], "msg": exc.message, "type": "value_error"}]
        ) from None


def _get(initiative_id: uuid.UUID) -> Initiative:
    initiative = selectors.get_initiative(initiative_id)
    if initiative is None:
        raise HttpError(404, "Indsatsen findes ikke.")
    return initiative


def _require_change(request: HttpRequest) -> None:
    if not request.user.has_perm(CHANGE):
        raise HttpError(403, "Kun administratorer og analytikere kan ændre registret.")


def _list_item(initiative: Initiative, evaluation: selectors.Evaluation) -> InitiativeListItem:
    return InitiativeListItem(
        id=initiative.id,
        name=initiative.name,
        location=initiative.location,
        category=evaluation.category,
        category_basis=evaluation.basis,
        computed_category=evaluation.computed.category,
        vive_category=initiative.vive_category,
        alternative_category=initiative.alternative_category,
        within_definition=evaluation.within_definition,
        umbrella=initiative.umbrella,
        welfare_areas=selectors.area_slugs(initiative),
        time_perspective=initiative.time_perspective,
        phase=initiative.phase,
        collaboration_model=initiative.collaboration_model,
    )


def _detail(initiative: Initiative, as_of: date | None = None) -> InitiativeOut:
    evaluation = selectors.evaluate(initiative, as_of)
    computed = evaluation.computed
    links = sorted(initiative.initiativewelfarearea_set.all(), key=lambda link: link.pk)
    return InitiativeOut(
        **{name: getattr(initiative, name) for name in SCALAR_FIELDS},
        id=initiative.id,
        welfare_areas=[link.welfare_area_id for link in links],
        welfare_area_details=[
            WelfareAreaOut(
                slug=link.welfare_area_id,
                name=link.welfare_area.name_da,
                raw_term=link.raw_term,
                provenance=link.provenance,
            )
            for link in links
        ],
        actors=[
            ActorOut(
                id=a.id,
                name=a.name,
                org_type=a.org_type_id,
                role=a.role,
                units=a.units,
                professions=a.professions,
                note=a.note,
                organisation_id=a.organisation_id,
                provenance=a.provenance,
            )
            for a in initiative.actors.all()
        ],
        funding=[
            FundingOut(
                id=f.id,
                funder=f.funder,
                org_type=f.org_type_id,
                inside=f.inside,
                amount=f.amount,
                start=f.period_start,
                end=f.period_end,
                counts_for_classification=f.counts_for_classification,
                note=f.note,
                provenance=f.provenance,
            )
            for f in initiative.funding_sources.all()
        ],
        conditions=[ConditionOut(**io.condition_dict(c)) for c in evaluation.conditions],
        evaluation=EvaluationOut(
            as_of=evaluation.as_of,
            category=evaluation.category,
            basis=evaluation.basis,
            basis_text=evaluation.basis_text,
            computed_category=computed.category,
            actor_axis=computed.actor_axis.value if computed.actor_axis else None,
            financing_axis=computed.financing_axis.value if computed.financing_axis else None,
            computed_explanation=computed.explanation,
            active_funding=[s.funder for s in computed.active_sources],
            within_definition=evaluation.within_definition,
            verdict=evaluation.verdict.explanation,
            failed_conditions=list(evaluation.verdict.failed),
            unknown_conditions=list(evaluation.verdict.unknown),
            alternative_category=initiative.alternative_category,
            alternative_note=initiative.alternative_note,
            issues=[IssueOut(**io.issue_dict(i)) for i in evaluation.issues],
        ),
        provenance=initiative.provenance,
        source_key=initiative.source_key,
        created_at=initiative.created_at,
        updated_at=initiative.updated_at,
    )


def _as_input(initiative: Initiative) -> dict[str, Any]:
    """The stored initiative in the shape of :class:`InitiativeIn` (the base of a PATCH)."""
    data: dict[str, Any] = {name: getattr(initiative, name) for name in SCALAR_FIELDS}
    data["welfare_areas"] = selectors.area_slugs(initiative)
    data["actors"] = [
        {"name": a.name, "org_type": a.org_type_id, "role": a.role} for a in initiative.actors.all()
    ]
    data["funding"] = [
        {
            "funder": f.funder,
            "org_type": f.org_type_id,
            "inside": f.inside,
            "amount": f.amount,
            "start": f.period_start,
            "end": f.period_end,
            "counts_for_classification": f.counts_for_classification,
        }
        for f in initiative.funding_sources.all()
    ]
    return data


_FUNDING_FIELD = {
    "blank_funder": "funder",
    "missing_start": "start",
    "end_before_start": "end",
    "negative_amount": "amount",
}


def _save(initiative: Initiative | None, payload: InitiativeIn) -> Initiative:
    """Validate everything, then write the initiative with its fagområder, actors and funding
    in one transaction. Raises ``ValidationError`` (422) listing every problem, or 409."""
    errors: list[dict[str, Any]] = []

    def add(loc: tuple[str | int, ...], msg: str) -> None:
        errors.append({"loc": ["body", "payload", *loc], "msg": msg, "type": "value_error"})

    values = {name: getattr(payload, name) for name in SCALAR_FIELDS}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    if not values["name"]:
        add(("name",), "Navn skal udfyldes.")

    areas: list[tuple[str, str]] = []
    for n, raw in enumerate(payload.welfare_areas):
        try:
            areas.append((io.welfare_area_slug(raw), raw))
        except ValueError as exc:
            add(("welfare_areas", n), str(exc)[:1].upper() + str(exc)[1:])

    actors = [
        io.ActorRow(
            a.name.strip(), a.org_type, a.role, a.units, a.professions, a.note, a.organisation_id
        )
        for a in payload.actors
    ]
    if actors:
        keys = [" ".join(a.name.split()).casefold() for a in actors]
        for issue in logic.validate_actors([a.as_logic() for a in actors]):
            if issue.severity != "error":
                continue
            subject = " ".join((issue.subject or "").split()).casefold()
            if issue.subject is not None and subject in keys:
                index = len(keys) - 1 - keys[::-1].index(subject)  # the later duplicate
                add(("actors", index, "name"), issue.message)
            else:
                add(("actors",), issue.message)
        wanted = {a.organisation_id for a in actors if a.organisation_id}
        known = set(Organisation.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        for n, actor in enumerate(actors):
            if actor.organisation_id and actor.organisation_id not in known:
                add(("actors", n, "organisation_id"), "Organisationen findes ikke.")

    funding = [
        io.FundingRow(
            f.funder.strip(),
            f.org_type,
            f.inside,
            f.amount,
            f.start,
            f.end,
            f.counts_for_classification,
            f.note,
        )
        for f in payload.funding
    ]
    for n, source in enumerate(funding):
        for issue in logic.validate_funding([source.as_logic()]):
            if issue.severity == "error":
                field = _FUNDING_FIELD.get(issue.code)
                add(("funding", n, field) if field else ("funding", n), issue.message)

    if values["category_override"] is not None:
        if not values["override_reason"]:
            add(("override_reason",), "En manuel kategori kræver en begrundelse.")
        if values["override_source"] not in OverrideSource.values:
            add(
                ("override_source",),
                f"Angiv kilden til den manuelle kategori ({', '.join(OverrideSource.values)}).",
            )
    else:
        values["override_reason"] = values["override_source"] = ""
    if (
        values["age_min"] is not None
        and values["age_max"] is not None
        and values["age_max"] < values["age_min"]
    ):
        add(("age_max",), "Alder til skal være større end eller lig med alder fra.")

    target = initiative if initiative is not None else Initiative()
    for name, value in values.items():
        setattr(target, name, value)
    try:
        target.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                add((name,) if name != "__all__" else (), message)
    if errors:
        raise ValidationError(errors)

    clash = Initiative.objects.filter(
        name__iexact=values["name"], location__iexact=values["location"]
    ).exclude(pk=target.pk)
    if clash.exists():
        raise HttpError(
            409,
            f"Der findes allerede en indsats med navnet '{values['name']}' og stedet "
            f"'{values['location']}'.",
        )
    with transaction.atomic():
        target.save()
        io.apply_welfare_areas(target, areas)
        io.apply_actors(target, actors)
        io.apply_funding(target, funding)
    return target


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            [{"loc": ["body"], "msg": f"Ugyldig JSON: {exc}", "type": "json_invalid"}]
        ) from None


# --------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------


@router.get("/initiatives", response=list[InitiativeListItem])
@paginate(LimitOffsetPagination)
def initiative_list(
    request: HttpRequest,
    query: str = "",
    category: str = Query("", description="1-9 (den effektive kategori)"),
    welfare_area: str = "",
    location: str = "",
    actor_type: str = Query("", description="kommune, region, stat, privat, civilsamfund"),
    financing: str = Query("", description="intern, kombineret eller ekstern"),
    target_group: str = "",
    phase: str = "",
    collaboration_model: str = "",
    within_definition: str = Query("", description="ja, nej eller ukendt"),
    as_of: str = Query("", description="Kategorien pr. dato (ÅÅÅÅ-MM-DD)"),
) -> list[InitiativeListItem]:
    filters, when = _filters(
        {
            "query": query,
            "category": category,
            "welfare_area": welfare_area,
            "location": location,
            "actor_type": actor_type,
            "financing": financing,
            "target_group": target_group,
            "phase": phase,
            "collaboration_model": collaboration_model,
            "within_definition": within_definition,
            "as_of": as_of,
        }
    )
    return [_list_item(i, e) for i, e in selectors.search(filters, when)]


@router.get("/initiatives/{initiative_id}", response=InitiativeOut)
def initiative_detail(
    request: HttpRequest, initiative_id: uuid.UUID, as_of: date | None = None
) -> InitiativeOut:
    return _detail(_get(initiative_id), as_of)


@router.get("/matrix", response=MatrixOut)
def matrix(request: HttpRequest, as_of: date | None = None) -> MatrixOut:
    rows = selectors.search(selectors.Filters(), as_of)
    cells = selectors.matrix(rows)
    uncategorised = sum(1 for _i, e in rows if e.category is None)
    return MatrixOut(
        as_of=as_of,
        total=len(rows),
        uncategorised=uncategorised,
        cells=[
            MatrixCellOut(
                category=cell.category,
                actor_axis=cell.actor_axis.value,
                financing_axis=cell.financing_axis.value,
                count=cell.count,
                ids=[i.id for i in cell.initiatives],
                names=[str(i) for i in cell.initiatives],
            )
            for cell in cells.values()
        ],
    )


_CATEGORIZE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object"},
                "example": {
                    "name": "Helhedsorienteret jobindsats (Holbæk)",
                    "as_of": "2025-01-01",
                    "actors": [
                        {"name": "Holbæk Kommune", "org_type": "kommune", "role": "primary"}
                    ],
                    "funding": [
                        {
                            "funder": "DSI",
                            "org_type": "stat",
                            "inside": False,
                            "amount": 6900000,
                            "start": "2024-01-01",
                            "end": "2026-06-30",
                        },
                        {
                            "funder": "Holbæk Kommune",
                            "org_type": "kommune",
                            "inside": True,
                            "start": "2024-01-01",
                        },
                    ],
                    "conditions": {
                        "welfare_area": True,
                        "fagomraader": ["Beskæftigelse", "Psykiatri"],
                        "cross_area_coordination": True,
                        "coordinating_function": True,
                    },
                },
            }
        },
    }
}


@router.post("/categorize", response=CategorizeOut, openapi_extra=_CATEGORIZE_BODY)
def categorize(request: HttpRequest) -> dict[str, Any]:
    """Category, the four conditions and the verdict for one initiative described as JSON
    (the format of ``helhed registry categorize``; nothing is stored)."""
    try:
        return io.categorize_document(_json_body(request), today=timezone.localdate())
    except io.InputError as exc:
        raise ValidationError(
            [{"loc": ["body", *exc.loc], "msg": exc.message, "type": "value_error"}]
        ) from None


@router.post("/initiatives", response={201: InitiativeOut})
def initiative_create(request: HttpRequest, payload: InitiativeIn) -> Status[InitiativeOut]:
    _require_change(request)
    initiative = _save(None, payload)
    return Status(201, _detail(_get(initiative.id)))


@router.put("/initiatives/{initiative_id}", response=InitiativeOut)
def initiative_replace(
    request: HttpRequest, initiative_id: uuid.UUID, payload: InitiativeIn
) -> InitiativeOut:
    """Replace the initiative: omitted fields get their defaults, omitted lists become empty."""
    _require_change(request)
    _save(_get(initiative_id), payload)
    return _detail(_get(initiative_id))


_PATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "Any subset of the fields of InitiativeIn (as for PUT).",
                },
                "example": {
                    "category_override": 7,
                    "override_reason": "VIVE L695-697",
                    "override_source": "vive",
                },
            }
        },
    }
}


@router.patch("/initiatives/{initiative_id}", response=InitiativeOut, openapi_extra=_PATCH_BODY)
def initiative_update(request: HttpRequest, initiative_id: uuid.UUID) -> InitiativeOut:
    """Change only the fields given; lists given (actors, funding, welfare_areas) replace."""
    _require_change(request)
    initiative = _get(initiative_id)
    data = _json_body(request)
    if not isinstance(data, dict):
        raise ValidationError(
            [{"loc": ["body"], "msg": "Skal være et JSON-objekt.", "type": "value_error"}]
        )
    unknown = sorted(set(data) - set(InitiativeIn.model_fields))
    if unknown:
        raise ValidationError(
            [
                {"loc": ["body", "payload", key], "msg": "Ukendt felt.", "type": "extra_forbidden"}
                for key in unknown
            ]
        )
    try:
        payload = InitiativeIn.model_validate({**_as_input(initiative), **data})
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [
                {"loc": ["body", "payload", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ]
        ) from None
    _save(initiative, payload)
    return _detail(_get(initiative_id))


@router.delete("/initiatives/{initiative_id}", response={204: None})
def initiative_delete(request: HttpRequest, initiative_id: uuid.UUID) -> Status[None]:
    _require_change(request)
    initiative = _get(initiative_id)
    with transaction.atomic():
        initiative.delete()
    return Status(204, None)
