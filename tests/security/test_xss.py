"""XSS: every free text of every model holds an attack, and no page renders it unescaped.

The demo is built, then every text field that ``xss_world.text_fields()`` enumerates from the
models is overwritten in every row with ``"><img src=x onerror=alert(1)><script>alert(1)</script>``
(URL fields: ``javascript:alert(1)``). Every page pattern of the URL resolver is requested with
the ids of the demo coordinator's objects, as each demo role; no answer may contain the payload's
tags unescaped or a ``javascript:`` link, and none may fail."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.test import Client
from django.utils.html import escape

from helhed.core.models import User
from helhed.courses.models import Appointment, Course, Demand, DemandConflict, Measure
from helhed.handovers.models import InstitutionalStay
from tests.security.test_api_fuzz import ids_of
from tests.security.test_csrf import CONVERTER, pages
from tests.security.xss_world import (
    IMG,
    PAYLOAD,
    URL,
    any_uuid,
    build_demo,
    plant,
    text_fields,
    unescaped,
)

pytestmark = pytest.mark.django_db

ROLES = ("koordinator", "fagperson", "leder", "analytiker", "borger")
VALUES = {"fmt": "csv", "number": "1", "instrument": "who5", "law": "serviceloven"}


def page_ids(coordinator: User) -> dict[str, str]:
    ids = ids_of(coordinator)
    course = Course.objects.get(pk=ids["course_id"])
    extra = {
        "measure_id": Measure.objects.filter(plan__course=course).first(),
        "demand_id": Demand.objects.filter(plan__course=course).first(),
        "conflict_id": DemandConflict.objects.filter(plan__course=course).first(),
        "appointment_id": Appointment.objects.filter(plan__course=course).first(),
        "stay_id": InstitutionalStay.objects.filter(course=course).first(),
    }
    ids.update({k: str(v.pk) for k, v in extra.items() if v is not None})
    return {**VALUES, **ids}


def fill(route: str, ids: dict[str, str]) -> str:
    return "/" + CONVERTER.sub(lambda m: ids.get(m["name"], any_uuid()), route)


def test_every_page_escapes_every_planted_text(capsys: pytest.CaptureFixture[str]) -> None:
    build_demo()
    planted = plant()
    coordinator = User.objects.get(username="koordinator")
    ids = page_ids(coordinator)
    routes = [route for route, _, _ in pages() if not route.startswith("admin/")]
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    for username in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for route in routes:
            path = fill(route, ids)
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                response = client.get(path, headers=headers)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    problems.append(f"{username} {path}: {response.status_code}")
                    continue
                if "html" not in response.get("Content-Type", ""):
                    continue
                body = (
                    b"".join(response.streaming_content)  # type: ignore[attr-defined]
                    if response.streaming
                    else response.content
                ).decode(errors="replace")
                found = unescaped(body)
                if found:
                    problems.append(f"{username} {path} (htmx={htmx}): {found[:3]}")
    reasons = Counter(why.split(":")[0][:40] for why in planted.skipped.values())
    with capsys.disabled():
        print(f"\nXSS, fields left alone: {dict(reasons)}")
        print(
            f"\nXSS: {len(planted.fields)} text fields planted in {planted.rows} rows, "
            f"{len(planted.skipped)} left alone; {sum(statuses.values())} page requests "
            f"({dict(sorted(statuses.items()))})"
        )
    assert not problems, "\n".join(problems)
    assert statuses[200] >= 200, statuses
    assert len(planted.fields) >= 100, planted.fields


def test_the_check_sees_an_unescaped_payload_and_not_an_escaped_one() -> None:
    for html in (PAYLOAD, f'<input value="{IMG}">', f'<a href="{URL}">x</a>'):
        assert unescaped(html), html
    assert unescaped(escape(PAYLOAD)) == []
    assert unescaped(f'<input value="{escape(IMG)}"> {escape(URL)}') == []


def test_every_text_field_is_attacked_or_left_alone_for_a_stated_reason() -> None:
    """A new free-text field is attacked without anyone listing it: the enumeration finds it.
    What is left alone is left alone for a reason that is not 'free text'."""
    fields = text_fields()
    attacked = [f"{m._meta.label}.{f.name}" for m, f, why in fields if why is None]
    assert len(attacked) >= 150, len(attacked)
    for label in ("courses.Goal.text", "meetings.Decision.text", "core.User.first_name"):
        assert label in attacked or any(a.endswith(label.split(".", 1)[1]) for a in attacked)
    assert not [
        f"{m._meta.label}.{f.name}"
        for m, f, why in fields
        if why
        and re.search(r"(^|_)(text|note|notes|description|title|name|summary)$", f.name)
        and not f.choices
    ]
