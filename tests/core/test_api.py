"""The API answers with problem bodies for errors and respects roles."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from helhed.core.models import User

pytestmark = pytest.mark.django_db


def test_anonymous_gets_a_401_problem(client: Client) -> None:
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_me_and_organisations(coordinator: User, login: Callable[[User], Client]) -> None:
    client = login(coordinator)
    me = client.get("/api/me").json()
    assert me["start_role"] == "koordinator"
    assert me["memberships"][0]["organisation"] == "Odense Kommune"
    page = client.get("/api/organisations", {"org_type": "kommune", "limit": 200}).json()
    assert page["count"] == 98
    odense = next(o for o in page["items"] if o["official_code"] == "461")
    detail = client.get(f"/api/organisations/{odense['id']}").json()
    assert detail["units"][0]["name"] == "Koordinerende Team"
    assert len(client.get("/api/welfare-areas").json()) == 14


def test_bad_input_gets_422_problem_not_500(
    coordinator: User, login: Callable[[User], Client]
) -> None:
    client = login(coordinator)
    response = client.get("/api/organisations", {"limit": "mange"})
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Ugyldige data"
    assert body["errors"][0]["loc"][-1] == "limit"
    response = client.get("/api/organisations/not-a-uuid")
    assert response.status_code == 422
    response = client.get("/api/organisations/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_citizen_cannot_list_organisations(
    citizen_user: User, login: Callable[[User], Client]
) -> None:
    response = login(citizen_user).get("/api/organisations")
    assert response.status_code == 403
    assert response.json()["status"] == 403
