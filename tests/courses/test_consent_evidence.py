"""Consent with evidence (issue 15) and the family gaps left from issue 14.

The citizen (or the custody holder) confirms a recorded consent on their own page; the
coordinator attaches the signed document, which is stored under MEDIA_ROOT and read only through
the guard and the access log; the course page shows how each consent is confirmed; every change
to a consent is a line in its history (page, history tab, API). The attacker tests try another
organisation's coordinator, guessed ids, a reader on a narrower consent, someone else's consent,
an ended membership and staff on the citizen's confirmation — on the pages and the API alike.

Issue 14's gaps: whose goal a goal is on the plan tab, which children a parent's consent covers,
and a household member aged 15 or more recording their own consent."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, User, UserKind
from helhed.courses import logic, selectors, services
from helhed.courses.models import (
    Consent,
    ConsentDocument,
    ConsentEvent,
    ConsentEventKind,
    Course,
    GivenBy,
    Goal,
    Horizon,
)
from tests.courses import builders as b
from tests.courses.citizen_world import World, build_world
from tests.courses.test_families import Family, family  # noqa: F401  (the family fixture)
from tests.refusals import refused

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "dokumenter"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload_page(world: World, consent: Consent | None = None) -> str:
    return reverse(
        "courses:consent_document_upload", args=[world.course.pk, (consent or world.consent).pk]
    )


def download_page(world: World, consent: Consent | None = None) -> str:
    return reverse(
        "courses:consent_document_download", args=[world.course.pk, (consent or world.consent).pk]
    )


def api_document(world: World, consent_id: Any = None) -> str:
    return (
        f"/api/courses/courses/{world.course.pk}/consents/{consent_id or world.consent.pk}/document"
    )


def post_file(client: Client, url: str, name: str, content: bytes) -> Any:
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def attach(world: World, name: str = "samtykke.pdf", content: bytes = PDF) -> ConsentDocument:
    return services.attach_consent_document(
        world.coordinator,
        course_id=world.course.pk,
        consent_id=world.consent.pk,
        upload=SimpleUploadedFile(name, content),
    )


def other_coordinator(world: World) -> User:
    """A coordinator in another organisation (Holbæk), on no team of this course."""
    outsider_unit = Membership.objects.get(user=world.outsider).unit
    return b.make_staff(outsider_unit, "koordinator", first_name="Olga")


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


def kinds(course: Course) -> list[str]:
    return list(
        ConsentEvent.objects.filter(course_id=course.pk)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )


# --------------------------------------------------------------------------------------------
# The rules (logic): a document by its content, who may confirm
# --------------------------------------------------------------------------------------------


def test_a_document_is_known_by_its_content_not_its_name() -> None:
    assert logic.document_problem("samtykke.pdf", len(PDF), PDF[:16]) == ""
    assert logic.document_problem("scan.PNG", len(PNG), PNG[:16]) == ""
    assert logic.document_problem("foto.jpeg", len(JPEG), JPEG[:16]) == ""
    assert "PDF, PNG eller JPEG" in logic.document_problem("virus.pdf", 100, b"MZ\x90\x00")
    assert "passer ikke" in logic.document_problem("scan.pdf", len(PNG), PNG[:16])
    assert logic.document_problem("tom.pdf", 0, b"") == "Filen er tom."
    too_big = logic.CONSENT_DOCUMENT_MAX_BYTES + 1
    assert logic.document_problem("stor.pdf", too_big, PDF[:16]) == (
        "Filen må højst fylde 10 MB, men fylder 10,0 MB."
    )


def test_only_the_giver_or_a_custody_holder_may_confirm() -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    base: dict[str, Any] = {
        "withdrawn": False,
        "expired": False,
        "confirmed": False,
        "custody_holder_ids": [],
    }
    assert logic.may_confirm(reader_id=me, giver_id=me, by_custody_holder=False, **base) == ""
    assert logic.may_confirm(reader_id=other, giver_id=me, by_custody_holder=False, **base)
    custody = {**base, "custody_holder_ids": [me]}
    assert logic.may_confirm(reader_id=me, giver_id=other, by_custody_holder=True, **custody) == ""
    assert logic.may_confirm(reader_id=other, giver_id=other, by_custody_holder=True, **custody)
    for state in ("withdrawn", "expired", "confirmed"):
        refused = {**base, state: True}
        assert logic.may_confirm(reader_id=me, giver_id=me, by_custody_holder=False, **refused)


# --------------------------------------------------------------------------------------------
# The citizen confirms on their own page
# --------------------------------------------------------------------------------------------


def test_the_citizen_confirms_a_recorded_consent_on_her_own_page(
    world: World, client: Client
) -> None:
    client.force_login(world.citizen_user)
    page = client.get(reverse("courses:my_consents")).content.decode()
    assert "Samtykker, du kan bekræfte" in page
    url = reverse("courses:my_consent_confirm", args=[world.consent.pk])
    assert url in page
    assert "Er samtykket rigtigt?" in client.get(url).content.decode()
    answer = client.post(url)
    assert answer.status_code == 302
    consent = Consent.objects.get(pk=world.consent.pk)
    assert consent.confirmed_by == world.citizen_user
    assert consent.confirmed_via == "egen-side"
    assert consent.confirmed_by_name == "Mette Sørensen"
    assert consent.confirmed_at is not None
    assert abs(consent.confirmed_at - timezone.now()) < timedelta(minutes=1)
    event = ConsentEvent.objects.get(consent=consent, kind=ConsentEventKind.CONFIRMED)
    assert event.by == world.citizen_user and event.by_name == "Mette Sørensen"
    page = client.get(reverse("courses:my_consents")).content.decode()
    assert "Bekræftet af Mette Sørensen" in page
    # the coordinator sees it on the course page, with the step in the history
    course_page = client_for(world.coordinator).get(
        reverse("courses:course_detail", args=[world.course.pk])
    )
    html = course_page.content.decode()
    assert "Bekræftet af borgeren" in html and "Ikke bekræftet" in html  # the health consent


def test_a_citizen_cannot_confirm_someone_elses_consent(world: World) -> None:
    other = User.objects.create_user(username="ida", password="x" * 20, kind=UserKind.CITIZEN)
    from tests.courses.citizen_world import young_citizen_with_course

    young_citizen_with_course(world, other)
    url = reverse("courses:my_consent_confirm", args=[world.consent.pk])
    assert client_for(other).post(url).status_code == 404
    api = client_for(other).post(f"/api/courses/consents/{world.consent.pk}/confirm")
    problem(api, 404)
    with pytest.raises(PermissionDenied):
        services.confirm_consent(other, consent_id=world.consent.pk)
    # staff cannot confirm on the citizen's behalf either (page 403, API 404)
    assert client_for(world.coordinator).post(url).status_code == 403
    problem(
        client_for(world.coordinator).post(f"/api/courses/consents/{world.consent.pk}/confirm"), 404
    )
    # a guessed id
    problem(
        client_for(world.citizen_user).post(f"/api/courses/consents/{uuid.uuid4()}/confirm"), 404
    )
    assert Consent.objects.get(pk=world.consent.pk).confirmed_at is None
    assert ConsentEvent.objects.filter(kind=ConsentEventKind.CONFIRMED).count() == 0


def test_the_api_confirms_once_and_refuses_a_withdrawn_consent(world: World) -> None:
    client = client_for(world.citizen_user)
    answer = client.post(f"/api/courses/consents/{world.consent.pk}/confirm")
    assert answer.status_code == 200, answer.content
    assert answer.json()["confirmed_by_name"] == "Mette Sørensen"
    assert answer.json()["confirmed_via"] == "egen-side"
    again = problem(client.post(f"/api/courses/consents/{world.consent.pk}/confirm"), 422)
    assert "allerede bekræftet" in json.dumps(again, ensure_ascii=False)
    services.withdraw_consent(world.coordinator, world.health_consent)
    withdrawn = problem(
        client.post(f"/api/courses/consents/{world.health_consent.pk}/confirm"), 422
    )
    assert "trukket tilbage" in json.dumps(withdrawn, ensure_ascii=False)
    listed = client_for(world.coordinator).get(f"/api/courses/courses/{world.course.pk}/consents")
    by_id = {c["id"]: c for c in listed.json()}
    assert by_id[str(world.consent.pk)]["confirmation"] == "borger"
    assert by_id[str(world.health_consent.pk)]["confirmation"] == "ikke-bekraeftet"


def test_a_custody_holder_confirms_her_young_childs_consent(family: Family) -> None:  # noqa: F811
    mother = family.course.citizen
    mother_user = b.make_citizen_user()
    mother.user = mother_user
    mother.save()
    liva = family.children["Liva"]
    child_course = services.intake(
        family.coordinator,
        initiative_id=family.initiative.pk,
        coordinator_unit_id=family.coordinator_unit.pk,
        cpr=liva.cpr,
        first_name=liva.first_name,
        last_name=liva.last_name,
        referred_on=b.today() - timedelta(days=2),
    )
    Course.objects.filter(pk=child_course.pk).update(household=family.course.household)
    child_course.refresh_from_db()
    consent = services.give_consent(
        family.coordinator,
        child_course,
        given_by=GivenBy.CUSTODY_HOLDER,
        given_by_name=mother.full_name,
        units=[family.coordinator_unit],
        categories=["plan"],
        valid_from=b.today(),
    )
    page = client_for(mother_user).get(reverse("courses:my_consents")).content.decode()
    assert "Samtykke for Liva Sørensen" in page
    url = reverse("courses:my_consent_confirm", args=[consent.pk])
    assert client_for(mother_user).post(url).status_code == 302
    consent.refresh_from_db()
    assert consent.confirmed_by == mother_user
    # the partner (no custody) cannot
    jens_user = b.make_citizen_user()
    family.children["Jens"].user = jens_user
    family.children["Jens"].save()
    Consent.objects.filter(pk=consent.pk).update(confirmed_at=None)
    assert client_for(jens_user).post(url).status_code == 404


# --------------------------------------------------------------------------------------------
# The signed document
# --------------------------------------------------------------------------------------------


def test_the_coordinator_attaches_a_signed_pdf_stored_outside_static_and_read_through_the_guard(
    world: World, _media: Path
) -> None:
    coordinator = client_for(world.coordinator)
    form = coordinator.get(upload_page(world)).content.decode()
    assert 'enctype="multipart/form-data"' in form
    answer = post_file(coordinator, upload_page(world), "Mette underskrift.pdf", PDF)
    assert answer.status_code == 302, answer.content.decode()[-2000:]
    document = ConsentDocument.objects.get(consent=world.consent)
    stored = Path(document.file.path)
    assert stored.read_bytes() == PDF
    assert _media in stored.parents
    assert "Mette" not in str(stored)  # the uploaded name is a column, not the path
    assert Path(settings.STATIC_ROOT) not in stored.parents
    assert kinds(world.course)[-1] == ConsentEventKind.DOCUMENT_ATTACHED
    html = coordinator.get(reverse("courses:course_detail", args=[world.course.pk])).content
    assert "Underskrevet erklæring".encode() in html
    assert download_page(world).encode() in html
    before = AccessLogEntry.objects.filter(what="underskrevet samtykkeerklæring").count()
    download = coordinator.get(download_page(world))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    assert "attachment" in download["Content-Disposition"]
    after = AccessLogEntry.objects.filter(
        what="underskrevet samtykkeerklæring", actor=world.coordinator
    )
    assert after.count() == before + 1
    # the API gives the same file, also logged
    api = coordinator.get(api_document(world))
    assert api.status_code == 200 and b"".join(api.streaming_content) == PDF
    assert after.count() == before + 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("samtykke.pdf", b"MZ\x90\x00 this is a program", "PDF, PNG eller JPEG"),
        ("samtykke.pdf", PNG, "passer ikke til indholdet"),
        ("noter.txt", b"just text", "PDF, PNG eller JPEG"),
        ("stor.pdf", PDF + b"\x00" * (10 * 1024 * 1024), "højst fylde 10 MB"),
    ],
)
def test_a_wrong_or_too_large_file_is_a_field_error_on_page_and_api(
    world: World, name: str, content: bytes, message: str
) -> None:
    coordinator = client_for(world.coordinator)
    answer = post_file(coordinator, upload_page(world), name, content)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert re.search(r'form-error-message" id="id_file_error">[^<]*' + re.escape(message), html)
    body = problem(post_file(coordinator, api_document(world), name, content), 422)
    assert {e["loc"][-1] for e in body["errors"]} == {"file"}
    assert message in json.dumps(body, ensure_ascii=False)
    assert ConsentDocument.objects.count() == 0
    assert ConsentEventKind.DOCUMENT_ATTACHED not in kinds(world.course)


def test_another_organisations_coordinator_can_neither_attach_nor_see_a_document(
    world: World,
) -> None:
    attach(world)
    olga = client_for(other_coordinator(world))
    assert post_file(olga, upload_page(world), "x.pdf", PDF).status_code == 404
    assert olga.get(download_page(world)).status_code == 404
    problem(post_file(olga, api_document(world), "x.pdf", PDF), 404)
    problem(olga.get(api_document(world)), 404)
    # guessed ids, also for the course's own coordinator
    coordinator = client_for(world.coordinator)
    guessed = reverse("courses:consent_document_download", args=[world.course.pk, uuid.uuid4()])
    assert coordinator.get(guessed).status_code == 404
    problem(coordinator.get(api_document(world, uuid.uuid4())), 404)
    assert ConsentDocument.objects.count() == 1
    assert not AccessLogEntry.objects.filter(
        what="underskrevet samtykkeerklæring",
        actor__in=User.objects.exclude(pk=world.coordinator.pk),
    ).exists()


def test_a_reader_on_a_narrower_consent_cannot_download_the_document(world: World) -> None:
    """The jobcenter's consent covers plan, economy and social data, not health or crime: the
    signed document names every unit and purpose, so it is not theirs to read."""
    attach(world)
    jonas = client_for(world.jobcenter_user)
    assert jonas.get(reverse("courses:course_detail", args=[world.course.pk])).status_code == 200
    assert jonas.get(download_page(world)).status_code == 404
    problem(jonas.get(api_document(world)), 404)
    assert post_file(jonas, upload_page(world), "x.pdf", PDF).status_code == 404
    html = jonas.get(reverse("courses:course_detail", args=[world.course.pk])).content.decode()
    assert download_page(world) not in html
    assert "Underskrevet erklæring" in html  # the fact of the evidence is shown


def test_an_ended_membership_can_neither_attach_nor_download(world: World) -> None:
    attach(world)
    Membership.objects.filter(user=world.coordinator).update(valid_to=b.today() - timedelta(days=1))
    karen = client_for(world.coordinator)
    assert refused(karen.get(download_page(world)), 404)
    assert refused(post_file(karen, upload_page(world), "x.pdf", PDF))
    assert refused(karen.get(api_document(world)))
    with pytest.raises(PermissionDenied):
        attach(world)
    assert ConsentDocument.objects.count() == 1


# --------------------------------------------------------------------------------------------
# History: who, when, what changed
# --------------------------------------------------------------------------------------------


def test_every_consent_change_is_in_its_history_on_the_page_and_the_api(world: World) -> None:
    coordinator = client_for(world.coordinator)
    url = reverse("courses:consent_change", args=[world.course.pk, world.consent.pk])
    data = {
        "units": [str(world.jobcenter_unit.pk), str(world.psychiatry_unit.pk)],  # social out
        "categories": ["plan", "economy"],
        "valid_to": (b.today() + timedelta(days=90)).strftime("%d.%m.%Y"),
    }
    answer = coordinator.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[-2000:]
    attach(world)
    services.withdraw_consent(world.coordinator, world.consent, by_name="Mette Sørensen")
    history = [e for e in ConsentEvent.objects.filter(consent=world.consent).order_by("at", "id")]
    assert [e.kind for e in history] == [
        ConsentEventKind.GIVEN,
        ConsentEventKind.UNITS_ADDED,
        ConsentEventKind.UNITS_REMOVED,
        ConsentEventKind.SCOPE_CHANGED,
        ConsentEventKind.EXPIRY_CHANGED,
        ConsentEventKind.DOCUMENT_ATTACHED,
        ConsentEventKind.WITHDRAWN,
    ]
    assert history[1].detail == "Distriktspsykiatrien"
    assert history[2].detail == "Voksenstøtte"
    assert history[3].detail == (
        "fra Plan, mål og aftaler, Sociale forhold, Økonomi og forsørgelse "
        "til Plan, mål og aftaler, Økonomi og forsørgelse"
    )
    assert all(e.by == world.coordinator for e in history)
    assert all(e.by_name == "Karen Koordinator" for e in history)
    # the history tab shows the steps
    tab = coordinator.get(reverse("courses:course_history", args=[world.course.pk])).content
    html = tab.decode()
    for label in ("Enheder tilføjet", "Enheder fjernet", "Udløbsdato ændret", "Trukket tilbage"):
        assert label in html
    assert "Distriktspsykiatrien" in html
    # the API: the same lines; the jobcenter (a narrower consent) sees what, not the details
    api = coordinator.get(f"/api/courses/courses/{world.course.pk}/consent-history").json()
    mine = [e for e in api if e["consent_id"] == str(world.consent.pk)]
    assert [e["kind"] for e in mine] == [e.kind for e in history]
    assert mine[1]["detail"] == "Distriktspsykiatrien"
    world_health = client_for(world.psychiatrist)
    seen = world_health.get(f"/api/courses/courses/{world.course.pk}/consent-history")
    assert seen.status_code == 200
    assert all(e["detail"] == "" for e in seen.json())


def test_the_api_changes_a_consent_and_refuses_bad_values_field_by_field(world: World) -> None:
    coordinator = client_for(world.coordinator)
    url = f"/api/courses/courses/{world.course.pk}/consents/{world.consent.pk}"

    def patch(body: dict[str, Any], who: Client = coordinator) -> Any:
        return who.patch(url, data=json.dumps(body), content_type="application/json")

    body = problem(patch({"categories": []}), 422)
    assert {e["loc"][-1] for e in body["errors"]} == {"categories"}
    body = problem(patch({"valid_to": "2020-01-01"}), 422)
    assert {e["loc"][-1] for e in body["errors"]} == {"valid_to"}
    body = problem(patch({"unit_ids": [str(uuid.uuid4())]}), 422)
    assert {e["loc"][-1] for e in body["errors"]} == {"unit_ids"}
    assert kinds(world.course).count(ConsentEventKind.EXPIRY_CHANGED) == 0
    answer = patch({"valid_to": (b.today() + timedelta(days=30)).isoformat()})
    assert answer.status_code == 200, answer.content
    assert kinds(world.course).count(ConsentEventKind.EXPIRY_CHANGED) == 1
    cleared = patch({"clear_valid_to": True})
    assert cleared.status_code == 200 and cleared.json()["valid_to"] is None
    # only the coordinator: the jobcenter is refused, another organisation too
    problem(patch({"categories": ["plan"]}, client_for(world.jobcenter_user)), 403)
    problem(patch({"categories": ["plan"]}, client_for(other_coordinator(world))), 403)
    assert Consent.objects.get(pk=world.consent.pk).categories == {"plan", "economy", "social"}


def test_a_confirmed_consent_with_a_document_shows_both_on_the_course_page(world: World) -> None:
    attach(world, "scan.png", PNG)
    html = (
        client_for(world.coordinator)
        .get(reverse("courses:course_detail", args=[world.course.pk]))
        .content.decode()
    )
    assert html.count('badge badge-info">Underskrevet erklæring') == 1
    services.confirm_consent(world.citizen_user, consent_id=world.consent.pk)
    html = (
        client_for(world.coordinator)
        .get(reverse("courses:course_detail", args=[world.course.pk]))
        .content.decode()
    )
    assert "Bekræftet af borgeren" in html
    assert "Underskrevet erklæring" in html
    assert "Bekræftet af borgeren" in html and "Seneste ændringer" in html


# --------------------------------------------------------------------------------------------
# Issue 14's family gaps
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("adapter", ["service", "api", "page"])
def test_a_household_member_from_15_records_her_own_consent(
    family: Family,  # noqa: F811
    adapter: str,
) -> None:
    noah = family.children["Noah"]  # 16
    values: dict[str, Any] = {
        "given_by": "borger",
        "given_by_name": "Noah Sørensen",
        "units": [family.coordinator_unit, family.jobcenter],
        "categories": ["plan"],
        "valid_from": b.today(),
    }
    if adapter == "service":
        consent = services.give_consent(
            family.coordinator, family.course, person_id=noah.pk, **values
        )
    elif adapter == "api":
        body = {
            **{k: v for k, v in values.items() if k != "units"},
            "unit_ids": [str(u.pk) for u in values["units"]],
            "valid_from": b.today().isoformat(),
            "person_id": str(noah.pk),
        }
        answer = client_for(family.coordinator).post(
            f"/api/courses/courses/{family.course.pk}/consents",
            data=json.dumps(body),
            content_type="application/json",
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["person_id"] == str(noah.pk)
        consent = Consent.objects.get(pk=answer.json()["id"])
    else:
        answer = client_for(family.coordinator).post(
            reverse("courses:consent_create", args=[family.course.pk]),
            {
                "given_by": "borger",
                "given_by_name": "Noah Sørensen",
                "units": [str(family.coordinator_unit.pk)],
                "categories": ["plan"],
                "valid_from": b.today().strftime("%d.%m.%Y"),
                "person_id": str(noah.pk),
            },
        )
        assert answer.status_code == 302, answer.content.decode()[-3000:]
        consent = Consent.objects.get(person=noah)
    assert consent.person == noah
    assert consent.given_by == GivenBy.CITIZEN
    html = (
        client_for(family.coordinator)
        .get(reverse("courses:course_detail", args=[family.course.pk]))
        .content.decode()
    )
    assert "Noah Sørensens eget samtykke (fyldt 15 år)." in html


@pytest.mark.parametrize("adapter", ["service", "api"])
def test_a_young_child_or_a_stranger_cannot_give_an_own_consent(
    family: Family,  # noqa: F811
    adapter: str,
) -> None:
    before = Consent.objects.count()
    for person, field in (
        (family.children["Liva"].pk, "person_id"),  # 10: the custody holder consents
        (uuid.uuid4(), "person_id"),
    ):
        if adapter == "service":
            with pytest.raises(ValidationError) as caught:
                services.give_consent(
                    family.coordinator,
                    family.course,
                    given_by="borger",
                    given_by_name="X",
                    units=[family.coordinator_unit],
                    categories=["plan"],
                    valid_from=b.today(),
                    person_id=person,
                )
            assert field in caught.value.message_dict
        else:
            answer = client_for(family.coordinator).post(
                f"/api/courses/courses/{family.course.pk}/consents",
                data=json.dumps(
                    {
                        "given_by": "borger",
                        "given_by_name": "X",
                        "unit_ids": [str(family.coordinator_unit.pk)],
                        "categories": ["plan"],
                        "valid_from": b.today().isoformat(),
                        "person_id": str(person),
                    }
                ),
                content_type="application/json",
            )
            body = problem(answer, 422)
            assert field in {e["loc"][-1] for e in body["errors"]}
    assert Consent.objects.count() == before


def test_the_consent_area_names_the_children_a_parents_consent_covers(
    family: Family,  # noqa: F811
) -> None:
    liva, asta = family.children["Liva"], family.children["Asta"]
    services.give_consent(
        family.coordinator,
        family.course,
        given_by="borger",
        given_by_name="Mette Sørensen",
        units=[family.coordinator_unit],
        categories=["plan"],
        valid_from=b.today(),
        child_ids=[liva.pk, asta.pk],
    )
    html = (
        client_for(family.coordinator)
        .get(reverse("courses:course_detail", args=[family.course.pk]))
        .content.decode()
    )
    assert re.search(
        r"Gælder også for børnene \(forældremyndighed\):\s*(Liva Sørensen, Asta Sørensen|"
        r"Asta Sørensen, Liva Sørensen)",
        html,
    )


def test_the_plan_tab_shows_whose_goal_and_filters_by_person(
    family: Family,  # noqa: F811
) -> None:
    course = family.course
    plan = course.plan
    liva = family.children["Liva"]
    services.save_goal(
        family.coordinator,
        plan.pk,
        plan.version,
        text="Mors mål: et job",
        horizon=Horizon.LONG,
        priority=1,
    )
    plan.refresh_from_db()
    services.save_goal(
        family.coordinator,
        plan.pk,
        plan.version,
        text="Livas mål: gå i skole hver dag",
        horizon=Horizon.SHORT,
        priority=1,
        person_id=liva.pk,
    )
    assert Goal.objects.filter(person=liva).count() == 1
    client = client_for(family.coordinator)
    url = reverse("courses:course_plan", args=[course.pk])
    html = client.get(url).content.decode()
    assert "Mette Sørensens mål" in html and "Liva Sørensens mål" in html
    assert html.index("Liva Sørensens mål") < html.index("Livas mål: gå i skole")
    assert html.index("Mette Sørensens mål") < html.index("Mors mål")
    filtered = client.get(url, {"person": str(liva.pk)}).content.decode()
    assert "Livas mål: gå i skole" in filtered
    assert "Mors mål: et job" not in filtered
    # Liva's name was read from the plan: logged as a read of her
    assert AccessLogEntry.objects.filter(
        citizen_id=liva.pk, what="plan: familiemedlems mål"
    ).exists()


def test_the_uploaded_file_is_not_reachable_by_a_static_or_media_url(
    world: World, client: Client
) -> None:
    document = attach(world)
    client.force_login(world.coordinator)
    name = document.file.name
    for guess in (f"/static/{name}", f"/media/{name}", f"/{name}"):
        assert client.get(guess).status_code == 404
    assert io.BytesIO(Path(document.file.path).read_bytes()).read() == PDF
    assert selectors.consent_confirmation(Consent.objects.get(pk=world.consent.pk)) == "dokument"
