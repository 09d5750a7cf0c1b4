"""Past one machine: the cache every server process shares (docs/operations.md, "Flere servere").

Helhed keeps no state in a server process that another process needs — sessions, idempotency
keys, plan versions and locks are in the database — except what lives in Django's cache:
allauth's login rate limits (5 wrong passwords per username per 15 minutes), its record of used
TOTP codes (a code works once) and of used ID tokens (``jti``, replay protection), and the
coordination results' rendered figures. With a cache in each process's own memory two servers
give an attacker 5 guesses each and accept a TOTP code twice, once per server. So the default
cache is Django's ``DatabaseCache``: one table in the database every server already shares, no
new service. ``HELHED_CACHE_URL`` names another when an installation has one:

==========================  =================================================================
``db://`` (default)         ``DatabaseCache`` in table ``helhed_cache`` (``db://other_name``)
``redis://host:6379/0``     Django's ``RedisCache`` (needs the ``redis`` package; not locked)
``memcached://host:11211``  Django's ``PyMemcacheCache`` (needs ``pymemcache``; not locked)
``locmem://``               each process's own memory: ONE process only (tests, ``runserver``)
==========================  =================================================================

``helhed migrate`` creates the cache table (``create_cache_table``, a ``post_migrate``
handler), so a fresh install works with the documented commands.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

CACHE_TABLE = "helhed_cache"
# Rate-limit counters, used TOTP codes and ID tokens are a few rows per login; the coordination
# results a few per wave. Culling (deleting a third when full) must never reach live rate-limit
# rows in normal use, so the ceiling is far above a day's logins.
CACHE_MAX_ENTRIES = 50_000

_NEEDS = {"redis": "redis", "rediss": "redis", "memcached": "pymemcache"}


def env_cache(name: str = "HELHED_CACHE_URL") -> dict[str, Any]:
    """``CACHES["default"]`` from the address in ``name`` (the database when unset)."""
    raw = (os.environ.get(name) or "").strip() or "db://"
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme == "db":
        table = (parts.netloc + parts.path).strip("/") or CACHE_TABLE
        if not table.replace("_", "").isalnum():
            raise ImproperlyConfigured(f"{name}: db://TABLE takes a plain table name, got {raw!r}")
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "OPTIONS": {"MAX_ENTRIES": CACHE_MAX_ENTRIES},
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "helhed",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    if scheme in _NEEDS:
        package = _NEEDS[scheme]
        if importlib.util.find_spec(package) is None:
            raise ImproperlyConfigured(
                f"{name}: {scheme}:// needs the {package!r} package, which is not installed"
            )
        if scheme == "memcached":
            return {
                "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
                "LOCATION": parts.netloc,
            }
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": raw}
    raise ImproperlyConfigured(
        f"{name}: expected db://, redis://, rediss://, memcached:// or locmem://, got {raw!r}"
    )


def create_cache_table(using: str = "default", **_: Any) -> None:
    """``post_migrate``: create the ``DatabaseCache`` tables (``createcachetable`` does nothing
    when they exist), so ``helhed migrate`` leaves a database every server can use."""
    from django.conf import settings
    from django.core.management import call_command

    if any(c["BACKEND"].endswith("db.DatabaseCache") for c in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)
