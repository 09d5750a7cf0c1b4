"""What the registry adds to pages owned by core: its menu entries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.core.models import Role


def register() -> None:
    register_menu_item(
        "registry:initiative_list",
        _("Register"),
        frozenset(Role),
    )
    register_menu_item(
        "registry:matrix",
        _("Kategorier"),
        frozenset({Role.LEDER, Role.ANALYTIKER, Role.ADMINISTRATOR}),
    )
