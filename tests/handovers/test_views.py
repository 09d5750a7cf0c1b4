"""The pages: the lazy course-page section (fragment for htmx, whole page otherwise, logged),
requesting a handover with field errors, answering on the handover page, the overview and the
start-page panels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Unit, User
from helhed.courses.models import Course
from helhed.handovers import logic, services
from helhed.handovers.models import Handover

pytestmark = pytest.mark.django_db


def test_course_page_has_the_lazy_section(
    course: Course, coordinator: User, client: Client
) -> None:
    client.force_login(coordinator)
    page = client.get(f"/forloeb/{course.pk}/").content.decode()
    # a sub-page of the course page: a tab in its tab bar (issue 14)
    assert "Overdragelser og overgange" in page
    assert f'id="tab-overdragelser" href="/forloeb/{course.pk}/overdragelser/"' in page


def test_section_is_a_fragment_for_htmx_and_a_page_otherwise(
    course: Course, coordinator: User, client: Client
) -> None:
    client.force_login(coordinator)
    url = f"/forloeb/{course.pk}/overdragelser/"
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "Åbne overdragelser" in fragment
    full = client.get(url).content.decode()
    assert "<html" in full and "<h2>Overdragelser og overgange</h2>" in full
    # the course page's header and tab bar, this tab current
    assert f'id="tab-overdragelser" href="{url}" aria-current="page"' in full
    assert (
        AccessLogEntry.objects.filter(actor=coordinator, what="overdragelser og overgange").count()
        == 2
    )


def test_request_form_shows_same_unit_error_and_writes_nothing(
    course: Course, coordinator: User, coordinator_unit: Unit, client: Client
) -> None:
    client.force_login(coordinator)
    r = client.post(
        f"/forloeb/{course.pk}/overdragelser/ny/",
        {
            "from_unit_id": coordinator_unit.pk,
            "to_unit_id": coordinator_unit.pk,
            "mode": "henvist",
            "reason": "x",
        },
    )
    assert r.status_code == 422
    assert "samme enhed som afsenderen" in r.content.decode()
    assert not Handover.objects.exists()


def test_request_form_creates_and_redirects(
    course: Course, coordinator: User, coordinator_unit: Unit, drug_unit: Unit, client: Client
) -> None:
    client.force_login(coordinator)
    r = client.post(
        f"/forloeb/{course.pk}/overdragelser/ny/",
        {
            "from_unit_id": coordinator_unit.pk,
            "to_unit_id": drug_unit.pk,
            "mode": "ledsaget",
            "reason": "Behandling",
            "expected_start": (timezone.localdate() + timedelta(days=7)).strftime("%d.%m.%Y"),
        },
    )
    h = Handover.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/overdragelser/{h.pk}/"
    assert h.mode == "ledsaget" and h.expected_start == timezone.localdate() + timedelta(days=7)


def test_answering_on_the_handover_page(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User, client: Client
) -> None:
    h = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Behandling",
        to_unit_id=drug_unit.pk,
    )
    client.force_login(drug_user)
    page = client.get(f"/overdragelser/{h.pk}/").content.decode()
    assert "Kvittér for modtagelse" in page and "Afvis overdragelsen" in page
    r = client.post(f"/overdragelser/{h.pk}/decline/", {"reason": ""})
    assert r.status_code == 422 and "Skriv hvorfor" in r.content.decode()
    assert client.post(f"/overdragelser/{h.pk}/accept/").status_code == 302
    r = client.post(f"/overdragelser/{h.pk}/accept/")
    assert r.status_code == 409 and "allerede kvitteret" in r.content.decode()
    assert client.post(f"/overdragelser/{h.pk}/teleport/").status_code == 404
    h.refresh_from_db()
    assert h.status == "accepted"


def test_panels_and_overview(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User, client: Client
) -> None:
    services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Behandling",
        to_unit_id=drug_unit.pk,
    )
    client.force_login(drug_user)
    home = client.get("/").content.decode()
    assert "Overdragelser til min enhed" in home and "Koordinerende Team" in home
    client.force_login(coordinator)
    overview = client.get("/overdragelser/").content.decode()
    assert "Mette Sørensen" in overview and "Rusmiddelcenter Odense" in overview
    assert AccessLogEntry.objects.filter(
        actor=coordinator, what="overdragelser og overgange"
    ).exists()


def test_stay_form(course: Course, coordinator: User, client: Client) -> None:
    client.force_login(coordinator)
    url = f"/forloeb/{course.pk}/ophold/ny/"
    r = client.post(
        url, {"kind": "psykiatri", "start_date": "10.01.2026", "expected_end": "01.01.2026"}
    )
    assert r.status_code == 422 and "efter startdatoen" in r.content.decode()
    r = client.post(
        url, {"kind": "psykiatri", "start_date": "10.01.2026", "expected_end": "01.03.2026"}
    )
    assert r.status_code == 302
    assert logic.STAY_CATEGORY["psykiatri"] == "health"


def test_english_catalogue(course: Course, coordinator: User, client: Client) -> None:
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    page = client.get(f"/forloeb/{course.pk}/overdragelser/").content.decode()
    assert "Handovers and transitions" in page and "Transitions ahead" in page
    assert "Overgange forude" not in page


def test_external_handover_answers_recorded_by_sender_on_the_page(
    course: Course, coordinator: User, client: Client
) -> None:
    h = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="ledsaget",
        reason="Privat psykolog",
        external_organisation="Psykologhuset Fyn",
        external_contact="Lise, 66 11 22 33",
    )
    client.force_login(coordinator)
    page = client.get(f"/overdragelser/{h.pk}/").content.decode()
    assert "Afsenderen registrerer modtagerens svar" in page
    assert "uden for Helhed: intet deles automatisk" in page
    r = client.post(f"/overdragelser/{h.pk}/accept/", {"answered_by": ""})
    assert r.status_code == 422 and "Skriv hvem hos det eksterne tilbud" in r.content.decode()
    r = client.post(f"/overdragelser/{h.pk}/accept/", {"answered_by": "Lise Holm"})
    assert r.status_code == 302
    h.refresh_from_db()
    assert (h.status, h.acknowledged_by_name) == ("accepted", "Lise Holm")
