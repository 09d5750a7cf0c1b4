"""Navigation shared by every page: the user's role, the menu that role may use, and who is logged
in on behalf of which organisation (DKFDS's header shows it in its portal and solution rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import StrOrPromise

from helhed.core.models import Role, UserKind
from helhed.core.selectors import membership_list, roles_of, start_role

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


def _mark_current(menu: list[dict[str, Any]], path: str) -> None:
    """DKFDS: ``aria-current="page"`` on the link to this very page, ``"true"`` on the entry a
    sub-page belongs to (the longest matching entry, so "/" does not claim every page)."""
    exact = [item for item in menu if item["url"] == path]
    within = sorted(
        (i for i in menu if i["url"] != "/" and path.startswith(i["url"])),
        key=lambda i: len(i["url"]),
    )
    chosen = exact[0] if exact else (within[-1] if within else None)
    for item in menu:
        item["current"] = item is chosen
        item["aria_current"] = ("page" if exact else "true") if item is chosen else ""


def _who(user: Any, role: str | None) -> dict[str, Any]:
    """The header's "who is logged in": name, organisations and units of today's memberships (read
    once per request with the roles), the role shown."""
    name = user.get_full_name() or user.username
    if user.kind != UserKind.STAFF:
        return {"name": name, "organisations": "", "units": "", "role": ""}
    memberships = membership_list(user)
    organisations = sorted({m.unit.organisation.name for m in memberships})
    units = sorted({m.unit.name for m in memberships})
    return {
        "name": name,
        "organisations": ", ".join(organisations),
        "units": ", ".join(units),
        "role": str(Role(role).label) if role in Role.values else "",
    }


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"menu": [], "current_role": None, "header_user": None}
    role = start_role(user)
    held = roles_of(user) if role != "citizen" else {"citizen"}
    menu: list[dict[str, Any]] = [{"url": reverse("core:home"), "label": _("Forside")}]
    for url_name, label, roles in _MENU_ITEMS:
        if held & roles:
            menu.append({"url": reverse(url_name), "label": str(label)})
    _mark_current(menu, request.path)
    return {"menu": menu, "current_role": role, "header_user": _who(user, role)}
