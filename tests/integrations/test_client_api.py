"""An integration client through the real token endpoint and API, tested as an attacker would
try: another organisation's client, a unit not on the team, a plan-only consent, a guessed id,
an expired, revoked or rotated-away credential, a token without the scope, a token on a page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from helhed.audit import selectors as audit_selectors
from helhed.core.models import Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Course, JoinRequest, WithoutConsentAccess
from helhed.integrations import services
from helhed.integrations.models import IntegrationClient
from tests.courses import builders
from tests.integrations.conftest import basic, fetch_token

pytestmark = pytest.mark.django_db

COURSES = "/api/courses/courses"


def test_a_client_on_the_team_reads_the_course_and_the_log_names_it(
    client: Client, course: Course, jobcenter_unit: Unit, make_client, bearer
) -> None:
    creds = make_client(jobcenter_unit, name="Jobcentrets fagsystem")
    token = bearer(creds)
    listed = client.get(COURSES, HTTP_AUTHORIZATION=token)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [str(course.pk)]
    detail = client.get(f"{COURSES}/{course.pk}", HTTP_AUTHORIZATION=token)
    assert detail.status_code == 200
    # the citizen's own log ("who has opened my data") names the system and why
    openings = audit_selectors.record_openings_for_citizen(course.citizen_id)
    [entry] = [e for e in openings if e.actor_id == creds.client.system_user_id]
    assert entry.purpose == "integration"
    assert entry.actor_name == "Jobcentrets fagsystem"
    assert "integration" in entry.get_purpose_display()
    assert entry.actor_unit.startswith(jobcenter_unit.name)


def test_a_write_with_plans_write_adds_a_goal(
    client: Client, course: Course, jobcenter_unit: Unit, make_client, bearer
) -> None:
    token = bearer(make_client(jobcenter_unit))
    plan = client.get(f"{COURSES}/{course.pk}/plan", HTTP_AUTHORIZATION=token).json()
    # no CSRF token, no session: a Bearer request needs none
    created = client.post(
        f"{COURSES}/{course.pk}/plan/goals",
        {"version": plan["version"], "text": "Komme i praktik"},
        content_type="application/json",
        HTTP_AUTHORIZATION=token,
    )
    assert created.status_code == 201, created.content
    again = client.get(f"{COURSES}/{course.pk}/plan", HTTP_AUTHORIZATION=token).json()
    assert "Komme i praktik" in [g["text"] for g in again["goals"]]


def test_a_token_without_the_scope_is_refused_naming_it(
    client: Client, course: Course, jobcenter_unit: Unit, make_client, bearer
) -> None:
    token = bearer(make_client(jobcenter_unit, scopes=["courses:read"]))
    plan = client.get(f"{COURSES}/{course.pk}/plan", HTTP_AUTHORIZATION=token).json()
    refused = client.post(
        f"{COURSES}/{course.pk}/plan/goals",
        {"version": plan["version"], "text": "Komme i praktik"},
        content_type="application/json",
        HTTP_AUTHORIZATION=token,
    )
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["scope"] == "plans:write"
    assert "plans:write" in refused.json()["detail"]
    # a scope the client was never granted cannot be asked for at the token endpoint either
    narrow = make_client(jobcenter_unit, name="B", scopes=["courses:read"])
    asked = fetch_token(client, *_pair(narrow), "plans:write")
    assert asked.status_code == 400
    assert asked.json()["error"] == "invalid_scope"


def _pair(creds: services.Credentials) -> tuple[str, str]:
    return creds.client_id, creds.client_secret


def test_narrowed_scopes_apply_to_tokens_already_issued(
    client: Client, course: Course, jobcenter_unit: Unit, make_client, bearer, administrator
) -> None:
    creds = make_client(jobcenter_unit)
    token = bearer(creds)
    services.update_client(
        actor_id=administrator.pk,
        client_id=creds.client.pk,
        scopes=["registry:read"],
        expires_at=creds.client.expires_at,
    )
    refused = client.get(COURSES, HTTP_AUTHORIZATION=token)
    assert refused.status_code == 403
    assert refused.json()["scope"] == "courses:read"


def test_another_organisations_client_sees_nothing(
    client: Client,
    course: Course,
    other_municipality,
    make_user: Callable[..., User],
    make_client,
    bearer,
) -> None:
    foreign_unit = builders.make_unit(other_municipality, "Fremmed enhed")
    foreign_admin = make_user("administrator", foreign_unit)
    token = bearer(make_client(foreign_unit, actor=foreign_admin))
    assert client.get(COURSES, HTTP_AUTHORIZATION=token).json()["items"] == []
    refused = client.get(f"{COURSES}/{course.pk}", HTTP_AUTHORIZATION=token)
    assert refused.status_code == 403
    guessed = client.get(f"{COURSES}/{uuid.uuid4()}", HTTP_AUTHORIZATION=token)
    assert guessed.status_code == 403
    assert guessed.json()["title"] == refused.json()["title"]


def test_a_client_whose_unit_is_not_on_the_team_is_refused(
    client: Client, course: Course, municipality, make_client, bearer
) -> None:
    other_unit = builders.make_unit(municipality, "Ældreplejen")
    token = bearer(make_client(other_unit))
    assert client.get(f"{COURSES}/{course.pk}", HTTP_AUTHORIZATION=token).status_code == 403
    plan = client.get(f"{COURSES}/{course.pk}/plan", HTTP_AUTHORIZATION=token)
    assert plan.status_code == 403


def test_a_plan_only_consent_shows_no_health_data(
    client: Client, coordinator: User, unit: Unit, municipality, make_client, bearer
) -> None:
    team_unit = builders.make_unit(municipality, "Hjemmeplejen")
    course = builders.open_course(coordinator, unit)
    builders.give_consent(course, coordinator, units=[unit], categories=["plan", "health"])
    builders.join_team(course, coordinator, team_unit)
    builders.give_consent(course, coordinator, units=[team_unit], categories=["plan"])
    plan = course.plan
    course_services.save_measure(
        coordinator,
        plan.pk,
        plan.version,
        title="Misbrugsbehandling",
        welfare_area_id="psykiatri",
        legal_basis_id="sel-101",
        organisation=unit.organisation,
        budget_area="voksne",
    )
    token = bearer(make_client(team_unit))
    answer = client.get(f"{COURSES}/{course.pk}/plan", HTTP_AUTHORIZATION=token)
    assert answer.status_code == 200
    assert answer.json()["measures"] == []
    assert answer.json()["hidden_categories"] == [
        "Helbred (sundhed, psykiatri og rusmiddelbehandling)"
    ]
    assert "Misbrugsbehandling" not in answer.content.decode()


def test_expired_and_revoked_clients_get_no_token_and_their_tokens_stop(
    client: Client, course: Course, jobcenter_unit: Unit, make_client, bearer, administrator
) -> None:
    expired = make_client(jobcenter_unit, name="Udløbet")
    token = bearer(expired)
    IntegrationClient.objects.filter(pk=expired.client.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    answer = client.get(COURSES, HTTP_AUTHORIZATION=token)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "Adgangen er udløbet."
    refused = fetch_token(client, *_pair(expired))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"

    revoked = make_client(jobcenter_unit, name="Tilbagekaldt")
    token = bearer(revoked)
    services.revoke_client(actor_id=administrator.pk, client_id=revoked.client.pk)
    assert client.get(COURSES, HTTP_AUTHORIZATION=token).status_code == 401
    assert fetch_token(client, *_pair(revoked)).json()["error"] == "invalid_client"
    user = User.objects.get(pk=revoked.client.system_user_id)
    assert not user.is_active
    assert not user.memberships.valid_on(timezone.localdate()).exists()


def test_a_rotated_away_secret_and_its_tokens_stop_at_once(
    client: Client, course: Course, jobcenter_unit: Unit, make_client, bearer, administrator
) -> None:
    creds = make_client(jobcenter_unit)
    old_token = bearer(creds)
    new = services.rotate_secret(actor_id=administrator.pk, client_id=creds.client.pk)
    assert new.client_secret != creds.client_secret
    assert client.get(COURSES, HTTP_AUTHORIZATION=old_token).status_code == 401
    assert fetch_token(client, *_pair(creds)).json()["error"] == "invalid_client"
    assert client.get(COURSES, HTTP_AUTHORIZATION=bearer(new)).status_code == 200


def test_a_made_up_token_is_refused_and_never_falls_back_to_the_session(
    client: Client, course: Course, coordinator: User, login
) -> None:
    login(coordinator)
    answer = client.get(COURSES, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert answer["Content-Type"] == "application/problem+json"
    # the session alone still works
    assert client.get(COURSES).status_code == 200


def test_a_session_write_still_needs_csrf(course: Course, coordinator: User) -> None:
    http = Client(enforce_csrf_checks=True)
    http.force_login(coordinator)
    plan = http.get(f"{COURSES}/{course.pk}/plan").json()
    answer = http.post(
        f"{COURSES}/{course.pk}/plan/goals",
        {"version": plan["version"], "text": "Uden CSRF"},
        content_type="application/json",
    )
    assert answer.status_code == 403


def test_a_token_on_a_page_is_refused(
    client: Client, course: Course, jobcenter_unit: Unit, make_client, bearer
) -> None:
    token = bearer(make_client(jobcenter_unit))
    page = client.get(f"/forloeb/{course.pk}/", HTTP_AUTHORIZATION=token)
    assert page.status_code == 302
    assert "/log-ind/" in page["Location"]


def test_session_only_operations_refuse_a_token(
    client: Client, jobcenter_unit: Unit, make_client, bearer
) -> None:
    token = bearer(make_client(jobcenter_unit))
    assert client.get("/api/me", HTTP_AUTHORIZATION=token).status_code == 401
    assert client.get("/api/notifications/", HTTP_AUTHORIZATION=token).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(
    client: Client, course: Course, jobcenter_unit: Unit, make_client, bearer
) -> None:
    creds = make_client(jobcenter_unit)
    token = bearer(creds)
    client.get(COURSES, HTTP_AUTHORIZATION=token)
    first = IntegrationClient.objects.get(pk=creds.client.pk).last_used_at
    assert first is not None
    client.get(COURSES, HTTP_AUTHORIZATION=token)
    assert IntegrationClient.objects.get(pk=creds.client.pk).last_used_at == first
    IntegrationClient.objects.filter(pk=creds.client.pk).update(
        last_used_at=first - timedelta(minutes=2)
    )
    client.get(COURSES, HTTP_AUTHORIZATION=token)
    assert IntegrationClient.objects.get(pk=creds.client.pk).last_used_at > first


def test_only_the_token_and_revocation_endpoints_are_mounted(
    client: Client, jobcenter_unit: Unit, make_client
) -> None:
    creds = make_client(jobcenter_unit)
    issued = fetch_token(client, *_pair(creds))
    assert issued.json()["expires_in"] == 15 * 60  # short-lived by default
    assert "refresh_token" not in issued.json() and "id_token" not in issued.json()
    for path in (
        "/identity/o/authorize",
        "/identity/o/api/userinfo",
        "/.well-known/openid-configuration",
        "/api/oauth/userinfo",
    ):
        assert client.get(path).status_code == 404, path
    revoked = client.post(
        "/api/oauth/revoke",
        {"token": issued.json()["access_token"]},
        HTTP_AUTHORIZATION=basic(*_pair(creds)),
    )
    assert revoked.status_code == 200
    token = f"Bearer {issued.json()['access_token']}"
    assert client.get(COURSES, HTTP_AUTHORIZATION=token).status_code == 401


def test_a_system_cannot_open_a_course_without_consent_join_a_team_or_open_a_course(
    client: Client, course: Course, municipality, make_client, bearer, make_user
) -> None:
    """A person's acts, whatever the scope: a client of a casework-authority unit that is not
    on the team gets no access without consent (which would have shown it the whole course),
    asks to join no team and becomes no one's coordinator — refused at the API (people only)
    and by the services (a system user)."""
    authority = builders.make_unit(municipality, "Myndighedsafdelingen")
    authority.may_open_without_consent = True
    authority.save()
    creds = make_client(authority, scopes=["courses:read", "courses:write", "fhir:read"])
    token = bearer(creds)
    assert client.get(f"{COURSES}/{course.pk}", HTTP_AUTHORIZATION=token).status_code == 403
    opened = client.post(
        f"{COURSES}/{course.pk}/without-consent",
        {"unit_id": str(authority.pk), "basis_id": "rsl-11c", "note": "Underretning"},
        content_type="application/json",
        HTTP_AUTHORIZATION=token,
    )
    assert opened.status_code == 401, opened.content
    assert client.get(f"{COURSES}/{course.pk}", HTTP_AUTHORIZATION=token).status_code == 403
    bundle = client.get(f"/api/fhir/courses/{course.pk}/bundle", HTTP_AUTHORIZATION=token)
    assert bundle.status_code == 403
    system_user = creds.client.system_user
    with pytest.raises(PermissionDenied):
        course_services.open_without_consent(
            system_user, course_id=course.pk, unit_id=authority.pk, basis_id="rsl-11c"
        )
    with pytest.raises(PermissionDenied):
        course_services.request_to_join(system_user, cpr=course.citizen.cpr, unit_id=authority.pk)
    intake = client.post(
        COURSES,
        {"cpr": "0101901234", "first_name": "A", "last_name": "B"},
        content_type="application/json",
        HTTP_AUTHORIZATION=token,
    )
    assert intake.status_code == 401
    assert not WithoutConsentAccess.objects.exists()
    assert not JoinRequest.objects.exists()
