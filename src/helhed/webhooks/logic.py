"""Pure rules of the webhooks: the retry schedule, what counts as delivered, the CloudEvent's
attributes (no ORM)."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

# Waits before attempts 2, 3, …: 30 s, 2 min, 10 min, 1 h, 6 h, 12 h, 24 h (about 44 hours in
# all); after the 8th attempt the delivery is dead.
RETRY_WAITS = (30, 120, 600, 3600, 6 * 3600, 12 * 3600, 24 * 3600)
MAX_ATTEMPTS = len(RETRY_WAITS) + 1
SCOPE = "events:read"


def retry_wait(attempt: int) -> timedelta | None:
    """The wait after failed attempt ``attempt`` (1-based), or None when it was the last."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return timedelta(seconds=RETRY_WAITS[attempt - 1])


def delivered(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def attributes(
    *, event_id: Any, event_type: str, course_id: Any, occurred_at: datetime, source: str
) -> dict[str, Any]:
    """The CloudEvent's context attributes: the subject is the course's (pseudonymous) id."""
    return {
        "specversion": "1.0",
        "id": str(event_id),
        "source": source,
        "type": event_type,
        "subject": str(course_id),
        "time": occurred_at,
        "datacontenttype": "application/json",
    }


def parse_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``HELHED_WEBHOOKS_ALLOWED_NETWORKS``: comma-separated CIDR networks (``10.20.0.0/16``);
    ``ValueError`` naming the bad one."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"not a network: {item!r}") from None
    return networks


def address_allowed(address: str, allowed: list[Any]) -> bool:
    """May Helhed POST to this IP address? A public (global) address, or one inside a network
    the operator allowed (a municipality's own systems on its internal net). Never by default:
    loopback (Helhed's own database and metrics), link-local (cloud metadata at 169.254.169.254),
    private, reserved and multicast ranges — a subscriber must not make the server call inward."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if any(ip in network for network in allowed):
        return True
    return ip.is_global and not ip.is_multicast
