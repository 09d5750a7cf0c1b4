"""What every app's pages share, as ``core.apikit`` is for the API: the staff-only decorator, one
way to put a service's errors on a form, and the date field every form uses (DKFDS renders the
fields themselves: ``core.renderer``).

Refusals need nothing here: a view (or the selector it calls) raises ``PermissionDenied`` —
with a Danish message where there is something to say — and ``core.errors.forbidden`` renders
the one 403 page with that message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _

from helhed.core.dates import validate_plausible
from helhed.core.models import User, UserKind

R = TypeVar("R", bound=HttpResponseBase)

DATE_HINT = _("dd.mm.åååå")


class PlausibleDateField(forms.DateField):
    """A date within the years Helhed accepts (``core.dates``: 1900-2200), else a field error."""

    default_validators = [validate_plausible]  # noqa: RUF012


def date_field(label: Any, *, required: bool = False, **kwargs: Any) -> forms.DateField:
    """A date typed as dd.mm.åååå (numeric keyboard on a phone, no browser autofill), within
    the years Helhed accepts."""
    return PlausibleDateField(
        label=label,
        required=required,
        help_text=kwargs.pop("help_text", DATE_HINT),
        widget=forms.DateInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        **kwargs,
    )


def staff_user(request: HttpRequest) -> User:
    """The logged-in professional, or ``PermissionDenied`` (a citizen login, say)."""
    user = cast(User, request.user)
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied
    return user


def staff_only(view: Callable[..., R]) -> Callable[..., R]:
    """Log-in required (else to the login page), and a professional's login (else 403)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R:
        staff_user(request)
        return view(request, *args, **kwargs)

    return cast(Callable[..., R], login_required(wrapper))


def apply_errors(
    form: forms.Form, exc: ValidationError, names: Mapping[str, str] | None = None
) -> None:
    """Put a service's ``ValidationError`` on the form: on the named field if the form has it,
    else as a form-wide error. Never raises (a 500 for user input is a bug).

    Services name fields as the API does (``unit_id``, ``unit_ids``); a form's field for the
    same value is named for the object (``unit``, ``units``), so those are found without a
    mapping. ``names`` maps any other service name to the form's (``{"on": "valid_to"}``)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = form_field(form, field, names)
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def form_field(form: forms.Form, name: str, names: Mapping[str, str] | None = None) -> str | None:
    """The form's field for a service's field name, or None (a form-wide error)."""
    candidates = [(names or {}).get(name, name)]
    if name.endswith("_ids"):
        candidates.append(name.removesuffix("_ids") + "s")
    elif name.endswith("_id"):
        candidates.append(name.removesuffix("_id"))
    return next((c for c in candidates if c in form.fields), None)


def posted(request: HttpRequest) -> Any:
    """The submitted data for a POST (even an empty one, so the form is bound), else None."""
    return request.POST if request.method == "POST" else None
