"""The production server's configuration, read from ``HELHED_*`` environment variables.

``helhed serve`` and ``gunicorn -c python:helhed.ops.gunicorn_conf helhed.wsgi`` are the same
server: both read the environment through :func:`server_config` (the gunicorn config module calls
it, ``helhed serve`` calls it first to refuse a bad value before anything starts). Plain Python,
no Django: the gunicorn master process must not import Django (the workers do, after the fork,
so a SIGHUP loads a new release's code and settings).

Why gunicorn: a pre-fork WSGI server (Helhed is a WSGI application; there is nothing for ASGI to
do), a worker that hangs past the timeout is killed and replaced, SIGHUP starts new workers with
new code and lets the old ones finish their requests, it speaks systemd's notify protocol, and it
has been the common way to run Django in production for fifteen years.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The default number of workers is one per core, at least two (a slow request does not hold up
# every other one), at most this many: each worker is a whole Django process (about 100 MB)
# holding its own database connection. Not gunicorn's 2 × cores + 1, which assumes workers that
# mostly wait: Helhed's requests are CPU-bound (the database is local or a few hundred
# microseconds away), and on the 2-core benchmark machine 2 workers served 86 requests per
# second with a p99 of 280 ms where 4 served 78 with 360 ms (SQLite; PostgreSQL 66 against 60,
# p99 370 against 450 ms) — extra processes only evict each other's caches
# (docs/performance.md, "Per request, third step").
MAX_DEFAULT_WORKERS = 8
DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
CONFIG_MODULE = "python:helhed.ops.gunicorn_conf"
WSGI_APP = "helhed.wsgi:application"


class ServeConfigError(ValueError):
    """A server variable with a value that cannot be used; the message names it (one line)."""


@dataclass(frozen=True)
class ServerConfig:
    bind: tuple[str, ...]
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int
    max_requests: int
    max_requests_jitter: int
    forwarded_allow_ips: str
    access_log: bool
    control_socket: str | None

    def gunicorn_settings(self) -> dict[str, Any]:
        """The values as gunicorn's setting names (what the config module exports)."""
        settings: dict[str, Any] = {
            "wsgi_app": WSGI_APP,
            "bind": list(self.bind),
            "workers": self.workers,
            "threads": self.threads,
            # gunicorn picks the threaded worker itself when threads > 1; named for clarity.
            "worker_class": "gthread" if self.threads > 1 else "sync",
            "timeout": self.timeout,
            "graceful_timeout": self.graceful_timeout,
            "max_requests": self.max_requests,
            "max_requests_jitter": self.max_requests_jitter,
            "forwarded_allow_ips": self.forwarded_allow_ips,
            "accesslog": "-" if self.access_log else None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "helhed",
            # Workers import the application after the fork: a SIGHUP then loads new code.
            "preload_app": False,
            # gunicorn 25+ opens a control socket (for ``gunicornc``) by default at one path per
            # user, which two servers of one user would share: off unless a path is given.
            "control_socket_disable": self.control_socket is None,
        }
        if self.control_socket is not None:
            settings["control_socket"] = self.control_socket
        return settings

    def describe(self) -> list[str]:
        """One line per setting, for ``helhed serve --check`` and the start-up log."""
        access = "stdout" if self.access_log else "off"
        jitter = f" (+0–{self.max_requests_jitter})" if self.max_requests else " (off)"
        return [
            f"bind: {', '.join(self.bind)}",
            f"workers: {self.workers} × threads: {self.threads}",
            f"timeout: {self.timeout} s, graceful timeout: {self.graceful_timeout} s",
            f"max requests per worker: {self.max_requests}{jitter}",
            f"forwarded-allow-ips: {self.forwarded_allow_ips}",
            f"access log: {access}",
            f"control socket: {self.control_socket or 'off'}",
        ]


def cores() -> int:
    """The CPUs this process may run on (its affinity, e.g. a container's or systemd's
    ``CPUAffinity``), not every CPU of the machine."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers(n_cores: int) -> int:
    return max(2, min(n_cores, MAX_DEFAULT_WORKERS))


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(name, "")
    if not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ServeConfigError(
            f"{name}: expected a whole number of {minimum} or more, got {raw!r}"
        ) from None
    if value < minimum:
        raise ServeConfigError(f"{name}: expected a whole number of {minimum} or more, got {raw!r}")
    return value


def _bind(raw: str) -> tuple[str, ...]:
    addresses = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not addresses:
        raise ServeConfigError(f"HELHED_BIND: expected HOST:PORT or unix:PATH, got {raw!r}")
    for address in addresses:
        _check_address(address)
    return addresses


def _check_address(address: str) -> None:
    if address.startswith("unix:"):
        if not address[5:].startswith("/"):
            raise ServeConfigError(
                f"HELHED_BIND: a unix socket needs an absolute path (unix:/run/helhed/helhed.sock),"
                f" got {address!r}"
            )
        return
    if address.startswith("fd://") and address[5:].isdigit():
        return
    host, sep, port = address.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ServeConfigError(
            f"HELHED_BIND: expected HOST:PORT (127.0.0.1:8000, [::1]:8000) or unix:PATH, "
            f"got {address!r}"
        )
    if ":" in host and not address.startswith("["):
        raise ServeConfigError(
            f"HELHED_BIND: write an IPv6 address in brackets ([::1]:8000), got {address!r}"
        )


def _forwarded_allow_ips(raw: str) -> str:
    """Who may tell the server the request came over HTTPS (``X-Forwarded-Proto``): the reverse
    proxy's addresses or networks, or ``*`` (only when nothing but the proxy can reach the
    server, e.g. a unix socket)."""
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ServeConfigError(
            "HELHED_FORWARDED_ALLOW_IPS: expected the proxy's addresses (127.0.0.1,::1),"
            f" got {raw!r}"
        )
    if items == ["*"]:
        return "*"
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ServeConfigError(
                f"HELHED_FORWARDED_ALLOW_IPS: {item!r} is not an IP address or network"
                " (use addresses such as 10.0.0.5 or 10.0.0.0/24, or * alone)"
            ) from None
    return ",".join(items)


def _access_log(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("", "off", "no", "false", "0"):
        return False
    if value in ("stdout", "-", "on", "true", "1"):
        return True
    raise ServeConfigError(f"HELHED_ACCESS_LOG: expected off or stdout, got {raw!r}")


def server_config(env: Mapping[str, str] | None = None) -> ServerConfig:
    """The server's settings from ``env`` (the process environment by default).

    Raises :class:`ServeConfigError` with one line naming the first variable that is wrong."""
    env = os.environ if env is None else env
    timeout = _int(env, "HELHED_TIMEOUT", 30, minimum=1)
    max_requests = _int(env, "HELHED_MAX_REQUESTS", 0, minimum=0)
    control_socket = env.get("HELHED_CONTROL_SOCKET", "").strip() or None
    if control_socket is not None and not control_socket.startswith("/"):
        raise ServeConfigError(
            f"HELHED_CONTROL_SOCKET: expected an absolute path, got {control_socket!r}"
        )
    return ServerConfig(
        bind=_bind(env.get("HELHED_BIND", "") or DEFAULT_BIND),
        workers=_int(env, "HELHED_WORKERS", default_workers(cores()), minimum=1),
        threads=_int(env, "HELHED_THREADS", 1, minimum=1),
        timeout=timeout,
        graceful_timeout=_int(env, "HELHED_GRACEFUL_TIMEOUT", 30, minimum=1),
        max_requests=max_requests,
        max_requests_jitter=_int(env, "HELHED_MAX_REQUESTS_JITTER", max_requests // 10, minimum=0),
        forwarded_allow_ips=_forwarded_allow_ips(
            env.get("HELHED_FORWARDED_ALLOW_IPS", "") or DEFAULT_FORWARDED_ALLOW_IPS
        ),
        access_log=_access_log(env.get("HELHED_ACCESS_LOG", "")),
        control_socket=control_socket,
    )


def gunicorn_argv() -> list[str]:
    """The command ``helhed serve`` replaces itself with: gunicorn from this interpreter."""
    return [sys.executable, "-m", "gunicorn", "-c", CONFIG_MODULE, WSGI_APP]
