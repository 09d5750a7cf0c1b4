"""The citizen's own pages: "Min plan" and "Mine samtykker" (give and withdraw).

Only a citizen login may use them (staff get 403). Everything shown comes from
``selectors.citizen_view``, which reads the citizen's own data and logs the read with the purpose
"egen adgang". Words are plain and the layout is a single column that fits a phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.core.models import Organisation, Unit, User
from helhed.core.web import PlausibleDateField
from helhed.courses import logic, selectors, services
from helhed.courses.models import (
    Consent,
    Course,
    Demand,
    DemandConflict,
    GivenBy,
    Goal,
    Measure,
    MeasureStatus,
    Plan,
    TeamMember,
)

# The categories in the citizen's words (the staff labels are a bit formal).
CATEGORY_PLAIN = {
    "plan": gettext_lazy("Min plan, mine mål og aftaler"),
    "health": gettext_lazy("Mit helbred (også psykisk helbred)"),
    "social": gettext_lazy("Mine sociale forhold (fx bolig, støtte, misbrug)"),
    "crime": gettext_lazy("Sager med politi, dom eller kriminalforsorg"),
    "employment": gettext_lazy("Mit job, min praktik og jobcentrets indsatser"),
    "economy": gettext_lazy("Min økonomi og forsørgelse"),
}


def _citizen_user(request: HttpRequest) -> User:
    """The logged-in citizen; staff may not use the citizen's pages."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen:
        raise PermissionDenied
    return user


def tel_href(phone: str) -> str:
    """``"+45 12 34 56 78"`` → ``"tel:+4512345678"`` ("" if there is no number)."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    return f"tel:{digits}" if digits else ""


def _no_plan(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/my_no_plan.html")


# --------------------------------------------------------------------------------------------
# Min plan
# --------------------------------------------------------------------------------------------


@dataclass
class Contact:
    name: str
    role: str
    where: str
    phone: str
    email: str

    @property
    def tel(self) -> str:
        return tel_href(self.phone)


@dataclass
class DemandGroup:
    sector: str
    demands: list[Demand]


@dataclass
class MyCourse:
    course: Course
    plan: Plan | None
    coordinator: Contact
    goals: list[Goal] = field(default_factory=list)
    measures_now: list[Measure] = field(default_factory=list)
    demand_groups: list[DemandGroup] = field(default_factory=list)
    open_conflicts: list[DemandConflict] = field(default_factory=list)
    conflicted_demand_ids: set[Any] = field(default_factory=set)


def _coordinator_contact(course: Course, team: Iterable[TeamMember]) -> Contact:
    """The coordinator's name, unit and how to reach them (the team entry's phone first, then
    the user's own, then the unit's)."""
    user = course.coordinator
    member = next(
        (t for t in team if t.course_id == course.pk and t.user_id == course.coordinator_id),
        None,
    )
    unit = course.coordinator_unit
    return Contact(
        name=user.get_full_name() or user.get_username(),
        role=_("Din koordinator"),
        where=f"{unit.name}, {unit.organisation.name}",
        phone=(member.phone if member and member.phone else "") or user.phone or unit.phone,
        email=(member.email if member and member.email else "") or user.email or unit.email,
    )


def _responsible(measure: Measure) -> str:
    if measure.responsible is not None:
        return f"{measure.responsible.name}, {measure.organisation.name}"
    if measure.unit is not None:
        return f"{measure.unit.name}, {measure.organisation.name}"
    return measure.organisation.name


# Who places a demand, in the words a citizen would use (by fagområde).
PLAIN_SECTOR = {
    "dagtilbud": gettext_lazy("Dagtilbuddet"),
    "skole": gettext_lazy("Skolen"),
    "kultur-fritid": gettext_lazy("Kultur og fritid"),
    "specialiseret-boern-unge": gettext_lazy("Børne- og familieafdelingen"),
    "specialiseret-voksen": gettext_lazy("Støtte til voksne"),
    "beskaeftigelse": gettext_lazy("Jobcentret"),
    "kommunalt-sundhed": gettext_lazy("Kommunens sundhedstilbud"),
    "aeldre": gettext_lazy("Ældreområdet"),
    "somatik": gettext_lazy("Hospitalet"),
    "psykiatri": gettext_lazy("Psykiatrien"),
    "almen-praksis": gettext_lazy("Din læge"),
    "uddannelse": gettext_lazy("Uddannelsesstedet"),
    "boligsocial": gettext_lazy("Boligområdet"),
    "kriminalitet": gettext_lazy("Kriminalforsorgen"),
}

CURRENT_MEASURES = (MeasureStatus.PLANNED, MeasureStatus.ACTIVE, MeasureStatus.PAUSED)


def _my_course(course: Course, plan: Plan | None, team: list[TeamMember]) -> MyCourse:
    mine = MyCourse(course=course, plan=plan, coordinator=_coordinator_contact(course, team))
    if plan is None:
        return mine
    mine.goals = sorted(plan.goal_list, key=lambda g: (g.status != "aaben", g.priority))  # type: ignore[attr-defined]
    mine.measures_now = [m for m in plan.measure_list if m.status in CURRENT_MEASURES]  # type: ignore[attr-defined]
    for m in mine.measures_now:
        m.responsible_text = _responsible(m)  # type: ignore[attr-defined]
    mine.open_conflicts = list(plan.open_conflicts)  # type: ignore[attr-defined]
    mine.conflicted_demand_ids = {i for c in mine.open_conflicts for i in (c.first_id, c.second_id)}
    groups: dict[str, DemandGroup] = {}
    for demand in sorted(plan.demand_list, key=lambda d: (d.welfare_area.order, d.title)):  # type: ignore[attr-defined]
        plain = PLAIN_SECTOR.get(demand.welfare_area_id, demand.welfare_area.name_da)
        sector = f"{plain} ({demand.organisation.name})"
        groups.setdefault(sector, DemandGroup(sector, [])).demands.append(demand)
        demand.in_conflict = demand.pk in mine.conflicted_demand_ids
    mine.demand_groups = list(groups.values())
    return mine


@login_required
def my_plan(request: HttpRequest) -> HttpResponse:
    user = _citizen_user(request)
    view = selectors.citizen_view(user)
    if view is None or not view.courses:
        return _no_plan(request)
    # The citizen's own data, read (and logged) by citizen_view with the rows the page shows.
    plans = {p.course_id: p for p in view.plans}
    courses = [_my_course(c, plans.get(c.pk), view.team) for c in view.courses]
    coordinator_user_ids = {c.coordinator_id for c in view.courses}
    others = [
        Contact(
            name=t.name,
            role=t.role,
            where=f"{t.unit.name}, {t.organisation.name}" if t.unit else t.organisation.name,
            phone=t.phone,
            email=t.email,
        )
        for t in sorted(view.team, key=lambda t: t.name)
        if not (t.user_id in coordinator_user_ids and t.role == "Koordinator")
    ]
    return render(
        request,
        "courses/my_plan.html",
        {
            "citizen": view.citizen,
            "courses": courses,
            "team": others,
            "upcoming": view.upcoming,
            "any_conflicts": any(c.open_conflicts for c in courses),
        },
    )


# --------------------------------------------------------------------------------------------
# Mine samtykker
# --------------------------------------------------------------------------------------------


@dataclass
class ConsentRow:
    consent: Consent
    who: list[str]
    who_short: list[str]
    what: list[str]
    status: str
    state: str  # valid | withdrawn | expired | future

    @property
    def may_withdraw(self) -> bool:
        return self.state in ("valid", "future")


def _consent_row(consent: Consent, on: date) -> ConsentRow:
    who = [f"{u.name}, {u.organisation.name}" for u in consent.units.all()]
    who += [_("Hele %(org)s") % {"org": o.name} for o in consent.organisations.all()]
    short = [u.name for u in consent.units.all()] + [o.name for o in consent.organisations.all()]
    what = [
        str(CATEGORY_PLAIN[c]) for c, _label in logic.DATA_CATEGORIES if c in consent.categories
    ]
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        state = "withdrawn"
        status = _("Trukket tilbage %(d)s") % {
            "d": date_format(consent.withdrawn_on, "DATE_FORMAT")
        }
    elif consent.valid_to is not None and consent.valid_to < on:
        state, status = "expired", _("Udløbet")
    elif consent.valid_from > on:
        state = "future"
        status = _("Gælder fra %(d)s") % {"d": date_format(consent.valid_from, "DATE_FORMAT")}
    else:
        state, status = "valid", _("Gælder nu")
    return ConsentRow(consent, who, short, what, status, state)


class MyConsentForm(forms.Form):
    """A new consent given by the citizen: for which course, to whom, which information."""

    course = forms.ChoiceField(label=gettext_lazy("Hvilket forløb"), widget=forms.RadioSelect)
    who = forms.MultipleChoiceField(
        label=gettext_lazy("Hvem må se dine oplysninger?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Vælg mindst én, der må se dine oplysninger.")},
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Hvilke oplysninger må de se?"),
        choices=[(c, label) for c, label in CATEGORY_PLAIN.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Vælg mindst én slags oplysninger.")},
    )
    valid_to = PlausibleDateField(
        label=gettext_lazy("Samtykket gælder til og med"),
        help_text=gettext_lazy(
            "Du kan lade feltet stå tomt. Så gælder samtykket, til du trækker det tilbage."
        ),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self, *args: Any, courses: list[Course], team: list[TeamMember], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.courses = {str(c.pk): c for c in courses}
        course_field = self.fields["course"]
        assert isinstance(course_field, forms.ChoiceField)
        course_field.choices = [(str(c.pk), c.initiative.name) for c in courses]
        if len(courses) == 1:
            self.fields["course"].widget = forms.HiddenInput()
            self.fields["course"].initial = str(courses[0].pk)
        # Who: each unit on a team (or the organisation, for a contact person without a unit).
        self.targets: dict[str, tuple[str, Unit | Organisation]] = {}
        self.course_targets: dict[str, set[str]] = {}
        labels: dict[str, list[str]] = {}
        for member in sorted(team, key=lambda t: (t.organisation.name, t.name)):
            if member.unit is not None:
                key = f"unit:{member.unit_id}"
                target: tuple[str, Unit | Organisation] = ("unit", member.unit)
                label = f"{member.unit.name}, {member.organisation.name}"
            else:
                key = f"org:{member.organisation_id}"
                target = ("org", member.organisation)
                label = member.organisation.name
            self.targets[key] = target
            self.course_targets.setdefault(str(member.course_id), set()).add(key)
            labels.setdefault(key, [label]).append(f"{member.name} ({member.role})")
        who_field = self.fields["who"]
        assert isinstance(who_field, forms.MultipleChoiceField)
        who_field.choices = [
            (key, f"{parts[0]} – {', '.join(parts[1:])}") for key, parts in labels.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        course_id, who = data.get("course"), data.get("who")
        if course_id and who and not set(who) <= self.course_targets.get(course_id, set()):
            self.add_error("who", _("Vælg kun nogen fra dette forløbs team."))
        return data

    def chosen(self) -> tuple[list[Organisation], list[Unit]]:
        orgs: list[Organisation] = []
        units: list[Unit] = []
        for key in self.cleaned_data["who"]:
            kind, obj = self.targets[key]
            if kind == "unit":
                units.append(obj)  # type: ignore[arg-type]
            else:
                orgs.append(obj)  # type: ignore[arg-type]
        return orgs, units


FORM_FIELDS = {
    "given_by": "who",
    "given_by_name": "who",
    "unit_ids": "who",
    "organisation_ids": "who",
    "categories": "categories",
    "valid_to": "valid_to",
}


def _to_confirm(user: User, on: date) -> list[dict[str, Any]]:
    """The consents this citizen may still confirm (issue 15): their own, a household member's
    own from 15 years, and those given as custody holder for a child under 15."""
    rows = []
    for found in selectors.consents_to_confirm(user):
        row = _consent_row(found.consent, on)
        if found.consent.confirmed_at is None and row.may_withdraw:
            rows.append({"row": row, "for_name": found.for_name, "own": found.own})
    return rows


@login_required
def my_consents(request: HttpRequest) -> HttpResponse:
    user = _citizen_user(request)
    on = selectors.today()
    to_confirm = _to_confirm(user, on)
    view = selectors.citizen_view(user)
    if view is None or not view.courses:
        if not to_confirm:
            return _no_plan(request)
        return render(request, "courses/my_consents.html", {"to_confirm": to_confirm, "rows": []})
    may_consent = logic.who_consents(view.citizen.birth_date, on) == "citizen"
    prefetch_related_objects(view.consents, "units__organisation")
    rows = [
        _consent_row(c, on)
        for c in sorted(
            view.consents, key=lambda c: (c.withdrawn_on is not None, -c.valid_from.toordinal())
        )
    ]
    form = None
    if may_consent:
        form = MyConsentForm(request.POST or None, courses=view.courses, team=view.team)
        if request.method == "POST" and form.is_valid():
            organisations, units = form.chosen()
            course = form.courses[form.cleaned_data["course"]]
            try:
                services.give_consent(
                    user,
                    course,
                    given_by=GivenBy.CITIZEN,
                    given_by_name=view.citizen.full_name,
                    organisations=organisations,
                    units=units,
                    categories=form.cleaned_data["categories"],
                    valid_from=on,
                    valid_to=form.cleaned_data["valid_to"],
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    form.add_error(FORM_FIELDS.get(key), errors)
            else:
                messages.success(request, _("Tak. Dit samtykke er gemt og gælder fra i dag."))
                return redirect("courses:my_consents")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "courses/my_consents.html",
        {
            "citizen": view.citizen,
            "rows": rows,
            "to_confirm": to_confirm,
            "form": form,
            "may_consent": may_consent,
            "coordinators": [c.coordinator for c in view.courses],
        },
    )


@login_required
def my_consent_withdraw(request: HttpRequest, consent_id: str) -> HttpResponse:
    """Confirm (GET), then withdraw (POST). The withdrawal counts from the moment it is made."""
    user = _citizen_user(request)
    view = selectors.citizen_view(user)
    if view is None:
        raise Http404
    consent = next((c for c in view.consents if str(c.pk) == str(consent_id)), None)
    if consent is None:
        raise Http404
    prefetch_related_objects([consent], "units__organisation")
    row = _consent_row(consent, selectors.today())
    if not row.may_withdraw:
        messages.info(
            request, _("Samtykket gælder ikke længere, så det skal ikke trækkes tilbage.")
        )
        return redirect("courses:my_consents")
    if request.method == "POST":
        consent.course = next(c for c in view.courses if c.pk == consent.course_id)
        try:
            services.withdraw_consent(user, consent)
        except ValidationError:
            messages.info(request, _("Samtykket er allerede trukket tilbage."))
        else:
            messages.success(
                request,
                _(
                    "Samtykket er trukket tilbage. Det gælder med det samme: %(who)s kan ikke "
                    "længere se dine oplysninger gennem dette samtykke."
                )
                % {"who": ", ".join(row.who) or _("ingen")},
            )
        return redirect("courses:my_consents")
    return render(request, "courses/my_consent_withdraw.html", {"row": row})
