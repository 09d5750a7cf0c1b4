"""The course pages as a coordinator and a professional use them: intake, the course page, consent
and access, and editing the one shared plan (with optimistic concurrency)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.core.models import Organisation, Unit, User
from helhed.courses import services
from helhed.courses.models import (
    Citizen,
    Consent,
    Course,
    Demand,
    DemandKind,
    Household,
    HouseholdRelation,
    JoinRequest,
    Plan,
    PlanVersion,
    RelationKind,
    WithoutConsentAccess,
)
from helhed.registry.models import Initiative
from tests.courses.conftest import CHILD_CPR, CITIZEN_CPR, make_unit

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def detail_url(course: Course) -> str:
    return reverse("courses:course_detail", args=[course.pk])


def tab_url(course: Course, name: str) -> str:
    """A sub-page of the course page: ``plan``, ``demands``, ``appointments``, ``history``."""
    return reverse(f"courses:course_{name}", args=[course.pk])


def intake_data(initiative: Initiative, unit: Unit, **overrides: str) -> dict[str, str]:
    data = {
        "initiative": str(initiative.pk),
        "coordinator_unit": str(unit.pk),
        "cpr": "150696-1234",
        "first_name": "Mette",
        "last_name": "Sørensen",
        "contact_channel": "sms",
        "no_fixed_address": "on",
        "phone": "20304050",
        "referred_on": timezone.localdate().strftime("%d.%m.%Y"),
        "referral_note": "Mange sager i flere forvaltninger",
        "mandate": "Op til 10.000 kr.",
        "kriterie_0": "ja",
        "kriterie_1": "ja",
        "kriterie_2": "ukendt",
        "household_name": "",
        "familie-TOTAL_FORMS": "2",
        "familie-INITIAL_FORMS": "0",
        "familie-MIN_NUM_FORMS": "0",
        "familie-MAX_NUM_FORMS": "8",
    }
    data.update(overrides)
    return data


def hidden_version(page: str) -> int:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "the plan form carries the version it was opened at"
    return int(match.group(1))


# --------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------


def test_intake_creates_citizen_course_plan_and_family(
    coordinator: User, unit: Unit, initiative: Initiative
) -> None:
    client = client_for(coordinator)
    page = html(client.get(reverse("courses:intake")))
    assert "Digital Post og breve når ofte ikke frem" in page
    data = intake_data(
        initiative,
        unit,
        household_name="Familien Sørensen",
        **{
            "familie-0-first_name": "Liva",
            "familie-0-last_name": "Sørensen",
            "familie-0-cpr": "030216-4321",
            "familie-0-relation": "barn",
        },
    )
    response = client.post(reverse("courses:intake"), data)
    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(course)
    assert course.coordinator == coordinator
    assert course.citizen.cpr == CITIZEN_CPR
    assert course.citizen.contact_channel == "sms" and course.citizen.no_fixed_address
    assert course.intake_checklist["Mindst to aktive sager i forskellige forvaltninger"] == "ja"
    assert Plan.objects.get(course=course).version == 1
    assert course.team.get().user == coordinator
    household = Household.objects.get()
    assert course.household == household
    child = Citizen.objects.get(cpr=CHILD_CPR)
    assert set(household.members.all()) == {course.citizen, child}
    relation = HouseholdRelation.objects.get()
    assert (relation.from_citizen, relation.kind, relation.to_citizen) == (
        course.citizen,
        RelationKind.PARENT,
        child,
    )
    page = html(client.get(detail_url(course)))
    assert "Liva Sørensen" in page
    assert "Mette er forælder til Liva" in page
    # A child in the family: the child plan (Barnets lov) is offered.
    assert reverse("courses:print_view", args=[course.pk, "barnets-plan"]) in page


def test_intake_rejects_invalid_cpr_and_future_date_and_writes_nothing(
    coordinator: User, unit: Unit, initiative: Initiative
) -> None:
    client = client_for(coordinator)
    tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%d.%m.%Y")
    response = client.post(
        reverse("courses:intake"),
        intake_data(initiative, unit, cpr="310296-1234", referred_on=tomorrow),
    )
    page = html(response)
    assert response.status_code == 200
    assert "CPR-nummeret begynder med en dato, der ikke findes" in page
    assert 'id="id_cpr_error"' in page
    assert "Henvisningsdatoen kan ikke ligge i fremtiden" in page
    assert not Citizen.objects.exists()
    assert not Course.objects.exists()


def test_intake_household_member_with_invalid_cpr_writes_nothing(
    coordinator: User, unit: Unit, initiative: Initiative
) -> None:
    response = client_for(coordinator).post(
        reverse("courses:intake"),
        intake_data(
            initiative,
            unit,
            **{
                "familie-0-first_name": "Liva",
                "familie-0-last_name": "Sørensen",
                "familie-0-cpr": "12345",
                "familie-0-relation": "barn",
            },
        ),
    )
    assert "Et CPR-nummer har 10 cifre" in html(response)
    assert not Course.objects.exists()
    assert not Citizen.objects.exists()


def test_checklist_is_loaded_for_the_chosen_initiative(
    coordinator: User, initiative: Initiative
) -> None:
    response = client_for(coordinator).get(
        reverse("courses:intake"), {"initiative": str(initiative.pk)}, HTTP_HX_REQUEST="true"
    )
    page = html(response)
    assert "<html" not in page
    assert "Én af sagerne er i Børn og Familie" in page
    assert "Familien ønsker et samlet forløb" in page


def test_second_intake_with_same_cpr_tells_only_that_a_course_exists_and_sends_a_request(
    course: Course,
    make_user: Callable[..., User],
    unit: Unit,
    initiative: Initiative,
    coordinator: User,
) -> None:
    # a caseworker in another unit of the municipality, not on the team
    unit = make_unit(unit.organisation, "Børn og Familie", "specialiseret-boern-unge")
    other = make_user("fagperson", unit, first_name="Per")
    client = client_for(other)
    response = client.post(reverse("courses:intake"), intake_data(initiative, unit))
    page = html(response)
    assert "Borgeren har allerede et aktivt forløb" in page
    assert "Du har allerede adgang til" not in page
    # nothing about the course: not its initiative, coordinator or id
    warning = page.split('id="duplicate-warning"', 1)[1].split("</form>", 1)[0]
    assert "FAMKO" not in warning and coordinator.get_full_name() not in page
    assert str(course.pk) not in page
    assert Course.objects.count() == 1
    lookup = AccessLogEntry.objects.get(actor=other, citizen_id=course.citizen_id)
    assert lookup.purpose == Purpose.SEARCH and lookup.actor_unit_id == unit.pk
    # The request goes to the coordinator; the requester is not added to the team.
    sent = client.post(
        reverse("courses:join_request"),
        {"cpr": CITIZEN_CPR, "unit": str(unit.pk), "message": "Vi har borgeren i jobcentret"},
    )
    assert sent.status_code == 302
    request = JoinRequest.objects.get()
    assert (request.course, request.requested_by, request.status) == (course, other, "afventer")
    assert not course.team.filter(user=other).exists()
    assert coordinator.notifications.filter(kind="join-request").exists()
    # "Opret alligevel" needs a reason and the koordinator role in the unit: a fagperson may not.
    refused = client.post(
        reverse("courses:intake"),
        intake_data(initiative, unit, parallel_reason="Et særskilt forløb"),
    )
    assert "Kun en koordinator i enheden" in html(refused)
    assert Course.objects.count() == 1
    # The coordinator accepts: the unit joins the team from today.
    answered = client_for(coordinator).post(
        reverse("courses:join_answer", args=[course.pk, request.pk]),
        {"svar": "accepter", "role": "Jobkonsulent"},
    )
    assert answered.status_code == 302
    member = course.team.get(user=other)
    assert (member.unit, member.role) == (unit, "Jobkonsulent")
    # ... and still sees nothing until a consent covers the unit
    assert client.get(detail_url(course)).status_code == 403


def test_a_coordinator_may_open_a_second_course_with_a_reason(
    course: Course, make_user: Callable[..., User], unit: Unit, initiative: Initiative
) -> None:
    other = make_user("koordinator", unit, first_name="Per")
    response = client_for(other).post(
        reverse("courses:intake"),
        intake_data(initiative, unit, parallel_reason="Særskilt forløb for den unge"),
    )
    assert response.status_code == 302
    assert Course.objects.filter(citizen=course.citizen).count() == 2
    assert Citizen.objects.count() == 1


# --------------------------------------------------------------------------------------------
# The course page and access
# --------------------------------------------------------------------------------------------


def test_course_page_shows_masked_cpr_and_never_the_full_number(
    course: Course, coordinator: User
) -> None:
    response = client_for(coordinator).get(detail_url(course))
    page = html(response)
    assert response.status_code == 200
    assert "Mette Sørensen" in page
    assert "150696-xxxx" in page
    assert CITIZEN_CPR not in page
    assert "150696-1234" not in page
    assert "Jonas Jobcenter" in page and 'href="tel:65512345"' in page


def test_search_is_posted_logged_and_shows_no_full_cpr(
    course: Course, jobcenter_user: User
) -> None:
    client = client_for(jobcenter_user)
    response = client.post(reverse("courses:course_list"), {"q": "150696-1234"})
    page = html(response)
    assert "Mette Sørensen" in page
    assert "150696-xxxx" in page and CITIZEN_CPR not in page and "150696-1234" not in page
    assert AccessLogEntry.objects.filter(
        actor=jobcenter_user, citizen_id=course.citizen_id, purpose=Purpose.SEARCH
    ).exists()
    assert client.get(reverse("courses:course_list"), {"q": "Mette"}).status_code == 200


def test_professional_list_shows_team_courses_and_logs_them(
    course: Course, jobcenter_user: User
) -> None:
    page = html(client_for(jobcenter_user).get(reverse("courses:course_list")))
    assert "Mette Sørensen" in page
    assert AccessLogEntry.objects.filter(
        actor=jobcenter_user, citizen_id=course.citizen_id, what="forløbsliste"
    ).exists()


def test_outsider_is_refused_with_an_explanation(course: Course, outsider_user: User) -> None:
    response = client_for(outsider_user).get(detail_url(course))
    page = html(response)
    assert response.status_code == 403
    assert "Ingen adgang til forløbet" in page
    assert "Åbn uden samtykke" in page
    assert "Mette" not in page
    for name in ("plan_edit", "versions", "measure_add"):
        assert (
            client_for(outsider_user).get(reverse(f"courses:{name}", args=[course.pk])).status_code
            == 403
        )


def test_access_without_consent_needs_a_legal_basis_and_is_flagged_in_the_log(
    course: Course, outsider_user: User, outsider_unit: Unit, coordinator: User
) -> None:
    client = client_for(outsider_user)
    url = reverse("courses:without_consent", args=[course.pk])
    refused = client.post(url, {"unit": str(outsider_unit.pk), "basis": "", "note": "x"})
    assert "Dette felt er påkrævet" in html(refused)
    assert not WithoutConsentAccess.objects.exists()
    response = client.post(
        url, {"unit": str(outsider_unit.pk), "basis": "rsl-11c", "note": "Underretning"}
    )
    assert response.status_code == 302
    page = html(client.get(detail_url(course)))
    assert "Du ser forløbet uden samtykke med hjemmel i Retssikkerhedsloven § 11 c" in page
    entries = AccessLogEntry.objects.filter(actor=outsider_user, citizen_id=course.citizen_id)
    assert entries.count() >= 2
    assert all(e.without_consent and "Retssikkerhedsloven § 11 c" in e.legal_basis for e in entries)
    assert {e.actor_unit_id for e in entries} == {outsider_unit.pk}
    assert coordinator.notifications.filter(kind="without-consent").exists()


def test_withdrawing_consent_removes_the_jobcenter_users_access_at_once(
    course: Course, coordinator: User, jobcenter_user: User, consent: Consent
) -> None:
    jobcenter = client_for(jobcenter_user)
    assert jobcenter.get(detail_url(course)).status_code == 200
    url = reverse("courses:consent_withdraw", args=[course.pk, consent.pk])
    # The jobcenter professional is not the coordinator and cannot withdraw it.
    assert jobcenter.post(url, {"confirm": "on"}).status_code == 403
    coordinator_client = client_for(coordinator)
    assert "Bekræft, at samtykket skal trækkes tilbage" in html(coordinator_client.post(url, {}))
    response = coordinator_client.post(url, {"confirm": "on", "by_name": "Mette Sørensen"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert jobcenter.get(detail_url(course)).status_code == 403
    assert jobcenter.get(tab_url(course, "history")).status_code == 403
    assert "1 samtykke trukket tilbage" in html(coordinator_client.get(detail_url(course)))
    assert "Trukket tilbage" in html(coordinator_client.get(tab_url(course, "history")))


def test_consent_needs_a_scope(course: Course, coordinator: User) -> None:
    response = client_for(coordinator).post(
        reverse("courses:consent_create", args=[course.pk]),
        {
            "given_by": "borger",
            "given_by_name": "Mette Sørensen",
            "categories": ["plan"],
            "valid_from": timezone.localdate().strftime("%d.%m.%Y"),
        },
    )
    assert "Vælg mindst én organisation eller enhed" in html(response)
    assert course.consents.count() == 1


def test_categories_outside_the_consent_are_hidden_and_named(
    course: Course, coordinator: User, jobcenter_user: User, municipality: Organisation
) -> None:
    plan = course.plan
    services.save_measure(
        coordinator,
        plan.pk,
        plan.version,
        title="Psykiatrisk udredning",
        welfare_area_id="psykiatri",
        legal_basis_id="sul-119",
        organisation=municipality,
        budget_area="region",
    )
    own = html(client_for(coordinator).get(tab_url(course, "plan")))
    assert "Psykiatrisk udredning" in own
    page = html(client_for(jobcenter_user).get(tab_url(course, "plan")))
    assert "Psykiatrisk udredning" not in page
    assert "Du kan ikke se: Helbred" in page


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def test_second_save_from_the_same_version_is_refused_and_can_be_merged(
    course: Course, coordinator: User, jobcenter_user: User
) -> None:
    url = reverse("courses:plan_edit", args=[course.pk])
    first, second = client_for(coordinator), client_for(jobcenter_user)
    version = hidden_version(html(first.get(url)))
    assert hidden_version(html(second.get(url))) == version
    saved = first.post(url, {"version": version, "citizen_statement": "Jeg vil have et job"})
    assert saved.status_code == 302
    refused = second.post(
        url, {"version": version, "citizen_statement": "Jeg vil være stoffri", "summary": ""}
    )
    page = html(refused)
    assert refused.status_code == 200
    assert "Planen er blevet ændret af en anden" in page
    assert "Ændret borgerens egne ord" in page  # what the other save changed
    assert "Jeg vil være stoffri" in page  # the user's own input is kept
    assert "Jeg vil have et job" in page  # beside what is stored now
    plan = Plan.objects.get(course=course)
    assert plan.citizen_statement == "Jeg vil have et job"
    # The form now carries the new version, so the merged text can be saved.
    assert hidden_version(page) == plan.version
    merged = second.post(
        url,
        {
            "version": hidden_version(page),
            "citizen_statement": "Jeg vil have et job og være stoffri",
        },
    )
    assert merged.status_code == 302
    plan.refresh_from_db()
    assert plan.citizen_statement == "Jeg vil have et job og være stoffri"


def test_restore_a_version(course: Course, coordinator: User) -> None:
    client = client_for(coordinator)
    url = reverse("courses:plan_edit", args=[course.pk])
    client.post(url, {"version": 1, "citizen_statement": "Første udgave"})
    client.post(url, {"version": 2, "citizen_statement": "Anden udgave"})
    versions = html(client.get(reverse("courses:versions", args=[course.pk])))
    assert "Ændret borgerens egne ord" in versions
    assert "Gendan version 2" in versions
    diff = html(client.get(reverse("courses:versions", args=[course.pk]), {"vis": 3}))
    assert "Første udgave" in diff and "Anden udgave" in diff
    restore = reverse("courses:version_restore", args=[course.pk, 2])
    stale = client.post(restore, {"version": 1}, follow=True)
    assert "Planen er blevet ændret af en anden" in html(stale)
    assert Plan.objects.get(course=course).citizen_statement == "Anden udgave"
    response = client.post(restore, {"version": 3})
    assert response.status_code == 302
    plan = Plan.objects.get(course=course)
    assert plan.citizen_statement == "Første udgave"
    assert plan.version == 4
    assert PlanVersion.objects.get(plan=plan, number=4).changes == ["Ændret borgerens egne ord"]


def test_measure_needs_a_legal_basis(
    course: Course, coordinator: User, municipality: Organisation
) -> None:
    url = reverse("courses:measure_add", args=[course.pk])
    data = {
        "version": 1,
        "title": "Mentor",
        "welfare_area": "beskaeftigelse",
        "organisation": str(municipality.pk),
        "status": "planlagt",
        "budget_area": "beskaeftigelse",
        "legal_basis": "",
    }
    response = client_for(coordinator).post(url, data)
    assert "Angiv hjemmel (lov og paragraf) for indsatsen" in html(response)
    assert not course.plan.measures.exists()
    data["legal_basis"] = "lab-187"
    assert client_for(coordinator).post(url, data).status_code == 302
    page = html(client_for(coordinator).get(tab_url(course, "plan")))
    assert "Mentor" in page and "LAB § 187" in page


@pytest.fixture
def two_demands(course: Course, coordinator: User, municipality: Organisation) -> list[Demand]:
    prison = Organisation.objects.create(name="Kriminalforsorgen", org_type_id="stat")
    plan = course.plan
    first = services.save_demand(
        coordinator,
        plan.pk,
        plan.version,
        organisation=prison,
        welfare_area_id="kriminalitet",
        kind=DemandKind.SOBRIETY,
        title="Zero tolerance for stoffer",
    )
    plan.refresh_from_db()
    second = services.save_demand(
        coordinator,
        plan.pk,
        plan.version,
        organisation=municipality,
        welfare_area_id="specialiseret-voksen",
        kind=DemandKind.TREATMENT,
        title="Skadesreduktion",
    )
    return [first, second]


def test_contradictory_demands_stay_flagged_until_resolved(
    course: Course, coordinator: User, two_demands: list[Demand]
) -> None:
    client = client_for(coordinator)
    first, second = two_demands
    page = html(client.get(tab_url(course, "demands")))
    assert "Kriminalitetsområdet" in page and "Specialiseret voksen" in page  # side by side
    assert 'id="open-conflicts"' not in html(client.get(detail_url(course)))
    mark = reverse("courses:conflict_mark", args=[course.pk])
    same = client.post(mark, {"first": first.pk, "second": first.pk, "description": "x"})
    assert "Vælg to forskellige krav" in html(same)
    client.post(
        mark,
        {"first": first.pk, "second": second.pk, "description": "Stoffri eller skadesreduktion"},
    )
    conflict = course.plan.conflicts.get()
    assert 'id="open-conflicts"' in html(client.get(detail_url(course)))
    assert "I modstrid" in html(client.get(tab_url(course, "demands")))
    resolve = reverse("courses:conflict_resolve", args=[course.pk, conflict.pk])
    assert "Dette felt er påkrævet" in html(client.post(resolve, {"resolution": ""}))
    assert 'id="open-conflicts"' in html(client.get(detail_url(course)))
    client.post(resolve, {"resolution": "Behandlingen går forud; Kriminalforsorgen er enig"})
    page = html(client.get(detail_url(course)))
    assert 'id="open-conflicts"' not in page
    assert "Behandlingen går forud; Kriminalforsorgen er enig" in html(
        client.get(tab_url(course, "demands"))
    )
    assert "Behandlingen går forud; Kriminalforsorgen er enig" in html(
        client.get(tab_url(course, "history"))
    )


def test_course_page_shows_every_plan_change_at_once(course: Course, coordinator: User) -> None:
    """Each saved change (and each restore) shows on the next view of the plan, in both
    languages."""
    client = client_for(coordinator)
    previous = None
    for text in ("Jeg vil have mit eget sted at bo", "Jeg vil i praktik", "Jeg vil se min søn"):
        plan = Plan.objects.get(pk=course.plan.pk)
        goal = services.save_goal(
            coordinator,
            plan.pk,
            plan.version,
            goal_id=previous.pk if previous else None,
            text=text,
            horizon="kort",
            priority=1,
        )
        page = html(client.get(tab_url(course, "plan")))
        assert text in page
        if previous is not None:
            assert previous.text not in page  # the goal was edited: no stale text
        previous = goal
    english = html(client.get(tab_url(course, "plan"), HTTP_ACCEPT_LANGUAGE="en"))
    danish = html(client.get(tab_url(course, "plan")))
    assert english != danish and "Jeg vil se min søn" in english
    first_version = PlanVersion.objects.filter(plan=course.plan).order_by("number").first()
    assert first_version is not None
    plan = Plan.objects.get(pk=course.plan.pk)
    services.restore_version(coordinator, plan.pk, plan.version, first_version.number)
    assert "Jeg vil se min søn" not in html(client.get(tab_url(course, "plan")))


def test_overlapping_appointments_are_flagged(
    course: Course, coordinator: User, municipality: Organisation
) -> None:
    client = client_for(coordinator)
    url = reverse("courses:appointment_add", args=[course.pk])
    day = (timezone.localdate() + timedelta(days=3)).strftime("%d.%m.%Y")

    def add(title: str, start: str, end: str) -> None:
        version = Plan.objects.get(course=course).version
        response = client.post(
            url,
            {
                "version": version,
                "title": title,
                "organisation": str(municipality.pk),
                "day": day,
                "start_time": start,
                "end_time": end,
            },
        )
        assert response.status_code == 302, html(response)

    add("Samtale i jobcentret", "10:00", "11:00")
    add("Behandling", "11:00", "12:00")
    page = html(client.get(tab_url(course, "appointments")))
    assert "Samtale i jobcentret" in page and "Behandling" in page
    assert 'id="overlaps"' not in page  # touching is not overlapping
    assert 'id="overlaps"' not in html(client.get(detail_url(course)))
    add("Tilsyn hos Kriminalforsorgen", "10:30", "11:15")
    page = html(client.get(tab_url(course, "appointments")))
    assert 'id="overlaps"' in page
    assert page.count(">Overlapper<") == 3
    assert 'id="overlaps"' in html(client.get(detail_url(course)))  # the first screen warns
    bad = client.post(
        url,
        {
            "version": Plan.objects.get(course=course).version,
            "title": "Omvendt",
            "organisation": str(municipality.pk),
            "day": day,
            "start_time": "14:00",
            "end_time": "13:00",
        },
    )
    assert "Aftalen skal slutte efter, den begynder" in html(bad)


def test_closing_a_course_requires_a_reason(course: Course, coordinator: User) -> None:
    client = client_for(coordinator)
    url = reverse("courses:course_status", args=[course.pk])
    page = html(client.post(url, {"status-status": "afsluttet", "status-closing_reason": ""}))
    assert "Angiv årsagen til, at forløbet afsluttes" in page
    course.refresh_from_db()
    assert course.status == "henvist"
    client.post(url, {"status-status": "afsluttet", "status-closing_reason": "Borgeren er i job"})
    course.refresh_from_db()
    assert course.status == "afsluttet" and course.closing_reason == "Borgeren er i job"


def test_only_the_coordinator_manages_team_and_consent(
    course: Course, jobcenter_user: User
) -> None:
    client = client_for(jobcenter_user)
    for name in ("team_add", "consent_create", "conflict_mark"):
        response = client.get(reverse(f"courses:{name}", args=[course.pk]))
        assert response.status_code == 403
        assert "Kun forløbets koordinator" in html(response)


def test_team_add_with_a_helhed_user(
    course: Course,
    coordinator: User,
    make_user: Callable[..., User],
    municipality: Organisation,
) -> None:
    drugs = Unit.objects.create(
        organisation=municipality,
        name="Rusmiddelcenter Odense",
        welfare_area_id="specialiseret-voksen",
    )
    therapist = make_user("fagperson", drugs, first_name="Rasmus", last_name="Rus", phone="661234")
    client = client_for(coordinator)
    options = html(
        client.get(
            reverse("courses:team_add", args=[course.pk]),
            {"unit": str(drugs.pk)},
            HTTP_HX_REQUEST="true",
        )
    )
    assert "Rasmus Rus" in options
    response = client.post(
        reverse("courses:team_add", args=[course.pk]),
        {
            "unit": str(drugs.pk),
            "member_user": str(therapist.pk),
            "role": "Behandler",
            "valid_from": timezone.localdate().strftime("%d.%m.%Y"),
        },
    )
    assert response.status_code == 302
    member = course.team.get(user=therapist)
    assert (member.name, member.organisation, member.phone) == (
        "Rasmus Rus",
        municipality,
        "661234",
    )


def test_garbage_input_never_gives_a_server_error(course: Course, coordinator: User) -> None:
    client = client_for(coordinator)
    goal = services.save_goal(coordinator, course.plan.pk, 1, text="Et mål")
    goal_url = reverse("courses:goal_edit", args=[course.pk, goal.pk])
    responses = [
        client.get(reverse("courses:intake"), {"initiative": "ikke-et-id"}),
        client.get(reverse("courses:intake"), {"initiative": "x"}, HTTP_HX_REQUEST="true"),
        client.get(
            reverse("courses:team_add", args=[course.pk]), {"unit": "x"}, HTTP_HX_REQUEST="true"
        ),
        client.get(reverse("courses:versions", args=[course.pk]), {"vis": "abc"}),
        client.post(reverse("courses:version_restore", args=[course.pk, 1]), {"version": "x"}),
        client.post(reverse("courses:version_restore", args=[course.pk, 99]), {"version": 2}),
        client.post(goal_url, {"_delete": "1", "version": "x"}),
        client.post(goal_url, {"version": "x", "text": "Nyt"}),
        client.post(reverse("courses:plan_edit", args=[course.pk]), {}),
        client.post(reverse("courses:measure_add", args=[course.pk]), {"version": 2, "goals": "x"}),
    ]
    assert [r.status_code for r in responses if r.status_code >= 500] == []
    assert course.plan.goals.get() == goal  # the refused delete deleted nothing
