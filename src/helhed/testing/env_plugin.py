"""pytest plugin loaded with ``-p`` before pytest-django reads the settings.

Tests run with DEBUG semantics off inside Django (the test runner forces DEBUG=False) but with the
development environment around it: no HTTPS redirect, the development secret key. A real
``DATABASE_URL`` from the environment (the PostgreSQL run) is respected.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("HTTPS", "false")
