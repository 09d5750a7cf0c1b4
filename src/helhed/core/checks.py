"""System checks of what apps contribute through their ``extensions.py``
(``core.extension_points``): unique keys in every registry, menu entries whose URL names
resolve, panels whose templates exist. ``courses.checks`` checks the course page's sections."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse


def extension_checks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from helhed.core.context_processors import menu_items
    from helhed.core.extension_points import duplicates
    from helhed.core.panels import registered_panels

    errors: list[checks.CheckMessage] = []
    for registry, key in duplicates():
        errors.append(
            checks.Error(
                f"{registry} {key!r} is contributed twice",
                hint="Each key may be registered once (an app's extensions.py).",
                id="helhed.E001",
            )
        )
    for url_name, _label, _roles in menu_items():
        try:
            reverse(url_name)
        except NoReverseMatch:
            errors.append(
                checks.Error(f"menu entry {url_name!r}: no such URL name", id="helhed.E002")
            )
    for panel in registered_panels():
        errors.extend(template_check(panel.template, f"panel {panel.key!r}"))
    return errors


def template_check(name: str, what: str) -> list[checks.CheckMessage]:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return [checks.Error(f"{what}: template {name!r} does not exist", id="helhed.E003")]
    return []


def register() -> None:
    checks.register(extension_checks, checks.Tags.urls, checks.Tags.templates)
