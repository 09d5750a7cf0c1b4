"""One kind of extension point: each app's ``extensions.py``.

Pages and jobs that a lower app owns show what higher apps contribute: the main menu and the
start pages' panels (``core``), the course page's sections, timeline events and timeliness figures
(``courses.sections``), the daily alert producers (``notifications.alerts``), and receivers of
the lower apps' signals. An app contributes in one place, a module ``<app>/extensions.py`` with a
``register()`` function that calls those registries' ``register_*`` functions. ``CoreConfig.ready``
imports every installed Helhed app's ``extensions`` module and calls ``register()`` once, in
``INSTALLED_APPS`` order — as Django's admin discovers ``admin.py`` — and system checks
(``core.checks``, ``courses.checks``, ``notifications.checks``) verify at start-up that keys are
unique, URL names resolve and templates exist.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from django.apps import apps

_DISCOVERED: list[str] = []


def discover() -> list[str]:
    """Import each installed Helhed app's ``extensions`` module and call its ``register()``.
    Returns the modules' names. Runs once (later calls return what the first found)."""
    if _DISCOVERED:
        return list(_DISCOVERED)
    for config in apps.get_app_configs():
        if not config.name.startswith("helhed."):
            continue
        module = _extensions_of(config.name)
        if module is None:
            continue
        module.register()
        _DISCOVERED.append(module.__name__)
    return list(_DISCOVERED)


def _extensions_of(app: str) -> ModuleType | None:
    name = f"{app}.extensions"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


# Keys contributed to each registry, counted: a key registered twice is a mistake the system
# checks report (the second contribution would silently replace the first).
_CLAIMS: dict[tuple[str, str], int] = {}


def claim(registry: str, key: str) -> None:
    """Record that ``key`` was contributed to ``registry`` (called by the register functions)."""
    _CLAIMS[(registry, key)] = _CLAIMS.get((registry, key), 0) + 1


def duplicates() -> list[tuple[str, str]]:
    return sorted(k for k, n in _CLAIMS.items() if n > 1)
