"""Forms of the core app."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.core.models import OrganisationType
from helhed.core.reference_data import REGIONS


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Søg på navn eller kode"), required=False, max_length=100)
    org_type = forms.ChoiceField(label=_("Type"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_type = cast(forms.ChoiceField, self.fields["org_type"])
        org_type.choices = [("", _("Alle typer"))] + [
            (t.slug, t.name_da) for t in OrganisationType.objects.all()
        ]
        region = cast(forms.ChoiceField, self.fields["region"])
        region.choices = [("", _("Alle regioner")), *REGIONS]


# --------------------------------------------------------------------------------------------
# Choices among personal data: lists from the guard, never querysets
# --------------------------------------------------------------------------------------------


CHOOSE = _("— vælg —")


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects a selector returned (already filtered by what the reader may see):
    the form never builds a queryset of personal data, so it can offer nothing the guard did not.
    ``clean`` returns the chosen object (or None when not required and empty)."""

    def __init__(
        self,
        *,
        objects: Any = (),
        label_of: Any = str,
        empty_label: Any = CHOOSE,
        **kwargs: Any,
    ) -> None:
        self.empty_label = empty_label
        super().__init__(**kwargs)
        self.set_objects(objects, label_of)

    def set_objects(self, objects: Any, label_of: Any = str) -> None:
        self.objects = {str(o.pk): o for o in objects}
        empty = [("", self.empty_label)] if self.empty_label is not None else []
        self.choices = empty + [(key, label_of(o)) for key, o in self.objects.items()]

    def prepare_value(self, value: Any) -> Any:
        return str(getattr(value, "pk", value)) if value not in (None, "") else ""

    def to_python(self, value: Any) -> Any:
        return str(getattr(value, "pk", value)) if value not in self.empty_values else ""

    def clean(self, value: Any) -> Any:
        key = super().clean(value)
        return self.objects.get(key) if key else None


class ObjectMultipleChoiceField(forms.MultipleChoiceField):
    """Several objects from a selector's list; ``clean`` returns the chosen objects in order."""

    def __init__(self, *, objects: Any = (), label_of: Any = str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_objects(objects, label_of)

    def set_objects(self, objects: Any, label_of: Any = str) -> None:
        self.objects = {str(o.pk): o for o in objects}
        self.choices = [(key, label_of(o)) for key, o in self.objects.items()]

    def prepare_value(self, value: Any) -> Any:
        if value is None:
            return []
        return [str(getattr(v, "pk", v)) for v in value]

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        return [str(getattr(v, "pk", v)) for v in value]

    def clean(self, value: Any) -> Any:
        keys = super().clean(value)
        return [self.objects[k] for k in keys]
