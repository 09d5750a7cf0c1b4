"""Early contact and handing a course over (issue 14): a region's psychiatry unit refers a citizen
into a municipality's course without becoming its coordinator, and a coordinator hands a course
over to a coordinator in another organisation — page and API through the same services, tried
as an attacker too (another organisation, an ended membership, guessed ids)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Organisation, User
from helhed.courses import selectors, services
from helhed.courses.models import CoordinatorChange, Course, JoinRequest, TeamMember
from helhed.devtools.factories import cpr_for
from helhed.notifications.models import Notification
from tests.courses.builders import (
    give_consent,
    make_initiative,
    make_staff,
    make_unit,
    open_course,
    organisation,
)

pytestmark = pytest.mark.django_db

CPR = cpr_for(date(1990, 8, 20), tail="417")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    odense, holbaek = organisation("461"), organisation("316")
    region = Organisation.objects.get(org_type_id="region", official_code="1083")
    odense_team = make_unit(odense, "Koordinerende Team", None)
    holbaek_team = make_unit(holbaek, "Koordinerende Team Holbæk", None)
    psych = make_unit(region, "Psykiatrisk Afdeling Syd", "psykiatri")
    return {
        "odense_team": odense_team,
        "holbaek_team": holbaek_team,
        "psych": psych,
        "karen": make_staff(odense_team, "koordinator", first_name="Karen"),
        "hanne": make_staff(holbaek_team, "koordinator", first_name="Hanne"),
        "holger": make_staff(holbaek_team, "fagperson", first_name="Holger"),
        "pia": make_staff(psych, "fagperson", first_name="Pia", last_name="Psykiatri"),
        "initiative": make_initiative("IPS"),
    }


def refer(w: dict[str, Any], user: User | None = None, **overrides: Any) -> services.Referral:
    values: dict[str, Any] = {
        "from_unit_id": w["psych"].pk,
        "unit_id": w["odense_team"].pk,
        "coordinator_id": w["karen"].pk,
        "initiative_id": w["initiative"].pk,
        "cpr": CPR,
        "first_name": "Rasmus",
        "last_name": "Rask",
        "note": "Indlagt; ønsker hjælp til job og bolig efter udskrivelse.",
        "note_category": "health",
    }
    values.update(overrides)
    return services.refer_citizen(user or w["pia"], **values)


# -- early contact ------------------------------------------------------------------------------


def test_a_region_unit_refers_a_citizen_into_a_new_municipal_course(world: dict[str, Any]) -> None:
    done = refer(world)
    assert done.kind == "new"
    course = Course.objects.get(pk=done.course_id)
    # The municipality's coordinator coordinates; the region worker is on the team, not more
    assert course.coordinator == world["karen"]
    assert course.coordinator_unit == world["odense_team"]
    assert course.referral_note_category == "health"
    member = TeamMember.objects.get(course=course, user=world["pia"])
    assert member.unit == world["psych"] and member.valid_to is None
    assert member.role.startswith("Henviser")
    # The coordinator is told; the read is attributed to the referring unit
    assert Notification.objects.filter(recipient=world["karen"], kind="referral").exists()
    entry = AccessLogEntry.objects.get(actor=world["pia"], citizen_id=course.citizen_id)
    assert entry.actor_unit_id == world["psych"].pk
    # Before the citizen consents, the region worker cannot open the course…
    with pytest.raises(PermissionDenied):
        selectors.access_for(world["pia"], course.pk)
    # …and after a consent covering the psychiatry unit, she can — as a team member
    give_consent(course, world["karen"], units=[world["psych"]], categories=["plan", "health"])
    access = selectors.access_for(world["pia"], course.pk)
    assert not access.is_coordinator and access.may("health")


def test_a_referral_of_a_citizen_with_an_active_course_is_a_request_the_coordinator_answers(
    world: dict[str, Any],
) -> None:
    course = open_course(
        world["karen"], world["odense_team"], cpr=CPR, first_name="Rasmus", last_name="Rask"
    )
    done = refer(world, unit_id=world["holbaek_team"].pk, coordinator_id=world["hanne"].pk)
    # The existing course's coordinator gets it, whichever municipality was named
    assert (done.kind, done.sent, done.course_id) == ("existing", 1, None)
    request = JoinRequest.objects.get(course=course)
    assert request.unit == world["psych"] and "Indlagt" in request.message
    assert Course.objects.filter(citizen__cpr=CPR).count() == 1
    services.answer_join_request(world["karen"], request_id=request.pk, accept=True)
    assert TeamMember.objects.filter(course=course, unit=world["psych"]).exists()
    assert Course.objects.get(pk=course.pk).coordinator == world["karen"]
    # Asking again changes nothing
    assert refer(world).sent == 0


def test_a_referral_is_refused_with_field_errors(world: dict[str, Any]) -> None:
    cases = {
        "coordinator_id": {"coordinator_id": world["holger"].pk},  # a fagperson, not koordinator
        "unit_id": {"unit_id": world["psych"].pk},  # not a municipality
        "from_unit_id": {"from_unit_id": world["odense_team"].pk},  # not her unit
        "initiative_id": {"initiative_id": "00000000-0000-0000-0000-000000000000"},
        "cpr": {"cpr": "123"},
    }
    for field, overrides in cases.items():
        with pytest.raises(ValidationError) as info:
            refer(world, **overrides)
        assert field in info.value.message_dict, field
    # A municipal unit refers within its own municipality: that is intake, not a referral
    with pytest.raises(ValidationError) as info:
        refer(world, user=world["karen"], from_unit_id=world["odense_team"].pk)
    assert "unit_id" in info.value.message_dict
    # A registered CPR number with other names tells nothing
    open_course(
        world["karen"], world["odense_team"], cpr=CPR, first_name="Rasmus", last_name="Rask"
    )
    with pytest.raises(ValidationError) as info:
        refer(world, first_name="Gæt", last_name="Navn")
    assert "last_name" in info.value.message_dict
    assert not Course.objects.filter(coordinator=world["pia"]).exists()


def test_an_ended_membership_cannot_refer(world: dict[str, Any]) -> None:
    Membership.objects.filter(user=world["pia"]).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(ValidationError) as info:
        refer(world)
    assert "from_unit_id" in info.value.message_dict
    # A coordinator whose koordinator role ended cannot be named
    Membership.objects.filter(user=world["karen"]).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    Membership.objects.filter(user=world["pia"]).update(valid_to=None)
    with pytest.raises(ValidationError) as info:
        refer(world)
    assert "coordinator_id" in info.value.message_dict


def test_the_referral_page_in_danish(world: dict[str, Any]) -> None:
    client = client_for(world["pia"])
    url = reverse("courses:referral")
    page = client.get(url).content.decode()
    assert "Henvis en borger til en kommune" in page and "du bliver ikke koordinator" in page
    # Only municipal units of other organisations are offered; the unit's coordinators by htmx
    assert "Odense Kommune: Koordinerende Team" in page and "Psykiatrisk Afdeling Syd:" not in page
    partial = client.get(url, {"unit": world["odense_team"].pk}, HTTP_HX_REQUEST="true")
    assert world["karen"].get_full_name() in partial.content.decode()
    data = {
        "from_unit": world["psych"].pk,
        "initiative": world["initiative"].pk,
        "unit": world["odense_team"].pk,
        "coordinator": world["karen"].pk,
        "cpr": "200890-1417",
        "first_name": "Rasmus",
        "last_name": "Rask",
        "note": "",
        "note_category": "plan",
    }
    bad = client.post(url, {**data, "coordinator": world["holger"].pk})
    assert bad.status_code == 200 and "200890-1417" not in bad.content.decode().split("<form")[0]
    response = client.post(url, data, follow=True)
    assert "Borgeren er henvist" in response.content.decode()
    assert Course.objects.get(citizen__cpr=CPR).coordinator == world["karen"]


def test_the_referral_api(world: dict[str, Any]) -> None:
    client = client_for(world["pia"])
    body = {
        "from_unit_id": str(world["psych"].pk),
        "unit_id": str(world["odense_team"].pk),
        "coordinator_id": str(world["karen"].pk),
        "initiative_id": str(world["initiative"].pk),
        "cpr": "200890-1417",
        "first_name": "Rasmus",
        "last_name": "Rask",
    }
    bad = client.post(
        "/api/courses/referrals",
        json.dumps({**body, "coordinator_id": str(world["holger"].pk)}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "coordinator_id" in bad.content.decode()
    response = client.post(
        "/api/courses/referrals", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["kind"] == "new" and "1417" not in response.content.decode()
    # The answer's course id opens nothing before a consent
    assert client.get(f"/api/courses/courses/{out['course_id']}").status_code == 403


# -- handing a course over -------------------------------------------------------------------------


def test_a_coordinator_hands_a_course_over_to_another_municipality(world: dict[str, Any]) -> None:
    karen, hanne = world["karen"], world["hanne"]
    course = open_course(karen, world["odense_team"])
    services.hand_over_course(
        karen,
        course_id=course.pk,
        new_coordinator_id=hanne.pk,
        unit_id=world["holbaek_team"].pk,
        reason="Borgeren flytter til Holbæk",
    )
    course.refresh_from_db()
    assert (course.coordinator, course.coordinator_unit) == (hanne, world["holbaek_team"])
    # The change is in the history, the new coordinator is told, and the old stays on the team
    change = CoordinatorChange.objects.get(course=course)
    assert (change.previous, change.new, change.changed_by) == (karen, hanne, karen)
    assert Notification.objects.filter(recipient=hanne, kind="coordinator-change").exists()
    old = TeamMember.objects.get(course=course, user=karen)
    assert old.valid_to is None and old.role == "Tidligere koordinator"
    new = TeamMember.objects.get(course=course, user=hanne)
    assert new.role == "Koordinator" and new.organisation == organisation("316")
    assert selectors.access_for(hanne, course.pk).is_coordinator
    # The old coordinator is no longer the coordinator: she cannot hand it over again…
    with pytest.raises(PermissionDenied):
        services.hand_over_course(
            karen,
            course_id=course.pk,
            new_coordinator_id=karen.pk,
            unit_id=world["odense_team"].pk,
            reason="Tilbage",
        )
    # …and she leaves the team when the new coordinator ends her membership
    services.end_team_member(hanne, old, timezone.localdate())
    assert TeamMember.objects.get(pk=old.pk).valid_to == timezone.localdate()


def test_a_hand_over_is_refused_to_someone_without_the_koordinator_role(
    world: dict[str, Any],
) -> None:
    karen = world["karen"]
    course = open_course(karen, world["odense_team"])

    def hand_over(new: User, unit: Any, **extra: Any) -> None:
        services.hand_over_course(
            karen,
            course_id=course.pk,
            new_coordinator_id=new.pk,
            unit_id=unit.pk,
            reason=extra.get("reason", "Flytning"),
        )

    for new, unit in (
        (world["holger"], world["holbaek_team"]),  # a fagperson
        (world["hanne"], world["odense_team"]),  # not a member of that unit
        (world["pia"], world["psych"]),  # a fagperson in the region
    ):
        with pytest.raises(ValidationError) as info:
            hand_over(new, unit)
        assert "new_coordinator_id" in info.value.message_dict
    Membership.objects.filter(user=world["hanne"]).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(ValidationError):
        hand_over(world["hanne"], world["holbaek_team"])
    # Only the coordinator may hand over — not a coordinator of another organisation
    with pytest.raises(PermissionDenied):
        services.hand_over_course(
            world["hanne"],
            course_id=course.pk,
            new_coordinator_id=world["hanne"].pk,
            unit_id=world["holbaek_team"].pk,
            reason="Jeg tager den",
        )
    # A guessed course id is the same refusal as a course one may not see
    with pytest.raises(PermissionDenied):
        services.hand_over_course(
            karen,
            course_id="00000000-0000-0000-0000-000000000000",
            new_coordinator_id=world["hanne"].pk,
            unit_id=world["holbaek_team"].pk,
            reason="Flytning",
        )
    assert Course.objects.get(pk=course.pk).coordinator == karen


def test_the_hand_over_page_offers_another_organisations_coordinators(
    world: dict[str, Any],
) -> None:
    karen, hanne = world["karen"], world["hanne"]
    course = open_course(karen, world["odense_team"])
    url = reverse("courses:change_coordinator", args=[course.pk])
    client = client_for(karen)
    page = client.get(url).content.decode()
    assert "Holbæk Kommune" in page and "Skift koordinator" in page
    holbaek = str(world["holbaek_team"].organisation_id)
    partial = client.get(url, {"organisation": holbaek}, HTTP_HX_REQUEST="true").content.decode()
    assert hanne.get_full_name() in partial and world["holger"].get_full_name() not in partial
    response = client.post(
        url,
        {
            "organisation": holbaek,
            "new_coordinator": f"{hanne.pk}:{world['holbaek_team'].pk}",
            "reason": "Borgeren flytter",
            "mandate": "",
        },
    )
    assert response.status_code == 302
    assert Course.objects.get(pk=course.pk).coordinator == hanne
    # Another organisation's user cannot open the page of a course they do not coordinate
    assert client_for(world["pia"]).get(url).status_code == 403


def test_the_hand_over_api(world: dict[str, Any]) -> None:
    karen, hanne = world["karen"], world["hanne"]
    course = open_course(karen, world["odense_team"])
    url = f"/api/courses/courses/{course.pk}/coordinator"
    body = {
        "new_coordinator_id": str(world["holger"].pk),
        "unit_id": str(world["holbaek_team"].pk),
        "reason": "Flytning",
    }
    client = client_for(karen)
    bad = client.post(url, json.dumps(body), content_type="application/json")
    assert bad.status_code == 422 and "new_coordinator_id" in bad.content.decode()
    outsider = client_for(hanne).post(
        url,
        json.dumps({**body, "new_coordinator_id": str(hanne.pk)}),
        content_type="application/json",
    )
    assert outsider.status_code == 403
    # The same refusal as for a course that does not exist: nothing tells the course is there
    guessed = client_for(hanne).post(
        "/api/courses/courses/00000000-0000-0000-0000-000000000000/coordinator",
        json.dumps({**body, "new_coordinator_id": str(hanne.pk)}),
        content_type="application/json",
    )
    assert outsider.json()["detail"] == guessed.json()["detail"]
    body["new_coordinator_id"] = str(hanne.pk)
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["organisation_id"] == str(organisation("316").pk)
