"""The API (/api/coordination/…): the same rules as the pages, RFC 9457 problem bodies for bad
input (422 with the field, an answer's loc down to the workgroup and item) and no access
(403, also for an id that does not exist)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client

from helhed.coordination.models import Response, TieAnswer, Wave
from tests.coordination.conftest import World, answers
from tests.courses.builders import today

pytestmark = pytest.mark.django_db

API = "/api/coordination"


def locs(body: dict[str, object]) -> list[list[str]]:
    return [e["loc"] for e in body["errors"]]  # type: ignore[index, union-attr]


def test_create_open_answer_close_and_read(world: World, client: Client) -> None:
    client.force_login(world.leader)
    instruments = client.get(f"{API}/instruments").json()
    frequency = instruments[0]["items"][0]
    assert frequency["dimension"] == "frequent"
    assert [o["score"] for o in frequency["options"]] == [1, 3, 5, 4, 2]
    created = client.post(
        f"{API}/waves",
        {
            "name": "API-måling",
            "scope_kind": "indsats",
            "initiative_id": str(world.initiative.pk),
            "organisation_ids": [str(world.org.pk)],
            "period_start": str(today() - timedelta(days=100)),
            "period_end": str(today()),
            "answer_by": str(today() + timedelta(days=7)),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    wave_id = created.json()["id"]
    assert created.json()["invited"] == 9
    assert client.post(f"{API}/waves/{wave_id}/open").json()["status"] == "aaben"

    for user in world.jobcenter[:5]:
        client.force_login(user)
        mine = client.get(f"{API}/waves/{wave_id}/answers").json()
        assert mine["workgroup"] == "jobcenter" and "psykiatri" in mine["workgroups"]
        saved = client.put(
            f"{API}/waves/{wave_id}/answers",
            {"others": {"psykiatri": {"hyppig": 3}}},
            content_type="application/json",
        )
        assert saved.json()["others"] == {"psykiatri": {"hyppig": "3"}}
        done = client.post(
            f"{API}/waves/{wave_id}/answers/submit",
            {"others": {"psykiatri": answers("4")}},
            content_type="application/json",
        )
        assert done.status_code == 204
        assert client.get(f"{API}/waves/{wave_id}/answers").json()["submitted"] is True
    client.force_login(world.psychiatry[0])
    client.put(
        f"{API}/waves/{wave_id}/answers",
        {"others": {"jobcenter": answers("2")}},
        content_type="application/json",
    )
    # no body at all (as `curl -X POST` sends it): the saved draft is submitted
    assert client.generic("POST", f"{API}/waves/{wave_id}/answers/submit").status_code == 204
    assert Response.objects.count() == 6

    client.force_login(world.analyst)
    assert client.get(f"{API}/waves/{wave_id}/results").status_code == 403  # still open
    assert client.post(f"{API}/waves/{wave_id}/close").json()["status"] == "lukket"
    body = client.get(f"{API}/waves/{wave_id}/results").json()
    cells = {c["key"]: c for c in body["cells"]}
    assert cells["tie|jobcenter|psykiatri"]["n"] == 5
    assert cells["tie|jobcenter|psykiatri"]["band"] == "strong"  # (4·7)/7 = 4
    assert cells["tie|psykiatri|jobcenter"] == {
        "key": "tie|psykiatri|jobcenter",
        "n": None,
        "mean": None,
        "sd": None,
        "band": "",
        "hidden": "primary",
    }
    assert body["bands"] == {"weak_below": 3.5, "strong_from": 4.0}
    timely = client.get(f"{API}/waves/{wave_id}/results?dimension=timely").json()
    assert all(c["key"].startswith("timely|") for c in timely["cells"])
    detail = client.get(f"{API}/waves/{wave_id}").json()
    assert detail["participants"] == []  # names are not kept on show after close
    assert {c["workgroup"]: c["submitted"] for c in detail["response_counts"]} == {
        "koordinator": 0,
        "jobcenter": 5,
        "psykiatri": 1,
    }
    network = client.get(f"{API}/waves/{wave_id}/network").json()
    assert network["courses"] == "6"
    flow = client.get(f"{API}/waves/{wave_id}/flow").json()
    assert flow["caution"].startswith("Sammenhæng, ikke årsag")


def test_problem_bodies(world: World, client: Client) -> None:
    wave = world.open_wave()
    client.force_login(world.jobcenter[0])
    bad = client.post(
        f"{API}/waves/{wave.pk}/answers/submit",
        {"others": {"jobcenter": answers(), "psykiatri": answers(rettidig="7")}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
    assert ["body", "others", "jobcenter"] in locs(bad.json())
    assert ["body", "others", "psykiatri", "rettidig"] in locs(bad.json())
    junk = client.put(
        f"{API}/waves/{wave.pk}/answers",
        {"others": {"psykiatri": {"hyppig": {"nested": 1}}}},
        content_type="application/json",
    )
    assert junk.status_code == 422
    nul = client.put(
        f"{API}/waves/{wave.pk}/answers",
        {"others": {"psykiatri": {"hyppig": "3\u0000"}}},
        content_type="application/json",
    )
    assert nul.status_code == 422
    assert TieAnswer.objects.count() == 0
    world.answer(wave, world.jobcenter[1], {"psykiatri": answers()})
    client.force_login(world.jobcenter[1])
    second = client.post(
        f"{API}/waves/{wave.pk}/answers/submit",
        {"others": {"psykiatri": answers()}},
        content_type="application/json",
    )
    assert second.status_code == 422 and "én gang" in second.json()["errors"][0]["msg"]

    client.force_login(world.leader)
    created = client.post(
        f"{API}/waves",
        {
            "name": "",
            "scope_kind": "netvaerk",
            "organisation_ids": [str(world.other_org.pk)],
            "period_start": "2025-01-01",
            "period_end": "2024-01-01",
            "answer_by": "2000-01-01",
            "min_respondents": 1,
        },
        content_type="application/json",
    )
    assert created.status_code == 422
    assert {tuple(loc) for loc in locs(created.json())} >= {
        ("body", "name"),
        ("body", "organisation_ids"),
        ("body", "unit_ids"),
        ("body", "period_end"),
        ("body", "answer_by"),
        ("body", "min_respondents"),
    }
    implausible = client.post(
        f"{API}/waves",
        {
            "name": "x",
            "scope_kind": "organisation",
            "period_start": "0001-01-01",
            "period_end": "2024-01-01",
            "answer_by": "2030-01-01",
        },
        content_type="application/json",
    )
    assert implausible.status_code == 422
    assert Wave.objects.count() == 1


def test_forbidden_and_unknown_are_the_same_403(world: World, client: Client) -> None:
    wave = world.open_wave()
    for user in (world.jobcenter[0], world.other_leader, world.admin):
        client.force_login(user)
        for path in ("", "/results", "/network", "/flow"):
            response = client.get(f"{API}/waves/{wave.pk}{path}")
            assert response.status_code == 403, (user, path)
            assert response["Content-Type"] == "application/problem+json"
        assert client.post(f"{API}/waves/{wave.pk}/close").status_code == 403
    client.force_login(world.leader)
    assert client.get(f"{API}/waves/{uuid.uuid4()}").status_code == 403
    assert client.get(f"{API}/waves/{uuid.uuid4()}/answers").status_code == 403
    client.logout()
    assert client.get(f"{API}/waves").status_code == 401


def test_participants_over_the_api(world: World, client: Client) -> None:
    wave = world.draft_wave()
    client.force_login(world.leader)
    detail = client.get(f"{API}/waves/{wave.pk}").json()
    pid = next(p["id"] for p in detail["participants"] if p["workgroup"] == "psykiatri")
    changed = client.patch(
        f"{API}/waves/{wave.pk}/participants/{pid}",
        {"workgroup": "sundhed"},
        content_type="application/json",
    )
    assert changed.json()["workgroup"] == "sundhed"
    assert client.delete(f"{API}/waves/{wave.pk}/participants/{pid}").status_code == 204
    bad = client.post(
        f"{API}/waves/{wave.pk}/participants",
        {"user_id": str(world.outsider.pk), "workgroup": "jobcenter"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and ["body", "user_id"] in locs(bad.json())
    assert client.post(f"{API}/waves/{wave.pk}/open").status_code == 200


def test_classification_api(world: World, client: Client) -> None:
    from tests.courses.builders import join_team, make_unit

    unit = make_unit(world.org, "Afdeling 9", None)
    join_team(world.courses[0], world.coordinator, unit, name="Ole")
    client.force_login(world.leader)
    pending = client.get(f"{API}/classification").json()
    assert [p["unit"] for p in pending] == ["Afdeling 9"]
    decided = client.post(
        f"{API}/classification",
        {"signature": pending[0]["signature"], "workgroup": "sundhed"},
        content_type="application/json",
    )
    assert decided.json() == {"team_members": 1}
    assert client.get(f"{API}/classification").json() == []
    client.force_login(world.jobcenter[0])
    assert client.get(f"{API}/classification").status_code == 403
