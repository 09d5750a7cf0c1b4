"""The ``helhed`` console command: manage.py under a friendlier name.

``helhed migrate``, ``helhed demo``, ``helhed runserver``… A configuration error (a missing or
malformed environment variable) is printed as one line naming the variable, exit code 2.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - force reading the environment now
    except ImproperlyConfigured as exc:
        print(f"helhed: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    from django.core.management import execute_from_command_line

    execute_from_command_line(["helhed", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
