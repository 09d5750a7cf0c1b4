"""One write path per use case: the same input through the page and the API reaches the same
service (``services.request_handover``, ``services.act``) and gives the same outcome — the same
Danish messages on the same fields (the API's names, which the form's fields share), the same
rows and the same notifications."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from helhed.core.models import Unit, User
from helhed.courses.models import Course
from helhed.handovers import logic
from helhed.handovers.models import Handover, HandoverEvent
from helhed.notifications.models import Notification

pytestmark = pytest.mark.django_db

Errors = dict[str, list[str]]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def request_by_page(user: User, course: Course, data: dict[str, Any]) -> tuple[int, Errors]:
    """The "new handover" form: field errors as the form shows them."""
    posted = {k: ("" if v is None else str(v)) for k, v in data.items()}
    r = _client(user).post(reverse("handovers:create", args=[course.pk]), posted)
    if r.status_code != 422:
        return r.status_code, {}
    form = r.context["form"]
    return 422, {field: [str(m) for m in messages] for field, messages in form.errors.items()}


def request_by_api(user: User, course: Course, data: dict[str, Any]) -> tuple[int, Errors]:
    """``POST /api/handovers/courses/{id}/handovers``: field errors from the problem body."""
    body = {k: (str(v) if v is not None else None) for k, v in data.items()}
    r = _client(user).post(
        f"/api/handovers/courses/{course.pk}/handovers",
        json.dumps(body),
        content_type="application/json",
    )
    errors: Errors = {}
    for e in r.json().get("errors", []) if r.status_code == 422 else []:
        errors.setdefault(e["loc"][-1], []).append(e["msg"])
    return r.status_code, errors


ADAPTERS: dict[str, Callable[[User, Course, dict[str, Any]], tuple[int, Errors]]] = {
    "page": request_by_page,
    "api": request_by_api,
}

SAME_UNIT = (
    "Modtageren er den samme enhed som afsenderen. En overdragelse skal gå til en anden enhed."
)
NO_RECEIVER = "Vælg den modtagende enhed, eller skriv navnet på et tilbud uden for Helhed."
BOTH = "Vælg enten en enhed i Helhed eller et tilbud uden for Helhed – ikke begge."
NO_CONTACT = (
    "Angiv en kontaktperson og et telefonnummer hos det eksterne tilbud, så overdragelsen kan "
    "følges op."
)
DUPLICATE = "Der er allerede en åben overdragelse af dette til den enhed."


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
@pytest.mark.parametrize(
    ("receiver", "extra", "expected"),
    [
        ("own", {}, {"to_unit_id": [SAME_UNIT]}),
        (None, {}, {"to_unit_id": [NO_RECEIVER]}),
        ("drug", {"external_organisation": "Privat tilbud"}, {"external_organisation": [BOTH]}),
        (None, {"external_organisation": "Privat tilbud"}, {"external_contact": [NO_CONTACT]}),
    ],
)
def test_bad_requests_get_the_same_field_errors_through_page_and_api(
    course: Course,
    coordinator: User,
    coordinator_unit: Unit,
    drug_unit: Unit,
    adapter: str,
    receiver: str | None,
    extra: dict[str, Any],
    expected: Errors,
) -> None:
    to_unit = {"own": coordinator_unit, "drug": drug_unit, None: None}[receiver]
    data = {
        "from_unit_id": coordinator_unit.pk,
        "to_unit_id": to_unit.pk if to_unit is not None else None,
        "mode": "henvist",
        "reason": "Behandling",
        **extra,
    }
    assert ADAPTERS[adapter](coordinator, course, data) == (422, expected)
    assert not Handover.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_a_request_writes_the_same_handover_event_and_notification_through_page_and_api(
    course: Course,
    coordinator: User,
    coordinator_unit: Unit,
    drug_unit: Unit,
    drug_user: User,
    adapter: str,
) -> None:
    data = {
        "from_unit_id": coordinator_unit.pk,
        "to_unit_id": drug_unit.pk,
        "mode": "ledsaget",
        "reason": "  Behandling  ",
        "external_contact": "Lise, 66 11 22 33",
    }
    status, errors = ADAPTERS[adapter](coordinator, course, data)
    assert (status, errors) == ((302, {}) if adapter == "page" else (201, {}))
    h = Handover.objects.get()
    assert (h.course_id, h.from_unit_id, h.to_unit_id, h.mode, h.reason, h.status) == (
        course.pk,
        coordinator_unit.pk,
        drug_unit.pk,
        "ledsaget",
        "Behandling",
        logic.REQUESTED,
    )
    assert list(HandoverEvent.objects.values_list("action", "actor_id")) == [
        ("create", coordinator.pk)
    ]
    (n,) = Notification.objects.all()
    assert (n.recipient_id, n.title) == (drug_user.pk, "Overdragelse venter på jeres kvittering")
    # a second request of the same thing to the same unit: the same refusal through both
    assert ADAPTERS[adapter](coordinator, course, data) == (422, {"to_unit_id": [DUPLICATE]})
    assert Handover.objects.count() == 1


def _decline_by_page(user: User, handover: Handover, reason: str) -> tuple[int, Errors]:
    url = reverse("handovers:action", args=[handover.pk, logic.DECLINE])
    r = _client(user).post(url, {"reason": reason})
    if r.status_code != 422:
        return r.status_code, {}
    form = r.context["form"]
    return 422, {field: [str(m) for m in messages] for field, messages in form.errors.items()}


def _decline_by_api(user: User, handover: Handover, reason: str) -> tuple[int, Errors]:
    r = _client(user).post(
        f"/api/handovers/{handover.pk}/decline",
        json.dumps({"reason": reason}),
        content_type="application/json",
    )
    errors: Errors = {}
    for e in r.json().get("errors", []) if r.status_code == 422 else []:
        errors.setdefault(e["loc"][-1], []).append(e["msg"])
    return r.status_code, errors


@pytest.mark.parametrize("adapter", ["page", "api"])
def test_a_decline_needs_a_reason_through_page_and_api(
    course: Course,
    coordinator: User,
    coordinator_unit: Unit,
    drug_unit: Unit,
    drug_user: User,
    adapter: str,
) -> None:
    request_by_api(
        coordinator,
        course,
        {"to_unit_id": drug_unit.pk, "mode": "henvist", "reason": "Behandling"},
    )
    h = Handover.objects.get()
    decline = _decline_by_page if adapter == "page" else _decline_by_api
    message = "Skriv hvorfor I afviser overdragelsen, så afsenderen kan finde et andet tilbud."
    assert decline(drug_user, h, "   ") == (422, {"reason": [message]})
    h.refresh_from_db()
    assert h.status == logic.REQUESTED
    status, _errors = decline(drug_user, h, "Ingen plads")
    assert status == (302 if adapter == "page" else 200)
    h.refresh_from_db()
    assert (h.status, h.decline_reason) == (logic.REJECTED, "Ingen plads")
