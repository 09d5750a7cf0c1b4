"""A course's consents: list, record, withdraw (the coordinator's)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

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
