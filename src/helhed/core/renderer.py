"""Det Fælles Designsystem's field markup through Django's form renderer.

``FORM_RENDERER`` points here, so ``{{ field.as_field_group }}`` (and ``{{ form }}``) render every
field the DKFDS way: a labelled ``form-group`` with hint and error tied to the input
(``_field.html``), or a ``fieldset`` for a group of radio buttons or checkboxes
(``_choices.html``), chosen by ``dkfds/field.html``. The widgets get DKFDS's classes
(``form-input``, ``form-select``) as they are rendered, so no form or view has to set them.

DKFDS's convention for required and optional fields (designsystem.dk, "Inputfelter": "Obligatoriske
og frivillige inputfelter"): no star; where most fields of a form must be filled in, the few
optional ones say "(frivilligt)"; where most are optional, the few required ones say
"(*skal udfyldes)". ``field_mark`` decides this per form, so every form gets it.
"""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest


def dkfds_widget(widget: forms.Widget) -> None:
    """Give a widget DKFDS's class (kept if the form set one)."""
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput):
        return
    if isinstance(widget, forms.Select):
        widget.attrs.setdefault("class", "form-select")
    elif not isinstance(widget, forms.HiddenInput):
        widget.attrs.setdefault("class", "form-input")


Mark = Literal["optional", "required", ""]


def _markable(field: BoundField) -> bool:
    """A field that can be left empty or not. A single optional checkbox is a yes/no question
    (unticked is an answer), so it is neither counted nor marked; nor is a disabled field."""
    if field.field.disabled:
        return False
    return not (isinstance(field.field.widget, forms.CheckboxInput) and not field.field.required)


def form_convention(form: forms.BaseForm) -> Literal["optional", "required"]:
    """Which kind a form marks: the optional fields (the usual case, most fields required) or, when
    most of its fields are optional, the required ones. A form may decide itself with a class
    attribute ``dkfds_marks = "optional" | "required"``."""
    chosen = getattr(form, "dkfds_marks", None)
    if chosen in ("optional", "required"):
        return chosen
    fields = [f for f in form.visible_fields() if _markable(f)]
    required = sum(1 for f in fields if f.field.required)
    return "required" if len(fields) - required > required else "optional"


# Labels written before the convention that already say so ("Note (valgfri)"): not marked twice.
_SAYS_OPTIONAL = ("valgfri", "frivillig", "optional")


def field_mark(field: BoundField) -> Mark:
    """The label's mark: "optional" → "(frivilligt)", "required" → "(*skal udfyldes)", "" → none."""
    if not _markable(field):
        return ""
    if any(word in str(field.label).lower() for word in _SAYS_OPTIONAL):
        return ""
    convention = form_convention(field.form)
    if convention == "optional" and not field.field.required:
        return "optional"
    if convention == "required" and field.field.required:
        return "required"
    return ""


class DkfdsFormRenderer(TemplatesSetting):
    """The project's template engine (so project templates and ``{% translate %}`` work)."""

    form_template_name = "dkfds/form.html"
    field_template_name = "dkfds/field.html"

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        field = context.get("field")
        if template_name == self.field_template_name and field is not None:
            dkfds_widget(field.field.widget)
            context = {**context, "dkfds_mark": field_mark(field)}
        return super().render(template_name, context, request)
