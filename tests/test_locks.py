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


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / lock).read_text().splitlines():
        if PINNED.match(line.strip()):
            name, version = line.strip().split(";")[0].split("==")
            pins[re.sub(r"\[.*\]", "", name).lower()] = version.strip()
    return pins


@pytest.mark.parametrize(
    "lock",
    sorted(p.name for p in ROOT.glob("requirements-*.lock") if p.name != "requirements.lock"),
)
def test_an_extra_lock_pins_the_application_s_packages_at_the_same_versions(lock: str) -> None:
    """The extras' locks are installed into the same virtualenv as requirements.lock (``make
    load`` after ``make setup``): a newer Django or pydantic there silently replaced the locked
    ones under the running application (django 5.2.19 → 5.2.20, pydantic-core 2.50.4 → 2.50.5).
    They are compiled with ``-c requirements.lock``."""
    base, extra = _pins("requirements.lock"), _pins(lock)
    differ = {name: (base[name], extra[name]) for name in base.keys() & extra.keys()}
    assert {name: v for name, v in differ.items() if v[0] != v[1]} == {}
