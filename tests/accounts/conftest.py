from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db: None) -> Iterator[None]:
    """allauth keeps its counts (wrong passwords, used TOTP codes) in the default cache, which is
    the database (helhed.ops.scale)."""
    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The authenticator app's code for ``secret`` now (RFC 6238, as allauth checks it)."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
    )

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))
