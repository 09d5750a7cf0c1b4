"""FHIR R4 API (mounted at /api/fhir by helhed.api): a course as a Bundle, a Bundle imported into
a new course (with a dry run) and the bulk export as a job on the worker. Adapters only: reads
through ``selectors``, writes through ``services``; errors are the global problem bodies (a
Bundle that is not valid FHIR is 422 with one error per problem, each with a ``pointer``)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from helhed.core.apikit import user_of
from helhed.fhir import selectors, services

router = Router(tags=["fhir"])
FHIR_JSON = "application/fhir+json"


class ImportWarning(Schema):
    pointer: str
    message: str


class ImportOut(Schema):
    dry_run: bool
    create: dict[str, int]
    skipped: dict[str, int]
    course_id: uuid.UUID | None = None
    warnings: list[ImportWarning] = Field(default_factory=list)


class ExportIn(Schema):
    pseudonymise: bool = False


class ExportOut(Schema):
    id: uuid.UUID
    status: str
    done: int
    total: int


BUNDLE_DOC: dict[str, Any] = {
    "responses": {
        200: {
            "description": "A FHIR R4 Bundle (type collection)",
            "content": {FHIR_JSON: {"schema": {"type": "object"}}},
        }
    }
}
IMPORT_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {FHIR_JSON: {"schema": {"type": "object"}}},
    },
    "responses": {409: {"description": "The citizen already has an active course"}},
}
DOWNLOAD_DOC: dict[str, Any] = {
    "responses": {
        200: {
            "description": "One Bundle per line",
            "content": {"application/fhir+ndjson": {"schema": {"type": "string"}}},
        },
        409: {"description": "The export is not finished"},
    }
}


@router.get("/courses/{course_id}/bundle", openapi_extra=BUNDLE_DOC)
def course_bundle(request: HttpRequest, course_id: uuid.UUID, pseudonymise: bool = False) -> Any:
    """The course as a FHIR R4 Bundle (type ``collection``), as far as the reader's consent lets
    them see it; the read is logged."""
    bundle = selectors.course_bundle(user_of(request), course_id, pseudonymise=pseudonymise)
    return HttpResponse(json.dumps(bundle), content_type=FHIR_JSON)


@router.post("/import", response={200: ImportOut, 201: ImportOut}, openapi_extra=IMPORT_DOC)
def import_bundle(
    request: HttpRequest, dry_run: bool = False, unit_id: uuid.UUID | None = None
) -> Any:
    """Import a Bundle (the request body, ``application/fhir+json``) into a new course;
    ``?dry_run=true`` only reports what would be created."""
    report = services.import_bundle(
        user_of(request), body=request.body, unit_id=unit_id, dry_run=dry_run
    )
    return Status(200 if dry_run else 201, report)


@router.post("/exports", response={202: ExportOut})
def request_export(request: HttpRequest, payload: ExportIn) -> Any:
    """Start a bulk export of every course the reader may see (a job on the worker)."""
    export = services.request_bulk_export(user_of(request), pseudonymise=payload.pseudonymise)
    return Status(202, export)


@router.get("/exports/{export_id}", response=ExportOut)
def export_status(request: HttpRequest, export_id: uuid.UUID) -> Any:
    """The job's status and progress (the requester's own only)."""
    return selectors.bulk_export(user_of(request), export_id)


@router.get("/exports/{export_id}/download", openapi_extra=DOWNLOAD_DOC)
def export_download(request: HttpRequest, export_id: uuid.UUID) -> Any:
    """The finished export as NDJSON, one Bundle per line (the requester's own only; each course
    through the guard again, now)."""
    user = user_of(request)
    export = selectors.bulk_export(user, export_id)
    if export.status != "done":
        raise HttpError(409, "Eksporten er ikke færdig endnu.")
    response = StreamingHttpResponse(
        selectors.bulk_export_lines(user, export), content_type="application/fhir+ndjson"
    )
    response["Content-Disposition"] = f'attachment; filename="fhir-{export.pk}.ndjson"'
    return response
