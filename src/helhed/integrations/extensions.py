"""The integrations app's contribution to pages it does not own: the administrators' menu entry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from helhed.core.context_processors import register_menu_item
from helhed.core.models import Role


def register() -> None:
    register_menu_item(
        "integrations:list", gettext_lazy("Integrationer"), frozenset({Role.ADMINISTRATOR})
    )
