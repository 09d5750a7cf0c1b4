"""Forms of the course list (filters in the query string), the early-contact referral and the
handover of a course to another coordinator (also in another organisation). They get lists from
the selectors, never querysets of personal data; the writes are in ``services``."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from helhed.courses import logic
from helhed.courses.models import CourseStatus
from helhed.courses.selectors import (
    LIST_SORTS,
    LIST_WARNINGS,
    CourseListChoices,
    CourseListFilter,
)
from helhed.registry.models import Initiative

SORT_LABELS = {
    "navn": _("Navn"),
    "start": _("Startdato (nyeste først)"),
    "aktivitet": _("Seneste aktivitet i planen"),
    "advarsler": _("Advarsler først"),
    "henvist": _("Henvist (nyeste først)"),
}


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None


class CourseListForm(forms.Form):
    """The course list's filters, sent with GET: a name, never a CPR number."""

    navn = forms.CharField(
        label=_("Navn"),
        required=False,
        max_length=100,
        help_text=_("Finder også børn og andre i en families forløb. Søg på CPR-nummer ovenfor."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    indsats = forms.ChoiceField(label=_("Indsats"), required=False)
    advarsel = forms.ChoiceField(
        label=_("Advarsler"),
        required=False,
        help_text=_("Advarsler vises for de forløb, du koordinerer."),
    )
    koordinator = forms.ChoiceField(label=_("Koordinator"), required=False)
    sortering = forms.ChoiceField(label=_("Sortér efter"), required=False)

    def __init__(self, *args: Any, choices: CourseListChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set(
            "status",
            [
                ("", _("Alle åbne forløb")),
                *CourseStatus.choices,
                ("alle", _("Alle, også afsluttede")),
            ],
        )
        self._set(
            "indsats", [("", _("Alle indsatser")), *[(str(k), v) for k, v in choices.initiatives]]
        )
        self._set(
            "advarsel",
            [
                ("", _("Med og uden advarsler")),
                ("any", _("Alle mine forløb med advarsler")),
                *[(k, _(v)) for k, v in LIST_WARNINGS.items()],
            ],
        )
        self._set(
            "koordinator",
            [
                ("", _("Alle koordinatorer")),
                ("mig", _("Mig")),
                *[(str(k), v) for k, v in choices.coordinators],
            ],
        )
        self._set("sortering", [(k, SORT_LABELS[k]) for k in LIST_SORTS])

    def _set(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices

    def clean_navn(self) -> str:
        value = " ".join(str(self.cleaned_data.get("navn") or "").split())
        digits = sum(ch.isdigit() for ch in value)
        if digits >= 6:
            # A CPR number must not end up in an address (and so in logs and browser history),
            # nor be echoed back into the page.
            data = cast(Any, self.data).copy()
            data["navn"] = ""
            self.data = data
            raise ValidationError(
                _("Søg på CPR-nummer i søgefeltet ovenfor – det sendes ikke i adressen."),
                code="cpr",
            )
        return value

    def filters(self) -> CourseListFilter:
        """The filters (the defaults for a field that did not validate)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        coordinator = data.get("koordinator") or ""
        return CourseListFilter(
            q=data.get("navn") or "",
            status=data.get("status") or "",
            initiative_id=_uuid(data.get("indsats") or ""),
            warning=data.get("advarsel") or "",
            coordinator_id="mig" if coordinator == "mig" else _uuid(coordinator),
            sort=data.get("sortering") or "navn",
        )

    def rendered_fields(self) -> dict[str, SafeString]:
        """Each filter's DKFDS markup (``as_field_group``), by field name. Rendering the six
        fields through the form renderer's templates costs about 3 ms of every caseload view;
        the markup is a function of the language, the values chosen and the two lists (staff
        and initiatives, no citizen), so it is kept per process for the last
        ``RENDERED_KEPT`` of them — never for a name search (a name typed is not kept beyond
        its request) nor for a form with errors."""
        key = self._rendered_key()
        if key is None:
            return {name: self[name].as_field_group() for name in FILTER_FIELDS}
        with _RENDERED_LOCK:
            found = _RENDERED.get(key)
            if found is not None:
                _RENDERED.move_to_end(key)
                return dict(found)
        made = {name: self[name].as_field_group() for name in FILTER_FIELDS}
        with _RENDERED_LOCK:
            _RENDERED[key] = made
            while len(_RENDERED) > RENDERED_KEPT:
                _RENDERED.popitem(last=False)
        return dict(made)

    def _rendered_key(self) -> tuple[Any, ...] | None:
        data = self.data if self.is_bound else {}
        if data.get("navn") or self.errors:
            return None
        return (
            get_language(),
            tuple(data.get(name) or "" for name in FILTER_FIELDS),
            *(self._choices_of(name) for name in FILTER_FIELDS[1:]),
        )

    def _choices_of(self, name: str) -> tuple[tuple[str, str], ...]:
        choices = cast(list[tuple[Any, Any]], cast(forms.ChoiceField, self.fields[name]).choices)
        return tuple((str(value), str(label)) for value, label in choices)


FILTER_FIELDS = ("navn", "status", "indsats", "koordinator", "advarsel", "sortering")
RENDERED_KEPT = 256
_RENDERED: OrderedDict[tuple[Any, ...], dict[str, SafeString]] = OrderedDict()
_RENDERED_LOCK = threading.Lock()


class HandOverForm(forms.Form):
    """Hand the course over to a coordinator in the own or another organisation: the
    organisation first (its coordinators are then offered), then the person and unit."""

    organisation = forms.ChoiceField(
        label=_("Organisation"),
        help_text=_("Fx en anden kommune, hvis borgeren flytter, eller regionen."),
    )
    new_coordinator = forms.ChoiceField(
        label=_("Ny koordinator"),
        help_text=_("Personer med rollen koordinator i en enhed i organisationen."),
    )
    reason = forms.CharField(
        label=_("Årsag til skiftet"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    mandate = forms.CharField(
        label=_("Mandat for den nye koordinator"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Tomt: mandatet fortsætter uændret."),
    )

    def __init__(
        self,
        *args: Any,
        organisations: list[Any],
        candidates: list[tuple[Any, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set("organisation", [(str(o.pk), o.name) for o in organisations])
        self.candidates = {f"{user.pk}:{unit.pk}": (user, unit) for user, unit in candidates}
        self._set(
            "new_coordinator",
            [("", _("— vælg —"))]
            + [
                (key, f"{user.get_full_name() or user.username} – {unit.name}")
                for key, (user, unit) in self.candidates.items()
            ],
        )

    def _set(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices

    def chosen(self) -> tuple[Any, Any]:
        """The new coordinator's id and unit id."""
        user, unit = self.candidates[self.cleaned_data["new_coordinator"]]
        return user.pk, unit.pk


class ReferralForm(forms.Form):
    """Early contact: refer a citizen into a municipality's course, naming its coordinator."""

    from_unit = forms.ChoiceField(label=_("Din enhed (henviser)"))
    initiative = forms.ModelChoiceField(
        label=_("Indsats (fra registret)"),
        queryset=Initiative.objects.order_by("name"),
        empty_label=_("— vælg indsats —"),
    )
    unit = forms.ChoiceField(
        label=_("Kommunens enhed"),
        help_text=_("Den enhed i kommunen, der skal koordinere forløbet."),
    )
    coordinator = forms.ChoiceField(
        label=_("Kommunens koordinator"),
        help_text=_("Koordinatoren får besked og kontakter borgeren. Du bliver ikke koordinator."),
    )
    cpr = forms.CharField(
        label=_("CPR-nummer"),
        max_length=11,
        help_text=_("ddmmåå-xxxx"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    first_name = forms.CharField(label=_("Fornavn"), max_length=100)
    last_name = forms.CharField(label=_("Efternavn"), max_length=100)
    note = forms.CharField(
        label=_("Henvisningsårsag"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note_category = forms.ChoiceField(
        label=_("Hvad afslører henvisningsårsagen?"),
        choices=list(logic.DATA_CATEGORIES),
        initial="plan",
        required=False,
        help_text=_(
            "Kun læsere, hvis samtykke omfatter kategorien, kan læse teksten. Vælg fx Helbred, "
            "hvis teksten nævner behandling eller diagnoser."
        ),
    )

    def __init__(
        self,
        *args: Any,
        own_units: list[Any],
        units: list[Any],
        candidates: list[tuple[Any, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["from_unit"]).choices = [
            (str(u.pk), f"{u.name}, {u.organisation.name}") for u in own_units
        ]
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("— vælg enhed —"))] + [
            (str(u.pk), f"{u.organisation.name}: {u.name}") for u in units
        ]
        cast(forms.ChoiceField, self.fields["coordinator"]).choices = [("", _("— vælg —"))] + [
            (str(user.pk), user.get_full_name() or user.username) for user, _unit in candidates
        ]
