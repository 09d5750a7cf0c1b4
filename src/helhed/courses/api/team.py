"""A course's team: list, add, end a membership (the coordinator's)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from ninja import Router, Status

from helhed.core.apikit import (
    invalid,
    user_of,
)
from helhed.core.models import Organisation, Unit, User, UserKind
from helhed.courses import selectors, services
from helhed.courses.api._common import (
    _check_area,
    _get_or_422,
    _member_out,
    _stats_out,
)
from helhed.courses.schemas import (
    EndMemberIn,
    ProblemOut,
    TeamMemberIn,
    TeamMemberOut,
    TeamOut,
)

router = Router()


# --------------------------------------------------------------------------------------------
# Team
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/team", response={200: TeamOut, 403: ProblemOut})
def team_list(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """Who is around the citizen: current and former contact persons and the turnover; those
    from an area your consent does not cover are counted, not named. Logged."""
    user = user_of(request)
    overview = selectors.course_overview(user, course_id, items=False, what="team")
    on = selectors.today()
    return TeamOut(
        members=[_member_out(m, on) for m in overview.team_current + overview.team_past],
        hidden=overview.team_hidden,
        stats=_stats_out(overview.team_stats),
    )


@router.post(
    "/courses/{course_id}/team", response={201: TeamMemberOut, 403: ProblemOut, 422: ProblemOut}
)
def team_add(request: HttpRequest, course_id: uuid.UUID, payload: TeamMemberIn) -> Any:
    """Add a contact person (coordinator only)."""
    user = user_of(request)
    course = selectors.access_for(user, course_id).course
    organisation = _get_or_422(
        Organisation, payload.organisation_id, "organisation_id", "Organisationen findes ikke."
    )
    unit = _get_or_422(Unit, payload.unit_id, "unit_id", "Enheden findes ikke.")
    member_user = _get_or_422(User, payload.user_id, "user_id", "Brugeren findes ikke.")
    if member_user is not None and member_user.kind != UserKind.STAFF:
        raise invalid("user_id", "Kun medarbejdere kan være på teamet.")
    _check_area(payload.welfare_area)
    if payload.email:
        try:
            validate_email(payload.email)
        except DjangoValidationError:
            raise invalid("email", "Ugyldig e-mailadresse.") from None
    member = services.add_team_member(
        user,
        course,
        organisation=organisation,
        unit=unit,
        name=payload.name,
        role=payload.role,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        member_user=member_user,
        phone=payload.phone,
        email=payload.email,
        welfare_area_id=payload.welfare_area,
    )
    return Status(201, _member_out(member, selectors.today()))


@router.post(
    "/courses/{course_id}/team/{member_id}/end",
    response={200: TeamMemberOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def team_end(
    request: HttpRequest, course_id: uuid.UUID, member_id: uuid.UUID, payload: EndMemberIn
) -> Any:
    """End a contact person's period on the team (coordinator only)."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    member = services.end_team_member(user, selectors.team_member_of(access, member_id), payload.on)
    return _member_out(member, selectors.today())
