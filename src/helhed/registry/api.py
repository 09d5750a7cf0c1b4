"""Registry API: reads for every logged-in user, writes for administrators and analysts.

An adapter: each endpoint parses its input, calls a selector or a ``services`` use case and lets
ninja serialise the result through ``registry.schemas``. Errors are not translated here: the
use cases raise ``PermissionDenied`` (403), ``ValidationError`` with every field error (422),
``Http404`` and ``DuplicateInitiativeError`` (409), and ``helhed.api``'s handlers turn them into
problem bodies. What this module reports itself is what only it parses: query filters, the
JSON of ``POST /categorize`` and of a PATCH.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pydantic
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from helhed.core.apikit import Day, invalid, user_of
from helhed.registry import selectors, services
from helhed.registry.formats import document
from helhed.registry.formats.filters import FilterError
from helhed.registry.schemas import (
    CategorizeOut,
    InitiativeIn,
    InitiativeListItem,
    InitiativeOut,
    MatrixOut,
)

router = Router(tags=["registry"])


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            [{"loc": ["body"], "msg": f"Ugyldig JSON: {exc}", "type": "json_invalid"}]
        ) from None


def _patched(initiative_id: uuid.UUID, changes: object) -> InitiativeIn:
    """The stored initiative with the PATCH body's fields replaced, validated as a whole."""
    if not isinstance(changes, dict):
        raise ValidationError(
            [{"loc": ["body"], "msg": "Skal være et JSON-objekt.", "type": "value_error"}]
        )
    unknown = sorted(set(changes) - set(InitiativeIn.model_fields))
    if unknown:
        raise ValidationError(
            [
                {"loc": ["body", "payload", key], "msg": "Ukendt felt.", "type": "extra_forbidden"}
                for key in unknown
            ]
        )
    stored = InitiativeIn.stored(selectors.initiative(initiative_id))
    try:
        return InitiativeIn.model_validate({**stored, **changes})
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [
                {"loc": ["body", "payload", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ]
        ) from None


# --------------------------------------------------------------------------------------------
# Reads
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
) -> list[selectors.Evaluated]:
    params = {
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
    try:
        filters, when = selectors.filters_from_params(params)
    except FilterError as exc:
        raise invalid(exc.param, exc.message, where="query") from None
    return selectors.search(filters, when)


def _one(row: selectors.Evaluated, status: int = 200) -> Status[selectors.Evaluated]:
    """An ``Evaluated`` is a pair: inside ``Status`` ninja does not read it as (status, body)."""
    return Status(status, row)


@router.get("/initiatives/{initiative_id}", response=InitiativeOut)
def initiative_detail(
    request: HttpRequest, initiative_id: uuid.UUID, as_of: Day | None = None
) -> Status[selectors.Evaluated]:
    return _one(selectors.evaluated(initiative_id, as_of))


@router.get("/matrix", response=MatrixOut)
def matrix(request: HttpRequest, as_of: Day | None = None) -> dict[str, Any]:
    rows = selectors.search(selectors.Filters(), as_of)
    return {
        "as_of": as_of,
        "total": len(rows),
        "uncategorised": sum(1 for row in rows if row.evaluation.category is None),
        "cells": list(selectors.matrix(rows).values()),
    }


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
        return document.categorize_document(_json_body(request), today=timezone.localdate())
    except document.InputError as exc:
        raise ValidationError(
            [{"loc": ["body", *exc.loc], "msg": exc.message, "type": "value_error"}]
        ) from None


# --------------------------------------------------------------------------------------------
# Writes: services.save_initiative and delete_initiative
# --------------------------------------------------------------------------------------------


@router.post("/initiatives", response={201: InitiativeOut})
def initiative_create(request: HttpRequest, payload: InitiativeIn) -> Status[selectors.Evaluated]:
    saved = services.save_initiative(user_of(request), **payload.save_arguments())
    return _one(selectors.evaluated(saved.id), 201)


@router.put("/initiatives/{initiative_id}", response=InitiativeOut)
def initiative_replace(
    request: HttpRequest, initiative_id: uuid.UUID, payload: InitiativeIn
) -> Status[selectors.Evaluated]:
    """Replace the initiative: omitted fields get their defaults, omitted lists become empty."""
    arguments = payload.save_arguments()
    services.save_initiative(user_of(request), initiative_id=initiative_id, **arguments)
    return _one(selectors.evaluated(initiative_id))


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
def initiative_update(
    request: HttpRequest, initiative_id: uuid.UUID
) -> Status[selectors.Evaluated]:
    """Change only the fields given; lists given (actors, funding, welfare_areas) replace."""
    payload = _patched(initiative_id, _json_body(request))
    arguments = payload.save_arguments()
    services.save_initiative(user_of(request), initiative_id=initiative_id, **arguments)
    return _one(selectors.evaluated(initiative_id))


@router.delete("/initiatives/{initiative_id}", response={204: None})
def initiative_delete(request: HttpRequest, initiative_id: uuid.UUID) -> Status[None]:
    services.delete_initiative(user_of(request), initiative_id=initiative_id)
    return Status(204, None)
