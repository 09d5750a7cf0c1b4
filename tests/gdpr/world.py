"""A demo-like family with one of everything, for the art. 15 export tests.

Mette Sørensen has a course coordinated by Karen (Odense Kommune); her household holds her son
Emil (a child) and her daughter Sofie. Every model the export covers has at least one row about
Mette, each carrying a token (``zqMETTE-<section>q``) the export must contain. Emil has his own
goal, sub-goal and measurement and his own perspective (``zqEMIL-…q``), which Mette's export must
not contain — and which Emil's own export must. Rows are created with the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps as django_apps
from django.utils import timezone

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.coordination.models import TeamMemberWorkgroup, Workgroup
from helhed.core.models import Membership, Organisation, Unit, User, UserKind
from helhed.courses.legal_bases import sync_legal_bases
from helhed.courses.models import (
    Appointment,
    ChildPerspective,
    Citizen,
    Consent,
    ConsentDocument,
    ConsentEvent,
    CoordinatorChange,
    Course,
    Demand,
    DemandConflict,
    Goal,
    Household,
    HouseholdRelation,
    JoinRequest,
    LegalBasis,
    Measure,
    Plan,
    PlanVersion,
    Relative,
    SubGoal,
    TeamMember,
    WithoutConsentAccess,
)
from helhed.economics.models import (
    Contract,
    CostEntry,
    Enrolment,
    Indicator,
    IndicatorResult,
    UnitPrice,
)
from helhed.gdpr.models import Channel, DataSubjectRequest
from helhed.handovers.models import Handover, HandoverEvent, InstitutionalStay
from helhed.meetings.models import (
    Availability,
    Decision,
    Meeting,
    Participant,
    ProposedTime,
    Recommendation,
    Ruling,
    Task,
)
from helhed.notifications.models import Notification
from helhed.progress.models import CourseSummary, Measurement, MeasurementSchedule, OutcomeState
from helhed.registry.models import Initiative

PASSWORD = "korrekt-hest-batteri-42"
METTE_CPR = "1506961234"
EMIL_CPR = "0302164321"
SOFIE_CPR = "0101104322"


def tok(section: str) -> str:
    return f"zqMETTE-{section}q"


def emil(what: str) -> str:
    return f"zqEMIL-{what}q"


@dataclass
class World:
    municipality: Organisation
    other_municipality: Organisation
    unit: Unit
    other_unit: Unit
    coordinator: User
    colleague: User  # a fagperson on the team (plan-only consent)
    leader: User
    admin: User
    other_coordinator: User  # coordinates a course in another municipality
    ended: User  # coordinated Mette's course until their membership ended
    citizen_user: User
    emil_user: User
    mette: Citizen
    emil: Citizen
    sofie: Citizen
    course: Course
    request: DataSubjectRequest
    other_course: Course


def _user(username: str, first: str, last: str, unit: Unit | None, role: str | None) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=first, last_name=last
    )
    if unit is not None and role is not None:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def _citizen_user(username: str) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, kind=UserKind.CITIZEN, first_name="Borger"
    )


def build() -> World:
    sync_legal_bases(django_apps)
    today = timezone.localdate()
    now = timezone.now()
    odense = Organisation.objects.get(org_type_id="kommune", official_code="461")
    holbaek = Organisation.objects.get(org_type_id="kommune", official_code="316")
    unit = Unit.objects.create(
        organisation=odense, name="Koordinerende Team", welfare_area_id="beskaeftigelse"
    )
    other_unit = Unit.objects.create(
        organisation=holbaek, name="Holbæk Koordinering", welfare_area_id="beskaeftigelse"
    )
    jobcenter = Unit.objects.create(
        organisation=odense, name="Jobcenter Odense", welfare_area_id="beskaeftigelse"
    )
    coordinator = _user("karen", "Karen", "Koordinator", unit, "koordinator")
    colleague = _user("jonas", "Jonas", "Jobcenter", jobcenter, "fagperson")
    leader = _user("lene", "Lene", "Leder", unit, "leder")
    admin = _user("anders", "Anders", "Admin", unit, "administrator")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    other_coordinator = _user("hanne", "Hanne", "Holbæk", other_unit, "koordinator")
    ended = _user("erik", "Erik", "Ehemalig", None, None)
    Membership.objects.create(
        user=ended,
        unit=unit,
        role="koordinator",
        valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=1),
    )
    citizen_user = _citizen_user("mette-login")
    emil_user = _citizen_user("emil-login")
    initiative = Initiative.objects.create(name="FAMKO", location="Odense")

    mette = Citizen.objects.create(
        cpr=METTE_CPR,
        birth_date=date(1996, 6, 15),
        first_name="Mette",
        last_name="Sørensen",
        contact_note=tok("citizen"),
        user=citizen_user,
    )
    emil_c = Citizen.objects.create(
        cpr=EMIL_CPR,
        birth_date=date(2016, 2, 3),
        first_name="Emil",
        last_name="Sørensen",
        contact_note=emil("citizen"),
        user=emil_user,
    )
    sofie = Citizen.objects.create(
        cpr=SOFIE_CPR, birth_date=date(2010, 1, 1), first_name="Sofie", last_name="Sørensen"
    )
    Relative.objects.create(citizen=mette, name=tok("relatives"), relation="mor")
    household = Household.objects.create(name=tok("household"))
    household.members.add(mette, emil_c, sofie)
    HouseholdRelation.objects.create(
        household=household, from_citizen=mette, to_citizen=emil_c, kind="forælder", custody=True
    )
    course = Course.objects.create(
        initiative=initiative,
        citizen=mette,
        household=household,
        referred_on=today - timedelta(days=30),
        start_date=today - timedelta(days=20),
        coordinator=coordinator,
        coordinator_unit=unit,
        referral_note=tok("courses"),
        mandate="Kan bevilge op til 10.000 kr.",
    )
    CoordinatorChange.objects.create(
        course=course,
        previous=ended,
        new=coordinator,
        changed_by=coordinator,
        reason=tok("coordinator_changes"),
    )
    consent = Consent.objects.create(
        course=course,
        given_by="borger",
        given_by_name=tok("consents"),
        valid_from=today - timedelta(days=20),
        recorded_by=coordinator,
        cat_plan=True,
    )
    consent.units.add(unit, jobcenter)
    consent.children.add(emil_c)
    ConsentEvent.objects.create(
        consent=consent, course=course, kind="givet", by=coordinator, by_name=tok("consent_history")
    )
    ConsentDocument.objects.create(
        consent=consent,
        file="samtykker/erklaering",
        content_type="application/pdf",
        size=1234,
        original_name=tok("consent_documents"),
        sha256="0" * 64,
        uploaded_by=coordinator,
    )
    # Emil's own consent in his mother's course (a member aged 15 or more): his, not hers.
    own = Consent.objects.create(
        course=course,
        given_by="borger",
        given_by_name=emil("own_consent"),
        person=emil_c,
        valid_from=today - timedelta(days=10),
        recorded_by=coordinator,
        cat_plan=True,
    )
    own.units.add(unit)
    WithoutConsentAccess.objects.create(
        course=course,
        user=coordinator,
        unit=unit,
        legal_basis=tok("without_consent_accesses"),
        expires_at=now - timedelta(days=1),
        cat_plan=True,
    )
    JoinRequest.objects.create(
        course=course, requested_by=colleague, unit=jobcenter, message=tok("join_requests")
    )
    member = TeamMember.objects.create(
        course=course,
        name=tok("team"),
        organisation=odense,
        unit=jobcenter,
        user=colleague,
        role="Sagsbehandler",
        valid_from=today - timedelta(days=20),
    )
    plan = Plan.objects.create(course=course, summary=tok("plans"), version=2)
    goal = Goal.objects.create(plan=plan, text=tok("goals"), priority=1)
    emil_goal = Goal.objects.create(plan=plan, text=emil("goal"), priority=2, person=emil_c)
    SubGoal.objects.create(goal=goal, text=tok("subgoals"), data_category="plan")
    SubGoal.objects.create(goal=emil_goal, text=emil("subgoal"), data_category="plan")
    ChildPerspective.objects.create(plan=plan, child=emil_c, text=emil("perspective"))
    basis = LegalBasis.objects.filter(law="LAB").first() or LegalBasis.objects.first()
    assert basis is not None
    measure = Measure.objects.create(
        plan=plan,
        title=tok("measures"),
        welfare_area_id="beskaeftigelse",
        legal_basis=basis,
        organisation=odense,
        unit=jobcenter,
        budget_area="beskaeftigelse",
        data_category="plan",
    )
    measure.goals.add(goal)
    emil_measure = Measure.objects.create(
        plan=plan,
        title=emil("measure"),
        welfare_area_id="beskaeftigelse",
        legal_basis=basis,
        organisation=odense,
        budget_area="beskaeftigelse",
        data_category="plan",
    )
    emil_measure.goals.add(emil_goal)
    PlanVersion.objects.create(
        plan=plan,
        number=2,
        created_by=coordinator,
        snapshot={
            "summary": tok("plan_versions"),
            "goals": [
                {"id": str(goal.pk), "text": tok("goals")},
                {"id": str(emil_goal.pk), "text": emil("goal"), "person": str(emil_c.pk)},
            ],
            "measures": [
                {"id": str(measure.pk), "title": tok("measures"), "goals": [str(goal.pk)]},
                {
                    "id": str(emil_measure.pk),
                    "title": emil("measure"),
                    "goals": [str(emil_goal.pk)],
                },
            ],
        },
        changes=[emil("change")],
    )
    d1 = Demand.objects.create(
        plan=plan,
        organisation=odense,
        welfare_area_id="beskaeftigelse",
        kind="andet",
        title=tok("demands"),
        data_category="plan",
    )
    d2 = Demand.objects.create(
        plan=plan,
        organisation=odense,
        welfare_area_id="beskaeftigelse",
        kind="andet",
        title="Andet krav",
        data_category="plan",
    )
    DemandConflict.objects.create(
        plan=plan, first=d1, second=d2, description=tok("demand_conflicts"), marked_by=coordinator
    )
    Appointment.objects.create(
        plan=plan,
        title=tok("appointments"),
        organisation=odense,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=1),
        data_category="plan",
    )
    meeting = Meeting.objects.create(course=course, purpose=tok("meetings"), created_by=coordinator)
    p_team = Participant.objects.create(
        meeting=meeting, kind="team", name=tok("meeting_participants"), team_member=member
    )
    Participant.objects.create(
        meeting=meeting, kind="familie", name="Emil", household_member=emil_c
    )
    proposed = ProposedTime.objects.create(meeting=meeting, starts_at=now + timedelta(days=5))
    Availability.objects.create(proposed_time=proposed, participant=p_team, answer="ja")
    decision = Decision.objects.create(
        meeting=meeting, text=tok("decisions"), created_by=coordinator
    )
    Task.objects.create(
        course=course,
        decision=decision,
        title=tok("tasks"),
        owner=p_team,
        due_date=today + timedelta(days=7),
    )
    recommendation = Recommendation.objects.create(
        course=course,
        measure_title="Mentor",
        reasoning=tok("recommendations"),
        authority_unit=jobcenter,
        recommended_on=today - timedelta(days=5),
        recommended_by=coordinator,
    )
    Ruling.objects.create(
        recommendation=recommendation,
        course=course,
        outcome="bevilling",
        legal_basis=basis,
        decided_on=today - timedelta(days=1),
        waiting_days=4,
        decided_by=colleague,
        justification=tok("rulings"),
    )
    handover = Handover.objects.create(
        course=course,
        from_unit=unit,
        to_unit=jobcenter,
        mode="ledsaget",
        reason=tok("handovers"),
        requested_at=now - timedelta(days=3),
        requested_by=coordinator,
    )
    HandoverEvent.objects.create(
        handover=handover,
        action="request",
        note=tok("handover_events"),
        to_status="requested",
        at=now - timedelta(days=3),
        actor_name="Karen Koordinator",
    )
    InstitutionalStay.objects.create(
        course=course,
        kind="hospital",
        start_date=today - timedelta(days=10),
        expected_end=today + timedelta(days=10),
        recorded_by=coordinator,
        note=tok("stays"),
    )
    Measurement.objects.create(
        course=course,
        instrument="who5",
        measured_on=today - timedelta(days=3),
        idempotency_key=tok("measurements"),
    )
    Measurement.objects.create(
        course=course,
        instrument="gas",
        goal=emil_goal,
        measured_on=today - timedelta(days=3),
        idempotency_key=emil("measurement"),
    )
    OutcomeState.objects.create(
        course=course, kind="job", note=tok("outcomes"), valid_from=today - timedelta(days=2)
    )
    CourseSummary.objects.create(course=course)
    MeasurementSchedule.objects.create(course=course, instrument="who5", first_on=today)
    price = UnitPrice.objects.create(
        organisation=odense,
        name="Mentortime",
        unit="time",
        amount_ore=50000,
        year=today.year,
        payer="kommune",
        budget_area="beskaeftigelse",
        source="test",
    )
    CostEntry.objects.create(
        course=course,
        initiative_id=initiative.pk,
        organisation_id=odense.pk,
        unit_price=price,
        year=today.year,
        month=today.month,
        quantity=Decimal("2"),
        unit_amount_ore=50000,
        amount_ore=100000,
        payer="kommune",
        budget_area="beskaeftigelse",
        created_by=coordinator,
        note=tok("costs"),
    )
    contract = Contract.objects.create(
        initiative=initiative,
        name="Resultatkontrakt",
        owner=odense,
        investor_name="Fonden",
        period_start=today - timedelta(days=100),
        period_end=today + timedelta(days=600),
        cutoff=today + timedelta(days=300),
        budget_ore=10**9,
        created_by=coordinator,
    )
    indicator = Indicator.objects.create(
        contract=contract,
        name="WHO-5 stiger",
        priority="primaer",
        source="who5-stigning",
        price_ore=100,
        expected_rate=Decimal("0.5"),
    )
    enrolment = Enrolment.objects.create(
        contract=contract,
        course=course,
        start_date=today - timedelta(days=10),
        enrolled_by=coordinator,
    )
    IndicatorResult.objects.create(
        enrolment=enrolment,
        indicator=indicator,
        status="opfyldt",
        due_on=today,
        evaluated_on=today,
    )
    workgroup = Workgroup.objects.create(name_da="Jobcentre")
    # A signal has classified the team member already; the row is updated with the token.
    TeamMemberWorkgroup.objects.update_or_create(
        team_member=member,
        defaults={
            "workgroup": workgroup,
            "source": "regel",
            "signature": tok("team_workgroups"),
            "organisation": odense,
        },
    )
    Notification.objects.create(
        recipient=citizen_user,
        kind="moede",
        title=tok("notifications"),
    )
    request = DataSubjectRequest.objects.create(
        citizen=mette,
        course=course,
        received_on=today,
        channel=Channel.LETTER,
        registered_by=coordinator,
    )
    AccessLogEntry.objects.create(
        actor=colleague,
        actor_name="Jonas Jobcenter",
        citizen_id=mette.pk,
        what=tok("access_log"),
        purpose=Purpose.CASEWORK,
    )
    AccessLogEntry.objects.create(
        actor=colleague,
        actor_name="Jonas Jobcenter",
        citizen_id=emil_c.pk,
        what=emil("access_log"),
        purpose=Purpose.CASEWORK,
    )
    # Another municipality's course of another citizen, coordinated by Hanne.
    other = Citizen.objects.create(
        cpr="0101801234", birth_date=date(1980, 1, 1), first_name="Ole", last_name="Olsen"
    )
    other_course = Course.objects.create(
        initiative=initiative,
        citizen=other,
        referred_on=today - timedelta(days=5),
        coordinator=other_coordinator,
        coordinator_unit=other_unit,
    )
    return World(
        odense,
        holbaek,
        unit,
        other_unit,
        coordinator,
        colleague,
        leader,
        admin,
        other_coordinator,
        ended,
        citizen_user,
        emil_user,
        mette,
        emil_c,
        sofie,
        course,
        request,
        other_course,
    )
