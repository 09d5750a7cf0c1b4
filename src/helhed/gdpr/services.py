"""Recording a citizen's request and handing out the export (art. 15).

Who may: the citizen's coordinator — the coordinator of one of the citizen's own courses, while a
member of the coordinating unit (``courses.selectors.access_for(...).is_coordinator``), from that
course's page — and the citizen themselves, from their own page, for their own data. Nobody else:
a team member, another organisation's coordinator, a coordinator whose membership has ended, a
leader, an administrator all get the guard's 403. The export read is logged in the access log:
by the coordinator with the purpose "Lovpligtig opgave" and the legal basis
:data:`LEGAL_BASIS`, by the citizen as their own access.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import User, UserKind
from helhed.core.selectors import today
from helhed.courses.models import Citizen
from helhed.courses.selectors import citizen_for_user
from helhed.gdpr import selectors
from helhed.gdpr.models import Channel, DataSubjectRequest, RequestKind, RequestStatus

LEGAL_BASIS = "databeskyttelsesforordningen art. 15"
WHAT = "indsigtsanmodning (art. 15): alle oplysninger"
STAFF_CHANNELS = frozenset({Channel.IN_PERSON, Channel.LETTER, Channel.PHONE})


def coordinator_access(user: User, course_id: uuid.UUID | str) -> tuple[Citizen, uuid.UUID]:
    """The course's citizen and the unit the read is attributed to, if ``user`` coordinates
    the course; else the guard's refusal."""
    access = selectors.coordinator_access(user, course_id)
    return access.course.citizen, access.unit_id


def record_request(
    user: User,
    *,
    course_id: uuid.UUID | str,
    received_on: date,
    channel: str,
) -> DataSubjectRequest:
    """The coordinator records the citizen's request for access, received ``received_on``."""
    citizen, _unit = coordinator_access(user, course_id)
    errors: dict[str, list[str]] = {}
    if channel not in STAFF_CHANNELS:
        errors["channel"] = [_("Vælg hvordan anmodningen kom.")]
    if received_on > today():
        errors["received_on"] = [_("Datoen kan ikke ligge i fremtiden.")]
    if errors:
        raise ValidationError(errors)
    return DataSubjectRequest.objects.create(
        citizen=citizen,
        course_id=course_id,
        kind=RequestKind.ACCESS,
        received_on=received_on,
        channel=channel,
        registered_by=user,
    )


def request_own(user: User) -> DataSubjectRequest:
    """The citizen asks for all their data on their own page."""
    citizen = _own_citizen(user)
    return DataSubjectRequest.objects.create(
        citizen=citizen,
        kind=RequestKind.ACCESS,
        received_on=today(),
        channel=Channel.OWN_PAGE,
        registered_by=user,
    )


def record_system_request(citizen: Citizen) -> DataSubjectRequest:
    """The command line: a request registered by the system."""
    return DataSubjectRequest.objects.create(
        citizen=citizen,
        kind=RequestKind.ACCESS,
        received_on=today(),
        channel=Channel.SYSTEM,
        registered_by=None,
    )


def _own_citizen(user: User) -> Citizen:
    if not user.is_authenticated or user.kind != UserKind.CITIZEN:
        raise PermissionDenied
    citizen = citizen_for_user(user)
    if citizen is None:
        raise PermissionDenied
    return citizen


def _request_of(citizen: Citizen, request_id: uuid.UUID | str) -> DataSubjectRequest:
    try:
        found = DataSubjectRequest.objects.filter(
            pk=request_id, citizen=citizen, kind=RequestKind.ACCESS
        ).first()
    except (ValueError, ValidationError):
        found = None
    if found is None:  # another citizen's request: as unknown as one that does not exist
        raise PermissionDenied
    return found


def _deliver(request: DataSubjectRequest) -> None:
    if request.status != RequestStatus.DELIVERED:
        request.status = RequestStatus.DELIVERED
        request.delivered_at = timezone.now()
        request.save(update_fields=["status", "delivered_at"])


@transaction.atomic
def export_for_coordinator(
    user: User, *, course_id: uuid.UUID | str, request_id: uuid.UUID | str
) -> selectors.Export:
    """The export for a recorded request, to the citizen's coordinator; logged and marked
    delivered."""
    citizen, unit_id = coordinator_access(user, course_id)
    request = _request_of(citizen, request_id)
    log_access(
        user, citizen.pk, WHAT, Purpose.LEGAL_OBLIGATION, legal_basis=LEGAL_BASIS, unit_id=unit_id
    )
    _deliver(request)
    return selectors.collect(citizen.pk)


@transaction.atomic
def export_for_citizen(user: User, *, request_id: uuid.UUID | str) -> selectors.Export:
    """The citizen's own export for their own request; logged as their own access."""
    citizen = _own_citizen(user)
    request = _request_of(citizen, request_id)
    log_access(user, citizen.pk, WHAT, Purpose.CITIZEN_SELF)
    _deliver(request)
    return selectors.collect(citizen.pk)


@transaction.atomic
def export_by_system(citizen: Citizen, request: DataSubjectRequest) -> selectors.Export:
    """The command line's export (run by an operator on the server). The access log needs a
    user; the system has none, so the request itself is the record of who and why."""
    _deliver(request)
    return selectors.collect(citizen.pk)
