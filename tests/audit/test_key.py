"""The access log's key lives outside the database and a production install refuses to start
without one (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from helhed import config
from helhed.audit.checks import audit_key_check, audit_key_deploy_check

KEY = "k" * 40


def key(monkeypatch: pytest.MonkeyPatch, *, debug: bool, **env: str) -> str:
    for name in ("HELHED_AUDIT_KEY", "HELHED_AUDIT_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return config.env_audit_key(
        "HELHED_AUDIT_KEY", "HELHED_AUDIT_KEY_FILE", debug=debug, secret_key="s" * 50
    )


def test_the_key_from_the_environment_or_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert key(monkeypatch, debug=False, HELHED_AUDIT_KEY=KEY) == KEY
    path = tmp_path / "audit.key"
    path.write_text(KEY + "\n")
    assert key(monkeypatch, debug=False, HELHED_AUDIT_KEY_FILE=str(path)) == KEY


def test_without_a_key_development_derives_one_and_production_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert key(monkeypatch, debug=True) == config.dev_audit_key("s" * 50)
    with pytest.raises(ImproperlyConfigured, match=r"^HELHED_AUDIT_KEY: must be set when DEBUG"):
        key(monkeypatch, debug=False)


def test_bad_keys_are_refused_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^HELHED_AUDIT_KEY: must be at least 32"):
        key(monkeypatch, debug=False, HELHED_AUDIT_KEY="kort")
    with pytest.raises(ImproperlyConfigured, match=r"^HELHED_AUDIT_KEY_FILE: cannot read"):
        key(monkeypatch, debug=False, HELHED_AUDIT_KEY_FILE=str(tmp_path / "mangler"))
    path = tmp_path / "audit.key"
    path.write_text(KEY)
    with pytest.raises(ImproperlyConfigured, match="set one of them, not both"):
        key(monkeypatch, debug=False, HELHED_AUDIT_KEY=KEY, HELHED_AUDIT_KEY_FILE=str(path))


def test_the_helhed_command_refuses_to_start_in_production_without_the_key(
    tmp_path: Path,
) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HELHED_AUDIT", "DATABASE_URL"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="p" * 60,
        HELHED_BASE_URL="https://helhed.kommune.dk",
        HELHED_VAR_DIR=str(tmp_path),
    )
    run = subprocess.run(
        [sys.executable, "-m", "helhed", "check"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 2
    assert "HELHED_AUDIT_KEY: must be set when DEBUG is off" in run.stderr
    env["HELHED_AUDIT_KEY"] = KEY
    run = subprocess.run(
        [sys.executable, "-m", "helhed", "check"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def test_system_checks_catch_a_short_key_and_the_development_key_on_deploy() -> None:
    with override_settings(HELHED_AUDIT_KEY="kort"):
        assert [e.id for e in audit_key_check()] == ["helhed.audit.E001"]
    with override_settings(HELHED_AUDIT_KEY=KEY):
        assert audit_key_check() == [] and audit_key_deploy_check() == []
    with override_settings(SECRET_KEY="s" * 50, HELHED_AUDIT_KEY=config.dev_audit_key("s" * 50)):
        assert [e.id for e in audit_key_deploy_check()] == ["helhed.audit.E002"]
