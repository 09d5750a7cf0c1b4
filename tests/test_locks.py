"""The lock files pin every dependency by name and version from the package registry.

A line such as ``helhed @ file:///work/main`` (left by ``pip-compile`` run over the project itself)
made ``make test`` install a copy of whatever lay in that directory — including stale build
output — over the editable install of the checkout being tested.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]+\])?==[^\s;]+(\s*;.*)?$")


@pytest.mark.parametrize("lock", sorted(p.name for p in ROOT.glob("requirements*.lock")))
def test_every_lock_line_is_a_registry_pin(lock: str) -> None:
    lines = (ROOT / lock).read_text().splitlines()
    requirements = [
        line.strip() for line in lines if line.strip() and not line.lstrip().startswith(("#", "--"))
    ]
    assert requirements, f"{lock} pins nothing"
    assert [line for line in requirements if not PINNED.match(line)] == []
