"""Template filters for money: øre → ``1.234 kr.``, kroner → the same, signed with a class."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from helhed.economics import texts

register = template.Library()


@register.filter
def ore_kr(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return texts.kr(int(value), ore=True)


@register.filter
def kr(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return texts.kr(Decimal(value))


@register.filter
def signed_kr(value: Any) -> SafeString:
    """A net amount; negative in red, positive in green (the text carries the sign too)."""
    if value is None:
        return format_html("{}", "–")
    v = Decimal(value)
    css = "econ-neg" if v < 0 else ("econ-pos" if v > 0 else "")
    return format_html('<span class="{}">{}</span>', css, texts.kr(v))


@register.filter
def pct(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return texts.percent(Decimal(value), 1 if Decimal(value) % 1 else 0)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def area(value: str) -> str:
    return texts.area_label(value)


@register.filter
def payer(value: str) -> str:
    return texts.payer_label(value)


@register.filter
def status(value: str) -> str:
    return texts.status_label(value)


@register.filter
def source(value: str) -> str:
    return texts.source_label(value)
