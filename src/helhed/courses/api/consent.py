"""A course's consents: list, record, withdraw (the coordinator's)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile

from helhed.audit.models import Purpose
from helhed.core.apikit import (
    invalid,
    user_of,
)
from helhed.core.models import Organisation, Unit
from helhed.courses import selectors, services
from helhed.courses.api._common import (
    _consent_out,
)
from helhed.courses.schemas import (
    ConfirmedOut,
    ConsentChangeIn,
    ConsentDocumentOut,
    ConsentEventOut,
    ConsentIn,
    ConsentOut,
    ProblemOut,
    WithdrawIn,
)

router = Router()


# --------------------------------------------------------------------------------------------
# Consent
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/consents", response={200: list[ConsentOut], 403: ProblemOut})
def consent_list(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course's consents, current and past. Logged."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    on = selectors.today()
    selectors.log_course_read(user, access, "samtykker", Purpose.CASEWORK)
    consents = selectors.consents_of(access)
    children = selectors.consent_child_ids([c.pk for c in consents])
    outs = [_consent_out(c, on, access) for c in consents]
    for out in outs:
        out.child_ids = children.get(out.id, [])
    return outs


@router.post(
    "/courses/{course_id}/consents", response={201: ConsentOut, 403: ProblemOut, 422: ProblemOut}
)
def consent_create(request: HttpRequest, course_id: uuid.UUID, payload: ConsentIn) -> Any:
    """Record a consent (coordinator only): whom it covers, which data, from/to, and whether it
    may be used (pseudonymised) for evaluation."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    course = access.course
    organisations = list(Organisation.objects.filter(pk__in=payload.organisation_ids))
    if len(organisations) != len(set(payload.organisation_ids)):
        raise invalid("organisation_ids", "En af organisationerne findes ikke.")
    units = list(Unit.objects.filter(pk__in=payload.unit_ids))
    if len(units) != len(set(payload.unit_ids)):
        raise invalid("unit_ids", "En af enhederne findes ikke.")
    consent = services.give_consent(
        user,
        course,
        given_by=payload.given_by,
        given_by_name=payload.given_by_name,
        organisations=organisations,
        units=units,
        categories=payload.categories,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        note=payload.note,
        for_evaluation=payload.for_evaluation,
        child_ids=payload.child_ids,
        person_id=payload.person_id,
    )
    out = _consent_out(consent, selectors.today(), access)
    out.child_ids = selectors.consent_child_ids([consent.pk])[consent.pk]
    return Status(201, out)


@router.post(
    "/courses/{course_id}/consents/{consent_id}/withdraw",
    response={200: ConsentOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def consent_withdraw(
    request: HttpRequest,
    course_id: uuid.UUID,
    consent_id: uuid.UUID,
    payload: WithdrawIn | None = None,
) -> Any:
    """Withdraw a consent at once (coordinator only): from today it gives nobody access."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    consent = services.withdraw_consent(
        user, selectors.consent_of(access, consent_id), by_name=payload.by_name if payload else ""
    )
    return _consent_out(consent, selectors.today(), access)


# --------------------------------------------------------------------------------------------
# Consent with evidence (issue 15): change, signed document, history, the citizen's confirmation
# --------------------------------------------------------------------------------------------


def _guarded(request: HttpRequest, course_id: uuid.UUID) -> selectors.Access:
    """As the pages: a course the caller may not see, another course's consent or a guessed id
    is 404 for the document and the history's details."""
    try:
        return selectors.access_for(user_of(request), course_id)
    except PermissionDenied:
        raise Http404 from None


@router.patch(
    "/courses/{course_id}/consents/{consent_id}",
    response={200: ConsentOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def consent_change(
    request: HttpRequest, course_id: uuid.UUID, consent_id: uuid.UUID, payload: ConsentChangeIn
) -> Any:
    """Change a consent's units, organisations, categories or expiry (coordinator only); only
    the fields sent change, and each change is a line in the consent's history."""
    user = user_of(request)
    valid_to: Any = "unchanged"
    if payload.clear_valid_to:
        valid_to = None
    elif payload.valid_to is not None:
        valid_to = payload.valid_to
    services.change_consent(
        user,
        course_id=course_id,
        consent_id=consent_id,
        unit_ids=payload.unit_ids,
        organisation_ids=payload.organisation_ids,
        categories=payload.categories,
        valid_to=valid_to,
    )
    access = selectors.access_for(user, course_id)
    return _consent_out(selectors.consent_of(access, consent_id), selectors.today(), access)


@router.post(
    "/courses/{course_id}/consents/{consent_id}/document",
    response={201: ConsentDocumentOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def consent_document_upload(
    request: HttpRequest,
    course_id: uuid.UUID,
    consent_id: uuid.UUID,
    file: File[UploadedFile],
) -> Any:
    """Attach the signed consent (coordinator only; multipart field ``file``): PDF, PNG or JPEG
    by content, at most 10 MB."""
    access = _guarded(request, course_id)
    if not access.is_coordinator:
        raise Http404
    try:
        selectors.consent_of(access, consent_id)
    except PermissionDenied:
        raise Http404 from None
    document = services.attach_consent_document(
        user_of(request), course_id=course_id, consent_id=consent_id, upload=file
    )
    return Status(201, document)


@router.get(
    "/courses/{course_id}/consents/{consent_id}/document",
    response={200: None, 404: ProblemOut},
    openapi_extra={
        "responses": {
            200: {
                "description": "Den underskrevne erklæring (PDF, PNG eller JPEG).",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def consent_document_download(
    request: HttpRequest, course_id: uuid.UUID, consent_id: uuid.UUID
) -> Any:
    """The signed document: the coordinator and a reader whose consent covers every category.
    Logged. Anyone else, or a guessed id: 404."""
    access = _guarded(request, course_id)
    try:
        document = selectors.consent_document(access, consent_id)
    except PermissionDenied:
        raise Http404 from None
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/courses/{course_id}/consent-history",
    response={200: list[ConsentEventOut], 403: ProblemOut},
)
def consent_history(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """Every change to the course's consents, oldest first: who, when, what. The details name
    units: a reader who may not see every category gets them empty. Logged."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    selectors.log_course_read(user, access, "samtykkernes historik", Purpose.CASEWORK)
    return selectors.consent_history(access)


@router.post(
    "/consents/{consent_id}/confirm",
    response={200: ConfirmedOut, 404: ProblemOut, 422: ProblemOut},
)
def consent_confirm(request: HttpRequest, consent_id: uuid.UUID) -> Any:
    """The citizen (or the custody holder for a child under 15) confirms a recorded consent
    while logged in as a citizen. Someone else's consent, staff, or a guessed id: 404."""
    try:
        consent = services.confirm_consent(user_of(request), consent_id=consent_id)
    except PermissionDenied:
        raise Http404 from None
    return consent
