"""FHIR R4 in and out: every emitted resource validates, the consent decides what goes in,
another organisation is refused, malformed Bundles are 422 with pointers, a duplicate CPR is
refused with nothing written, and export → import → export keeps the content."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Organisation, Unit, User
from helhed.courses.models import Course, HouseholdRelation, LegalBasis, Measure, TeamMember
from helhed.fhir import codes
from helhed.handovers import services as handover_services
from helhed.handovers.models import Handover
from helhed.meetings.models import Decision, Meeting, Participant
from helhed.meetings.models import Task as MeetingTask
from helhed.notifications.models import Notification
from helhed.progress.models import Measurement
from tests.gdpr import world as w

EMITTED = {
    "Patient", "EpisodeOfCare", "Organization", "CareTeam", "Practitioner", "CarePlan",
    "ServiceRequest", "Goal", "Consent", "Appointment", "Task", "QuestionnaireResponse",
    "Observation", "RelatedPerson", "Group", "Encounter",
}  # fmt: skip


@pytest.fixture
def world(db: None) -> w.World:
    world = w.build()
    course = world.course
    # the coordinator's own team member, as intake makes it
    TeamMember.objects.create(
        course=course,
        user=world.coordinator,
        name="Karen Koordinator",
        organisation=world.municipality,
        unit=world.unit,
        role="Koordinator",
        valid_from=course.referred_on,
    )
    HouseholdRelation.objects.create(
        household=course.household,
        from_citizen=world.mette,
        to_citizen=world.sofie,
        kind="forælder",
    )
    health_unit = Unit.objects.create(
        organisation=world.municipality, name="Psykiatrien", welfare_area_id="psykiatri"
    )
    # the consent covers the psychiatric unit too (for the plan): a plan-only reader must not
    # learn its name from the Consent's actors either
    course.consents.get(person=None).units.add(health_unit)
    TeamMember.objects.create(
        course=course,
        name="Pia Psykiater",
        organisation=world.municipality,
        unit=health_unit,
        role="Behandler",
        valid_from=timezone.localdate() - timedelta(days=5),
    )
    psychiatric = Measure.objects.create(
        plan=course.plan,
        title="Misbrugsbehandling",
        welfare_area_id="psykiatri",
        legal_basis=LegalBasis.objects.get(pk="sel-101"),
        organisation=world.municipality,
        unit=health_unit,
        budget_area="sundhed",
        status="aktiv",
        start_date=timezone.localdate() - timedelta(days=3),
    )
    # a meeting task about the psychiatric measure, owned by the family: its title is health data
    MeetingTask.objects.create(
        course=course,
        decision=Decision.objects.filter(meeting__course=course).first(),
        measure=psychiatric,
        title="Book tid hos psykiater",
        owner=Participant.objects.filter(meeting__course=course, kind="familie").first(),
        due_date=timezone.localdate() + timedelta(days=3),
    )
    goal = course.plan.goals.get(person=None)
    Measurement.objects.create(
        course=course,
        goal=goal,
        instrument="maalopfyldelse",
        answers={"niveau": -1},
        score=-1.0,
        measured_on=timezone.localdate() - timedelta(days=2),
    )
    Measurement.objects.filter(course=course, instrument="who5").update(
        answers={f"who5_{i}": 3 for i in range(1, 6)}, score=60.0
    )
    return world


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bundle(client: Client, course: Course, **query: str) -> dict[str, Any]:
    response = client.get(f"/api/fhir/courses/{course.pk}/bundle", query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    return json.loads(response.content)


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_every_resource_type_is_emitted_and_validates(world: w.World) -> None:
    bundle = _bundle(_login(world.coordinator), world.course)
    assert bundle["type"] == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == EMITTED
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    (patient,) = _of(bundle, "Patient")
    assert patient["identifier"] == [{"system": codes.CPR_SYSTEM, "value": w.METTE_CPR}]
    (obs,) = _of(bundle, "Observation")
    assert obs["code"]["coding"][0] == {
        "system": "http://loinc.org", "code": "89708-7", "display": "WHO-5 Well-Being Index"
    }  # fmt: skip
    assert obs["valueQuantity"]["value"] == 60.0
    legal = {
        e["valueCoding"]["code"]
        for sr in _of(bundle, "ServiceRequest")
        for e in sr["extension"]
        if e["url"] == codes.EXT_LEGAL_BASIS
    }
    assert "sel-101" in legal
    rated = next(g for g in _of(bundle, "Goal") if g["description"]["text"] == w.tok("goals"))
    assert rated["achievementStatus"]["coding"][0]["code"] == "improving"
    assert rated["extension"][0]["extension"][0] == {"url": "level", "valueInteger": -1}
    assert "Book tid hos psykiater" in json.dumps(bundle)  # the coordinator sees every task
    assert {t["code"]["coding"][0]["code"] for t in _of(bundle, "Task")} == {
        "handover", "meeting-task"
    }  # fmt: skip
    # the read is logged
    assert AccessLogEntry.objects.filter(citizen_id=world.mette.pk, what="FHIR-eksport").exists()


def test_a_plan_only_reader_gets_no_health_data_and_an_unnamed_health_member(
    world: w.World,
) -> None:
    bundle = _bundle(_login(world.colleague), world.course)
    text = json.dumps(bundle)
    assert not _of(bundle, "Observation")
    assert not _of(bundle, "QuestionnaireResponse")
    assert "Misbrugsbehandling" not in text
    assert "Pia Psykiater" not in text and "Psykiatrien" not in text and "Behandler" not in text
    assert "Book tid hos psykiater" not in text  # the meetings' own API hides it too
    (team,) = _of(bundle, "CareTeam")
    assert any("member" not in p for p in team["participant"])  # counted, not named


def test_pseudonymised_bundle_has_no_cpr_or_name(world: w.World) -> None:
    client = _login(world.coordinator)
    bundle = _bundle(client, world.course, pseudonymise="true")
    text = json.dumps(bundle)
    assert w.METTE_CPR not in text and "Mette" not in text and w.EMIL_CPR not in text
    again = _bundle(client, world.course, pseudonymise="true")
    assert _of(bundle, "Patient")[0]["id"] == _of(again, "Patient")[0]["id"]  # stable


def test_another_organisation_and_a_guessed_id_get_403(world: w.World) -> None:
    client = _login(world.other_coordinator)
    assert client.get(f"/api/fhir/courses/{world.course.pk}/bundle").status_code == 403
    assert client.get(f"/api/fhir/courses/{world.other_course.pk}x/bundle").status_code in (
        403,
        422,
    )
    assert Client().get(f"/api/fhir/courses/{world.course.pk}/bundle").status_code == 401


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (b"{not json", ""),
        (json.dumps({"resourceType": "Patient"}).encode(), "resourceType"),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [
                        {"resource": {"resourceType": "Patient"}},
                        {"resource": {"resourceType": "Goal", "lifecycleStatus": "x"}},
                    ],
                }
            ).encode(),
            "entry[1].resource.",
        ),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"resource": {"resourceType": "Nope"}}],
                }
            ).encode(),
            "entry[0].resource.resourceType",
        ),
        (b"[" * 200_000, ""),  # nested deeper than Python's recursion limit
        (  # a WHO-5 score without its answers: Helhed computes the score from them
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [
                        {
                            "resource": {
                                "resourceType": "Observation",
                                "status": "final",
                                "code": {
                                    "coding": [{"system": codes.LOINC, "code": codes.WHO5_LOINC}]
                                },
                                "valueQuantity": {"value": 60},
                            }
                        }
                    ],
                }
            ).encode(),
            "entry[0].resource.derivedFrom",
        ),
    ],
)
def test_malformed_fhir_is_422_with_pointers(world: w.World, body: bytes, pointer: str) -> None:
    before = Course.objects.count()
    response = _login(world.coordinator).post(
        "/api/fhir/import", body, content_type="application/fhir+json"
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert errors and all(e["message"] for e in errors)
    assert any(e["pointer"].startswith(pointer) for e in errors), errors
    assert Course.objects.count() == before


def _post(client: Client, bundle: dict[str, Any], **query: str) -> Any:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(
        f"/api/fhir/import?{qs}", json.dumps(bundle), content_type="application/fhir+json"
    )


def test_a_body_over_the_limit_is_a_413_problem(world: w.World, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = _login(world.coordinator).post(
        "/api/fhir/import", b" " * 20_000, content_type="application/fhir+json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert "KB" in response.json()["detail"]


def test_unknown_codes_point_at_the_entry(world: w.World) -> None:
    client = _login(world.coordinator)
    bundle = _bundle(client, world.course)
    index, sr = next(
        (i, e["resource"])
        for i, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == "ServiceRequest"
    )
    sr["status"] = "unknown"
    response = _post(client, bundle, dry_run="true")
    assert response.status_code == 422
    assert {
        "pointer": f"entry[{index}].resource.status",
        "message": "Ukendt status: 'unknown'.",
    } in response.json()["errors"]


def test_a_duplicate_cpr_is_refused_and_nothing_is_written(world: w.World) -> None:
    client = _login(world.coordinator)
    bundle = _bundle(client, world.course)
    before = Course.objects.count()
    response = _post(client, bundle)
    assert response.status_code == 409
    assert response.json()["course_ids"] == [str(world.course.pk)]  # the reader may see it
    assert Course.objects.count() == before
    other = _post(_login(world.other_coordinator), bundle)
    assert other.status_code == 409 and "course_ids" not in other.json()
    assert Course.objects.count() == before


ROUND_TRIP = (
    "Patient", "Goal", "ServiceRequest", "Appointment", "Consent", "RelatedPerson",
    "QuestionnaireResponse", "Observation", "CareTeam", "Practitioner", "Task", "Encounter",
    "Organization", "EpisodeOfCare", "CarePlan",
)  # fmt: skip


def _normalised(bundle: dict[str, Any]) -> dict[str, list[str]]:
    """The resource types with the id of every object the import creates replaced by its order
    of appearance; the ids of what exists before and after — users, units, organisations — stay
    as they are, so a member linked to another user or a handover to another unit differs."""
    kept = {
        str(pk)
        for model in (User, Unit, Organisation)
        for pk in model.objects.values_list("pk", flat=True)
    }
    ids: dict[str, str] = {}
    text = json.dumps({k: _of(bundle, k) for k in ROUND_TRIP}, sort_keys=True)
    import re

    def sub(match: re.Match[str]) -> str:
        if match.group(0) in kept:
            return match.group(0)
        return ids.setdefault(match.group(0), f"id{len(ids)}")

    data = json.loads(
        re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", sub, text)
    )
    for consent in data["Consent"]:
        consent.pop("dateTime")
    return {k: sorted(json.dumps(r, sort_keys=True) for r in data[k]) for k in ROUND_TRIP}


def test_export_import_export_is_identical_apart_from_ids(world: w.World) -> None:
    client = _login(world.coordinator)
    first = _bundle(client, world.course)
    Course.objects.filter(pk=world.course.pk).update(status="afsluttet", closing_reason="Flyttet")
    dry = _post(client, first, dry_run="true")
    assert dry.status_code == 200, dry.content
    assert dry.json()["create"]["ServiceRequest"] == 3
    assert dry.json()["create"]["Task"] == 3  # a handover and two meeting tasks
    assert dry.json()["create"]["Encounter"] == 1  # the meeting the tasks came from
    assert dry.json()["create"]["Practitioner"] == 3  # the coordinator's becomes the importer's
    assert dry.json()["skipped"] == {} and dry.json()["warnings"] == []
    assert dry.json()["create"]["RelatedPerson"] == 2
    assert dry.json()["create"]["QuestionnaireResponse"] == 1  # WHO-5 with its answers
    assert dry.json()["create"]["Observation"] == 1  # its score, computed again from them
    assert Course.objects.count() == 2  # the dry run wrote nothing
    response = _post(client, first, unit_id=str(world.unit.pk))
    assert response.status_code == 201, response.content
    new = Course.objects.get(pk=response.json()["course_id"])
    second = _bundle(client, new)
    assert _normalised(second) == _normalised(first)
    (group,) = _of(second, "Group")
    assert group["name"] == w.tok("household") and group["quantity"] == 3


def test_the_import_asks_about_a_cpr_only_from_the_users_own_unit(world: w.World) -> None:
    """A unit the importer does not belong to is refused before the duplicate lookup: no 409
    (which would tell that the CPR has an active course) and no log entry about the citizen."""
    bundle = _bundle(_login(world.coordinator), world.course)
    before = AccessLogEntry.objects.filter(citizen_id=world.mette.pk).count()
    response = _post(_login(world.other_coordinator), bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "unit_id"]
    assert AccessLogEntry.objects.filter(citizen_id=world.mette.pk).count() == before
    citizen = _post(_login(world.citizen_user), bundle, unit_id=str(world.unit.pk))
    assert citizen.status_code == 403


def _team_bundle(world: w.World) -> dict[str, Any]:
    """The coordinator's export of the course, with the course closed (so it can be imported)."""
    bundle = _bundle(_login(world.coordinator), world.course)
    Course.objects.filter(pk=world.course.pk).update(status="afsluttet", closing_reason="Flyttet")
    return bundle


def _colleague_practitioner(bundle: dict[str, Any], world: w.World) -> dict[str, Any]:
    return next(
        p
        for p in _of(bundle, "Practitioner")
        if p.get("identifier", [{}])[0].get("value") == str(world.colleague.pk)
    )


def _jobcenter() -> Unit:
    return Unit.objects.get(name="Jobcenter Odense")  # the colleague's unit (tests/gdpr/world)


def _task_of(bundle: dict[str, Any], kind: str) -> tuple[int, dict[str, Any]]:
    return next(
        (i, e["resource"])
        for i, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == "Task"
        and e["resource"]["code"]["coding"][0]["code"] == kind
    )


def _assert_refused(world: w.World, bundle: dict[str, Any], pointer: str, message: str) -> None:
    """The coordinator's import of ``bundle`` is a 422 with this error, and nothing is written."""
    before = _counts()
    response = _post(_login(world.coordinator), bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 422, response.content
    assert {"pointer": pointer, "message": message} in response.json()["errors"]
    assert _counts() == before


def _counts() -> dict[str, int]:
    return {
        "courses": Course.objects.count(),
        "team": TeamMember.objects.count(),
        "handovers": Handover.objects.count(),
        "meetings": Meeting.objects.count(),
        "tasks": MeetingTask.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_the_imported_team_and_tasks_are_what_the_users_see(world: w.World) -> None:
    """The linked colleague is on the new course's team as himself; the receiving unit is asked
    to acknowledge the open handover; the owner of the open meeting task is told about it."""
    bundle = _team_bundle(world)
    before = Notification.objects.filter(recipient=world.colleague).count()
    response = _post(_login(world.coordinator), bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 201, response.content
    new = Course.objects.get(pk=response.json()["course_id"])
    assert new.team.get(user=world.colleague).role == "Sagsbehandler"
    assert new.team.get(user=world.coordinator).role == "Koordinator"  # intake's, not a second
    assert new.team.count() == 3
    handover = Handover.objects.get(course=new)
    assert (handover.status, handover.to_unit_id) == ("requested", _jobcenter().pk)
    titles = set(
        Notification.objects.filter(recipient=world.colleague).values_list("title", flat=True)
    )
    assert {"Overdragelse venter på jeres kvittering", "Ny opgave fra et møde"} <= titles
    assert Notification.objects.filter(recipient=world.colleague).count() == before + 2
    meeting = Meeting.objects.get(course=new)
    assert set(MeetingTask.objects.filter(course=new).values_list("title", flat=True)) == {
        w.tok("tasks"), "Book tid hos psykiater"
    }  # fmt: skip
    assert meeting.decisions.get().text == w.tok("decisions")


def test_a_closed_handover_is_history_nobody_is_told(world: w.World) -> None:
    handover = Handover.objects.get(course=world.course)
    closed = timezone.now() - timedelta(days=1)
    Handover.objects.filter(pk=handover.pk).update(
        status="completed", arrival="moedt", closed_at=closed
    )
    bundle = _team_bundle(world)
    before = Notification.objects.filter(title__startswith="Overdragelse").count()
    response = _post(_login(world.coordinator), bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 201, response.content
    imported = Handover.objects.get(course_id=response.json()["course_id"])
    assert (imported.status, imported.arrival, imported.closed_at) == ("completed", "moedt", closed)
    assert Notification.objects.filter(title__startswith="Overdragelse").count() == before


@pytest.mark.parametrize("who", ["other_organisation", "ended_membership", "system_user"])
def test_a_crafted_practitioner_gives_no_one_outside_the_unit_access(
    world: w.World, who: str
) -> None:
    """The colleague's Practitioner is rewritten to name a user of another organisation, a
    user whose membership of the unit has ended, or an integration client's system user: the
    member is imported name-only (no user linked) and the dry run and import say so."""
    target = {
        "other_organisation": world.other_coordinator,
        "ended_membership": world.ended,
        "system_user": User.objects.create_user(
            username="fagsystem", is_system=True, first_name="System"
        ),
    }[who]
    if who != "other_organisation":  # a member of the jobcenter (ended / a system account)
        Membership.objects.create(
            user=target,
            unit=_jobcenter(),
            role="fagperson",
            valid_from=timezone.localdate() - timedelta(days=100),
            valid_to=timezone.localdate() - timedelta(days=1)
            if who == "ended_membership"
            else None,
        )
    bundle = _team_bundle(world)
    _colleague_practitioner(bundle, world)["identifier"][0]["value"] = str(target.pk)
    client = _login(world.coordinator)
    dry = _post(client, bundle, dry_run="true")
    assert dry.status_code == 200, dry.content
    (warning,) = dry.json()["warnings"]
    assert warning["pointer"].startswith("entry[") and ".participant[" in warning["pointer"]
    assert "uden bruger i Helhed" in warning["message"]
    response = _post(client, bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 201, response.content
    assert response.json()["warnings"] == dry.json()["warnings"]
    new = Course.objects.get(pk=response.json()["course_id"])
    member = new.team.get(name=w.tok("team"))
    assert member.user_id is None  # a contact by name only
    assert not new.team.filter(user=target).exists()
    assert not MeetingTask.objects.filter(course=new, owner_user=target).exists()
    # not told of the task as its owner (a unit's staff hear of a handover to the unit, as any
    # request does: that is the unit's, not the link's)
    assert not Notification.objects.filter(recipient=target, title="Ny opgave fra et møde").exists()


def test_an_unnamed_team_member_or_owner_is_skipped_with_a_reason(world: w.World) -> None:
    """A plan-only reader's export names no health team member: the import leaves that one
    out and says why (an unnamed participant cannot be recreated); so for a task whose owner
    the exporter could not name."""
    bundle = _bundle(_login(world.coordinator), world.course)
    (team,) = _of(bundle, "CareTeam")
    pia = next(p for p in team["participant"] if p["role"][0]["text"] == "Behandler")
    for key in ("member", "onBehalfOf"):
        pia.pop(key)
    # and the task owned by the family, as if the exporter could not see who owns it
    task = next(t for t in _of(bundle, "Task") if t.get("description") == "Book tid hos psykiater")
    task.pop("owner")
    Course.objects.filter(pk=world.course.pk).update(status="afsluttet", closing_reason="Flyttet")
    response = _post(_login(world.coordinator), bundle, dry_run="true")
    assert response.status_code == 200, response.content
    assert response.json()["skipped"] == {"CareTeam.participant": 1, "Task": 1}
    assert response.json()["create"]["Task"] == 2  # the handover and the team member's task
    messages = [w["message"] for w in response.json()["warnings"]]
    assert len(messages) == 2
    assert "unavngivet teammedlem" in messages[0] and "ingen navngiven ansvarlig" in messages[1]
    imported = _post(_login(world.coordinator), bundle, unit_id=str(world.unit.pk))
    assert imported.status_code == 201, imported.content
    new = Course.objects.get(pk=imported.json()["course_id"])
    assert new.team.count() == 2  # the coordinator and the colleague; not the unnamed one
    assert list(MeetingTask.objects.filter(course=new).values_list("title", flat=True)) == [
        w.tok("tasks")
    ]


@pytest.mark.parametrize("party", ["owner", "requester"])
def test_a_handover_to_an_unknown_unit_is_422_and_nothing_is_written(
    world: w.World, party: str
) -> None:
    bundle = _team_bundle(world)
    index, task = _task_of(bundle, "handover")
    task[party]["reference"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    _assert_refused(
        world,
        bundle,
        f"entry[{index}].resource.{party}",
        "Henviser ikke til en Organization i bundlen.",
    )


def test_a_handover_from_a_unit_not_the_importers_is_left_out_with_a_warning(
    world: w.World,
) -> None:
    """A Bundle cannot make another unit the sender: the dry run and the import both leave that
    handover out with a warning pointing at its requester; the rest of the course is imported,
    the other unit becomes no party to it and nobody is told of a handover."""
    bundle = _team_bundle(world)
    index, task = _task_of(bundle, "handover")
    task["requester"]["reference"], task["owner"]["reference"] = (
        task["owner"]["reference"],
        task["requester"]["reference"],
    )  # from the jobcenter (not the coordinator's unit) to the coordinating unit
    client = _login(world.coordinator)
    dry = _post(client, bundle, dry_run="true")
    assert dry.status_code == 200, dry.content
    assert dry.json()["skipped"]["Task"] == 1
    warning = {
        "pointer": f"entry[{index}].resource.requester",
        "message": "Overdragelsen er sendt fra en enhed, du ikke er medlem af; den er ikke "
        "importeret (kun enhedens egne medarbejdere overdrager fra den).",
    }
    assert warning in dry.json()["warnings"]
    jobcenter = _jobcenter()
    handovers_before = Handover.objects.count()
    response = _post(client, bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 201, response.content
    assert warning in response.json()["warnings"]
    new = Course.objects.get(pk=response.json()["course_id"])
    assert not Handover.objects.filter(course=new).exists()
    assert Handover.objects.count() == handovers_before
    assert not Handover.objects.filter(from_unit=jobcenter, course=new).exists()
    assert MeetingTask.objects.filter(course=new).exists()  # the rest is there


def test_the_handover_import_service_refuses_a_sender_not_the_users(world: w.World) -> None:
    """The service itself refuses it too (the FHIR import skips such a handover first)."""
    before = Handover.objects.count()
    with pytest.raises(ValidationError) as caught:
        handover_services.import_handover(
            world.coordinator,
            course_id=world.course.pk,
            from_unit_id=_jobcenter().pk,
            to_unit_id=world.unit.pk,
            mode="henvist",
            status="completed",
            requested_at=timezone.now() - timedelta(days=3),
        )
    assert "from_unit_id" in caught.value.message_dict
    assert Handover.objects.count() == before


def test_a_meeting_task_owned_by_someone_not_in_the_bundle_is_422(world: w.World) -> None:
    bundle = _team_bundle(world)
    index, task = _task_of(bundle, "meeting-task")
    task["owner"] = {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"}
    _assert_refused(
        world, bundle, f"entry[{index}].resource.owner", "Henviser ikke til en person i bundlen."
    )


def test_the_coordinator_participant_becomes_the_importer(world: w.World) -> None:
    """Imported by a colleague of the coordinator: the coordinator participant is the
    importer's own team member (intake's), not a second "Karen", and the report says so."""
    bundle = _team_bundle(world)
    response = _post(_login(world.leader), bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 201, response.content
    (warning,) = response.json()["warnings"]
    assert "bliver dig, der importerer" in warning["message"]
    new = Course.objects.get(pk=response.json()["course_id"])
    assert new.coordinator_id == world.leader.pk
    assert new.team.get(role="Koordinator").user_id == world.leader.pk
    assert not new.team.filter(user=world.coordinator).exists()


def test_the_dry_run_fails_where_the_import_would(world: w.World) -> None:
    """The dry run runs every service's own checks (and rolls back): a handover asked for in
    the future is a 422 in the dry run as in the import, and neither writes anything."""
    bundle = _team_bundle(world)
    index, task = _task_of(bundle, "handover")
    task["authoredOn"] = (timezone.now() + timedelta(days=3)).isoformat()
    before = _counts()
    client = _login(world.coordinator)
    dry = _post(client, bundle, dry_run="true", unit_id=str(world.unit.pk))
    real = _post(client, bundle, unit_id=str(world.unit.pk))
    assert dry.status_code == real.status_code == 422, (dry.content, real.content)
    assert dry.json()["errors"] == real.json()["errors"]
    assert any(e["pointer"].startswith(f"entry[{index}]") for e in dry.json()["errors"])
    assert _counts() == before


def test_an_accepted_handover_to_another_unit_is_imported_as_requested(world: w.World) -> None:
    """Only the receiving unit acknowledges a handover in Helhed: a Bundle saying the jobcenter
    accepted it is imported as requested, with a warning, and the jobcenter is asked."""
    bundle = _team_bundle(world)
    index, task = _task_of(bundle, "handover")
    task["status"] = "accepted"
    response = _post(_login(world.coordinator), bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 201, response.content
    assert {
        "pointer": f"entry[{index}].resource.status",
        "message": "Overdragelsen importeres som anmodet: den modtagende enhed kvitterer selv i "
        "Helhed.",
    } in response.json()["warnings"]
    handover = Handover.objects.get(course_id=response.json()["course_id"])
    assert (handover.status, handover.acknowledged_at) == ("requested", None)
    with pytest.raises(ValidationError) as caught:  # and the service refuses it outright
        handover_services.import_handover(
            world.coordinator,
            course_id=world.course.pk,
            from_unit_id=world.unit.pk,
            to_unit_id=_jobcenter().pk,
            mode="henvist",
            status="in-progress",
            requested_at=timezone.now() - timedelta(days=3),
        )
    assert "status" in caught.value.message_dict


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"status": "cancelled"}, "status"),
        (
            {
                "status": "completed",
                "executionPeriod": {"end": (timezone.now() + timedelta(days=400)).isoformat()},
            },
            "executionPeriod.end",
        ),
    ],
)
def test_a_meeting_task_cancelled_or_done_in_the_future_is_422(
    world: w.World, change: dict[str, Any], pointer: str
) -> None:
    bundle = _team_bundle(world)
    index, task = _task_of(bundle, "meeting-task")
    task.update(change)
    before = _counts()
    response = _post(_login(world.coordinator), bundle, dry_run="true")
    assert response.status_code == 422, response.content
    assert any(
        e["pointer"] == f"entry[{index}].resource.{pointer}" for e in response.json()["errors"]
    )
    assert _counts() == before


def test_a_practitioner_name_with_null_parts_or_too_long_is_handled(world: w.World) -> None:
    """A null family name is no 500 (the given name is the member's name); a name longer than
    the team's 200 characters is a 422 pointing at the participant on every backend."""
    bundle = _team_bundle(world)
    practitioner = _colleague_practitioner(bundle, world)
    practitioner["name"] = [{"family": None, "given": ["Aksel", None]}]
    client = _login(world.coordinator)
    response = _post(client, bundle, unit_id=str(world.unit.pk))
    assert response.status_code == 201, response.content
    new = Course.objects.get(pk=response.json()["course_id"])
    assert new.team.filter(name="Aksel").exists()
    Course.objects.filter(pk=new.pk).update(status="afsluttet", closing_reason="Igen")
    practitioner["name"] = [{"text": "A" * 201}]
    before = _counts()
    too_long = _post(client, bundle, unit_id=str(world.unit.pk))
    assert too_long.status_code == 422, too_long.content
    assert any(
        ".participant[" in e["pointer"] and e["message"] == "Højst 200 tegn."
        for e in too_long.json()["errors"]
    ), too_long.json()
    assert _counts() == before


def test_a_pseudonymised_export_names_no_user_id(world: w.World) -> None:
    client = _login(world.coordinator)
    plain = json.dumps(_bundle(client, world.course))
    pseudonymised = json.dumps(_bundle(client, world.course, pseudonymise="true"))
    assert codes.USER_SYSTEM in plain and str(world.colleague.pk) in plain
    assert codes.USER_SYSTEM not in pseudonymised
    assert str(world.colleague.pk) not in pseudonymised
    assert str(world.coordinator.pk) not in pseudonymised


@pytest.mark.parametrize(
    ("kind", "key"), [("Goal", "subject"), ("Task", "for"), ("Consent", "patient")]
)
def test_a_resource_about_another_patient_is_422(world: w.World, kind: str, key: str) -> None:
    """What a Bundle says about someone else is not written into this citizen's course."""
    bundle = _team_bundle(world)
    index, resource = next(
        (i, e["resource"])
        for i, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == kind
    )
    resource[key] = {"reference": "urn:uuid:00000000-0000-4000-8000-00000000abcd"}
    _assert_refused(
        world,
        bundle,
        f"entry[{index}].resource.{key}",
        "Henviser ikke til bundlens Patient (borgeren).",
    )
