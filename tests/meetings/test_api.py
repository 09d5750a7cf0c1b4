"""The meetings API: the same rules as the pages, problem bodies for bad input and no access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses.models import Course, Measure, TeamMember
from helhed.meetings.models import Meeting, Ruling
from tests.meetings.conftest import at

pytestmark = pytest.mark.django_db
BASE = "/api/meetings"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(BASE + url, body, content_type="application/json")


def put(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.put(BASE + url, body, content_type="application/json")


def test_meeting_without_participants_is_a_422_problem(
    course: Course, coordinator: User, login: Callable[[User], Client]
) -> None:
    response = post(
        login(coordinator),
        f"/courses/{course.pk}/meetings",
        {
            "purpose": "Møde",
            "place": "Rådhuset",
            "include_citizen": False,
            "proposed_times": [at(3).isoformat()],
        },
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", "participants"]
    assert not Meeting.objects.exists()


def test_whole_meeting_flow_over_the_api(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_member: TeamMember,
    login: Callable[[User], Client],
) -> None:
    client = login(coordinator)
    created = post(
        client,
        f"/courses/{course.pk}/meetings",
        {
            "purpose": "Netværksmøde om job",
            "virtual_link": "https://moede.example.dk/abc",
            "team_member_ids": [str(coordinator_member.pk), str(jobcenter_member.pk)],
            "proposed_times": [at(5).isoformat(), at(6).isoformat()],
        },
    )
    assert created.status_code == 201, created.content
    meeting = created.json()
    mid = meeting["id"]
    first, second = (t["id"] for t in meeting["proposed_times"])
    answers = [
        {"participant_id": p["id"], "proposed_time_id": t, "answer": "ja"}
        for p in meeting["participants"]
        for t in (first, second)
    ]
    answers[0]["answer"] = "nej"  # the first participant cannot come at the first time
    answered = put(client, f"/meetings/{mid}/availability", {"answers": answers}).json()
    assert answered["common_time"]["proposed_time_id"] == second
    assert answered["common_time"]["explanation"][0]["unavailable"] == [
        meeting["participants"][0]["name"]
    ]
    chosen = post(client, f"/meetings/{mid}/time", {}).json()
    assert chosen["status"] == "planlagt"
    owner = next(
        p for p in meeting["participants"] if p["team_member_id"] == str(jobcenter_member.pk)
    )
    no_owner = post(
        client,
        f"/meetings/{mid}/decisions",
        {"text": "Mentor", "tasks": [{"title": "Find mentor", "due_date": "2030-01-01"}]},
    )
    assert no_owner.status_code == 422
    assert no_owner.json()["errors"][0]["loc"] == ["body", "task_owner"]
    decision = post(
        client,
        f"/meetings/{mid}/decisions",
        {
            "text": "Mentor",
            "payer": "beskaeftigelse",
            "tasks": [{"title": "Find mentor", "owner_id": owner["id"], "due_date": "2030-01-01"}],
        },
    )
    assert decision.status_code == 201 and decision.json()["tasks"][0]["owner"] == owner["name"]
    # The meeting takes place (its time moves into the past); then the minutes can be closed.
    Meeting.objects.filter(pk=mid).update(starts_at=at(-1))
    minutes = {"problem_focus": "Job", "citizen_present": True, "close": True}
    refused = put(client, f"/meetings/{mid}/minutes", minutes)
    assert refused.status_code == 422
    assert ["body", "next_meeting_date"] in [e["loc"] for e in refused.json()["errors"]]
    next_date = (timezone.localdate() + timedelta(days=30)).isoformat()
    closed = put(client, f"/meetings/{mid}/minutes", {**minutes, "next_meeting_date": next_date})
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "afholdt" and body["minutes"]["next_meeting_id"]
    listed = client.get(f"{BASE}/courses/{course.pk}/meetings").json()
    assert {m["status"] for m in listed} == {"afholdt", "planlagt"}
    tasks = client.get(f"{BASE}/courses/{course.pk}/tasks").json()
    assert [t["title"] for t in tasks] == ["Find mentor"]
    figures = client.get(f"{BASE}/courses/{course.pk}/timeliness").json()
    assert figures["open_recommendations"] == 0 and figures["overdue_tasks"] == 0


def test_recommendation_and_deviating_ruling(
    course: Course,
    coordinator: User,
    jobcenter_user: User,
    jobcenter_unit: Unit,
    measure: Measure,
    login: Callable[[User], Client],
) -> None:
    rec = post(
        login(coordinator),
        f"/courses/{course.pk}/recommendations",
        {
            "measure_id": str(measure.pk),
            "reasoning": "Mentor hjælper med at fastholde praktikken.",
            "authority_unit_id": str(jobcenter_unit.pk),
        },
    )
    assert rec.status_code == 201, rec.content
    rid = rec.json()["id"]
    client = login(jobcenter_user)
    assert [r["id"] for r in client.get(f"{BASE}/recommendations/open").json()] == [rid]
    refused = post(
        client, f"/recommendations/{rid}/ruling", {"outcome": "afslag", "legal_basis_id": "lab-187"}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "justification"]
    assert not Ruling.objects.exists()
    ok = post(
        client,
        f"/recommendations/{rid}/ruling",
        {"outcome": "afslag", "legal_basis_id": "lab-187", "justification": "Ikke nu."},
    )
    assert ok.status_code == 201
    assert ok.json()["ruling"]["deviates"] is True
    assert client.get(f"{BASE}/recommendations/open").json() == []
    unknown_basis = post(
        client, f"/recommendations/{rid}/ruling", {"outcome": "afslag", "legal_basis_id": "nej"}
    )
    assert unknown_basis.status_code == 422


def test_outsider_gets_403_problem_everywhere(
    course: Course, meeting: Meeting, outsider_user: User, login: Callable[[User], Client]
) -> None:
    client = login(outsider_user)
    for response in (
        client.get(f"{BASE}/courses/{course.pk}/meetings"),
        client.get(f"{BASE}/meetings/{meeting.pk}"),
        client.get(f"{BASE}/courses/{course.pk}/timeliness"),
        put(client, f"/meetings/{meeting.pk}/minutes", {"problem_focus": "x"}),
        client.get(f"{BASE}/meetings/00000000-0000-0000-0000-000000000000"),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
    assert client.get(f"{BASE}/tasks/mine").json() == []


def test_bad_availability_answer_is_422(
    meeting: Meeting, coordinator: User, login: Callable[[User], Client]
) -> None:
    p = meeting.participants.first()
    t = meeting.proposed_times.first()
    assert p is not None and t is not None
    response = put(
        login(coordinator),
        f"/meetings/{meeting.pk}/availability",
        {"answers": [{"participant_id": str(p.pk), "proposed_time_id": str(t.pk), "answer": "x"}]},
    )
    assert response.status_code == 422
