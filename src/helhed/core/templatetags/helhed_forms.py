"""``{% select_options widget %}``: a select's options written in Python, for the project's
``django/forms/widgets/select.html``.

Django's select template renders a template per option (``select_option.html`` with
``attrs.html``): about 25 µs an option, and the caseload's filters have a hundred options — a
tenth of a list page's time went there (docs/performance.md). This writes the same markup
(value and label escaped — and a label localised — as the templates do, the attributes as
``attrs.html`` writes them, option groups as ``select.html`` does); an option with another
template than Django's standard one is still rendered by its template. The project overrides
neither ``select_option.html`` nor ``attrs.html``; one that did would have to change this too
(``tests/core/test_renderer.py`` compares the markup with Django's own templates).
"""

from __future__ import annotations

from typing import Any

from django.template import Library
from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

register = Library()

STANDARD_OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    """What ``django/forms/widgets/attrs.html`` writes."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _shown(value: Any) -> str:
    """A value as ``{{ value }}`` writes it: localised (a number, a date) and escaped."""
    return conditional_escape(localize(template_localtime(value)))


def _option(option: dict[str, Any]) -> str:
    if option.get("template_name") != STANDARD_OPTION:
        return render_to_string(option["template_name"], {"widget": option})
    value = conditional_escape(str(option["value"]))
    label = _shown(option["label"])
    return f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>'


@register.simple_tag
def select_options(widget: dict[str, Any]) -> SafeString:
    """The ``<optgroup>``s and ``<option>``s of a select widget's context, as Django's templates
    write them."""
    out = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            out.append("\n  " + _option(option))
        if group_name:
            out.append("\n  </optgroup>")
    return mark_safe("".join(out))  # every value above is escaped
