"""Registry permissions: every logged-in user may read (no personal data); administrators and
analysts may write."""

from __future__ import annotations

import rules

from helhed.core.rules import is_administrator, is_analyst


@rules.predicate
def is_logged_in(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False))


rules.add_perm("registry.view_initiative", is_logged_in)
rules.add_perm("registry.change_initiative", is_administrator | is_analyst)
