"""gunicorn's configuration for Helhed, from the ``HELHED_*`` environment variables.

    helhed serve
    gunicorn -c python:helhed.ops.gunicorn_conf helhed.wsgi      # the same server

gunicorn reads this module's names as its settings (``bind``, ``workers``, ``timeout``…, made
by :mod:`helhed.ops.serve`) and its functions as server hooks. A bad value stops the start with
one line naming the variable and exit code 2. This module runs in the master process: it must
not import Django (the workers load ``helhed.wsgi`` after the fork; see ``preload_app``).

Signals to the master: HUP starts new workers with the code and settings now on disk and stops
the old ones gracefully (a deploy), TERM finishes requests in flight within
``HELHED_GRACEFUL_TIMEOUT`` and exits, TTIN/TTOU add or remove a worker.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from helhed.ops.serve import ServeConfigError, server_config

try:
    _config = server_config()
except ServeConfigError as exc:
    print(f"helhed: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None

globals().update(_config.gunicorn_settings())

# The workers' heartbeat files: in memory when possible (a disk-backed /tmp can stall a worker's
# heartbeat long enough for the master to kill it).
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"


# --- Server hooks -------------------------------------------------------------------------
# One function per gunicorn hook; other parts of Helhed add their work inside these (a hook
# defined twice would silently replace the first). Hooks run in the master unless noted.


def when_ready(server: Any) -> None:
    """The master is listening (systemd's ``Type=notify`` gets READY=1 from gunicorn itself)."""
    for line in _config.describe():
        server.log.info("helhed: %s", line)


def child_exit(server: Any, worker: Any) -> None:
    """A worker process has exited (after a timeout, a reload, ``max_requests`` or a crash)."""
    # Prometheus in multiprocess mode (one metrics file per worker in PROMETHEUS_MULTIPROC_DIR):
    # a dead worker's live gauges must stop counting.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    """In the worker, after it has loaded the application: import the views (the URL
    configuration) now rather than in the first request, then move everything made so far into
    the garbage collector's permanent generation (:func:`gc.freeze`).

    Django, the apps and their models, the URL patterns and the views are a few hundred
    thousand objects that live as long as the worker; without the freeze every full collection
    walks them all again. Measured in-process on the 300,000-citizen dataset (30 requests each
    after warm-up, mean CPU ms, quiet machine): caseload 42.5 → 40.6, start page 110.4 → 101.3:
    a few per cent, within the noise when the machine is loaded."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports every view module once, before the freeze
    gc.collect()
    gc.freeze()
