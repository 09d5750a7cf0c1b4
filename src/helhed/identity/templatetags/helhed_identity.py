"""``{% oidc_login_buttons %}``: a "Log ind med …" button per configured organisation login."""

from __future__ import annotations

from typing import Any

from django import template

from helhed.identity.selectors import login_choices

register = template.Library()


@register.inclusion_tag("identity/_login_buttons.html", takes_context=True)
def oidc_login_buttons(context: Any) -> dict[str, Any]:
    return {"choices": login_choices(), "csrf_token": context.get("csrf_token")}
