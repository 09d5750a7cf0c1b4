"""Template filters for the coordination pages: a figure (``selectors.Shown``) as text, with
Danish decimals, "<k" or "x" when hidden and "–" when empty."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from helhed.coordination.labels import BAND_LABELS, DIMENSION_LABELS

register = template.Library()


@register.filter
def rk_num(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return "–"
    return number_format(round(float(value), int(digits)), decimal_pos=int(digits))


@register.filter
def rk_cell(cell: Any, k: int = 5) -> str:
    """A figure's text: the mean, or why it is not shown."""
    if cell is None:
        return "–"
    if cell.mean is not None:
        return rk_num(cell.mean)
    return cell.marker(int(k))


@register.filter
def rk_band(cell: Any) -> str:
    if cell is None or not getattr(cell, "band", ""):
        return ""
    return str(BAND_LABELS.get(cell.band, ""))


@register.filter
def rk_dimension(key: str) -> str:
    return str(DIMENSION_LABELS.get(key, key))


@register.filter
def rk_signed(value: Any) -> str:
    if value is None:
        return "–"
    text = rk_num(value)
    return text if float(value) < 0 else f"+{text}"


@register.filter
def get_group(groups: Any, slug: str) -> str:
    """A workgroup's name (in the page's language) from the results' ``groups``."""
    from helhed.coordination.selectors import group_name

    found = groups.get(slug) if hasattr(groups, "get") else None
    return group_name(found) if found else slug


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key, key) if hasattr(mapping, "get") else key
