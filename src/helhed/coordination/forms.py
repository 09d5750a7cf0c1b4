"""Forms of the coordination pages. They parse input and take their choices as lists (never a
queryset of personal data); the rules live in ``services``, whose ``ValidationError`` lands on
the field of the same name (``apply_errors``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.coordination import logic
from helhed.coordination.models import ScopeKind, WorkgroupKind

Choices = Sequence[tuple[Any, Any]]


def _date(label: Any, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class WaveForm(forms.Form):
    name = forms.CharField(
        label=_("Navn på målingen"),
        max_length=200,
        required=False,
        help_text=_("Fx »Samarbejdet omkring FAMKO, forår 2026«."),
    )
    scope_kind = forms.ChoiceField(
        label=_("Hvad skal målingen dække?"),
        choices=ScopeKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    initiative = forms.ChoiceField(label=_("Indsats"), required=False)
    units = forms.MultipleChoiceField(
        label=_("Enheder i netværket"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kun ved et netværk af enheder: vælg mindst to."),
    )
    organisations = forms.MultipleChoiceField(
        label=_("Organisationer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Forløb, som koordineres af disse organisationer, er med."),
    )
    period_start = _date(_("Forløb fra"), _("Forløb, der har kørt i perioden, er med."))
    period_end = _date(_("Forløb til"))
    answer_by = _date(_("Svarfrist"))
    min_respondents = forms.IntegerField(
        label=_("Mindste antal svar bag hvert tal"),
        required=False,
        help_text=_("Mindst 3; standard 5. Færre svar vises som »<5«."),
    )
    include_citizen_side = forms.BooleanField(
        label=_("Deltagerne kan også vurdere samarbejdet med borgeren og de pårørende"),
        required=False,
    )
    instrument = forms.ChoiceField(label=_("Spørgeramme"), required=False)
    previous = forms.ChoiceField(label=_("Sammenlign med måling (valgfrit)"), required=False)

    def __init__(
        self,
        *args: Any,
        organisations: Choices,
        initiatives: Choices,
        units: Choices,
        instruments: Choices,
        previous: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["organisations"]).choices = organisations
        cast(forms.ChoiceField, self.fields["initiative"]).choices = [
            ("", _("— vælg indsats —")),
            *initiatives,
        ]
        cast(forms.MultipleChoiceField, self.fields["units"]).choices = units
        cast(forms.ChoiceField, self.fields["instrument"]).choices = instruments
        cast(forms.ChoiceField, self.fields["previous"]).choices = [
            ("", _("Den seneste lukkede måling af det samme (automatisk)")),
            *previous,
        ]
        if len(organisations) == 1 and not self.is_bound:
            self.initial.setdefault("organisations", [organisations[0][0]])


class AddParticipantForm(forms.Form):
    user = forms.ChoiceField(label=_("Medarbejder"), required=False)
    workgroup = forms.ChoiceField(label=_("Faggruppe"), required=False)

    def __init__(self, *args: Any, users: Choices, groups: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["user"]).choices = [("", "—"), *users]
        cast(forms.ChoiceField, self.fields["workgroup"]).choices = [("", "—"), *groups]


class AnswerByForm(forms.Form):
    answer_by = _date(_("Ny svarfrist"))


class ChooseGroupsForm(forms.Form):
    groups = forms.MultipleChoiceField(
        label=_("Hvilke andre faggrupper arbejder du sammen med om borgerne?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Vælg dem, du har haft kontakt med i perioden. Du vurderer hver gruppe for sig."
        ),
    )
    rate_own = forms.BooleanField(
        label=_("Jeg vil også vurdere samarbejdet i min egen faggruppe"), required=False
    )

    def __init__(self, *args: Any, groups: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["groups"]).choices = groups


class AnswerField(forms.ChoiceField):
    """A choice whose value the service checks (``logic.check_answers``), so that a wrong value
    gets the same message, in the same place, as a missing one."""

    def validate(self, value: Any) -> None:
        return None


class GroupAnswerForm(forms.Form):
    """The instrument's items about one workgroup, each a group of radio buttons with the
    item's options and "Ikke relevant"."""

    def __init__(
        self,
        *args: Any,
        instrument: logic.Instrument,
        group_name: str,
        english: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            text = item.text_en if english and item.text_en else item.text_da
            choices: list[tuple[str, Any]] = [
                (o.code, o.label_en if english and o.label_en else o.label_da) for o in item.options
            ]
            choices.append((logic.NOT_RELEVANT, _("Ikke relevant")))
            self.fields[item.key] = AnswerField(
                label=text.replace("{gruppe}", group_name),
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean(self) -> dict[str, Any]:
        # Validity (a known option, nothing missing) is the service's: one message, one place.
        return self.cleaned_data

    def answers(self) -> dict[str, str]:
        return {key: str(self.data.get(key, "") or "") for key in self.instrument.item_keys}


class WorkgroupForm(forms.Form):
    slug = forms.CharField(
        label=_("Kode"),
        max_length=40,
        required=False,
        help_text=_("Små bogstaver, tal og bindestreg; kan ikke ændres senere."),
    )
    name_da = forms.CharField(label=_("Navn (dansk)"), max_length=120, required=False)
    name_en = forms.CharField(label=_("Navn (engelsk)"), max_length=120, required=False)
    description = forms.CharField(label=_("Beskrivelse"), max_length=300, required=False)
    kind = forms.ChoiceField(
        label=_("Slags"), choices=WorkgroupKind.choices, initial=WorkgroupKind.PROFESSIONAL
    )
    order = forms.IntegerField(label=_("Rækkefølge"), initial=100, min_value=0, max_value=1000)
    active = forms.BooleanField(label=_("I brug"), required=False, initial=True)


class DecideForm(forms.Form):
    signature = forms.CharField(widget=forms.HiddenInput, max_length=300)
    workgroup = forms.ChoiceField(label=_("Faggruppe"), required=False)

    def __init__(self, *args: Any, groups: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["workgroup"]).choices = [("", "—"), *groups]
