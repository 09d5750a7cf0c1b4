"""The import's forms: the upload and the mapping (one choice per field among the file's
columns)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.imports import logic

ENCODING_CHOICES = [("", _("Find selv (UTF-8, ellers Windows-1252)"))] + [
    (k, v) for k, v in logic.ENCODINGS.items()
]
DELIMITER_CHOICES = [("", _("Find selv"))] + [(k, v) for k, v in logic.DELIMITERS.items()]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Udtræk (CSV eller XLSX)"),
        help_text=_("Højst 50 MB. Filen slettes, når importen er kørt, og senest efter 24 timer."),
    )
    source = forms.CharField(
        label=_("Kilde"),
        max_length=120,
        help_text=_("Fx »Jobcenter Nordby, Fagsystem X«. Kolonnevalget gemmes pr. kilde."),
    )
    unit = forms.ChoiceField(label=_("Enhed, der koordinerer forløbene"))
    initiative = forms.ChoiceField(label=_("Indsats i registret"))
    encoding = forms.ChoiceField(label=_("Tegnsæt"), choices=ENCODING_CHOICES, required=False)
    delimiter = forms.ChoiceField(
        label=_("Skilletegn (CSV)"), choices=DELIMITER_CHOICES, required=False
    )

    def __init__(self, *args: Any, units: list[Any], initiatives: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        initiative_field = self.fields["initiative"]
        assert isinstance(unit_field, forms.ChoiceField)
        assert isinstance(initiative_field, forms.ChoiceField)
        unit_field.choices = [(str(u.pk), u.name) for u in units]
        initiative_field.choices = [("", "—"), *initiatives]


class MappingForm(forms.Form):
    encoding = forms.ChoiceField(label=_("Tegnsæt"), choices=ENCODING_CHOICES, required=False)
    delimiter = forms.ChoiceField(
        label=_("Skilletegn (CSV)"), choices=DELIMITER_CHOICES, required=False
    )

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        columns = [("", _("— ikke i filen —")), *((h, h) for h in headers if h)]
        for key, (label, need) in logic.FIELDS.items():
            self.fields[f"f_{key}"] = forms.ChoiceField(
                label=label,
                choices=columns,
                required=False,
                help_text=_("Skal udfyldes") if need else "",
            )

    def mapping(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(f"f_{k}") or "" for k in logic.FIELDS}
