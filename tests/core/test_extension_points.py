"""One kind of extension point (``core.extension_points``): every app contributes from its
``extensions.py``, discovered once at start-up, and the system checks find a duplicate key, a
menu entry or course section whose URL name does not resolve, and a missing template."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helhed.core import checks as core_checks
from helhed.core import context_processors, extension_points, panels
from helhed.courses import checks as course_checks
from helhed.courses import sections


@pytest.fixture
def restore() -> Iterator[None]:
    """The registries as they were at start-up, after a test planted a mistake."""
    saved = (
        dict(extension_points._CLAIMS),
        list(context_processors._MENU_ITEMS),
        dict(panels._PANELS),
        dict(sections._SECTIONS),
    )
    yield
    extension_points._CLAIMS.clear()
    extension_points._CLAIMS.update(saved[0])
    context_processors._MENU_ITEMS[:] = saved[1]
    panels._PANELS.clear()
    panels._PANELS.update(saved[2])
    sections._SECTIONS.clear()
    sections._SECTIONS.update(saved[3])


def ids(messages: list[object]) -> list[str]:
    return [m.id for m in messages]  # type: ignore[attr-defined]


def test_every_app_contributes_from_its_extensions_module_and_the_checks_pass() -> None:
    found = extension_points.discover()
    assert {
        "helhed.courses.extensions",
        "helhed.meetings.extensions",
        "helhed.handovers.extensions",
        "helhed.progress.extensions",
        "helhed.economics.extensions",
        "helhed.coordination.extensions",
        "helhed.registry.extensions",
    } <= set(found)
    assert extension_points.discover() == found  # once
    assert core_checks.extension_checks() == []
    assert course_checks.section_checks() == []
    assert {s.key for s in sections.course_sections()} >= {"meetings", "handovers"}


def test_the_checks_find_planted_mistakes(restore: None) -> None:
    context_processors.register_menu_item("courses:course_list", "Igen", frozenset({"leder"}))
    context_processors.register_menu_item("nowhere:at_all", "Væk", frozenset({"leder"}))
    panels.register_panel(
        panels.Panel("x:panel", "no/such/template.html", lambda request: None, pages=frozenset())
    )
    found = core_checks.extension_checks()
    assert ids(found) == ["helhed.E001", "helhed.E002", "helhed.E003"]
    assert "'courses:course_list' is contributed twice" in str(found[0])
    sections.register_course_section(
        sections.CourseSection("x:lazy", "Lazy", url_name="courses:course_list")
    )
    sections.register_course_section(
        sections.CourseSection(
            "x:inline", "Inline", template="no/such.html", context=lambda r, o: None
        )
    )
    assert sorted(ids(course_checks.section_checks())) == ["helhed.E003", "helhed.E004"]
