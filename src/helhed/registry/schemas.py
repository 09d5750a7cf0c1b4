"""The registry API's request and response schemas.

Responses are serialised by ninja straight from what the selectors return: an
``selectors.Evaluated`` (an initiative with its evaluation; the initiative's own fields read
through), the model rows of its actors, funding and fagområder, ``logic``'s results and the
matrix cells — through attributes, ``Field(alias=…)`` paths and ``resolve_*`` methods, with no
mapping code in the router.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pydantic
from ninja import Field, Schema

from helhed.core.apikit import Day
from helhed.registry import logic, selectors
from helhed.registry.formats.cells import ActorRow, FundingRow
from helhed.registry.models import Initiative, InitiativeWelfareArea
from helhed.registry.selectors import Evaluated, MatrixCell
from helhed.registry.services import InitiativeValues

# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


def _api_type(annotation: Any) -> Any:
    """A dataclass field's type as the API reads it: a ``date`` is a plausible :data:`Day`."""
    if annotation is date:
        return Day
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) and date in args:
        return typing.Union[tuple(Day if a is date else a for a in args)]  # noqa: UP007
    return annotation


def fields_schema(values: type[Any], name: str) -> type[Schema]:
    """A ninja schema with the fields of the dataclass ``values``, in its order, with its
    defaults and the constraints in each field's ``metadata`` (e.g. ``max_length``)."""
    hints = typing.get_type_hints(values)
    definitions: dict[str, Any] = {
        f.name: (
            _api_type(hints[f.name]),
            Field(... if f.default is dataclasses.MISSING else f.default, **f.metadata),
        )
        for f in dataclasses.fields(values)
    }
    return pydantic.create_model(name, __base__=Schema, __module__=__name__, **definitions)


# The initiative's own fields, on VIVE's nine variation parameters (see the model): derived from
# ``services.InitiativeValues``, the one list of them.
InitiativeFields = fields_schema(InitiativeValues, "InitiativeFields")


SCALAR_FIELDS = tuple(InitiativeFields.model_fields)


class ActorIn(Schema):
    name: str = Field(max_length=300)
    org_type: logic.OrgType
    role: logic.ActorRole
    units: str | None = Field(None, description="Udeladt: behold det gemte for samme navn")
    professions: str | None = None
    note: str | None = None
    organisation_id: uuid.UUID | None = None

    def row(self) -> ActorRow:
        return ActorRow(
            self.name,
            self.org_type,
            self.role,
            self.units,
            self.professions,
            self.note,
            self.organisation_id,
        )


class FundingIn(Schema):
    funder: str = Field(max_length=300)
    org_type: logic.OrgType
    inside: bool = Field(description="Kilden er selv aktør i indsatsen (intern finansiering)")
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    start: Day | None = None
    end: Day | None = None
    counts_for_classification: bool = True
    note: str | None = None

    def row(self) -> FundingRow:
        return FundingRow(
            self.funder,
            self.org_type,
            self.inside,
            self.amount,
            self.start,
            self.end,
            self.counts_for_classification,
            self.note,
        )


class InitiativeIn(InitiativeFields):  # type: ignore[misc,valid-type]
    welfare_areas: list[str] = Field(
        default_factory=list, description="Fagområder: slug eller navn, fx 'Beskæftigelse'"
    )
    actors: list[ActorIn] = Field(default_factory=list)
    funding: list[FundingIn] = Field(default_factory=list)

    def save_arguments(self) -> dict[str, Any]:
        """The body as ``services.save_initiative``'s keyword arguments."""
        return {
            "values": InitiativeValues(**self.model_dump(include=set(SCALAR_FIELDS))),
            "welfare_areas": self.welfare_areas,
            "actors": [a.row() for a in self.actors],
            "funding": [f.row() for f in self.funding],
        }

    @staticmethod
    def stored(initiative: Initiative) -> dict[str, Any]:
        """The stored initiative in this schema's shape (the base a PATCH changes)."""
        data: dict[str, Any] = {name: getattr(initiative, name) for name in SCALAR_FIELDS}
        data["welfare_areas"] = selectors.area_slugs(initiative)
        data["actors"] = [
            {"name": a.name, "org_type": a.org_type_id, "role": a.role}
            for a in initiative.actors.all()
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


# --------------------------------------------------------------------------------------------
# Responses
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


def _area_links(row: Evaluated) -> list[InitiativeWelfareArea]:
    """The fagområder in the order they were entered (as ``selectors.area_slugs``)."""
    return sorted(row.initiative.initiativewelfarearea_set.all(), key=lambda link: link.pk)


# Serialised from a ``selectors.Evaluated``; class docstrings would become OpenAPI descriptions.
class InitiativeListItem(Schema):
    id: uuid.UUID
    name: str
    location: str
    category: int | None = Field(
        alias="evaluation.category", description="Effektiv kategori: manuel, beregnet eller VIVE's"
    )
    category_basis: str = Field(alias="evaluation.basis")
    computed_category: int | None = Field(alias="evaluation.computed.category")
    vive_category: int | None
    alternative_category: int | None
    within_definition: bool | None = Field(alias="evaluation.within_definition")
    umbrella: bool
    welfare_areas: list[str]
    time_perspective: str
    phase: str
    collaboration_model: str

    @staticmethod
    def resolve_welfare_areas(row: Evaluated) -> list[str]:
        return selectors.area_slugs(row.initiative)


class ActorOut(Schema):
    id: uuid.UUID
    name: str
    org_type: str = Field(alias="org_type_id")
    role: str
    units: str
    professions: str
    note: str
    organisation_id: uuid.UUID | None
    provenance: Any


class FundingOut(Schema):
    id: uuid.UUID
    funder: str
    org_type: str = Field(alias="org_type_id")
    inside: bool
    amount: Decimal | None
    start: date = Field(alias="period_start")
    end: date | None = Field(alias="period_end")
    counts_for_classification: bool
    note: str
    provenance: Any


class WelfareAreaOut(Schema):
    slug: str = Field(alias="welfare_area_id")
    name: str = Field(alias="welfare_area.name_da")
    raw_term: str
    provenance: Any


# The evaluation part of a ``selectors.Evaluated``.
class EvaluationOut(Schema):
    as_of: date = Field(alias="evaluation.as_of")
    category: int | None = Field(alias="evaluation.category")
    basis: str = Field(alias="evaluation.basis", description="override, computed, vive eller none")
    basis_text: str = Field(alias="evaluation.basis_text")
    computed_category: int | None = Field(alias="evaluation.computed.category")
    actor_axis: str | None = Field(alias="evaluation.computed.actor_axis")
    financing_axis: str | None = Field(alias="evaluation.computed.financing_axis")
    computed_explanation: str = Field(alias="evaluation.computed.explanation")
    active_funding: list[str]
    within_definition: bool | None = Field(alias="evaluation.within_definition")
    verdict: str = Field(alias="evaluation.verdict.explanation")
    failed_conditions: list[int] = Field(alias="evaluation.verdict.failed")
    unknown_conditions: list[int] = Field(alias="evaluation.verdict.unknown")
    alternative_category: int | None
    alternative_note: str
    issues: list[IssueOut] = Field(alias="evaluation.issues")

    @staticmethod
    def resolve_active_funding(row: Evaluated) -> list[str]:
        return [s.funder for s in row.evaluation.computed.active_sources]


# One initiative with its evaluation: a ``selectors.Evaluated``.
class InitiativeOut(InitiativeFields):  # type: ignore[misc,valid-type]
    id: uuid.UUID
    welfare_areas: list[str]
    welfare_area_details: list[WelfareAreaOut]
    actors: list[ActorOut]
    funding: list[FundingOut] = Field(alias="funding_sources")
    conditions: list[ConditionOut] = Field(alias="evaluation.conditions")
    evaluation: EvaluationOut
    provenance: Any
    source_key: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_welfare_areas(row: Evaluated) -> list[str]:
        return [link.welfare_area_id for link in _area_links(row)]

    @staticmethod
    def resolve_welfare_area_details(row: Evaluated) -> list[InitiativeWelfareArea]:
        return _area_links(row)

    @staticmethod
    def resolve_evaluation(row: Evaluated) -> Evaluated:
        return row


# A ``selectors.MatrixCell``.
class MatrixCellOut(Schema):
    category: int
    actor_axis: str
    financing_axis: str
    count: int
    ids: list[uuid.UUID]
    names: list[str]

    @staticmethod
    def resolve_ids(cell: MatrixCell) -> list[uuid.UUID]:
        return [i.id for i in cell.initiatives]

    @staticmethod
    def resolve_names(cell: MatrixCell) -> list[str]:
        return [str(i) for i in cell.initiatives]


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
