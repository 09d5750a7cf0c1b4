"""Dates outside the years 1900-2200 are refused everywhere people type one: every form's date
field and every date in an API request body or query (issue 14: intake accepted 01.01.0001 and
created a "year 1" cohort on the leader dashboard)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import types
import typing
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticError

import helhed
from helhed.api import api
from helhed.core.models import User
from helhed.core.web import date_field
from helhed.courses.models import Course
from tests.courses import builders as b

MESSAGE_DA = "Datoen skal ligge mellem år 1900 og 2200."
MESSAGE_EN = "The date must be between the years 1900 and 2200."


@pytest.fixture(autouse=True)
def _danish_afterwards() -> Iterator[None]:
    """A request in English leaves English active in the thread (LocaleMiddleware activates
    and never deactivates): the next test must start in Danish."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --------------------------------------------------------------------------------------------
# Forms


def test_the_shared_date_field_accepts_1900_to_2200_and_refuses_the_rest() -> None:
    field = date_field("Dato", required=True)
    assert field.clean("01.01.1900") == date(1900, 1, 1)
    assert field.clean("31.12.2200") == date(2200, 12, 31)
    for typo in ("01.01.0001", "31.12.1899", "01.01.2201", "01.01.9999"):
        with translation.override("da"), pytest.raises(ValidationError) as refused:
            field.clean(typo)
        assert refused.value.messages == [MESSAGE_DA]


def _form_classes() -> Iterator[type[forms.Form]]:
    for info in pkgutil.walk_packages(helhed.__path__, "helhed."):
        leaf = info.name.rsplit(".", 1)[-1]
        adapter = leaf.startswith(("forms", "views")) or ".views." in info.name
        if adapter and ".devtools" not in info.name:
            importlib.import_module(info.name)
    pending: list[type[forms.Form]] = [forms.Form]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("helhed."):
            yield cls


def date_fields_of_every_form() -> list[tuple[str, forms.DateField]]:
    return sorted(
        (
            (f"{cls.__module__}.{cls.__name__}.{name}", field)
            for cls in set(_form_classes())
            for name, field in cls.base_fields.items()
            if isinstance(field, forms.DateField)
        ),
        key=lambda item: item[0],
    )


# Forms whose service refuses implausible dates together with every other field error of the
# same submission (so the field stays a plain date field): tests/coordination/test_pages.py.
REFUSED_BY_THE_SERVICE = (
    "helhed.coordination.forms.WaveForm.",
    "helhed.coordination.forms.AnswerBy",
)


def test_every_forms_date_field_refuses_year_one() -> None:
    fields = [f for f in date_fields_of_every_form() if not f[0].startswith(REFUSED_BY_THE_SERVICE)]
    assert len(fields) >= 20, "the walk finds the apps' forms"
    accepted = []
    for where, field in fields:
        for typed in ("01.01.0001", "0001-01-01", "01-01-0001"):
            try:
                field.clean(typed)
            except ValidationError:
                continue
            accepted.append(f"{where}: {typed}")
    assert not accepted


@pytest.mark.django_db
def test_intake_page_refuses_year_one_with_a_danish_field_error(
    login: Any, coordinator: User, unit: Any
) -> None:
    initiative = b.make_initiative()
    page = login(coordinator).post(
        reverse("courses:intake"),
        {
            "initiative": str(initiative.pk),
            "coordinator_unit": str(unit.pk),
            "cpr": "150696-1234",
            "first_name": "Mette",
            "last_name": "Sørensen",
            "referred_on": "01.01.0001",
        },
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_referred_on_error"' in text
    assert MESSAGE_DA in text
    assert not Course.objects.exists()


# --------------------------------------------------------------------------------------------
# API


def _args(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple, set, typing.Annotated):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return []


def _holds_date(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, date):
        return True
    return any(_holds_date(a) for a in _args(annotation))


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for a in _args(annotation):
        yield from _models(a)


def _date_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[tuple[str, Any]]:
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        if _holds_date(field.annotation):
            annotated = (
                typing.Annotated[(field.annotation, *field.metadata)]
                if field.metadata
                else field.annotation
            )
            yield f"{model.__name__}.{name}", TypeAdapter(annotated)
        for inner in _models(field.annotation):
            yield from _date_fields(inner, seen)


def api_input_dates() -> list[tuple[str, Any]]:
    seen: set[type[BaseModel]] = set()
    found = []
    for bound in api._get_bound_routers():
        for view in bound.path_operations.values():
            for operation in view.operations:
                for model in operation.models:
                    module = operation.view_func.__module__
                    found.extend((f"{module}: {n}", t) for n, t in _date_fields(model, seen))
    return found


@pytest.mark.django_db
def test_every_date_the_api_reads_refuses_year_one() -> None:
    dates = api_input_dates()
    assert len(dates) >= 20, "the walk finds the routers' request models"
    accepted = []
    for where, adapter in dates:
        for typed in ("0001-01-01", "2201-01-01T10:00:00", ["0001-01-01T10:00:00"]):
            try:
                adapter.validate_python(typed)
            except PydanticError:
                continue
            accepted.append(f"{where}: {typed}")
    assert not accepted


def _intake_body(unit: Any, **overrides: Any) -> str:
    body = {
        "initiative_id": str(b.make_initiative().pk),
        "coordinator_unit_id": str(unit.pk),
        "cpr": "010203-4123",
        "first_name": "Lise",
        "last_name": "Lund",
        "referred_on": "0001-01-01",
    }
    body.update(overrides)
    return json.dumps(body)


@pytest.mark.django_db
def test_api_intake_refuses_year_one_with_a_422_problem(
    login: Any, coordinator: User, unit: Any
) -> None:
    response = login(coordinator).post(
        "/api/courses/courses", _intake_body(unit), content_type="application/json"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Ugyldige data"
    assert {
        "loc": body["errors"][0]["loc"],
        "msg": body["errors"][0]["msg"],
    } == {"loc": ["body", "payload", "referred_on"], "msg": MESSAGE_DA}
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_api_validation_messages_follow_the_readers_language(coordinator: User, unit: Any) -> None:
    """pydantic's own messages are English; the 422 body speaks the reader's language."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    body = client.post(
        "/api/courses/courses",
        _intake_body(unit, first_name=None, cpr="1" * 50),
        content_type="application/json",
    ).json()
    assert body["title"] == "Invalid data"
    messages = {e["loc"][-1]: e["msg"] for e in body["errors"]}
    assert messages["referred_on"] == MESSAGE_EN
    assert messages["cpr"] == "Write at most 20 characters."
    assert messages["first_name"] == "Write a text."

    danish = Client(HTTP_ACCEPT_LANGUAGE="da")
    danish.force_login(coordinator)
    body = danish.post(
        "/api/courses/courses",
        _intake_body(unit, first_name=None, cpr="1" * 50),
        content_type="application/json",
    ).json()
    messages = {e["loc"][-1]: e["msg"] for e in body["errors"]}
    assert messages == {
        "referred_on": MESSAGE_DA,
        "cpr": "Skriv højst 20 tegn.",
        "first_name": "Skriv en tekst.",
    }
