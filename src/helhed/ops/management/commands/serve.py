"""``helhed serve``: the production server (gunicorn) configured from the environment.

Checks what can be checked before anything listens — the settings (the ``helhed`` command has
read them), the ``HELHED_*`` server variables and, with DEBUG off, the collected static files —
and then replaces itself with gunicorn (same process id, so systemd's ``Type=notify`` and
signals reach gunicorn's master directly). ``--check`` prints the configuration and stops.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from helhed.ops.serve import ServeConfigError, gunicorn_argv, server_config


def static_files_problem() -> str | None:
    """Why pages cannot be served with the configured static files, or None.

    With DEBUG off every ``{% static %}`` looks its file up in the manifest that
    ``helhed collectstatic`` writes; without it every page would answer 500."""
    if settings.DEBUG:
        return None
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        return None
    return (
        f"static files are not collected: {manifest} is missing — run "
        "`helhed collectstatic --no-input` (HELHED_STATIC_ROOT)"
    )


class Command(BaseCommand):
    help = "Start the production server (gunicorn) configured from HELHED_* environment variables."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Print the server configuration and exit without starting the server.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = server_config()
        except ServeConfigError as exc:
            self._refuse(str(exc))
        problem = static_files_problem()
        if problem:
            self._refuse(problem)
        if options["check"]:
            for line in config.describe():
                self.stdout.write(line)
            return
        argv = gunicorn_argv()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(argv[0], argv)

    def _refuse(self, message: str) -> NoReturn:
        self.stderr.write(f"helhed: configuration error: {message}")
        raise SystemExit(2)
