"""What the import app contributes: its menu entry, and the daily purge of uploads older than 24
hours, run by ``helhed alerts`` (it yields no alert), and retention's deletion of old jobs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.core.models import Role
from helhed.notifications.alerts import register_alert_producer


def _purge(today: date) -> Iterator[Any]:
    from helhed.imports.services import purge_expired

    purge_expired()
    yield from ()


def register() -> None:
    from helhed.imports.services import delete_jobs_before
    from helhed.retention.logic import IMPORT_JOBS
    from helhed.retention.services import register_sweep

    register_menu_item("imports:list", _("Import"), frozenset({Role.KOORDINATOR, Role.FAGPERSON}))
    register_alert_producer("imports:purge-uploads", _purge)
    register_sweep(IMPORT_JOBS, delete_jobs_before)
