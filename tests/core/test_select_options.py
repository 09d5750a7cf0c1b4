"""``{% select_options %}`` (core.templatetags.helhed_forms) writes a select's options as
Django's own templates do — safe and lazy labels, option groups, attributes of every kind, a
missing value, and labels that are numbers or dates, localised as ``{{ }}`` localises them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from helhed.core.renderer import DkfdsFormRenderer


class AttrSelect(forms.Select):
    def create_option(self, *a: Any, **k: Any) -> dict[str, Any]:
        o = super().create_option(*a, **k)
        o["attrs"].update(
            {
                "data-none": None,
                "data-t": True,
                "data-f": False,
                "data-q": 'a"<b>',
                "data-safe": mark_safe("<i>"),
            }
        )
        return o


def _render(renderer: Any, field: forms.Field) -> str:
    class F(forms.Form):
        x = field

    with translation.override("da"):
        html = str(F(renderer=renderer)["x"])
    return "\n".join(line for line in html.splitlines() if line.strip())


CASES = {
    "safe_label": forms.ChoiceField(choices=[("a", mark_safe("<b>fed</b>")), ("b", "<b>")]),
    "lazy": forms.ChoiceField(choices=[(_("Ja"), [("a", _("Nej"))]), ("b", _("Alle"))]),
    "safe_group": forms.ChoiceField(choices=[(mark_safe("<g>"), [("a", "A")])]),
    "attrs": forms.ChoiceField(choices=[("a", "A")], widget=AttrSelect),
    "none_value": forms.ChoiceField(choices=[(None, "Ingen"), (1, 2)]),
    "decimal_label": forms.ChoiceField(choices=[("a", Decimal("1.5")), ("b", 2.25)]),
    "date_label": forms.ChoiceField(choices=[("a", datetime.date(2026, 12, 7))]),
    "big_int": forms.ChoiceField(choices=[("a", 1234567)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_django(name: str) -> None:
    ours = _render(DkfdsFormRenderer(), CASES[name])
    assert ours == _render(DjangoTemplates(), CASES[name])
