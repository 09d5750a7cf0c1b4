"""Settings come from the environment; a bad variable stops the start with one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from helhed import config


def test_bool_accepts_the_usual_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("true", True), ("1", True), ("On", True), ("no", False), ("0", False)]:
        monkeypatch.setenv("DEBUG", raw)
        assert config.env_bool("DEBUG", default=not expected) is expected


def test_bool_rejects_other_values_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"^DEBUG: .*'maybe'"):
        config.env_bool("DEBUG", default=False)


def test_secret_key_required_without_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"^SECRET_KEY: must be set"):
        config.env_secret_key("SECRET_KEY", debug=False)
    assert config.env_secret_key("SECRET_KEY", debug=True) == config.DEV_SECRET_KEY
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match=r"^SECRET_KEY: must be at least 50"):
        config.env_secret_key("SECRET_KEY", debug=False)


def test_database_url_variants(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    default = config.env_database("DATABASE_URL", default_sqlite=tmp_path / "x.sqlite3")
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in default["OPTIONS"]["init_command"]
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5433/helhed")
    pg = config.env_database("DATABASE_URL", default_sqlite=tmp_path / "x.sqlite3")
    assert (pg["ENGINE"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "django.db.backends.postgresql",
        "db.example",
        5433,
        "helhed",
    )
    monkeypatch.setenv("DATABASE_URL", "mysql://u:p@db/helhed")
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_URL: only sqlite:// and postgres"):
        config.env_database("DATABASE_URL", default_sqlite=tmp_path / "x.sqlite3")
    monkeypatch.setenv("DATABASE_URL", "nonsense")
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_URL: "):
        config.env_database("DATABASE_URL", default_sqlite=tmp_path / "x.sqlite3")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "false", "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
        ({"DEBUG": "false", "SECRET_KEY": "k" * 50, "HELHED_BASE_URL": ""}, "HELHED_BASE_URL"),
        ({"HELHED_BASE_URL": "helhed.kommune.dk"}, "HELHED_BASE_URL"),
        ({"HELHED_WEBHOOKS_TIMEOUT_SECONDS": "abc"}, "HELHED_WEBHOOKS_TIMEOUT_SECONDS"),
        ({"HELHED_WEBHOOKS_TIMEOUT_SECONDS": "0"}, "HELHED_WEBHOOKS_TIMEOUT_SECONDS"),
        ({"HELHED_CLIENT_TOKEN_SECONDS": "15m"}, "HELHED_CLIENT_TOKEN_SECONDS"),
        ({"HELHED_CLIENT_TOKEN_SECONDS": "0"}, "HELHED_CLIENT_TOKEN_SECONDS"),
        ({"HELHED_WEBHOOKS_ALLOWED_NETWORKS": "10.0.0.0/99"}, "HELHED_WEBHOOKS_ALLOWED_NETWORKS"),
    ],
)
def test_helhed_command_prints_one_line_naming_the_variable(
    env: dict[str, str], variable: str, tmp_path: Path
) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    clean.update({"DEBUG": "true", "HELHED_VAR_DIR": str(tmp_path), **env})
    result = subprocess.run(
        [sys.executable, "-m", "helhed", "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"helhed: configuration error: {variable}:")


def test_base_url_is_required_and_absolute_when_debug_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """E-mails link back to Helhed: production refuses to start without its address."""
    monkeypatch.delenv("HELHED_BASE_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"^HELHED_BASE_URL: must be set when DEBUG"):
        config.env_base_url("HELHED_BASE_URL", debug=False)
    assert config.env_base_url("HELHED_BASE_URL", debug=True) == "http://127.0.0.1:8000"
    for bad in ("helhed.kommune.dk", "/helhed", "ftp://helhed.kommune.dk", "https://x.dk/?a=1"):
        monkeypatch.setenv("HELHED_BASE_URL", bad)
        with pytest.raises(ImproperlyConfigured, match=r"^HELHED_BASE_URL: expected"):
            config.env_base_url("HELHED_BASE_URL", debug=False)
    monkeypatch.setenv("HELHED_BASE_URL", " https://helhed.kommune.dk/ ")
    assert config.env_base_url("HELHED_BASE_URL", debug=False) == "https://helhed.kommune.dk"
    monkeypatch.setenv("HELHED_BASE_URL", "https://kommune.dk/helhed/")
    assert config.env_base_url("HELHED_BASE_URL", debug=False) == "https://kommune.dk/helhed"
