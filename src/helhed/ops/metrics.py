"""``/metrics`` in the Prometheus text format (docs/operations.md, "Sundhed, logning og
målinger").

prometheus-client directly rather than django-prometheus: fewer moving parts (no database
wrappers or cache backends swapped in, no per-model metrics), and we choose the metrics and
their labels — route *names*, never raw paths, so no id or CPR number can become a label.

Two kinds of metrics:

- counted in the request (``RequestIdMiddleware`` calls ``observe_request``): requests by
  method, route name and status class; latency by route name. Under gunicorn with several
  workers each worker counts its own; with ``PROMETHEUS_MULTIPROC_DIR`` set (before the workers
  start: the server's configuration does, and calls ``mark_process_dead`` when a worker exits)
  prometheus-client keeps them in files there and a scrape adds all workers up;
- read from the database at scrape time (``DatabaseCollector``): the task queue's depth per
  queue and status, the age of the oldest task waiting to run, and the access log's entries
  written so far (its chain's last sequence number: one index lookup; ``rate()`` of it is the
  access-log rate). A scrape that cannot reach the database says so in
  ``helhed_database_up 0`` instead of failing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# No "_created" series beside every counter and histogram: a scrape shows what is listed here.
disable_created_metrics()

# The request metrics live in their own registry (not prometheus-client's global one), so the
# scrape shows exactly what is listed here.
REQUESTS = CollectorRegistry(auto_describe=True)
REQUESTS_TOTAL = Counter(
    "helhed_http_requests",
    "HTTP requests answered, by method, route name and status class",
    ["method", "route", "status"],
    registry=REQUESTS,
)
REQUEST_SECONDS = Histogram(
    "helhed_http_request_duration_seconds",
    "Time to answer an HTTP request (inside the application), by route name",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REQUESTS,
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"  # a client cannot invent label values
    REQUESTS_TOTAL.labels(method, route, status_class(status)).inc()
    REQUEST_SECONDS.labels(route).observe(seconds)


class DatabaseCollector(Collector):
    """Cheap queries at scrape time: a few index lookups and one grouped count of unfinished
    tasks (finished ones are not counted: they pile up until pruned)."""

    def collect(self) -> Iterator[Metric]:
        from helhed.ops import health

        up = GaugeMetricFamily("helhed_database_up", "1 if the scrape's database queries worked")
        try:
            depth = health.queue_depth()
            oldest = health.oldest_ready_age_seconds_by_queue()
            entries = health.access_log_entries()
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        tasks = GaugeMetricFamily(
            "helhed_tasks",
            "Unfinished background tasks, by queue and status (READY, RUNNING, FAILED)",
            labels=["queue", "status"],
        )
        for (queue, status), count in sorted(depth.items()):
            tasks.add_metric([queue, status], count)
        yield tasks
        age = GaugeMetricFamily(
            "helhed_tasks_oldest_ready_age_seconds",
            "Seconds the oldest task that may run now has waited (0: none waiting)",
            labels=["queue"],
        )
        for queue, seconds in sorted(oldest.items()):
            age.add_metric([queue], seconds)
        yield age
        log = CounterMetricFamily(
            "helhed_access_log_entries",
            "Access-log entries written since the log began (rate() is the access-log rate)",
        )
        log.add_metric([], entries)
        yield log


def registry() -> CollectorRegistry:
    """What one scrape reports: this process's (or, in multiprocess mode, every worker's)
    request metrics and the database's figures."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        scrape = CollectorRegistry()
        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape = CollectorRegistry()
        scrape.register(_Forward(REQUESTS))
    scrape.register(DatabaseCollector())
    return scrape


def render() -> bytes:
    return generate_latest(registry())


class _Forward(Collector):
    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        yield from self.source.collect()
