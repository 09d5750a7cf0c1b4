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
from django.utils.translation import gettext_lazy as _
from ninja.errors import ValidationError
from pydantic import AfterValidator, StringConstraints

from helhed.core.dates import implausible_message, plausible
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
    if not plausible(value):
        raise ValueError(implausible_message())
    return value


def _plausible_moment(value: datetime) -> datetime:
    if not plausible(value):
        raise ValueError(implausible_message())
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


# pydantic's messages are English whatever the reader chose: each error type's message in the
# reader's language (LocaleMiddleware: the language chosen in Helhed, else Accept-Language).
# ``%(name)s`` takes the error's context (``max_length``, ``ge`` …).
_MESSAGES: dict[str, Any] = {
    "missing": _("Feltet skal udfyldes."),
    "string_type": _("Skriv en tekst."),
    "string_too_long": _("Skriv højst %(max_length)s tegn."),
    "string_too_short": _("Skriv mindst %(min_length)s tegn."),
    "string_pattern_mismatch": _("Teksten har ikke den rigtige form."),
    "too_long": _("Højst %(max_length)s elementer."),
    "too_short": _("Mindst %(min_length)s elementer."),
    "int_type": _("Skriv et helt tal."),
    "int_parsing": _("Skriv et helt tal."),
    "int_from_float": _("Skriv et helt tal."),
    "float_type": _("Skriv et tal."),
    "float_parsing": _("Skriv et tal."),
    "decimal_type": _("Skriv et tal."),
    "decimal_parsing": _("Skriv et tal."),
    "decimal_max_digits": _("Tallet har for mange cifre (højst %(max_digits)s)."),
    "decimal_max_places": _("Højst %(decimal_places)s decimaler."),
    "decimal_whole_digits": _("Tallet har for mange cifre før kommaet."),
    "greater_than": _("Skal være større end %(gt)s."),
    "greater_than_equal": _("Skal være mindst %(ge)s."),
    "less_than": _("Skal være mindre end %(lt)s."),
    "less_than_equal": _("Må højst være %(le)s."),
    "bool_type": _("Skriv true eller false."),
    "bool_parsing": _("Skriv true eller false."),
    "date_type": _("Skriv en dato som åååå-mm-dd."),
    "date_parsing": _("Skriv en dato som åååå-mm-dd."),
    "date_from_datetime_parsing": _("Skriv en dato som åååå-mm-dd."),
    "date_from_datetime_inexact": _("Skriv en dato som åååå-mm-dd."),
    "datetime_type": _("Skriv et tidspunkt som åååå-mm-ddTtt:mm."),
    "datetime_parsing": _("Skriv et tidspunkt som åååå-mm-ddTtt:mm."),
    "datetime_from_date_parsing": _("Skriv et tidspunkt som åååå-mm-ddTtt:mm."),
    "uuid_type": _("Skriv et gyldigt id."),
    "uuid_parsing": _("Skriv et gyldigt id."),
    "enum": _("Vælg en af værdierne: %(expected)s."),
    "literal_error": _("Vælg en af værdierne: %(expected)s."),
    "list_type": _("Skriv en liste."),
    "dict_type": _("Skriv et objekt."),
    "model_type": _("Skriv et objekt."),
    "model_attributes_type": _("Skriv et objekt."),
    "json_invalid": _("Indholdet er ikke gyldig JSON."),
    "extra_forbidden": _("Feltet findes ikke."),
}


def error_message(error: Mapping[str, Any]) -> str:
    """One of pydantic's (or ninja's) errors as a sentence in the reader's language. Our own
    validators' messages (``value_error``) are already translated: they are kept, without
    pydantic's "Value error, " prefix."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    template = _MESSAGES.get(kind)
    if template is None:
        return str(error.get("msg", ""))
    try:
        return str(template) % {k: str(v) for k, v in ctx.items()}
    except (KeyError, ValueError, TypeError):
        return str(error.get("msg", ""))


def translated_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ninja's validation errors as the problem body's ``errors``: location, message in the
    reader's language, and pydantic's error type for programs."""
    return [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": error_message(e),
            "type": e.get("type"),
        }
        for e in errors
    ]


def invalid(field: str, msg: str, where: str = "body") -> ValidationError:
    """A 422 for one field (ninja's ``ValidationError``, turned into a problem body)."""
    return ValidationError([{"loc": [where, field], "msg": msg, "type": "value_error"}])


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]
