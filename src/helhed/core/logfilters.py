"""Logging filters (configured in ``settings.LOGGING``).

Django logs every 4xx answer at WARNING through ``django.request`` (and suspicious requests
through ``django.security.*``), with the exception's full traceback attached. A refused request
(403, and likewise 404 and the other client errors) is expected traffic, not a fault: it is
logged as one line — the status, method and path — and the traceback is kept for real errors
(5xx) only (docs/security.md, "HTTP").
"""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """Drop the traceback from records about a 4xx response; keep the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
