"""The courses API's request and response bodies (ninja schemas). Input strings are bounded and
refuse NUL characters (``core.apikit``), so bad input is a 422 and never a database error."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema

from helhed.core.apikit import (
    Day,
    Moment,
    Str20,
    Str60,
    Str100,
    Str120,
    Str200,
    Str254,
    Text,
)
from helhed.courses.models import ContactChannel

# --------------------------------------------------------------------------------------------
# Input types: bounded strings without NUL characters (PostgreSQL refuses those), so bad input
# is a 422 and never a database error.
# --------------------------------------------------------------------------------------------


Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="Den planversion, ændringen bygger på.")
]


# --------------------------------------------------------------------------------------------
# Output schemas
# --------------------------------------------------------------------------------------------


class CourseListItem(Schema):
    id: uuid.UUID
    initiative_id: uuid.UUID
    initiative: str
    status: str
    referred_on: date
    citizen_name: str
    cpr_masked: str
    coordinator_id: uuid.UUID
    coordinator: str


class CoursePage(Schema):
    count: int
    items: list[CourseListItem]


class CitizenOut(Schema):
    id: uuid.UUID
    name: str
    cpr_masked: str
    age: int
    contact_channel: str
    no_fixed_address: bool
    companion_wanted: bool


class CoordinatorOut(Schema):
    id: uuid.UUID
    name: str
    unit_id: uuid.UUID
    unit: str
    organisation: str
    phone: str
    email: str


class PlanSummaryOut(Schema):
    id: uuid.UUID
    version: int
    updated_at: datetime
    citizen_statement: str | None
    summary: str | None
    goals: int
    measures: int
    demands: int
    open_conflicts: int
    appointments: int
    overlapping_appointments: int


class TeamMemberOut(Schema):
    id: uuid.UUID
    user_id: uuid.UUID | None
    name: str
    organisation_id: uuid.UUID
    organisation: str
    unit_id: uuid.UUID | None
    unit: str | None
    welfare_area: str | None
    role: str
    phone: str
    email: str
    valid_from: date
    valid_to: date | None
    current: bool


class TeamStatsOut(Schema):
    current: int
    joined_last_12_months: int
    left_last_12_months: int
    turnover: int


class TeamOut(Schema):
    members: list[TeamMemberOut]
    hidden: int = Field(description="Nuværende kontaktpersoner, du ikke må se navnet på.")
    stats: TeamStatsOut


class RefOut(Schema):
    id: uuid.UUID
    name: str


class ConsentOut(Schema):
    id: uuid.UUID
    given_by: str
    given_by_name: str
    organisations: list[RefOut]
    units: list[RefOut]
    hidden_scope: int = Field(
        0, description="Enheder eller organisationer, du ikke må se navnet på (tælles)."
    )
    categories: list[str]
    valid_from: date
    valid_to: date | None
    withdrawn_on: date | None
    withdrawn_by_name: str
    note: str
    valid_today: bool
    child_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description="Børn, borgeren samtidig gav samtykke for som indehaver af "
        "forældremyndigheden (ved oprettelsen).",
    )
    person_id: uuid.UUID | None = Field(
        None,
        description="Et familiemedlem på 15 år eller derover, hvis eget samtykke det er "
        "(tomt: forløbets borger).",
    )
    confirmation: str = Field(
        "ikke-bekraeftet",
        description="borger (bekræftet af borgeren på egen side), dokument (underskrevet "
        "erklæring vedhæftet) eller ikke-bekraeftet.",
    )
    confirmed_at: datetime | None = None
    confirmed_by_name: str = ""
    has_document: bool = False


class ConsentChangeIn(Schema):
    """Only the fields sent are changed; each change lands in the consent's history."""

    unit_ids: list[uuid.UUID] | None = None
    organisation_ids: list[uuid.UUID] | None = None
    categories: list[Str20] | None = None
    valid_to: Day | None = None
    clear_valid_to: bool = Field(
        False, description="Sæt true for at fjerne udløbsdatoen (gælder til det trækkes tilbage)."
    )


class ConsentDocumentOut(Schema):
    id: uuid.UUID
    consent_id: uuid.UUID
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class ConsentEventOut(Schema):
    consent_id: uuid.UUID
    kind: str = Field(
        description="givet, omfang, enheder-tilfoejet, enheder-fjernet, udloeb, tilbagekaldt, "
        "bekraeftet eller dokument"
    )
    label: str
    at: datetime
    by_name: str
    detail: str = Field(
        description="Tom, hvis du ikke må se alle kategorier (den navngiver enheder)."
    )


class ConfirmedOut(Schema):
    id: uuid.UUID
    confirmed_at: datetime
    confirmed_by_name: str
    confirmed_via: str


class CourseDetail(Schema):
    id: uuid.UUID
    initiative_id: uuid.UUID
    initiative: str
    status: str
    closing_reason: str
    referred_on: date
    start_date: date | None
    end_date: date | None
    citizen: CitizenOut
    household: str | None
    coordinator: CoordinatorOut
    mandate: str | None = Field(description="None: teksten hører til en kategori, du ikke må se.")
    referral_note: str | None
    hidden_texts: list[str] = Field(
        description="Frie tekster, der findes, men hører til en kategori, du ikke må se."
    )
    categories: list[str] = Field(description="De kategorier af oplysninger, du må se.")
    hidden_categories: list[str]
    without_consent: bool
    plan: PlanSummaryOut | None
    team: list[TeamMemberOut]
    team_hidden: int = Field(
        description="Nuværende kontaktpersoner fra områder, dit samtykke ikke omfatter "
        "(tælles, navngives ikke)."
    )
    team_stats: TeamStatsOut
    consents: list[ConsentOut]


class LegalBasisOut(Schema):
    id: str
    law: str
    paragraph: str
    title: str


class SubGoalOut(Schema):
    id: uuid.UUID
    text: str
    owner_id: uuid.UUID | None
    welfare_area: str | None


class GoalOut(Schema):
    id: uuid.UUID
    text: str
    horizon: str
    priority: int
    importance: int | None
    status: str
    target_date: date | None
    subgoals: list[SubGoalOut]
    measure_ids: list[uuid.UUID]
    person_id: uuid.UUID | None = Field(
        None, description="Hvis mål: et familiemedlem; tomt: forløbets borger."
    )


class MeasureOut(Schema):
    id: uuid.UUID
    title: str
    welfare_area: str
    category: str
    legal_basis: LegalBasisOut
    organisation_id: uuid.UUID
    organisation: str
    unit_id: uuid.UUID | None
    unit: str | None
    responsible_id: uuid.UUID | None
    responsible: str | None
    goal_ids: list[uuid.UUID]
    start_date: date | None
    end_date: date | None
    expected_end: date | None
    status: str
    budget_area: str
    description: str


class DemandOut(Schema):
    id: uuid.UUID
    title: str
    kind: str
    organisation_id: uuid.UUID
    organisation: str
    welfare_area: str
    sector: str
    category: str
    details: str
    frequency: str
    consequence: str
    legal_basis: LegalBasisOut | None
    start_date: date | None
    end_date: date | None


class ConflictOut(Schema):
    id: uuid.UUID
    first_id: uuid.UUID
    second_id: uuid.UUID
    description: str
    marked_by: str
    marked_at: datetime


class AppointmentOut(Schema):
    id: uuid.UUID
    title: str
    organisation_id: uuid.UUID
    organisation: str
    welfare_area: str | None
    with_member_id: uuid.UUID | None
    with_member: str | None
    place: str
    starts_at: datetime
    ends_at: datetime
    demand_id: uuid.UUID | None
    note: str


class PlanOut(Schema):
    id: uuid.UUID
    course_id: uuid.UUID
    version: int
    updated_at: datetime
    citizen_statement: str | None
    summary: str | None
    goals: list[GoalOut]
    measures: list[MeasureOut]
    demands: list[DemandOut]
    open_conflicts: list[ConflictOut]
    appointments: list[AppointmentOut]
    overlapping: list[list[uuid.UUID]] = Field(
        description="Par af aftaler, der ligger oven i hinanden."
    )
    hidden_categories: list[str]
    hidden_texts: list[str]


class SavedOut(Schema):
    id: uuid.UUID
    version: int = Field(description="Planens nye version; send den med ved næste ændring.")
    changes: list[str]


class CreatedCourseOut(Schema):
    id: uuid.UUID
    initiative: str
    status: str
    citizen_name: str
    cpr_masked: str
    coordinator: str
    plan_version: int


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None


class StaleProblemOut(ProblemOut):
    current_version: int
    changes: list[str]


class DuplicateProblemOut(ProblemOut):
    join_request: str = Field(
        description="POST hertil (med cpr og unit_id) for at bede koordinatoren om at komme med."
    )


# --------------------------------------------------------------------------------------------
# Input schemas
# --------------------------------------------------------------------------------------------


class ContactIn(Schema):
    contact_channel: Str20 = ContactChannel.DIGITAL_POST.value
    phone: Str20 = ""
    no_fixed_address: bool = False
    companion_wanted: bool = False
    contact_note: Text = ""


class HouseholdMemberIn(Schema):
    first_name: Str100
    last_name: Str100
    cpr: Str20 = Field(description="CPR-nummer (ddmmåå-xxxx); returneres aldrig.")
    relation: Str20 = Field(
        description="Relation til borgeren: barn, forælder, partner, ekspartner, stedbarn, "
        "stedforælder, søskende eller halvsøskende."
    )
    custody: bool = Field(
        False,
        description="Forælderen i relationen (borgeren eller personen) har forældremyndighed.",
    )


class IntakeIn(Schema):
    initiative_id: uuid.UUID
    coordinator_unit_id: uuid.UUID
    cpr: Str20 = Field(description="CPR-nummer (ddmmåå-xxxx); returneres aldrig.")
    first_name: Str100
    last_name: Str100
    referred_on: Day
    referral_note: Text = ""
    mandate: Text = ""
    checklist: dict[Str200, Str20] = Field(default_factory=dict)
    referral_note_category: Str20 = "plan"
    mandate_category: Str20 = "plan"
    contact: ContactIn | None = None
    parallel_reason: Text = Field(
        "",
        description="Begrundelse for et forløb ved siden af et aktivt forløb (kræver rollen "
        "koordinator i enheden).",
    )
    household_name: Str200 = ""
    members: list[HouseholdMemberIn] = Field(
        default_factory=list,
        description="Familiens øvrige medlemmer, hvis planen skal dække hele familien "
        "(fejl navngives pr. række: members.2.cpr).",
    )


class JoinRequestIn(Schema):
    cpr: Str20
    unit_id: uuid.UUID
    message: Text = ""


class JoinRequestOut(Schema):
    sent: int = Field(description="Antal koordinatorer, der har fået anmodningen.")


class JoinAnswerIn(Schema):
    accept: bool
    role: Str120 = ""
    note: Text = ""


class WithoutConsentIn(Schema):
    unit_id: uuid.UUID
    basis_id: Str60
    note: Text = ""


class WithoutConsentOut(Schema):
    id: uuid.UUID
    legal_basis: str
    categories: list[str]
    expires_at: datetime


class BasisOut(Schema):
    id: str
    law: str
    paragraph: str
    title: str
    guidance: str
    categories: list[str]


class PlanTextIn(Schema):
    version: Version
    citizen_statement: Text | None = None
    citizen_statement_category: Str20 | None = None
    summary: Text | None = None
    summary_category: Str20 | None = None


class GoalIn(Schema):
    version: Version
    text: Text
    horizon: Str20 = "kort"
    priority: int = Field(1, ge=1, le=999)
    importance: int | None = Field(None, ge=1, le=5)
    status: Str20 = "aaben"
    target_date: Day | None = None
    person_id: uuid.UUID | None = Field(
        None,
        description="Hvis mål: et medlem af den familie, forløbet dækker (fx et barn); tomt: "
        "forløbets borger.",
    )


class ChildPerspectiveIn(Schema):
    version: Version
    text: Text
    text_category: Str20 = "plan"


class SubGoalIn(Schema):
    version: Version
    text: Text
    owner_id: uuid.UUID | None = None
    welfare_area: Str60 | None = None


class MeasureIn(Schema):
    version: Version
    title: Str200
    welfare_area: Str60
    legal_basis: Str60 = Field("", description="Hjemmel fra den vedligeholdte liste.")
    organisation_id: uuid.UUID
    unit_id: uuid.UUID | None = None
    responsible_id: uuid.UUID | None = None
    goal_ids: list[uuid.UUID] = Field(default_factory=list)
    start_date: Day | None = None
    end_date: Day | None = None
    expected_end: Day | None = None
    status: Str20 = "planlagt"
    budget_area: Str20
    description: Text = ""


class DemandIn(Schema):
    version: Version
    organisation_id: uuid.UUID
    welfare_area: Str60
    kind: Str20
    title: Str200
    details: Text = ""
    frequency: Str100 = ""
    consequence: Str200 = ""
    legal_basis: Str60 | None = None
    start_date: Day | None = None
    end_date: Day | None = None


class AppointmentIn(Schema):
    version: Version
    title: Str200
    organisation_id: uuid.UUID
    welfare_area: Str60 | None = None
    with_member_id: uuid.UUID | None = None
    place: Str200 = ""
    starts_at: Moment
    ends_at: Moment
    demand_id: uuid.UUID | None = None
    note: Text = ""


class TeamMemberIn(Schema):
    organisation_id: uuid.UUID
    unit_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    name: Str200
    role: Str120
    phone: Str20 = ""
    email: Str254 = ""
    welfare_area: Str60 | None = None
    valid_from: Day
    valid_to: Day | None = None


class EndMemberIn(Schema):
    on: Day


class ConsentIn(Schema):
    given_by: Str20 = Field(description="borger eller forældremyndighed")
    given_by_name: Str200
    organisation_ids: list[uuid.UUID] = Field(default_factory=list)
    unit_ids: list[uuid.UUID] = Field(default_factory=list)
    categories: list[Str20] = Field(default_factory=list)
    valid_from: Day
    valid_to: Day | None = None
    note: Text = ""
    for_evaluation: bool = False
    child_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description="Børn under 15 i forløbets familie, som borgeren samtidig giver samtykke "
        "for som indehaver af forældremyndigheden. Et barn fra 15 år samtykker selv.",
    )
    person_id: uuid.UUID | None = Field(
        None,
        description="Et familiemedlem på 15 år eller derover, der giver sit eget samtykke "
        "(tomt: forløbets borger).",
    )


class WithdrawIn(Schema):
    by_name: Str200 = ""
