"""The FHIR pages: "Eksportér som FHIR" on the course page downloads the Bundle (refused to
another organisation), and the bulk export page starts a job and shows its progress with an
htmx poll while it runs, the download link when it is done."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from helhed.fhir.models import BulkExport
from helhed.ops.worker import run_pending_tasks
from tests.gdpr import world as w


@pytest.fixture
def world(db: None) -> w.World:
    return w.build()


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_course_page_links_to_the_bundle_download(world: w.World) -> None:
    client = _login(world.coordinator)
    page = client.get(reverse("courses:course_detail", args=[world.course.pk])).content.decode()
    url = reverse("fhir:course_bundle", args=[world.course.pk])
    assert "Eksportér som FHIR" in page and url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["resourceType"] == "Bundle"
    pseudo = client.get(url + "?pseudonym=1").content.decode()
    assert w.METTE_CPR not in pseudo
    assert _login(world.other_coordinator).get(url).status_code == 403


def test_the_bulk_page_starts_a_job_and_shows_progress(
    world: w.World, django_capture_on_commit_callbacks: Any
) -> None:
    client = _login(world.coordinator)
    assert "Du har ingen eksporter" in client.get(reverse("fhir:exports")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("fhir:exports"), {})
    assert response.status_code == 302
    export = BulkExport.objects.get()
    page = client.get(reverse("fhir:exports")).content.decode()
    status_url = reverse("fhir:export_status", args=[export.pk])
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    assert "0 af 1 forløb" in page
    run_pending_tasks()
    row = client.get(status_url).content.decode()
    assert "1 af 1 forløb" in row and "hx-trigger" not in row
    download = reverse("fhir:export_download", args=[export.pk])
    assert download in row
    body = b"".join(client.get(download).streaming_content).decode()
    assert json.loads(body.splitlines()[0])["resourceType"] == "Bundle"
    other = _login(world.other_coordinator)
    assert other.get(status_url).status_code == 403
    assert other.get(download).status_code == 403
