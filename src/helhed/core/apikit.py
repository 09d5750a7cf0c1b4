"""What every app's API router shares: bounded text types, problem bodies and the translation of
the domain's Django ``ValidationError`` into ninja's field-level 422.

``helhed.api`` turns ninja's ``ValidationError`` and ``HttpError`` into RFC 9457 problem bodies;
a router returns :func:`problem` itself only for statuses with extra members (409 with
``existing_id`` or ``current_version``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja.errors import ValidationError
from pydantic import AfterValidator, StringConstraints

from helhed.core.models import User

PROBLEM = "application/problem+json"


def no_nul(value: str) -> str:
    """PostgreSQL refuses NUL characters in text: refuse them as bad input (422), not a 500."""
    if "\x00" in value:
        raise ValueError("Teksten indeholder et ugyldigt tegn.")
    return value


# Bounded strings without NUL characters, so that bad input is a 422 and never a database error.
NoNul = AfterValidator(no_nul)
Text = Annotated[str, StringConstraints(max_length=10_000), NoNul]
Text5000 = Annotated[str, StringConstraints(max_length=5000), NoNul]
Str20 = Annotated[str, StringConstraints(max_length=20), NoNul]
Str60 = Annotated[str, StringConstraints(max_length=60), NoNul]
Str64 = Annotated[str, StringConstraints(max_length=64), NoNul]
Str100 = Annotated[str, StringConstraints(max_length=100), NoNul]
Str120 = Annotated[str, StringConstraints(max_length=120), NoNul]
Str200 = Annotated[str, StringConstraints(max_length=200), NoNul]
Str254 = Annotated[str, StringConstraints(max_length=254), NoNul]
Str300 = Annotated[str, StringConstraints(max_length=300), NoNul]


def _plausible_day(value: date) -> date:
    if not 1900 <= value.year <= 2200:
        raise ValueError("Datoen skal ligge mellem år 1900 og 2200.")
    return value


def _plausible_moment(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2200:
        raise ValueError("Tidspunktet skal ligge mellem år 1900 og 2200.")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


# Dates and times within years 1900-2200 (a year-1 date would overflow date arithmetic later);
# a time without a zone is Copenhagen time.
Day = Annotated[date, AfterValidator(_plausible_day)]
Moment = Annotated[datetime, AfterValidator(_plausible_moment)]


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM)


def field_errors(
    exc: DjangoValidationError, rename: Mapping[str, str] | Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """A service's ``ValidationError`` as ninja's error list, with the model's field names
    renamed to the API's (``to_unit`` → ``to_unit_id``) where they differ."""

    def api_name(name: str) -> str:
        if rename is None:
            return name
        return rename(name) if callable(rename) else rename.get(name, name)

    if not hasattr(exc, "error_dict"):
        return [{"loc": ["body"], "msg": m, "type": "value_error"} for m in exc.messages]
    errors: list[dict[str, Any]] = []
    for name, messages in exc.message_dict.items():
        loc = ["body"] if name == NON_FIELD_ERRORS else ["body", api_name(name)]
        errors.extend({"loc": loc, "msg": m, "type": "value_error"} for m in messages)
    return errors


def invalid(field: str, msg: str, where: str = "body") -> ValidationError:
    """A 422 for one field (ninja's ``ValidationError``, turned into a problem body)."""
    return ValidationError([{"loc": [where, field], "msg": msg, "type": "value_error"}])


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]
