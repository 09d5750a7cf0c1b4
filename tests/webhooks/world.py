"""A small world for the events tests: a course whose team holds the integration client's unit
under a consent, the client (with its system user), a subscription, and a real HTTP receiver on
loopback that records what it was sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from allauth.idp.oidc.models import Client
from django.utils import timezone

from helhed.core.models import Membership, Organisation, Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Course
from helhed.integrations.models import IntegrationClient
from helhed.outbox.models import Event
from helhed.webhooks import services
from helhed.webhooks.models import Subscription
from tests.courses.builders import (
    give_consent,
    join_team,
    make_staff,
    make_unit,
    open_course,
    organisation,
)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next of ``answers`` (an HTTP status, or "sleep": answer 200
    after longer than the webhook timeout); the last answer repeats."""

    answers: list[Any]
    received: list[Received] = field(default_factory=list)
    url: str = ""


@contextmanager
def receiver(*answers: Any) -> Iterator[Receiver]:
    state = Receiver(list(answers) or [200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            answer = state.answers.pop(0) if len(state.answers) > 1 else state.answers[0]
            if answer == "sleep":
                time.sleep(1.0)
                answer = 200
            try:
                self.send_response(answer)
                self.end_headers()
            except OSError:  # the sender gave up waiting
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def make_client(
    org: Organisation, unit: Unit, *, scopes: tuple[str, ...] = ("events:read",), name: str = "Fag"
) -> IntegrationClient:
    user = make_staff(unit, username=f"system-{name}-{unit.pk.hex[:6]}", is_system=True)
    return IntegrationClient.objects.create(
        organisation=org,
        unit=unit,
        name=name,
        oauth_client=Client.objects.create(name=name),
        system_user=user,
        scopes=list(scopes),
        expires_at=timezone.now() + timedelta(days=365),
    )


@dataclass
class World:
    coordinator: User
    course: Course
    client: IntegrationClient
    client_unit: Unit


def build(org: Organisation) -> World:
    """The course's coordinator, the client's unit on the team under a plan consent; every event
    the building made marked dispatched (the tests watch the ones they cause)."""
    home = make_unit(org, "Jobcenter")
    coordinator = make_staff(home, role="koordinator", first_name="Karen")
    course = open_course(coordinator, home, first_name="Mette", last_name="Hansen")
    client_unit = make_unit(org, "Familieafdelingen")
    join_team(course, coordinator, client_unit)
    give_consent(course, coordinator, units=[client_unit])
    client = make_client(org, client_unit)
    Event.objects.update(dispatched_at=timezone.now())
    return World(coordinator, course, client, client_unit)


def subscribe(
    client: IntegrationClient, url: str, types: tuple[str, ...] = ("dk.helhed.plan.changed",)
) -> tuple[Subscription, str]:
    return services.create_subscription(client.system_user, url=url, event_types=list(types))


def change_plan(world: World, text: str = "Mette vil i arbejde") -> None:
    plan = world.course.plan
    plan.refresh_from_db()
    course_services.update_plan_text(world.coordinator, plan.pk, plan.version, summary=text)


def leave(user: User) -> None:
    Membership.objects.filter(user=user).update(valid_to=timezone.localdate() - timedelta(days=1))


def delivering_world(settings: Any) -> World:
    """The world for delivery tests: plain HTTP to the loopback receiver allowed, a short
    timeout so a hung receiver is given up quickly."""
    settings.HELHED_WEBHOOKS_ALLOW_HTTP = True
    settings.HELHED_WEBHOOKS_TIMEOUT_SECONDS = 0.3
    return build(organisation("461"))
