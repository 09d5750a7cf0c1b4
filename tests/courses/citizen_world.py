"""A whole course for the citizen-view and print-view tests, built through the services.

A plain function (not a fixture) so that the browser tests can build it after their live
server's flush. The adult citizen (Mette, CPR ``1506961234``) has a login; her plan has an
employment measure, a social measure and a psychiatric measure, demands from the jobcenter and
from the social services (two of them marked as contradictory), and an appointment at the
jobcenter tomorrow. One consent covers the jobcenter and the social unit for plan, economy and
social data — not health — and a second one covers the district psychiatry for plan and health.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.apps import apps as django_apps
from django.utils import timezone

from helhed.core.models import Membership, Organisation, Unit, User, UserKind
from helhed.courses import services
from helhed.courses.legal_bases import sync_legal_bases
from helhed.courses.models import (
    Appointment,
    BudgetArea,
    Citizen,
    Consent,
    Course,
    DemandKind,
    GivenBy,
    Goal,
    Horizon,
    Household,
    Measure,
    MeasureStatus,
    Plan,
    TeamMember,
)
from helhed.registry.models import Initiative

PASSWORD = "korrekt-hest-batteri-42"  # the same as tests.conftest.PASSWORD
CITIZEN_CPR = "1506961234"  # born 15.06.1996: an adult
CHILD_CPR = "0302164321"  # born 03.02.2016: a child under 15

GOAL = "Jeg vil have et arbejde, hvor jeg har det godt"
STATEMENT = "Jeg vil gerne klare mig selv og have ro på i hverdagen."
JOB_MEASURE = "Virksomhedspraktik i Netto"
SOCIAL_MEASURE = "Socialpædagogisk støtte i hjemmet"
PSYCH_MEASURE = "Ambulant behandling i distriktspsykiatrien"
CHILD_MEASURE = "Familiebehandling i hjemmet"
JOB_DEMAND = "Søg to job om ugen"
SOBRIETY_DEMAND = "Total afholdenhed fra hash"
APPOINTMENT = "Samtale om praktikken"
COORDINATOR_PHONE = "+45 12 34 56 78"


@dataclass
class World:
    initiative: Initiative
    municipality: Organisation
    region: Organisation
    coordinator_unit: Unit
    jobcenter_unit: Unit
    social_unit: Unit
    psychiatry_unit: Unit
    coordinator: User
    jobcenter_user: User
    psychiatrist: User
    outsider: User
    citizen_user: User
    citizen: Citizen
    course: Course
    consent: Consent
    health_consent: Consent
    jobcenter_member: TeamMember
    goal: Goal
    job_measure: Measure
    social_measure: Measure
    psych_measure: Measure
    appointment: Appointment

    @property
    def plan(self) -> Plan:
        return Plan.objects.get(course=self.course)


def _user(
    username: str,
    first: str,
    last: str,
    unit: Unit | None,
    role: str | None = None,
    **extra: Any,
) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=first, last_name=last, **extra
    )
    if unit is not None and role is not None:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def _version(course: Course) -> int:
    return Plan.objects.get(course=course).version


def build_world() -> World:
    sync_legal_bases(django_apps)
    today = timezone.localdate()
    municipality = Organisation.objects.get(org_type_id="kommune", official_code="461")
    other = Organisation.objects.get(org_type_id="kommune", official_code="316")
    region = Organisation.objects.get(org_type_id="region", official_code="1083")
    coordinator_unit = Unit.objects.create(
        organisation=municipality, name="Koordinerende Team", welfare_area_id="beskaeftigelse"
    )
    jobcenter_unit = Unit.objects.create(
        organisation=municipality, name="Jobcenter Odense", welfare_area_id="beskaeftigelse"
    )
    social_unit = Unit.objects.create(
        organisation=municipality, name="Voksenstøtte", welfare_area_id="specialiseret-voksen"
    )
    psychiatry_unit = Unit.objects.create(
        organisation=region, name="Distriktspsykiatrien", welfare_area_id="psykiatri"
    )
    outsider_unit = Unit.objects.create(
        organisation=other, name="Jobcenter Holbæk", welfare_area_id="beskaeftigelse"
    )
    coordinator = _user(
        "karen",
        "Karen",
        "Koordinator",
        coordinator_unit,
        "koordinator",
        phone=COORDINATOR_PHONE,
        email="karen@odense.example",
    )
    jobcenter_user = _user("jonas", "Jonas", "Jobkonsulent", jobcenter_unit, "fagperson")
    psychiatrist = _user("pia", "Pia", "Psykiater", psychiatry_unit, "fagperson")
    outsider = _user("otto", "Otto", "Udenfor", outsider_unit, "fagperson")
    citizen_user = _user("mette", "Mette", "Sørensen", None, kind=UserKind.CITIZEN)

    initiative = Initiative.objects.create(name="Helhedsorienteret indsats", location="Odense")
    course = services.intake(
        coordinator,
        initiative_id=initiative.pk,
        coordinator_unit_id=coordinator_unit.pk,
        cpr=CITIZEN_CPR,
        first_name="Mette",
        last_name="Sørensen",
        referred_on=today - timedelta(days=30),
        contact={"contact_channel": "sms", "phone": "+45 87 65 43 21"},
    )
    citizen = course.citizen
    citizen.user = citizen_user
    citizen.save()

    jobcenter_member = services.add_team_member(
        coordinator,
        course,
        organisation=municipality,
        unit=jobcenter_unit,
        name="Jonas Jobkonsulent",
        role="Jobkonsulent",
        member_user=jobcenter_user,
        phone="+45 65 51 00 00",
        valid_from=today - timedelta(days=20),
    )
    social_member = services.add_team_member(
        coordinator,
        course,
        organisation=municipality,
        unit=social_unit,
        name="Sara Støtte",
        role="Bostøttemedarbejder",
        valid_from=today - timedelta(days=20),
    )
    psych_member = services.add_team_member(
        coordinator,
        course,
        organisation=region,
        unit=psychiatry_unit,
        name="Pia Psykiater",
        role="Overlæge",
        member_user=psychiatrist,
        valid_from=today - timedelta(days=20),
    )
    consent = services.give_consent(
        coordinator,
        course,
        given_by=GivenBy.CITIZEN,
        given_by_name="Mette Sørensen",
        units=[jobcenter_unit, social_unit],
        categories=["plan", "economy", "social"],
        valid_from=today - timedelta(days=20),
    )
    health_consent = services.give_consent(
        coordinator,
        course,
        given_by=GivenBy.CITIZEN,
        given_by_name="Mette Sørensen",
        units=[psychiatry_unit],
        categories=["plan", "health"],
        valid_from=today - timedelta(days=20),
    )

    plan = Plan.objects.get(course=course)
    services.update_plan_text(
        coordinator, plan.pk, _version(course), citizen_statement=STATEMENT, summary=""
    )
    goal = services.save_goal(
        coordinator,
        plan.pk,
        _version(course),
        text=GOAL,
        horizon=Horizon.LONG,
        priority=1,
        importance=5,
    )
    job_measure = services.save_measure(
        coordinator,
        plan.pk,
        _version(course),
        goals=[goal],
        title=JOB_MEASURE,
        welfare_area_id="beskaeftigelse",
        legal_basis_id="lab-127",
        organisation=municipality,
        unit=jobcenter_unit,
        responsible=jobcenter_member,
        start_date=today - timedelta(days=3),
        expected_end=today + timedelta(weeks=13),
        status=MeasureStatus.ACTIVE,
        budget_area=BudgetArea.EMPLOYMENT,
    )
    social_measure = services.save_measure(
        coordinator,
        plan.pk,
        _version(course),
        goals=[goal],
        title=SOCIAL_MEASURE,
        welfare_area_id="specialiseret-voksen",
        legal_basis_id="sel-85",
        organisation=municipality,
        unit=social_unit,
        responsible=social_member,
        start_date=today - timedelta(days=10),
        expected_end=today + timedelta(days=180),
        status=MeasureStatus.ACTIVE,
        budget_area=BudgetArea.ADULTS,
    )
    psych_measure = services.save_measure(
        coordinator,
        plan.pk,
        _version(course),
        title=PSYCH_MEASURE,
        welfare_area_id="psykiatri",
        legal_basis_id="psyk-13b",
        organisation=region,
        unit=psychiatry_unit,
        responsible=psych_member,
        start_date=today,
        status=MeasureStatus.PLANNED,
        budget_area=BudgetArea.REGION,
    )
    job_demand = services.save_demand(
        coordinator,
        plan.pk,
        _version(course),
        title=JOB_DEMAND,
        kind=DemandKind.JOB_SEARCH,
        organisation=municipality,
        welfare_area_id="beskaeftigelse",
        frequency="Hver uge",
        legal_basis_id="lab-40-3",
    )
    sobriety = services.save_demand(
        coordinator,
        plan.pk,
        _version(course),
        title=SOBRIETY_DEMAND,
        kind=DemandKind.SOBRIETY,
        organisation=municipality,
        welfare_area_id="specialiseret-voksen",
    )
    services.mark_conflict(
        coordinator,
        plan.pk,
        first=job_demand,
        second=sobriety,
        description="Praktikken kræver fremmøde, mens behandlingen er i gang",
    )
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time(10, 0)))
    appointment = services.save_appointment(
        coordinator,
        plan.pk,
        _version(course),
        title=APPOINTMENT,
        organisation=municipality,
        welfare_area_id="beskaeftigelse",
        with_member=jobcenter_member,
        place="Ørbækvej 100",
        starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=1),
        demand=job_demand,
    )
    return World(
        initiative=initiative,
        municipality=municipality,
        region=region,
        coordinator_unit=coordinator_unit,
        jobcenter_unit=jobcenter_unit,
        social_unit=social_unit,
        psychiatry_unit=psychiatry_unit,
        coordinator=coordinator,
        jobcenter_user=jobcenter_user,
        psychiatrist=psychiatrist,
        outsider=outsider,
        citizen_user=citizen_user,
        citizen=citizen,
        course=course,
        consent=consent,
        health_consent=health_consent,
        jobcenter_member=jobcenter_member,
        goal=goal,
        job_measure=job_measure,
        social_measure=social_measure,
        psych_measure=psych_measure,
        appointment=appointment,
    )


def add_child_in_family(world: World) -> Citizen:
    """A 10-year-old in Mette's household, the plan covering the family, and a Barnets lov
    measure."""
    today = timezone.localdate()
    child = Citizen.objects.create(
        cpr=CHILD_CPR,
        birth_date=datetime(2016, 2, 3).date(),
        first_name="Lukas",
        last_name="Sørensen",
    )
    household = Household.objects.create(name="Familien Sørensen")
    household.members.set([world.citizen, child])
    Course.objects.filter(pk=world.course.pk).update(household=household)
    services.save_measure(
        world.coordinator,
        world.plan.pk,
        world.plan.version,
        title=CHILD_MEASURE,
        welfare_area_id="specialiseret-boern-unge",
        legal_basis_id="bl-32",
        organisation=world.municipality,
        start_date=today,
        status=MeasureStatus.ACTIVE,
        budget_area=BudgetArea.CHILDREN,
    )
    return child


def young_citizen_with_course(world: World, user: User) -> Course:
    """A 10-year-old with a login and a course of her own (consent by the custody holder)."""
    course = services.intake(
        world.coordinator,
        initiative_id=world.initiative.pk,
        coordinator_unit_id=world.coordinator_unit.pk,
        cpr="0101164322",
        first_name="Ida",
        last_name="Hansen",
        referred_on=timezone.localdate() - timedelta(days=3),
    )
    Citizen.objects.filter(pk=course.citizen_id).update(user=user)
    return course
