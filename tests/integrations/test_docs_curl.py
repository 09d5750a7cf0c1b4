"""The curl examples of docs/integration.md run as written, with the real /usr/bin/curl, against
a live server: every fenced block marked ```` ```sh curl-test status=… ````, in order, in bash,
sharing variables (HELHED, CLIENT_ID and CLIENT_SECRET set here; each block's assignments carry
on to the next). ``status=`` lists the HTTP status each curl call of the block must answer."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from helhed.core.models import Unit
from helhed.courses.models import Course

DOC = Path(settings.PROJECT_DIR) / "docs" / "integration.md"
FENCE = re.compile(r"^```sh curl-test status=([0-9,]+)\n(.*?)^```$", re.S | re.M)
CURL = Path("/usr/bin/curl")
PREAMBLE = """set -euo pipefail -a
curl() { command /usr/bin/curl -w '%{stderr}HTTP-STATUS %{http_code}\\n' "$@"; }
"""
EPILOGUE = '\nenv -0 > "$HELHED_DOC_STATE"\n'
NOT_CARRIED = {"SHELLOPTS", "BASHOPTS", "PWD", "OLDPWD", "SHLVL", "_", "HELHED_DOC_STATE"}


@dataclass(frozen=True)
class Block:
    line: int
    statuses: list[int]
    script: str


def blocks(text: str) -> list[Block]:
    return [
        Block(
            line=text.count("\n", 0, m.start()) + 1,
            statuses=[int(s) for s in m.group(1).split(",")],
            script=m.group(2),
        )
        for m in FENCE.finditer(text)
    ]


def run_blocks(found: list[Block], env: dict[str, str], state: Path) -> None:
    for block in found:
        result = subprocess.run(
            ["/bin/bash", "-c", PREAMBLE + block.script + EPILOGUE],
            env={**env, "HELHED_DOC_STATE": str(state)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=env["HOME"],  # files an example writes (bundle.json) land in the test's folder
        )
        where = f"docs/integration.md line {block.line}"
        assert result.returncode == 0, f"{where}: {result.stderr}\n{result.stdout}"
        statuses = [int(s) for s in re.findall(r"^HTTP-STATUS (\d+)$", result.stderr, re.M)]
        assert statuses == block.statuses, f"{where}: {result.stderr}\n{result.stdout}"
        for item in state.read_text().split("\0"):
            name, sep, value = item.partition("=")
            if sep and name not in NOT_CARRIED and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                env[name] = value


def test_the_document_has_marked_examples() -> None:
    found = blocks(DOC.read_text(encoding="utf-8"))
    assert len(found) >= 5
    assert all("curl" in b.script for b in found)


@pytest.mark.skipif(not CURL.exists(), reason="the examples are run with /usr/bin/curl")
def test_the_curl_examples_run_against_a_live_server(
    live_server, course: Course, jobcenter_unit: Unit, make_client, tmp_path: Path
) -> None:
    creds = make_client(
        jobcenter_unit,
        scopes=["courses:read", "plans:write", "events:read", "fhir:read"],
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HELHED": live_server.url,
        "CLIENT_ID": creds.client_id,
        "CLIENT_SECRET": creds.client_secret,
    }
    run_blocks(blocks(DOC.read_text(encoding="utf-8")), env, tmp_path / "state")
    assert env["COURSE_ID"] == str(course.pk)
    assert "Komme i praktik inden sommer" in [g.text for g in course.plan.goals.all()]
