"""A subscriber's address must not make Helhed call inward (SSRF): loopback (its own database
and /metrics), link-local (cloud metadata), private and reserved ranges are refused when
subscribing and again when sending, unless the operator allowed the network; a client has at most
ten subscriptions."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from helhed.webhooks import logic, services
from helhed.webhooks.models import Subscription
from tests.courses.builders import organisation
from tests.webhooks.world import World, build, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any) -> World:
    settings.HELHED_WEBHOOKS_ALLOWED_NETWORKS = ""  # production's default
    return build(organisation("461"))


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:5432/",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
        "https://192.168.1.10/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
    ],
)
def test_an_address_pointing_inward_is_refused_when_subscribing(world: World, url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        subscribe(world.client, url)
    assert "internt eller reserveret net" in refused.value.message_dict["url"][0]
    assert not Subscription.objects.exists()


def test_a_network_the_operator_allowed_is_accepted(world: World, settings: Any) -> None:
    settings.HELHED_WEBHOOKS_ALLOWED_NETWORKS = "10.20.0.0/16"
    subscription, _secret = subscribe(world.client, "https://10.20.3.4/hook")
    assert subscription.url == "https://10.20.3.4/hook"
    with pytest.raises(ValidationError):
        subscribe(world.client, "https://10.21.0.1/hook")


def test_a_name_resolving_inward_is_not_posted_to(world: World) -> None:
    """A name is judged by what it resolves to when sending (it may have been pointed inward
    after subscribing): ``localhost`` is loopback, so nothing is sent."""
    code, error = services.post("https://localhost:9/hook", {}, b"{}")
    assert code is None
    assert "ikke tilladt" in error


def test_a_client_has_at_most_ten_subscriptions(world: World) -> None:
    for n in range(services.MAX_SUBSCRIPTIONS):
        subscribe(world.client, f"https://fagsystem.example/hook/{n}")
    with pytest.raises(ValidationError) as refused:
        subscribe(world.client, "https://fagsystem.example/hook/11")
    assert "højst have 10 abonnementer" in refused.value.message_dict["url"][0]
    assert Subscription.objects.count() == services.MAX_SUBSCRIPTIONS


def test_the_rule_itself() -> None:
    allowed = logic.parse_networks("10.20.0.0/16, fd00::/8")
    assert logic.address_allowed("93.184.216.34", [])  # public
    assert not logic.address_allowed("127.0.0.1", [])
    assert not logic.address_allowed("169.254.169.254", [])
    assert not logic.address_allowed("100.64.0.1", [])  # carrier-grade NAT: not global
    assert logic.address_allowed("10.20.9.9", allowed)
    assert logic.address_allowed("fd00::1", allowed)
    assert not logic.address_allowed("not-an-ip", allowed)
    with pytest.raises(ValueError, match="not a network"):
        logic.parse_networks("10.0.0.0/99")


def test_a_receiver_answering_a_byte_at_a_time_is_cut_at_the_whole_attempts_timeout(
    world: World, settings: Any
) -> None:
    """Each read gets a byte well within the timeout; the attempt as a whole does not: the
    worker is free again after the timeout, not after the receiver's hours."""
    settings.HELHED_WEBHOOKS_ALLOWED_NETWORKS = "127.0.0.0/8"
    settings.HELHED_WEBHOOKS_TIMEOUT_SECONDS = 0.5
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        conn, _addr = server.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.05)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    code, error = services.post(f"http://127.0.0.1:{server.getsockname()[1]}/hook", {}, b"{}")
    elapsed = time.monotonic() - started
    stop.set()
    server.close()
    assert code is None
    assert "timed out" in error
    assert elapsed < 3  # the trickle would have taken over 10 s
