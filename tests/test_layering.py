"""The layering of docs/architecture.md is a failing check: ``lint-imports`` (``make lint``) keeps
every contract in pyproject.toml on the code as it is, and breaks on a planted violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def run(cwd: Path, src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_code_keeps_every_layering_contract() -> None:
    result = run(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_planted_violation_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(
        ROOT / "src" / "helhed",
        tmp_path / "src" / "helhed",
        ignore=shutil.ignore_patterns("static", "templates", "locale", "data", "__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    # core (the bottom layer) reaching up into courses' selectors
    planted = tmp_path / "src" / "helhed" / "core" / "services.py"
    planted.write_text(
        planted.read_text(encoding="utf-8") + "\nfrom helhed.courses import selectors  # noqa\n",
        encoding="utf-8",
    )
    result = run(tmp_path, tmp_path / "src")
    assert result.returncode != 0
    assert "helhed.core is not allowed to import helhed.courses" in result.stdout
    assert "helhed.core.services -> helhed.courses.selectors" in result.stdout


RUFF = Path(sys.executable).parent / "ruff"


def _branchy(branches: int) -> str:
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(branches))
    return f"def decide(x: int) -> int:\n{body}    return -1\n"


def test_the_complexity_limit_fails_a_planted_function(tmp_path: Path) -> None:
    """ruff's mccabe limit from pyproject.toml (15), and 10 in views and API modules (the
    second ruff call in ``make lint``)."""
    module = tmp_path / "services.py"
    module.write_text(_branchy(15), encoding="utf-8")  # complexity 16
    config = ["--config", str(ROOT / "pyproject.toml")]
    result = subprocess.run(
        [str(RUFF), "check", "--select", "C901", *config, str(module)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "C901" in result.stdout
    view = tmp_path / "views.py"
    view.write_text(_branchy(10), encoding="utf-8")  # complexity 11: fine in a service …
    plain = subprocess.run(
        [str(RUFF), "check", "--select", "C901", *config, str(view)], capture_output=True
    )
    assert plain.returncode == 0
    strict = subprocess.run(  # … too much in a view
        [
            str(RUFF),
            "check",
            "--select",
            "C901",
            "--config",
            "lint.mccabe.max-complexity=10",
            str(view),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert strict.returncode == 1 and "C901" in strict.stdout
