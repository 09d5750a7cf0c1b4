"""FHIR and the event feed as an integration client sees them, through the real token endpoint:
the scope decides which operations answer, the client's consent decides what a Bundle holds, and
the citizen's own log says another system fetched it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from helhed.audit.models import AccessLogEntry
from helhed.courses.models import Course
from helhed.integrations import services
from tests.fhir import test_fhir
from tests.gdpr import world as w

pytestmark = pytest.mark.django_db

Maker = Callable[..., services.Credentials]


world = test_fhir.world


@pytest.fixture
def unit(world: w.World):  # the administrator's unit: the world's coordinating unit
    return world.unit


def _jobcenter(world: w.World):
    return world.colleague.memberships.get().unit


def test_a_plan_only_client_gets_a_bundle_without_health_data_logged_as_integration(
    client: Client, world: w.World, make_client: Maker, bearer
) -> None:
    creds = make_client(_jobcenter(world), scopes=["fhir:read"], name="Jobcentrets fagsystem")
    answer = client.get(
        f"/api/fhir/courses/{world.course.pk}/bundle", HTTP_AUTHORIZATION=bearer(creds)
    )
    assert answer.status_code == 200, answer.content
    bundle = json.loads(answer.content)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert "Patient" in kinds and "CarePlan" in kinds
    assert "Observation" not in kinds and "QuestionnaireResponse" not in kinds
    assert "Misbrugsbehandling" not in answer.content.decode()
    entry = AccessLogEntry.objects.filter(
        citizen_id=world.mette.pk, actor=creds.client.system_user
    ).get()
    assert entry.purpose == "integration"


def test_each_fhir_operation_needs_its_scope(
    client: Client, world: w.World, make_client: Maker, bearer
) -> None:
    reader = bearer(make_client(_jobcenter(world), scopes=["courses:read", "fhir:read"]))
    plain = bearer(make_client(_jobcenter(world), scopes=["courses:read"], name="Andet system"))
    bundle_url = f"/api/fhir/courses/{world.course.pk}/bundle"
    refused = client.get(bundle_url, HTTP_AUTHORIZATION=plain)
    assert refused.status_code == 403
    assert refused.json()["scope"] == "fhir:read"
    body = client.get(bundle_url, HTTP_AUTHORIZATION=reader).content
    courses_before = Course.objects.count()
    imported = client.post(
        "/api/fhir/import?dry_run=true",
        body,
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=reader,
    )
    # importing opens a course (the importer becomes its coordinator): people only
    assert imported.status_code == 401
    assert Course.objects.count() == courses_before
    # starting a bulk export only reads: fhir:read is enough
    started = client.post(
        "/api/fhir/exports",
        {"pseudonymise": True},
        content_type="application/json",
        HTTP_AUTHORIZATION=reader,
    )
    assert started.status_code == 202, started.content
    feed = client.get("/api/events?after=0", HTTP_AUTHORIZATION=reader)
    assert feed.status_code == 403
    assert feed.json()["scope"] == "events:read"


def test_another_organisations_client_gets_403_for_the_bundle(
    client: Client, world: w.World, make_client: Maker, bearer, make_user
) -> None:
    neighbour_admin = make_user("administrator", world.other_unit)
    other = bearer(
        make_client(
            world.other_unit, scopes=["fhir:read"], name="Nabokommunen", actor=neighbour_admin
        )
    )
    answer = client.get(f"/api/fhir/courses/{world.course.pk}/bundle", HTTP_AUTHORIZATION=other)
    assert answer.status_code == 403
    assert w.METTE_CPR not in answer.content.decode()
