"""The shared cache (helhed.ops.scale; docs/operations.md, "Flere servere"): the database by
default, created by ``helhed migrate``, another by ``HELHED_CACHE_URL``, a wrong address refused
in one line. The cache shared between two servers is proved in test_two_servers.py."""

from __future__ import annotations

import importlib.util

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from helhed.ops.scale import CACHE_TABLE, env_cache


def tables() -> set[str]:
    return set(connection.introspection.table_names())


def test_the_default_cache_is_a_table_in_the_database_every_server_shares(db: None) -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["LOCATION"] == CACHE_TABLE
    cache.set("scale-test", [1.5, 2.5], 60)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {CACHE_TABLE}")
        assert cursor.fetchone()[0] >= 1
    assert cache.get("scale-test") == [1.5, 2.5]


def test_migrate_creates_the_cache_table_on_a_database_without_it(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {CACHE_TABLE}")
    assert CACHE_TABLE not in tables()
    call_command("migrate", verbosity=0)  # nothing to migrate: the post_migrate handler runs
    assert CACHE_TABLE in tables()
    assert cache.add("scale-test-lock", True, 10) and not cache.add("scale-test-lock", True, 10)


@pytest.mark.parametrize(
    ("value", "backend", "location"),
    [
        ("", "django.core.cache.backends.db.DatabaseCache", CACHE_TABLE),
        ("db://", "django.core.cache.backends.db.DatabaseCache", CACHE_TABLE),
        ("db://other_cache", "django.core.cache.backends.db.DatabaseCache", "other_cache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", "helhed"),
    ],
)
def test_the_cache_address_names_the_backend(
    monkeypatch: pytest.MonkeyPatch, value: str, backend: str, location: str
) -> None:
    monkeypatch.setenv("HELHED_CACHE_URL", value)
    config = env_cache("HELHED_CACHE_URL")
    assert (config["BACKEND"], config["LOCATION"]) == (backend, location)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("mysql://cache", "expected db://, redis://"),
        ("db://cache; DROP TABLE x", "plain table name"),
        ("redis://cache:6379/0", "needs the 'redis' package"),
        ("memcached://cache:11211", "needs the 'pymemcache' package"),
    ],
)
def test_a_wrong_cache_address_stops_helhed_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    package = {"redis": "redis", "memcached": "pymemcache"}.get(value.split(":")[0])
    # The locked dependencies hold neither client library, so the refusal is what an operator
    # meets; a lock that adds one must replace these cases with a connection test.
    assert package is None or importlib.util.find_spec(package) is None, package
    monkeypatch.setenv("HELHED_CACHE_URL", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_cache("HELHED_CACHE_URL")
    assert str(refused.value).startswith("HELHED_CACHE_URL: ") and says in str(refused.value)
    assert "\n" not in str(refused.value)
