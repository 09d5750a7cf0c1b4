"""Rules for the e-mail copy's retries, as plain functions."""

from __future__ import annotations

from datetime import timedelta

RETRY_FACTOR = 5
MAX_WAIT = timedelta(hours=6)


def retry_wait(attempt: int, *, first_seconds: int) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1-based): ``first_seconds``, then five
    times the wait before (60 s: 1, 5, 25, 125 minutes), never above six hours."""
    wait = timedelta(seconds=first_seconds * RETRY_FACTOR ** max(0, attempt - 1))
    return min(wait, MAX_WAIT)


def gives_up(attempt: int, *, max_attempts: int) -> bool:
    """After this failed attempt, is the e-mail given up?"""
    return attempt >= max_attempts
