"""``helhed serve``'s configuration: HELHED_* variables, refusals in one line, the gunicorn config
module (the same server when started as ``gunicorn -c python:helhed.ops.gunicorn_conf``), its
Prometheus hook, and the production static-files storage."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile

from helhed.ops import serve
from helhed.ops.serve import ServeConfigError, server_config
from helhed.ops.staticfiles import ManifestStorage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "s" * 60,
    "HELHED_BASE_URL": "https://helhed.example.dk",
    "HELHED_AUDIT_KEY": "a" * 40,
}


def test_defaults_are_loopback_and_one_worker_per_core() -> None:
    config = server_config({})
    assert config.bind == ("127.0.0.1:8000",)
    assert config.workers == serve.default_workers(serve.cores())
    assert (config.threads, config.timeout, config.graceful_timeout) == (1, 30, 30)
    assert (config.max_requests, config.access_log, config.control_socket) == (0, False, None)
    assert config.forwarded_allow_ips == "127.0.0.1,::1"
    settings = config.gunicorn_settings()
    assert settings["worker_class"] == "sync"
    assert settings["preload_app"] is False  # a SIGHUP must load new code in new workers
    assert settings["control_socket_disable"] is True


def test_the_default_number_of_workers_is_capped() -> None:
    assert [serve.default_workers(n) for n in (1, 2, 3, 4, 16)] == [2, 2, 3, 4, 8]


def test_every_variable_is_read() -> None:
    config = server_config(
        {
            "HELHED_BIND": "unix:/run/helhed/helhed.sock, [::1]:8001",
            "HELHED_WORKERS": "3",
            "HELHED_THREADS": "4",
            "HELHED_TIMEOUT": "60",
            "HELHED_GRACEFUL_TIMEOUT": "20",
            "HELHED_MAX_REQUESTS": "1000",
            "HELHED_FORWARDED_ALLOW_IPS": "10.0.0.0/24, 10.0.1.5",
            "HELHED_ACCESS_LOG": "stdout",
            "HELHED_CONTROL_SOCKET": "/run/helhed/gunicorn.ctl",
        }
    )
    settings = config.gunicorn_settings()
    assert settings["bind"] == ["unix:/run/helhed/helhed.sock", "[::1]:8001"]
    assert (settings["workers"], settings["threads"], settings["worker_class"]) == (3, 4, "gthread")
    assert (settings["timeout"], settings["graceful_timeout"]) == (60, 20)
    assert (settings["max_requests"], settings["max_requests_jitter"]) == (1000, 100)
    assert settings["forwarded_allow_ips"] == "10.0.0.0/24,10.0.1.5"
    assert settings["accesslog"] == "-"
    assert settings["control_socket"] == "/run/helhed/gunicorn.ctl"
    assert settings["control_socket_disable"] is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HELHED_WORKERS", "abc"),
        ("HELHED_WORKERS", "0"),
        ("HELHED_WORKERS", "2.5"),
        ("HELHED_THREADS", "-1"),
        ("HELHED_TIMEOUT", "0"),  # 0 would let a hung worker hang for ever
        ("HELHED_GRACEFUL_TIMEOUT", "soon"),
        ("HELHED_MAX_REQUESTS", "many"),
        ("HELHED_MAX_REQUESTS_JITTER", "-5"),
        ("HELHED_BIND", "localhost"),
        ("HELHED_BIND", "8000"),
        ("HELHED_BIND", "127.0.0.1:99999"),
        ("HELHED_BIND", "::1:8000"),
        ("HELHED_BIND", "unix:run/helhed.sock"),
        ("HELHED_BIND", " , "),
        ("HELHED_FORWARDED_ALLOW_IPS", "proxy.kommune.dk"),
        ("HELHED_FORWARDED_ALLOW_IPS", "10.0.0.1,*"),
        ("HELHED_ACCESS_LOG", "/var/log/helhed.log"),
        ("HELHED_CONTROL_SOCKET", "gunicorn.ctl"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ServeConfigError) as refused:
        server_config({variable: value})
    message = str(refused.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


def run(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELHED_")}
    return subprocess.run(
        args, env={**clean, **env}, capture_output=True, text=True, timeout=timeout
    )


def test_helhed_serve_refuses_a_bad_variable_in_one_line_before_listening(tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-m", "helhed", "serve"],
        {"DEBUG": "true", "HELHED_VAR_DIR": str(tmp_path), "HELHED_WORKERS": "abc"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "helhed: configuration error: HELHED_WORKERS: expected a whole number of 1 or more, "
        "got 'abc'"
    ]
    assert "Listening" not in result.stdout + result.stderr


def test_gunicorn_with_the_config_module_refuses_the_same_way(tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-m", "gunicorn", "-c", serve.CONFIG_MODULE, "helhed.wsgi"],
        {"DEBUG": "true", "HELHED_VAR_DIR": str(tmp_path), "HELHED_TIMEOUT": "0"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "helhed: configuration error: HELHED_TIMEOUT: expected a whole number of 1 or more, got '0'"
    ]


def test_gunicorn_with_the_config_module_gets_the_variables(tmp_path: Path) -> None:
    """``gunicorn -c python:helhed.ops.gunicorn_conf`` is the same server as ``helhed serve``:
    gunicorn's own --print-config shows the values the variables give."""
    result = run(
        [sys.executable, "-m", "gunicorn", "-c", serve.CONFIG_MODULE, "--print-config"],
        {
            "HELHED_VAR_DIR": str(tmp_path),
            "HELHED_BIND": "127.0.0.1:8123",
            "HELHED_WORKERS": "3",
            "HELHED_THREADS": "2",
            "HELHED_TIMEOUT": "17",
            "HELHED_GRACEFUL_TIMEOUT": "9",
            "HELHED_MAX_REQUESTS": "400",
            "HELHED_ACCESS_LOG": "stdout",
        },
    )
    assert result.returncode == 0, result.stderr
    printed = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))
    assert printed["bind"] == "['127.0.0.1:8123']"
    assert (printed["workers"], printed["threads"], printed["worker_class"]) == (
        "3",
        "2",
        "gthread",
    )
    assert (printed["timeout"], printed["graceful_timeout"]) == ("17", "9")
    assert (printed["max_requests"], printed["max_requests_jitter"]) == ("400", "40")
    assert printed["accesslog"] == "-"
    assert printed["wsgi_app"] == "helhed.wsgi:application"
    assert printed["preload_app"] == "False"
    assert printed["control_socket_disable"] == "True"
    assert printed["child_exit"] == "<child_exit()>"


def test_serve_check_prints_the_configuration_and_starts_nothing(tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-m", "helhed", "serve", "--check"],
        {"DEBUG": "true", "HELHED_VAR_DIR": str(tmp_path), "HELHED_WORKERS": "2"},
    )
    assert result.returncode == 0, result.stderr
    assert "workers: 2 × threads: 1" in result.stdout
    assert "bind: 127.0.0.1:8000" in result.stdout


def test_production_refuses_to_serve_without_collected_static_files(tmp_path: Path) -> None:
    """With DEBUG off every page looks its stylesheet up in collectstatic's manifest: without it
    every page would be a 500, so the server does not start."""
    result = run(
        [sys.executable, "-m", "helhed", "serve", "--check"],
        {**PRODUCTION, "HELHED_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("helhed: configuration error: static files are not collected: ")
    assert "helhed collectstatic --no-input" in line


def test_child_exit_marks_a_dead_worker_for_prometheus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prometheus's multiprocess mode keeps one file per worker; a dead worker's live gauges
    must be dropped (prometheus_client.multiprocess.mark_process_dead), the others kept."""
    from helhed.ops import gunicorn_conf

    for name in ("gauge_livesum_111.db", "gauge_liveall_111.db", "gauge_livesum_222.db"):
        (tmp_path / name).write_bytes(b"")
    server = SimpleNamespace(log=None)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    gunicorn_conf.child_exit(server, SimpleNamespace(pid=111))
    assert len(list(tmp_path.iterdir())) == 3  # not configured: nothing touched
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gunicorn_conf.child_exit(server, SimpleNamespace(pid=111))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gauge_livesum_222.db"]


def test_the_manifest_storage_hashes_references_but_tolerates_missing_source_maps(
    tmp_path: Path,
) -> None:
    """The vendored DKFDS stylesheet names a source map that is not shipped; Django's manifest
    storage refused it and collectstatic failed. References to real files are still hashed, and
    a reference to a missing image still fails (a broken release is not collected)."""
    storage = ManifestStorage(location=str(tmp_path), base_url="/static/")
    storage.save("img/logo.svg", ContentFile(b"<svg/>"))
    rules = b"".join(b".c%d{color:#1a1a1a;margin:0 auto}" % n for n in range(100))
    storage.save(
        "site.css",
        ContentFile(
            rules + b".logo{background:url(img/logo.svg)}\n/*# sourceMappingURL=site.css.map */"
        ),
    )
    paths = {name: (storage, name) for name in ("img/logo.svg", "site.css")}
    results = list(storage.post_process(paths))
    assert not [error for _, _, error in results if isinstance(error, Exception)]
    hashed = storage.stored_name("site.css")
    assert re.fullmatch(r"site\.[0-9a-f]{12}\.css", hashed)
    css = (tmp_path / hashed).read_text()
    assert re.search(r"url\(\"?img/logo\.[0-9a-f]{12}\.svg\"?\)", css)
    assert "sourceMappingURL=site.css.map" in css
    assert (tmp_path / f"{hashed}.gz").exists()  # served compressed by WhiteNoise
    assert not (tmp_path / f"{hashed}.br").exists()  # gzip only, whatever extras are installed

    broken = ManifestStorage(location=str(tmp_path / "broken"), base_url="/static/")
    broken.save("site.css", ContentFile(b".logo{background:url(img/missing.svg)}"))
    outcome = list(broken.post_process({"site.css": (broken, "site.css")}))
    assert any(isinstance(error, Exception) for _, _, error in outcome)


def test_a_worker_freezes_what_it_loaded_before_its_first_request() -> None:
    """gunicorn calls post_worker_init in each worker after loading the application: the views
    are imported then (not in the first request) and what exists is moved out of the garbage
    collector's reach, so full collections during requests do not walk Django again. Run in a
    fresh interpreter: freezing this test process would outlive the test."""
    script = (
        "import gc, sys, django\n"
        "django.setup()\n"
        "from helhed.ops import gunicorn_conf\n"
        "assert gc.get_freeze_count() == 0\n"
        "assert 'helhed.courses.views' not in sys.modules\n"
        "gunicorn_conf.post_worker_init(None)\n"
        "assert 'helhed.courses.views' in sys.modules\n"
        "print(gc.get_freeze_count())\n"
    )
    result = run(
        [sys.executable, "-c", script],
        {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "helhed.settings"},
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 100_000
