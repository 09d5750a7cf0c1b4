"""The systemd units in deploy/systemd/ pass ``systemd-analyze verify``; a broken one does not.

``verify`` checks every directive name and value and that ``ExecStart``'s program exists, so the
units are rendered into a temporary folder with ``/opt/helhed/.venv/bin/helhed`` replaced by this
virtual environment's ``helhed``; nothing else is changed. It needs neither root nor a running
systemd. An unknown directive is only a warning to systemd (exit code 0): the tests therefore
require verify to print nothing at all, and the negative cases show each kind of mistake caught.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED_HELHED = "/opt/helhed/.venv/bin/helhed"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
SERVICES = ("helhed.service", "helhed-worker.service", "helhed-daily.service")


def render(folder: Path, *, replace: tuple[str, str, str] | None = None) -> list[Path]:
    """The units with this environment's helhed; ``replace`` = (unit, old, new) breaks one."""
    helhed = Path(sys.executable).parent / "helhed"
    assert os.access(helhed, os.X_OK), f"no helhed executable beside {sys.executable}"
    paths = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text().replace(INSTALLED_HELHED, str(helhed))
        if replace and replace[0] == unit.name:
            assert replace[1] in text, replace
            text = text.replace(replace[1], replace[2])
        path = folder / unit.name
        path.write_text(text)
        paths.append(path)
    return paths


def verify(paths: list[Path]) -> tuple[int, str]:
    assert Path(SYSTEMD_ANALYZE).exists(), "systemd-analyze is needed (Debian: apt install systemd)"
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, (result.stdout + result.stderr).strip()


def test_the_units_are_the_four_the_docs_install() -> None:
    assert sorted(p.name for p in UNITS.iterdir()) == sorted([*SERVICES, "helhed-daily.timer"])


def test_systemd_analyze_verify_passes_without_a_word(tmp_path: Path) -> None:
    code, output = verify(render(tmp_path))
    assert (code, output) == (0, "")


@pytest.mark.parametrize(
    ("unit", "old", "new", "message"),
    [
        # A typo in a directive's name: systemd ignores the line with a warning, exit code 0.
        ("helhed.service", "NoNewPrivileges=yes", "NoNewPrivilege=yes", "Unknown key"),
        ("helhed.service", "Type=notify", "Type=notfy", "Failed to parse service type"),
        ("helhed-worker.service", "ProtectSystem=strict", "ProtectSystem=strikt", "Failed to"),
        ("helhed-daily.timer", "06:00:00 Europe/Copenhagen", "26:00:00", "Failed to parse"),
        ("helhed-daily.service", "bin/helhed alerts", "bin/helhedd alerts", "is not executable"),
        ("helhed-daily.timer", "[Timer]", "[Timr]", "Unknown section"),
    ],
)
def test_a_broken_unit_fails_verification(
    tmp_path: Path, unit: str, old: str, new: str, message: str
) -> None:
    _code, output = verify(render(tmp_path, replace=(unit, old, new)))
    assert output, "systemd-analyze said nothing about a broken unit"
    assert message in output
    assert unit in output  # the unit (file and line) is named


def directives(unit: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (UNITS / unit).read_text().splitlines():
        match = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def environment_files(unit: str) -> list[str]:
    """Every EnvironmentFile= in order: systemd reads them in this order, a later file's value
    of a variable overrides an earlier one's."""
    text = (UNITS / unit).read_text()
    return re.findall(r"^EnvironmentFile=(.*)$", text, flags=re.MULTILINE)


HARDENING = (
    "NoNewPrivileges",
    "ProtectSystem",
    "ProtectHome",
    "PrivateTmp",
    "PrivateDevices",
    "RestrictSUIDSGID",
    "RestrictAddressFamilies",
    "CapabilityBoundingSet",
    "UMask",
    "StateDirectory",
)


@pytest.mark.parametrize("unit", SERVICES)
def test_every_service_is_hardened_alike_and_reads_the_environment_file(unit: str) -> None:
    server, this = directives("helhed.service"), directives(unit)
    assert environment_files(unit)[0] == "/etc/helhed/helhed.env"
    assert this["User"] == "helhed"
    assert this["ProtectSystem"] == "strict" and this["NoNewPrivileges"] == "yes"
    assert "/var/lib/helhed" in this["ReadWritePaths"].split()
    assert {key: this.get(key) for key in HARDENING} == {key: server[key] for key in HARDENING}


def test_only_the_daily_job_reads_the_owners_database_url_after_the_shared_file() -> None:
    """PostgreSQL role separation: the server and the worker connect as the application role
    (helhed.env's DATABASE_URL); the daily job's retention step needs the owner, whose URL is in
    owner.env, read last so that it wins (docs/operations.md, "Installing with systemd")."""
    assert environment_files("helhed-daily.service") == [
        "/etc/helhed/helhed.env",
        "-/etc/helhed/owner.env",
    ]
    assert environment_files("helhed.service") == ["/etc/helhed/helhed.env"]
    assert environment_files("helhed-worker.service") == ["/etc/helhed/helhed.env"]


def test_the_server_reloads_by_sighup_and_stops_after_the_graceful_timeout() -> None:
    server = directives("helhed.service")
    assert server["Type"] == "notify"
    assert server["ExecStart"].endswith("/helhed serve")
    assert server["ExecReload"] == "/bin/kill -s HUP $MAINPID"
    assert server["KillSignal"] == "SIGTERM"
    assert int(server["TimeoutStopSec"]) > 30  # gunicorn's HELHED_GRACEFUL_TIMEOUT default
    assert server["Restart"] == "on-failure"


def test_the_daily_job_runs_at_six_danish_time_and_catches_up(tmp_path: Path) -> None:
    timer = directives("helhed-daily.timer")
    assert timer["Persistent"] == "true"
    assert directives("helhed-daily.service")["ExecStart"].endswith("/helhed alerts")
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "calendar", "--iterations=2", timer["OnCalendar"]],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "TZ": "Europe/Copenhagen"},
    )
    assert result.returncode == 0, result.stderr
    elapses = re.findall(
        r"(?:Next elapse|Iter\. #2): \w+ [\d-]+ (\d\d:\d\d:\d\d) CES?T", result.stdout
    )
    assert elapses == ["06:00:00", "06:00:00"], result.stdout
