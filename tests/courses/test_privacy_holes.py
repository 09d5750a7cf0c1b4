"""Issue 10: one regression test per privacy hole in courses, tried as an attacker would — a
private provider's account, a former employee, a plan-only reader, a guessed id.

The world: Odense Kommune coordinates a course for Mette. On the team: the jobcenter (its own
mentor measure), a drug treatment centre, the region's psychiatry and Kriminalforsorgen. The
consent covers the jobcenter with the plan only; the coordinating unit sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import NoReverseMatch, reverse

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Organisation, Unit, User
from helhed.courses import selectors, services
from helhed.courses.models import Course, Goal, Measure, SubGoal, WithoutConsentAccess
from tests.courses import builders as b

pytestmark = pytest.mark.django_db


@dataclass
class World:
    odense: Organisation
    coordinating: Unit
    jobcenter: Unit
    drugs: Unit
    psychiatry: Unit
    probation: Unit
    mentor_company: Unit
    coordinator: User
    jobworker: User
    leader: User
    course: Course
    mentor: Measure
    treatment: Measure
    condition: SubGoal


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture
def world(db: None) -> World:
    odense = b.organisation("461")
    region = Organisation.objects.get(org_type_id="region", official_code="1083")
    state = Organisation.objects.create(name="Kriminalforsorgen", org_type_id="stat")
    private = Organisation.objects.create(name="Mentor & Co ApS", org_type_id="privat")
    coordinating = b.make_unit(odense, "Koordinerende Team", None)
    jobcenter = b.make_unit(odense, "Jobcenter Odense")
    jobcenter.may_open_without_consent = True
    jobcenter.save()
    drugs = b.make_unit(odense, "Rusmiddelcenter Odense", "specialiseret-voksen")
    psychiatry = b.make_unit(region, "Psykiatrien Syd", "psykiatri")
    probation = b.make_unit(state, "Kriminalforsorgen Fyn", "kriminalitet")
    mentor_company = b.make_unit(private, "Mentorteam", "beskaeftigelse")
    coordinator = b.make_staff(coordinating, "koordinator", first_name="Karen")
    jobworker = b.make_staff(jobcenter, "fagperson", first_name="Jonas")
    leader = b.make_staff(jobcenter, "leder", first_name="Lone")
    course = b.open_course(coordinator, coordinating, cpr="1503851234")
    for unit, name in (
        (jobcenter, "Jonas Jobcenter"),
        (drugs, "Rikke Rusmiddel"),
        (psychiatry, "Per Psykiatri"),
        (probation, "Kim Kriminalforsorg"),
    ):
        b.join_team(course, coordinator, unit, name=name)
    b.give_consent(course, coordinator, units=[coordinating, jobcenter], categories=["plan"])
    plan = course.plan
    goal = services.save_goal(coordinator, plan.pk, 1, text="Et arbejde og et liv uden stoffer")
    mentor = services.save_measure(
        coordinator,
        plan.pk,
        2,
        goals=[goal],
        title="Mentorstøtte hos jobcentret",
        welfare_area_id="beskaeftigelse",
        legal_basis_id="lab-187",
        organisation=odense,
        unit=jobcenter,
        budget_area="beskaeftigelse",
    )
    treatment = services.save_measure(
        coordinator,
        plan.pk,
        3,
        goals=[goal],
        title="Ambulant stofbehandling",
        welfare_area_id="specialiseret-voksen",
        legal_basis_id="sel-101",
        organisation=odense,
        unit=drugs,
        budget_area="voksne",
    )
    condition = services.add_subgoal(
        coordinator,
        plan.pk,
        4,
        goal_id=goal.pk,
        text="Overholder vilkårene i den betingede dom",
        welfare_area_id="kriminalitet",
    )
    services.update_plan_text(
        coordinator,
        plan.pk,
        5,
        summary="Indlagt på psykiatrisk afdeling i marts",
        summary_category="health",
        citizen_statement="Jeg vil have et arbejde",
    )
    return World(
        odense=odense,
        coordinating=coordinating,
        jobcenter=jobcenter,
        drugs=drugs,
        psychiatry=psychiatry,
        probation=probation,
        mentor_company=mentor_company,
        coordinator=coordinator,
        jobworker=jobworker,
        leader=leader,
        course=course,
        mentor=mentor,
        treatment=treatment,
        condition=condition,
    )


def detail(world: World) -> str:
    return reverse("courses:course_detail", args=[world.course.pk])


def tab(world: World, name: str) -> str:
    """A sub-page of the course page (``plan``, ``demands``, ``appointments``, ``history``)."""
    return reverse(f"courses:course_{name}", args=[world.course.pk])


def all_tabs(client: Client, world: World) -> str:
    """The course page's first screen and every one of its sub-pages, as one text."""
    urls = [detail(world)] + [tab(world, n) for n in ("plan", "demands", "appointments", "history")]
    return "".join(html(client.get(url)) for url in urls)


# --------------------------------------------------------------------------------------------
# Hole 1: access without consent
# --------------------------------------------------------------------------------------------


def test_a_private_providers_account_cannot_open_a_course_without_consent(world: World) -> None:
    outsider = b.make_staff(world.mentor_company, "koordinator")
    client = client_for(outsider)
    page = html(client.get(detail(world)))
    assert "Åbn uden samtykke" not in page
    url = reverse("courses:without_consent", args=[world.course.pk])
    body = {"unit": str(world.mentor_company.pk), "basis": "gdpr-9-2-c", "note": "x"}
    assert client.post(url, body).status_code == 403
    with pytest.raises(PermissionDenied):
        services.open_without_consent(
            outsider,
            course_id=world.course.pk,
            unit_id=world.mentor_company.pk,
            basis_id="gdpr-9-2-c",
        )
    assert not WithoutConsentAccess.objects.exists()


def test_a_former_employee_cannot_open_a_course_without_consent(world: World) -> None:
    former = b.make_staff(None, first_name="Tidligere")
    Membership.objects.create(
        user=former,
        unit=world.jobcenter,
        role="fagperson",
        valid_to=b.today() - timedelta(days=1),
    )
    with pytest.raises(PermissionDenied):
        services.open_without_consent(
            former, course_id=world.course.pk, unit_id=world.jobcenter.pk, basis_id="rsl-11c"
        )
    assert not WithoutConsentAccess.objects.exists()


def test_leaders_and_analysts_do_not_open_courses_without_consent(world: World) -> None:
    analyst = b.make_staff(world.jobcenter, "analytiker")
    for user in (world.leader, analyst):
        with pytest.raises(PermissionDenied):
            services.open_without_consent(
                user, course_id=world.course.pk, unit_id=world.jobcenter.pk, basis_id="rsl-11c"
            )


def test_access_without_consent_is_told_reviewed_and_ends_with_the_membership(
    world: World,
) -> None:
    caseworker = b.make_staff(world.jobcenter, "fagperson", first_name="Sara")
    b.make_staff(world.drugs, "leder", first_name="Anden leder")  # another unit's leader
    services.open_without_consent(
        caseworker,
        course_id=world.course.pk,
        unit_id=world.jobcenter.pk,
        basis_id="sul-43-2",
        note="Akut bekymring",
    )
    # the coordinator and the jobcenter's leader are told at once; no personal data in it
    told = world.coordinator.notifications.get(kind="without-consent")
    assert "Mette" not in told.title + told.body
    leader_note = world.leader.notifications.get(kind="without-consent")
    assert leader_note.url == reverse("courses:without_consent_review")
    # the health basis opens the plan and health, not crime
    overview = selectors.course_overview(caseworker, world.course.pk)
    assert overview.access.may("health") and not overview.access.may("crime")
    shown = [m.title for m in (selectors.load_plan_items(overview) or overview.measures)]
    assert "Ambulant stofbehandling" in shown
    # the leader's review list names the access, not the citizen
    review = html(client_for(world.leader).get(reverse("courses:without_consent_review")))
    assert "Sundhedsloven § 43, stk. 2" in review and "Akut bekymring" in review
    assert "Mette" not in review
    assert (
        client_for(world.jobworker).get(reverse("courses:without_consent_review")).status_code
        == 403
    )
    grant = WithoutConsentAccess.objects.get()
    with pytest.raises(ValidationError) as refused:
        services.review_without_consent(
            world.leader, access_id=grant.pk, outcome="ikke-berettiget", note=""
        )
    assert "note" in refused.value.message_dict
    services.review_without_consent(
        world.leader, access_id=grant.pk, outcome="berettiget", note="Korrekt hjemmel"
    )
    grant.refresh_from_db()
    assert (grant.reviewed_by, grant.review_outcome) == (world.leader, "berettiget")
    # the log rows are attributed to the unit it was opened from
    rows = AccessLogEntry.objects.filter(actor=caseworker)
    assert rows and all(r.actor_unit_id == world.jobcenter.pk for r in rows)
    assert all(r.actor_organisation_id == world.odense.pk for r in rows)
    # when the membership ends, so does the access (before its 24 hours)
    Membership.objects.filter(user=caseworker).update(valid_to=b.today() - timedelta(days=1))
    with pytest.raises(PermissionDenied):
        selectors.access_for(caseworker, world.course.pk)


# --------------------------------------------------------------------------------------------
# Hole 2: intake as a CPR lookup
# --------------------------------------------------------------------------------------------


def test_api_intake_checks_memberships_on_the_day(world: World) -> None:
    former = b.make_staff(None)
    Membership.objects.create(
        user=former, unit=world.jobcenter, role="koordinator", valid_to=b.today() - timedelta(1)
    )
    # a current membership elsewhere, so the account is not logged out (issue 15) and the
    # intake's own check of the coordinating unit's membership on the day is what refuses
    Membership.objects.create(user=former, unit=world.coordinating, role="fagperson")
    client = client_for(former)
    response = client.post(
        "/api/courses/courses",
        {
            "initiative_id": str(world.course.initiative_id),
            "coordinator_unit_id": str(world.jobcenter.pk),
            "cpr": "1503851234",
            "first_name": "X",
            "last_name": "Y",
            "referred_on": b.today().isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "coordinator_unit_id" in response.content.decode()
    assert Course.objects.count() == 1


def test_the_join_page_that_named_initiative_and_coordinator_is_gone(world: World) -> None:
    with pytest.raises(NoReverseMatch):
        reverse("courses:join_course", args=[world.course.pk])
    outsider = b.make_staff(world.mentor_company)
    response = client_for(outsider).get(f"/forloeb/{world.course.pk}/deltag/")
    assert response.status_code == 404


# --------------------------------------------------------------------------------------------
# Holes 4-6: items, categories, names, free text, own contribution
# --------------------------------------------------------------------------------------------


def test_a_plan_only_reader_sees_neither_hidden_items_nor_the_names_that_reveal_them(
    world: World,
) -> None:
    page = all_tabs(client_for(world.jobworker), world)
    # sub-goals follow their category (a crime sub-goal is not plan data)
    assert "Overholder vilkårene i den betingede dom" not in page
    # drug treatment is health, not social
    assert world.treatment.data_category == "health"
    assert "Ambulant stofbehandling" not in page
    # naming the unit reveals the category: the team list does not name them
    for name in ("Rusmiddelcenter", "Psykiatrien Syd", "Kriminalforsorgen", "Rikke", "Per Psyk"):
        assert name not in page, name
    assert "3 kontaktpersoner mere fra områder" in html(
        client_for(world.jobworker).get(detail(world))
    )
    # free text filed under health is not shown, only that it exists (on the plan's tab)
    assert "Indlagt på psykiatrisk afdeling" not in page
    plan_tab = html(client_for(world.jobworker).get(tab(world, "plan")))
    assert 'data-hidden-text="health"' in plan_tab
    # the coordinator sees all of it
    full = all_tabs(client_for(world.coordinator), world)
    for text in (
        "Overholder vilkårene",
        "Ambulant stofbehandling",
        "Rusmiddelcenter Odense",
        "Indlagt på psykiatrisk afdeling",
    ):
        assert text in full


def test_a_unit_sees_its_own_contribution_and_links_lead_only_where_it_may_go(
    world: World,
) -> None:
    client = client_for(world.jobworker)
    page = all_tabs(client, world)
    # the jobcenter's own mentor measure, though the consent covers only the plan
    assert "Mentorstøtte hos jobcentret" in html(client.get(tab(world, "plan")))
    printed = html(client.get(reverse("courses:print_view", args=[world.course.pk, "min-plan"])))
    assert "Mentorstøtte hos jobcentret" in printed
    # the version history shows every category: not linked, and refused
    assert reverse("courses:versions", args=[world.course.pk]) not in page
    assert client.get(reverse("courses:versions", args=[world.course.pk])).status_code == 403


def test_the_api_goal_carries_only_the_measures_the_reader_may_see(world: World) -> None:
    body = client_for(world.jobworker).get(f"/api/courses/courses/{world.course.pk}/plan").json()
    [goal] = body["goals"]
    assert goal["measure_ids"] == [str(world.mentor.pk)]
    assert goal["subgoals"] == []
    assert body["summary"] is None and body["hidden_texts"] == ["summary"]
    assert [m["title"] for m in body["measures"]] == ["Mentorstøtte hos jobcentret"]


def test_the_appointment_form_lists_only_demands_the_reader_may_see(world: World) -> None:
    plan = world.course.plan
    plan.refresh_from_db()
    services.save_demand(
        world.coordinator,
        plan.pk,
        plan.version,
        organisation=world.odense,
        welfare_area_id="kriminalitet",
        kind="indberetning",
        title="Melde sig hos Kriminalforsorgen hver uge",
        legal_basis_id="strfl-57",
    )
    form = html(
        client_for(world.jobworker).get(reverse("courses:appointment_add", args=[world.course.pk]))
    )
    assert "Melde sig hos Kriminalforsorgen" not in form
    assert "Melde sig hos Kriminalforsorgen" in html(
        client_for(world.coordinator).get(
            reverse("courses:appointment_add", args=[world.course.pk])
        )
    )


def test_a_plan_only_reader_cannot_write_what_it_may_not_read(world: World) -> None:
    plan = world.course.plan
    plan.refresh_from_db()
    with pytest.raises(ValidationError) as health:
        services.save_measure(
            world.jobworker,
            plan.pk,
            plan.version,
            title="Psykologsamtaler",
            welfare_area_id="psykiatri",
            legal_basis_id="sul-119",
            organisation=world.odense,
            budget_area="region",
        )
    assert "Helbred" in str(health.value.message_dict)
    with pytest.raises(ValidationError):
        services.save_demand(
            world.jobworker,
            plan.pk,
            plan.version,
            organisation=world.odense,
            welfare_area_id="kriminalitet",
            kind="indberetning",
            title="Tilsyn",
        )
    # the goal is linked to the drug treatment measure, which the reader cannot see
    goal = Goal.objects.get(plan=plan)
    with pytest.raises(PermissionDenied):
        services.delete_goal(world.jobworker, plan.pk, plan.version, goal.pk)
    # a hidden item cannot be edited by its id
    with pytest.raises(PermissionDenied):
        services.save_measure(
            world.jobworker,
            plan.pk,
            plan.version,
            measure_id=world.treatment.pk,
            title="Omdøbt",
            welfare_area_id="beskaeftigelse",
            legal_basis_id="lab-187",
            organisation=world.odense,
            budget_area="beskaeftigelse",
        )
    # a hidden text cannot be overwritten
    with pytest.raises(PermissionDenied):
        services.update_plan_text(world.jobworker, plan.pk, plan.version, summary="")
    # the jobcenter may add a measure of its own in its own category
    own = services.save_measure(
        world.jobworker,
        plan.pk,
        plan.version,
        title="Virksomhedspraktik",
        welfare_area_id="beskaeftigelse",
        legal_basis_id="lab-127",
        organisation=world.odense,
        unit=world.jobcenter,
        budget_area="beskaeftigelse",
    )
    assert own.data_category == "employment"
    plan.refresh_from_db()
    assert plan.summary == "Indlagt på psykiatrisk afdeling i marts"
