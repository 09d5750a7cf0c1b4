"""Issue 11: an initiative's own fields are written down once — ``services.InitiativeValues``
(what a save replaces) — and the API's ``InitiativeFields`` is derived from it, so a new field
added to the dataclass is in the API's request and response with the same default and type."""

from __future__ import annotations

import dataclasses
from datetime import date

import pydantic
import pytest

from helhed.registry import schemas, services


def test_the_api_fields_are_the_service_values() -> None:
    values = {f.name: f for f in dataclasses.fields(services.InitiativeValues)}
    fields = schemas.InitiativeFields.model_fields
    assert list(fields) == list(values)
    for name, field in fields.items():
        default = values[name].default
        if default is dataclasses.MISSING:
            assert field.is_required(), name
        else:
            assert field.default == default, name


def test_a_new_initiative_field_is_added_in_one_place() -> None:
    @dataclasses.dataclass(frozen=True)
    class Extended(services.InitiativeValues):
        municipalities_count: int | None = None
        reviewed_on: date | None = None

    derived = schemas.fields_schema(Extended, "ExtendedFields")
    body = derived(name="Sammen", municipalities_count=3, reviewed_on="2026-05-01")
    assert body.municipalities_count == 3  # type: ignore[attr-defined]
    assert body.reviewed_on == date(2026, 5, 1)  # type: ignore[attr-defined]
    assert derived(name="Sammen").target_unit == "ukendt"  # type: ignore[attr-defined]
    # the API's rules come along: the name's length and the plausible-date check
    with pytest.raises(pydantic.ValidationError):
        derived(name="x" * 301)
    with pytest.raises(pydantic.ValidationError):
        derived(name="Sammen", reviewed_on="0001-01-01")
