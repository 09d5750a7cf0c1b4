"""``LOGGING`` for Helhed (imported by ``settings.py``, so nothing here touches Django).

JSON lines with python-json-logger's ``JsonFormatter`` — a maintained formatter that turns a
record and its extra fields into one JSON object, so every library's records come out the same
way — or plain text for development. The handler's ``RequestIdFilter`` (``ops.logs``) adds the
request id to every record. Django's ``request`` object is dropped from the JSON fields: its text
carries the query string, where a name search lives.
"""

from __future__ import annotations

import logging
from typing import Any

# Extra attributes some loggers attach that must not become JSON fields: Django's ``request``
# (its text carries the query string) and the development server's socket and time.
DROPPED_FIELDS = ("request", "server_time", "socket", "taskName")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def json_formatter() -> logging.Formatter:
    """JSON lines: timestamp (UTC, ISO 8601), level, logger, message, request_id and the
    record's extra fields (the request line's method, path, route, status, duration_ms)."""
    from pythonjsonlogger.core import RESERVED_ATTRS
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, *DROPPED_FIELDS],
        timestamp=True,
    )


def logging_config(*, log_format: str, level: str, stream: Any = None) -> dict[str, Any]:
    """``LOGGING`` for ``log_format`` ``json`` or ``text``. A refused request (4xx) stays one
    line without a traceback (``core.logfilters``); the request line is INFO on
    ``helhed.request``, whatever the root level."""
    handler: dict[str, Any] = {
        "class": "logging.StreamHandler",
        "filters": ["request_id", "client_errors_on_one_line", "masked_path"],
        "formatter": log_format,
    }
    if stream is not None:
        handler["stream"] = stream
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "helhed.ops.logs.RequestIdFilter"},
            "client_errors_on_one_line": {"()": "helhed.core.logfilters.ClientErrorsOnOneLine"},
            "masked_path": {"()": "helhed.ops.logs.MaskedPathFilter"},
        },
        "formatters": {
            "json": {"()": "helhed.ops.logconfig.json_formatter"},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        # The request lines, and the daily job's retention report (what it deleted).
        "loggers": {"helhed.request": {"level": "INFO"}, "helhed.retention": {"level": "INFO"}},
    }
