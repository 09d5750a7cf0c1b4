"""Issue 11: the progress services are the one write path for page and API — ids and plain
values, keyword-only (after the acting user), so a caller cannot swap a course id for an
instrument by position and a new argument cannot silently shift the others."""

from __future__ import annotations

import inspect

import pytest

from helhed.progress import services

PUBLIC_WRITES = [
    services.record_measurement,
    services.record_goal_ratings,
    services.record_outcome,
    services.schedule_measurements,
    services.end_measurement_schedule,
]


@pytest.mark.parametrize("function", PUBLIC_WRITES, ids=lambda f: f.__name__)
def test_a_write_takes_the_user_then_keyword_only_ids_and_values(function: object) -> None:
    parameters = list(inspect.signature(function).parameters.values())  # type: ignore[arg-type]
    assert parameters[0].name == "user"
    assert parameters[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    rest = parameters[1:]
    assert rest, "a write needs at least the course"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in rest), [
        (p.name, p.kind) for p in rest
    ]
    assert rest[0].name == "course_id" or any(p.name.endswith("_id") for p in rest)


def test_the_summary_refresh_takes_a_course_id_by_keyword() -> None:
    (parameter,) = inspect.signature(services.refresh_summary).parameters.values()
    assert parameter.name == "course_id"
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY


def test_model_helpers_are_private() -> None:
    """Helpers that take model objects are not part of the service interface."""
    for name in ("writable_course", "update_gas_t", "gas_inputs"):
        assert not hasattr(services, name), name
