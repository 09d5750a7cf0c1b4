"""Courses: the list, intake (a new course or "ask to join"), join requests, access without
consent, and one course's overview."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Status

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.apikit import (
    user_of,
)
from helhed.core.models import UserKind
from helhed.courses import selectors, services
from helhed.courses.api._common import (
    _categories,
    _check_choice,
    _consent_out,
    _list_item,
    _member_out,
    _name,
    _stats_out,
    _text,
)
from helhed.courses.models import (
    ContactChannel,
    CourseStatus,
)
from helhed.courses.schemas import (
    BasisOut,
    CitizenOut,
    CoordinatorOut,
    CourseDetail,
    CoursePage,
    CreatedCourseOut,
    DuplicateProblemOut,
    IntakeIn,
    JoinAnswerIn,
    JoinRequestIn,
    JoinRequestOut,
    PlanSummaryOut,
    ProblemOut,
    WithoutConsentIn,
    WithoutConsentOut,
)

router = Router()


# --------------------------------------------------------------------------------------------
# Courses
# --------------------------------------------------------------------------------------------


@router.get("/courses", response=CoursePage)
def course_list(
    request: HttpRequest,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=10**9),
    status: str = Query("", description="henvist, afklaring, aktiv, pause eller afsluttet"),
) -> CoursePage:
    """The courses you may see today (as coordinator, by team membership with consent, or by an
    access without consent). Logged: one entry per citizen on the page."""
    user = user_of(request)
    if status:
        _check_choice(status, CourseStatus.values, "status")
    count, page = selectors.course_api_page(user, status=status, offset=offset, limit=limit)
    return CoursePage(count=count, items=[_list_item(c) for c in page])


@router.post(
    "/courses",
    response={201: CreatedCourseOut, 403: ProblemOut, 409: DuplicateProblemOut, 422: ProblemOut},
)
def course_create(request: HttpRequest, payload: IntakeIn) -> Any:
    """Intake: open a course with you as coordinator and an empty plan (version 1). If the
    citizen already has an active course the answer is 409 saying only that — ask its
    coordinator to let your unit join (``join_request``), or give a ``parallel_reason`` (needs the
    koordinator role in the unit). A registered CPR number must come with the registered names."""
    user = user_of(request)
    if user.kind != UserKind.STAFF:
        raise PermissionDenied("Kun medarbejdere kan visitere.")
    contact = payload.contact.model_dump() if payload.contact else {}
    if contact:
        _check_choice(contact["contact_channel"], ContactChannel.values, "contact_channel")
    course = services.intake(
        user,
        initiative_id=payload.initiative_id,
        coordinator_unit_id=payload.coordinator_unit_id,
        cpr=payload.cpr,
        first_name=payload.first_name,
        last_name=payload.last_name,
        referred_on=payload.referred_on,
        referral_note=payload.referral_note,
        referral_note_category=payload.referral_note_category,
        checklist=dict(payload.checklist),
        mandate=payload.mandate,
        mandate_category=payload.mandate_category,
        contact=contact,
        parallel_reason=payload.parallel_reason,
        household_name=payload.household_name,
        members=[m.model_dump() for m in payload.members],
    )
    citizen = course.citizen
    log_access(user, citizen.id, "visitation", Purpose.CASEWORK, unit_id=course.coordinator_unit_id)
    return Status(
        201,
        CreatedCourseOut(
            id=course.id,
            initiative=course.initiative.name,
            status=course.status,
            citizen_name=citizen.full_name,
            cpr_masked=citizen.masked_cpr,
            coordinator=_name(user),
            plan_version=course.plan.version,
        ),
    )


@router.post("/join-requests", response={201: JoinRequestOut, 403: ProblemOut, 422: ProblemOut})
def join_request_create(request: HttpRequest, payload: JoinRequestIn) -> Any:
    """Ask the coordinators of the citizen's active courses to add your unit to the team. You
    learn nothing about the courses; each coordinator answers in Helhed."""
    sent = services.request_to_join(
        user_of(request), cpr=payload.cpr, unit_id=payload.unit_id, message=payload.message
    )
    return Status(201, JoinRequestOut(sent=sent))


@router.post(
    "/courses/{course_id}/join-requests/{request_id}/answer",
    response={200: JoinRequestOut, 403: ProblemOut, 422: ProblemOut},
)
def join_request_answer(
    request: HttpRequest, course_id: uuid.UUID, request_id: uuid.UUID, payload: JoinAnswerIn
) -> Any:
    """Accept (the unit joins the team from today) or decline a request (coordinator only)."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    if not access.is_coordinator:
        raise PermissionDenied("Kun forløbets koordinator kan gøre dette.")
    services.answer_join_request(
        user, request_id=request_id, accept=payload.accept, role=payload.role, note=payload.note
    )
    return JoinRequestOut(sent=1)


@router.get("/without-consent/bases", response=list[BasisOut])
def without_consent_bases(request: HttpRequest) -> list[BasisOut]:
    """The maintained legal bases for access without consent, with the categories each opens."""
    user_of(request)
    return [
        BasisOut(
            id=b.id,
            law=b.law,
            paragraph=b.paragraph,
            title=b.title,
            guidance=b.guidance,
            categories=sorted(b.category_set),
        )
        for b in selectors.without_consent_bases()
    ]


@router.post(
    "/courses/{course_id}/without-consent",
    response={201: WithoutConsentOut, 403: ProblemOut, 422: ProblemOut},
)
def without_consent_open(
    request: HttpRequest, course_id: uuid.UUID, payload: WithoutConsentIn
) -> Any:
    """Open the course without consent for 24 hours on a basis from the maintained list, from
    one of your casework-authority units (koordinator or fagperson). The coordinator and your
    unit's leaders are told; every read is flagged in the citizen's access log."""
    grant = services.open_without_consent(
        user_of(request),
        course_id=course_id,
        unit_id=payload.unit_id,
        basis_id=payload.basis_id,
        note=payload.note,
    )
    return Status(
        201,
        WithoutConsentOut(
            id=grant.id,
            legal_basis=grant.legal_basis,
            categories=sorted(grant.categories),
            expires_at=grant.expires_at,
        ),
    )


@router.get("/courses/{course_id}", response={200: CourseDetail, 403: ProblemOut})
def course_detail(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course with a plan summary, team and consents — only what your consent covers.
    Logged. 403 if you have no access (also if the course does not exist)."""
    user = user_of(request)
    overview = selectors.course_overview(user, course_id)
    access = overview.access
    course = access.course
    on = selectors.today()
    plan = overview.plan
    texts = overview.texts
    citizen = course.citizen
    unit = course.coordinator_unit
    return CourseDetail(
        id=course.id,
        initiative_id=course.initiative_id,
        initiative=course.initiative.name,
        status=course.status,
        closing_reason=course.closing_reason,
        referred_on=course.referred_on,
        start_date=course.start_date,
        end_date=course.end_date,
        citizen=CitizenOut(
            id=citizen.id,
            name=citizen.full_name,
            cpr_masked=citizen.masked_cpr,
            age=citizen.age(on),
            contact_channel=citizen.contact_channel,
            no_fixed_address=citizen.no_fixed_address,
            companion_wanted=citizen.companion_wanted,
        ),
        household=course.household.name if course.household else None,
        coordinator=CoordinatorOut(
            id=course.coordinator_id,
            name=_name(course.coordinator),
            unit_id=unit.id,
            unit=unit.name,
            organisation=unit.organisation.name,
            phone=course.coordinator.phone,
            email=course.coordinator.email,
        ),
        mandate=_text(texts["mandate"]),
        referral_note=_text(texts["referral_note"]),
        hidden_texts=sorted(k for k, t in texts.items() if t.hidden),
        categories=_categories(access),
        hidden_categories=overview.hidden_categories,
        without_consent=access.without_consent is not None and not access.is_coordinator,
        plan=PlanSummaryOut(
            id=plan.id,
            version=plan.version,
            updated_at=plan.updated_at,
            citizen_statement=_text(texts["citizen_statement"]),
            summary=_text(texts["summary"]),
            goals=len(overview.goals),
            measures=len(overview.measures),
            demands=len(overview.demands),
            open_conflicts=sum(1 for c in overview.conflicts if c.is_open),
            appointments=len(overview.appointments),
            overlapping_appointments=len(overview.overlapping),
        )
        if plan is not None
        else None,
        team=[_member_out(m, on) for m in overview.team_current + overview.team_past],
        team_hidden=overview.team_hidden,
        team_stats=_stats_out(overview.team_stats),
        consents=[_consent_out(c, on, access) for c in overview.consents],
    )
