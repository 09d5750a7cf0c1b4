"""The course's tab bar for every page about one course (``courses/_course_header.html``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from helhed.courses.sections import course_tabs

register = template.Library()


@register.simple_tag
def course_tab_links(course_id: Any, active: str) -> list[dict[str, Any]]:
    """The tabs as links for one course: ``slug``, ``label``, ``url`` and ``current``."""
    return [
        {
            "slug": tab.slug,
            "label": tab.label,
            "url": reverse(tab.url_name, args=[course_id]),
            "current": tab.slug == active,
        }
        for tab in course_tabs()
    ]
