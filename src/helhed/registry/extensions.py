"""What the registry adds to pages owned by core: its menu entries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item


def register() -> None:
    register_menu_item(
        "registry:initiative_list",
        _("Register"),
        frozenset({"fagperson", "koordinator", "leder", "analytiker", "administrator"}),
    )
    register_menu_item(
        "registry:matrix",
        _("Kategorier"),
        frozenset({"leder", "analytiker", "administrator"}),
    )
