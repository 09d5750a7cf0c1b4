"""The handovers API: the same access rules as the pages, problem bodies, 409 for illegal state
changes, 422 for bad input, and the closed loop over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses.models import Consent, Course
from helhed.handovers.models import Handover

pytestmark = pytest.mark.django_db
BASE = "/api/handovers"


def call(user: User, method: str, url: str, body: Any = None) -> Any:
    client = Client()
    client.force_login(user)
    if method == "get":
        return client.get(url)
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


def create(user: User, course: Course, unit: Unit | None, **extra: Any) -> Any:
    body = {"mode": "henvist", "reason": "Behandling", **extra}
    if unit is not None:
        body["to_unit_id"] = str(unit.pk)
    return call(user, "post", f"{BASE}/courses/{course.pk}/handovers", body)


def test_full_loop_over_http(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User, drug_consent: Consent
) -> None:
    r = create(coordinator, course, drug_unit)
    assert r.status_code == 201, r.content
    data = r.json()
    hid = data["handover"]["id"]
    assert data["handover"]["status"] == "requested"
    assert data["handover"]["responsible"] == "sender"
    assert data["allowed_actions"] == ["revoke"]

    # the receiver's view: consented categories only, what is withheld and why
    r = call(drug_user, "get", f"{BASE}/{hid}")
    assert r.status_code == 200
    summary = r.json()["summary"]
    assert summary["citizen_name"] == "Mette Sørensen"
    assert summary["categories"] == [
        "Plan, mål og aftaler",
        "Helbred (sundhed, psykiatri og rusmiddelbehandling)",
    ]
    assert {w["category"] for w in summary["withheld"]} == {
        "Sociale forhold",
        "Strafbare forhold",
        "Beskæftigelse",
        "Økonomi og forsørgelse",
    }
    assert r.json()["allowed_actions"] == ["accept", "decline"]

    r = call(drug_user, "post", f"{BASE}/{hid}/accept")
    assert r.json()["handover"]["status"] == "accepted"
    assert r.json()["handover"]["responsible"] == "sender"
    problem(call(drug_user, "post", f"{BASE}/{hid}/accept"), 409)  # acknowledging twice
    r = call(drug_user, "post", f"{BASE}/{hid}/confirm-knows-situation")
    assert r.json()["handover"]["responsible"] == "receiver"
    r = call(drug_user, "post", f"{BASE}/{hid}/arrival", {"arrived": False, "note": "Udeblev"})
    h = r.json()["handover"]
    assert (h["status"], h["responsible"], h["arrival"], h["reopened_count"]) == (
        "requested",
        "sender",
        "ikke-moedt",
        1,
    )
    assert [e["action"] for e in r.json()["events"]] == [
        "create",
        "accept",
        "confirm",
        "not-arrived",
    ]


def test_bad_input_is_422_with_field_errors(
    course: Course, coordinator: User, coordinator_unit: Unit, drug_unit: Unit, drug_user: User
) -> None:
    body = problem(create(coordinator, course, coordinator_unit), 422)
    assert body["errors"][0]["loc"] == ["body", "to_unit_id"]
    assert "samme enhed" in body["errors"][0]["msg"]
    problem(create(coordinator, course, None), 422)
    problem(create(coordinator, course, drug_unit, reason="x" * 6000), 422)
    problem(create(coordinator, course, drug_unit, expected_start="0001-01-01"), 422)
    body = problem(
        create(coordinator, course, None, to_unit_id="00000000-0000-0000-0000-000000000000"), 422
    )
    assert body["errors"][0]["loc"] == ["body", "to_unit_id"]
    assert not Handover.objects.exists()
    hid = create(coordinator, course, drug_unit).json()["handover"]["id"]
    body = problem(call(drug_user, "post", f"{BASE}/{hid}/decline", {"reason": ""}), 422)
    assert body["errors"][0]["loc"] == ["body", "reason"]
    assert Handover.objects.get().status == "requested"


def test_illegal_state_changes_are_409_and_wrong_party_403(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    hid = create(coordinator, course, drug_unit).json()["handover"]["id"]
    problem(call(drug_user, "post", f"{BASE}/{hid}/confirm-knows-situation"), 409)
    problem(call(drug_user, "post", f"{BASE}/{hid}/arrival", {"arrived": True}), 409)
    problem(call(coordinator, "post", f"{BASE}/{hid}/accept"), 403)  # sender can't acknowledge
    problem(call(drug_user, "post", f"{BASE}/{hid}/revoke"), 403)
    call(coordinator, "post", f"{BASE}/{hid}/revoke", {"reason": "Fejl"})
    problem(call(drug_user, "post", f"{BASE}/{hid}/accept"), 409)  # cancelled: final


def test_outsider_gets_403_everywhere(
    course: Course, coordinator: User, drug_unit: Unit, outsider_user: User
) -> None:
    hid = create(coordinator, course, drug_unit).json()["handover"]["id"]
    for url in (
        f"{BASE}/{hid}",
        f"{BASE}/courses/{course.pk}/handovers",
        f"{BASE}/courses/{course.pk}/transitions",
        f"{BASE}/courses/{course.pk}/gaps",
        f"{BASE}/courses/{course.pk}/timeliness",
    ):
        problem(call(outsider_user, "get", url), 403)
    problem(call(outsider_user, "post", f"{BASE}/{hid}/accept"), 403)
    problem(create(outsider_user, course, drug_unit), 403)
    missing = "00000000-0000-0000-0000-000000000000"
    problem(call(outsider_user, "get", f"{BASE}/{missing}"), 403)  # existence does not leak


def test_transitions_gaps_stays_and_timeliness(course: Course, coordinator: User) -> None:
    today = timezone.localdate()
    r = call(
        coordinator,
        "post",
        f"{BASE}/courses/{course.pk}/stays",
        {"kind": "psykiatri", "start_date": str(today), "expected_end": str(today)},
    )
    assert r.status_code == 201 and r.json()["kind"] == "psykiatri"
    problem(
        call(
            coordinator,
            "post",
            f"{BASE}/courses/{course.pk}/stays",
            {"kind": "ferie", "start_date": str(today), "expected_end": str(today)},
        ),
        422,
    )
    transitions = call(coordinator, "get", f"{BASE}/courses/{course.pk}/transitions").json()
    assert [t["kind"] for t in transitions] == ["psykiatri"]
    assert transitions[0]["days_until"] == 0 and transitions[0]["alerting"] is True
    assert transitions[0]["alerted_at"] is None  # due, but the daily job has not run
    gaps = call(coordinator, "get", f"{BASE}/courses/{course.pk}/gaps").json()
    assert gaps == {"total_days": 0, "longest_days": 0, "planned_count": 0, "gaps": []}
    figures = call(coordinator, "get", f"{BASE}/courses/{course.pk}/timeliness").json()
    assert figures["contact_persons_current"] == 2
    agg = call(coordinator, "get", f"{BASE}/initiatives/{course.initiative_id}/timeliness")
    assert agg.json()["courses"] == 1


def test_waiting_lists_my_units_handovers(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    hid = create(coordinator, course, drug_unit).json()["handover"]["id"]
    assert [h["id"] for h in call(drug_user, "get", f"{BASE}/waiting").json()] == [hid]


def test_handover_as_fhir_task(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User, outsider_user: User
) -> None:
    hid = create(coordinator, course, drug_unit).json()["handover"]["id"]
    call(drug_user, "post", f"{BASE}/{hid}/decline", {"reason": "Ingen plads"})
    task = call(coordinator, "get", f"{BASE}/{hid}/fhir").json()
    assert task["resourceType"] == "Task" and task["status"] == "rejected"
    assert task["intent"] == "order"
    assert task["for"] == {"reference": f"Patient/{course.citizen_id}"}
    assert task["owner"]["reference"] == f"Organization/{drug_unit.organisation_id}"
    assert task["statusReason"]["coding"][0]["code"] == "declined"  # a code, not the free text
    assert course.citizen.cpr not in json.dumps(task)
    problem(call(outsider_user, "get", f"{BASE}/{hid}/fhir"), 403)


def test_the_admin_has_no_handovers(
    course: Course, coordinator: User, drug_unit: Unit, make_user: Any
) -> None:
    """Handovers are personal data: they are not in the Django admin any more (issue 10, hole 3;
    it used to list them read-only), only on the pages where the guard and the log apply."""
    hid = create(coordinator, course, drug_unit).json()["handover"]["id"]
    admin = make_user(None, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    for url in (
        "/admin/handovers/handover/",
        f"/admin/handovers/handover/{hid}/change/",
        "/admin/handovers/institutionalstay/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Rusmiddelcenter" not in response.content.decode()
