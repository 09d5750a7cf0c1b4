"""Det Fælles Designsystem's field markup through Django's form renderer.

``FORM_RENDERER`` points here, so ``{{ field.as_field_group }}`` (and ``{{ form }}``) render every
field the DKFDS way: a labelled ``form-group`` with hint and error tied to the input
(``_field.html``), or a ``fieldset`` for a group of radio buttons or checkboxes
(``_choices.html``), chosen by ``dkfds/field.html``. The widgets get DKFDS's classes
(``form-input``, ``form-select``) as they are rendered, so no form or view has to set them.
"""

from __future__ import annotations

from typing import Any

from django import forms
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
        return super().render(template_name, context, request)
