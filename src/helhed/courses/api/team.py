"""A course's team: list, add, end a membership (the coordinator's)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from helhed.core.apikit import (
    Str20,
    Str100,
    Text,
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


# --------------------------------------------------------------------------------------------
# Handing a course over to another coordinator; early contact (a referral), issue 14
# --------------------------------------------------------------------------------------------


class HandOverIn(Schema):
    new_coordinator_id: uuid.UUID = Field(
        description="Den nye koordinator: rollen koordinator i enheden i dag (enhver organisation)."
    )
    unit_id: uuid.UUID
    reason: Text
    mandate: Text = Field("", description="Tomt: mandatet fortsætter uændret.")


class HandOverOut(Schema):
    course_id: uuid.UUID
    coordinator_id: uuid.UUID
    unit_id: uuid.UUID
    organisation_id: uuid.UUID


class ReferralIn(Schema):
    from_unit_id: uuid.UUID = Field(description="Din enhed (koordinator eller fagperson).")
    unit_id: uuid.UUID = Field(description="Kommunens enhed, der skal koordinere.")
    coordinator_id: uuid.UUID = Field(description="Kommunens koordinator (rollen i enheden).")
    initiative_id: uuid.UUID
    cpr: Str20 = Field(description="CPR-nummer (ddmmåå-xxxx); returneres aldrig.")
    first_name: Str100
    last_name: Str100
    note: Text = ""
    note_category: Str20 = "plan"


class ReferralOut(Schema):
    kind: str = Field(
        description="»existing«: borgeren har et forløb, og koordinatoren har fået en anmodning; "
        "»new«: forløbet er oprettet hos kommunen."
    )
    sent: int
    course_id: uuid.UUID | None = None


@router.post(
    "/courses/{course_id}/coordinator",
    response={200: HandOverOut, 403: ProblemOut, 422: ProblemOut},
)
def coordinator_change(request: HttpRequest, course_id: uuid.UUID, payload: HandOverIn) -> Any:
    """Hand the course over to a coordinator in your own or another organisation (coordinator
    only). You stay on the team as former coordinator until the new coordinator ends you; the
    change is in the history and the new coordinator is told."""
    course = services.hand_over_course(
        user_of(request),
        course_id=course_id,
        new_coordinator_id=payload.new_coordinator_id,
        unit_id=payload.unit_id,
        reason=payload.reason,
        mandate=payload.mandate,
    )
    return HandOverOut(
        course_id=course.pk,
        coordinator_id=course.coordinator_id,
        unit_id=course.coordinator_unit_id,
        organisation_id=course.coordinator_unit.organisation_id,
    )


@router.post("/referrals", response={201: ReferralOut, 403: ProblemOut, 422: ProblemOut})
def referral_create(request: HttpRequest, payload: ReferralIn) -> Any:
    """Early contact: refer a citizen into a municipality's course without becoming its
    coordinator. An active course gets a request to add your unit (you learn nothing more);
    else a course is opened with the named coordinator and your unit on the team."""
    done = services.refer_citizen(
        user_of(request),
        from_unit_id=payload.from_unit_id,
        unit_id=payload.unit_id,
        coordinator_id=payload.coordinator_id,
        initiative_id=payload.initiative_id,
        cpr=payload.cpr,
        first_name=payload.first_name,
        last_name=payload.last_name,
        note=payload.note,
        note_category=payload.note_category,
    )
    return Status(201, ReferralOut(kind=done.kind, sent=done.sent, course_id=done.course_id))
