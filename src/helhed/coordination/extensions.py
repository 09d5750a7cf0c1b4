"""What the coordination app adds to pages and jobs owned by lower apps: start-page panels (a
leader's waves, a participant's invitation), the menu entry, the daily reminders, the signal that
classifies a team member into a workgroup when ``courses`` saves it, and the start-up checks of
the settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.context_processors import register_menu_item
from helhed.core.models import Role
from helhed.core.panels import Panel, register_panel


def _leader_panel(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.coordination import selectors

    return selectors.leader_panel(request.user)  # type: ignore[arg-type]


def _participant_panel(request: HttpRequest) -> dict[str, Any] | None:
    from helhed.coordination import selectors

    return selectors.participant_panel(request.user)  # type: ignore[arg-type]


def _team_member_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """``courses`` saved a team member: give it a workgroup (a fixture load is left alone)."""
    if raw:
        return
    from helhed.coordination import services

    services.team_member_saved(instance.pk)


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``HELHED_RC_MIN_RESPONDENTS`` is a whole number ≥ 3; ``HELHED_RC_BANDS`` is two numbers
    1 ≤ weak below ≤ strong from ≤ 5."""
    from helhed.coordination import logic

    problems: list[checks.CheckMessage] = []
    value = getattr(settings, "HELHED_RC_MIN_RESPONDENTS", logic.DEFAULT_THRESHOLD)
    if not isinstance(value, int) or isinstance(value, bool) or value < logic.MIN_THRESHOLD:
        problems.append(
            checks.Error(
                "HELHED_RC_MIN_RESPONDENTS must be a whole number of at least 3.",
                hint="A cell resting on fewer respondents could point at a person.",
                id="coordination.E001",
            )
        )
    bands = getattr(settings, "HELHED_RC_BANDS", None)
    if bands is not None:
        try:
            weak, strong = (float(v) for v in bands)
            ok = logic.Bands(weak, strong).valid()
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(
                checks.Error(
                    "HELHED_RC_BANDS must be (weak below, strong from) with 1 <= weak <= strong "
                    "<= 5.",
                    id="coordination.E002",
                )
            )
    return problems


def register() -> None:
    from helhed.coordination import selectors
    from helhed.notifications.alerts import register_alert_producer

    register_panel(
        Panel(
            "coordination:leader",
            "coordination/panels/leader.html",
            _leader_panel,
            order=40,
            pages=frozenset({"home:leder", "home:analytiker"}),
        )
    )
    register_panel(
        Panel(
            "coordination:participant",
            "coordination/panels/participant.html",
            _participant_panel,
            order=10,
            pages=frozenset(
                {
                    "home:fagperson",
                    "home:koordinator",
                    "home:leder",
                    "home:analytiker",
                    "home:administrator",
                }
            ),
        )
    )
    register_menu_item(
        "coordination:index",
        _("Samarbejde"),
        frozenset(Role),
    )
    register_alert_producer("coordination:reminders", selectors.reminders)
    post_save.connect(
        _team_member_saved, sender="courses.TeamMember", dispatch_uid="coordination-team-member"
    )
    checks.register(check_settings, "helhed")
