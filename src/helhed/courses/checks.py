"""System checks of the course page's sections that other apps contribute (``sections``): a lazy
section's URL name resolves with a course id, an inline section's template exists."""

from __future__ import annotations

import uuid
from typing import Any

from django.core import checks
from django.urls import NoReverseMatch, reverse

from helhed.core.checks import template_check


def section_checks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from helhed.courses.sections import course_sections

    errors: list[checks.CheckMessage] = []
    for section in course_sections():
        if section.url_name is not None:
            try:
                reverse(section.url_name, args=[uuid.UUID(int=0)])
            except NoReverseMatch:
                errors.append(
                    checks.Error(
                        f"course section {section.key!r}: {section.url_name!r} does not take a "
                        "course id",
                        id="helhed.E004",
                    )
                )
        if section.template is not None:
            errors.extend(template_check(section.template, f"course section {section.key!r}"))
    return errors
