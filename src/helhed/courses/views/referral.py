"""Early contact: a unit of another organisation (a region's psychiatry, Kriminalforsorgen)
refers a citizen into a municipality's course without becoming its coordinator
(``services.refer_citizen``; the API's ``POST /api/courses/referrals`` does the same)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from helhed.core.selectors import membership_list
from helhed.core.web import apply_errors, posted, staff_only, staff_user
from helhed.courses import selectors, services
from helhed.courses.forms_caseload import ReferralForm


def _form(request: HttpRequest, user: Any) -> ReferralForm:
    own = [m.unit for m in membership_list(user) if m.role in services.REFERRAL_ROLES]
    if not own:
        raise PermissionDenied(_("Kun koordinatorer og fagpersoner kan henvise en borger."))
    data = posted(request)
    unit_id = (data or request.GET).get("unit") or None
    return ReferralForm(
        data,
        own_units=list({u.pk: u for u in own}.values()),
        units=selectors.referral_units(user),
        candidates=selectors.coordinator_candidates(None, unit_id=unit_id),
    )


def _refer(user: Any, form: ReferralForm) -> services.Referral:
    data = form.cleaned_data
    return services.refer_citizen(
        user,
        from_unit_id=data["from_unit"],
        unit_id=data["unit"],
        coordinator_id=data["coordinator"],
        initiative_id=data["initiative"].pk,
        cpr=data["cpr"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        note=data["note"],
        note_category=data["note_category"] or "plan",
    )


@staff_only
def referral(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = _form(request, user)
    if request.method == "GET" and request.headers.get("HX-Request"):
        return render(request, "courses/_referral_coordinator.html", {"field": form["coordinator"]})
    if request.method == "POST" and form.is_valid():
        try:
            done = _refer(user, form)
        except ValidationError as exc:
            apply_errors(
                form, exc, {"coordinator_id": "coordinator", "note_category": "note_category"}
            )
        else:
            if done.kind == "new":
                messages.success(
                    request,
                    _(
                        "Borgeren er henvist. Kommunens koordinator har fået besked og registrerer "
                        "samtykket; du kan se forløbet, når samtykket omfatter din enhed."
                    ),
                )
            elif done.sent:
                messages.success(
                    request,
                    _(
                        "Borgeren har allerede et forløb. Koordinatoren har fået din henvisning "
                        "og tager stilling til, om din enhed skal med i teamet."
                    ),
                )
            else:
                messages.info(
                    request, _("Din enhed er allerede med i teamet eller har allerede henvist.")
                )
            return redirect(reverse("courses:course_list") + "#anmodninger")
    return render(request, "courses/referral.html", {"form": form})
