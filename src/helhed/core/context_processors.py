"""Navigation shared by every page: the user's role and the menu that role may use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import StrOrPromise

from helhed.core.selectors import roles_of, start_role

_MENU_ITEMS: list[tuple[str, StrOrPromise, frozenset[str]]] = []


def register_menu_item(url_name: str, label: StrOrPromise, roles: frozenset[str]) -> None:
    """Apps add their entries to the main menu (lazy label, roles that see it), from their
    ``extensions.py``."""
    from helhed.core.extension_points import claim

    claim("menu entry", url_name)
    if all(existing[0] != url_name for existing in _MENU_ITEMS):
        _MENU_ITEMS.append((url_name, label, roles))


def menu_items() -> list[tuple[str, StrOrPromise, frozenset[str]]]:
    return list(_MENU_ITEMS)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"menu": [], "current_role": None}
    role = start_role(user)
    held = roles_of(user) if role != "citizen" else {"citizen"}
    menu: list[dict[str, Any]] = [{"url": reverse("core:home"), "label": _("Forside")}]
    for url_name, label, roles in _MENU_ITEMS:
        if held & roles:
            menu.append({"url": reverse(url_name), "label": str(label)})
    path = request.path
    for item in menu:
        item["current"] = path == item["url"] or (
            item["url"] != "/" and path.startswith(item["url"])
        )
    return {"menu": menu, "current_role": role}
