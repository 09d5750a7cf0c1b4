"""The API under property-based attack: schemathesis generates requests from the API's own
OpenAPI document for every operation and method — valid ones, and invalid ones that must be
refused — and sends them in-process (WSGI, the same Django stack a server runs, CSRF enforced)
with the session cookie of a real login.

Two callers: the demo's coordinator, with the ids of the demo's own courses, meetings,
handovers, waves, contracts… put into the paths so that the generated bodies reach the services;
and a coordinator of another municipality, sending the same requests at the first one's ids,
for whom every answer about them must be a refusal.

Every answer: no 5xx, a documented status code, a body that matches the documented schema, and
an error as an RFC 9457 problem body. Bounded per operation (``EXAMPLES``) and derandomised: the
same requests on every run, a few minutes on a loaded two-core machine.
"""

from __future__ import annotations

import functools
import json
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

import hypothesis
import pytest
import schemathesis
import werkzeug.test
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helhed.api import api
from helhed.coordination.models import Participation, Wave
from helhed.core.models import Membership, Organisation, Unit, User
from helhed.courses.models import ChildPerspective, Consent, Course, Goal, JoinRequest, TeamMember
from helhed.devtools.demokit import DEMO_PASSWORD
from helhed.economics.models import (
    BusinessCase,
    Contract,
    CostEntry,
    IndicatorResult,
    UnitPrice,
)
from helhed.handovers.models import Handover
from helhed.meetings.models import Meeting, Recommendation, Task
from helhed.notifications.models import Notification
from helhed.progress.models import MeasurementSchedule
from helhed.registry.models import Initiative
from tests.courses.conftest import make_course, make_unit
from tests.security.sessions import Session, real_login

pytestmark = pytest.mark.django_db

# Requests per operation and generation mode: 117 operations x (valid with real ids, valid
# with generated ids, invalid) x EXAMPLES, about 950 requests for the coordinator.
EXAMPLES = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PROBLEM = "application/problem+json"
ALL_MODES = frozenset({"real ids", "generated ids", "invalid"})


# --------------------------------------------------------------------------------------------
# The app in-process, the way a WSGI server runs it
# --------------------------------------------------------------------------------------------


@contextmanager
def wsgi_app() -> Iterator[tuple[WSGIHandler, list[str]]]:
    """Django's WSGI handler. Its request signals would close the test's database connection
    (and with it the test transaction), so they are off for the duration, as in Django's test
    client; every unhandled exception is kept with its traceback."""
    errors: list[str] = []

    def keep(sender: Any, request: Any = None, **kwargs: Any) -> None:
        errors.append(traceback.format_exc())

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(keep)
    try:
        yield WSGIHandler(), errors
    finally:
        got_request_exception.disconnect(keep)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema(app: WSGIHandler) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = app  # type: ignore[attr-defined]
    return schema


# --------------------------------------------------------------------------------------------
# The world: the demo, and a coordinator of another municipality with a course of their own
# --------------------------------------------------------------------------------------------


def build_demo() -> User:
    call_command(
        "demo", seed=1, citizens=12, no_progress=True, stdout=StringIO(), stderr=StringIO()
    )
    return User.objects.get(username="koordinator")


def build_outsider() -> tuple[User, Course]:
    from helhed.core.services import sync_reference_data  # noqa: F401 (loaded by migrations)

    holbaek = Organisation.objects.get(org_type_id="kommune", official_code="316")
    unit = make_unit(holbaek, "Socialafdelingen Holbæk", "specialiseret-voksen")
    user = User.objects.create_user(
        username="udefra", password=DEMO_PASSWORD, first_name="Ulla", last_name="Udefra"
    )
    Membership.objects.create(user=user, unit=unit, role="koordinator")
    initiative = Initiative.objects.order_by("name").first()
    assert initiative is not None
    course = make_course(
        user, unit, initiative, cpr="0101901234", first_name="Ole", last_name="Udefrasen"
    )
    return user, course


def _first(queryset: Any) -> str | None:
    pk = queryset.values_list("pk", flat=True).order_by("pk").first()
    return None if pk is None else str(pk)


def ids_of(user: User) -> dict[str, str]:
    """A real id for each path parameter, from the objects around the user's own courses where
    the user has them (so that the generated bodies reach the services), else any."""
    courses = Course.objects.filter(coordinator=user)
    course = courses.filter(plan__goals__isnull=False).order_by("pk").first() or courses.first()
    assert course is not None
    units = Unit.objects.filter(memberships__user=user)
    org = Organisation.objects.filter(units__in=units).first()
    contract = Contract.objects.filter(enrolments__course__in=courses).first() or (
        Contract.objects.first()
    )
    wave = Wave.objects.filter(participations__user=user).first() or Wave.objects.first()
    found = {
        "course_id": str(course.pk),
        "org_id": str(org.pk) if org else None,
        "initiative_id": str(course.initiative_id),
        "goal_id": _first(Goal.objects.filter(plan__course=course)),
        "child_id": _first(ChildPerspective.objects.filter(plan__course=course).values("child_id")),
        "member_id": _first(TeamMember.objects.filter(course=course)),
        "request_id": _first(JoinRequest.objects.filter(course__in=courses)),
        "consent_id": _first(Consent.objects.filter(course=course)),
        "notification_id": _first(Notification.objects.filter(recipient=user)),
        "meeting_id": _first(Meeting.objects.filter(course__in=courses)),
        "task_id": _first(Task.objects.filter(course__in=courses)),
        "recommendation_id": _first(Recommendation.objects.filter(course__in=courses)),
        "handover_id": _first(Handover.objects.filter(course__in=courses)),
        "schedule_id": _first(MeasurementSchedule.objects.filter(course__in=courses)),
        "wave_id": str(wave.pk) if wave else None,
        "participation_id": _first(Participation.objects.filter(wave=wave)),
        "case_id": _first(BusinessCase.objects.all()),
        "contract_id": str(contract.pk) if contract else None,
        "price_id": _first(UnitPrice.objects.filter(organisation=org)),
        "cost_id": _first(CostEntry.objects.filter(course__in=courses)),
        "result_id": _first(IndicatorResult.objects.filter(enrolment__course__in=courses)),
    }
    return {name: value for name, value in found.items() if value is not None}


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    answered: set[str] = field(default_factory=set)  # operations with a 2xx answer
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.operations} operations, {self.cases} requests ({statuses}), "
            f"{len(self.answered)} operations answered with success"
        )


def problem_body(response: schemathesis.Response) -> str | None:
    """An error answer is an RFC 9457 problem: its media type, a title and the same status."""
    if response.status_code < 400:
        return None
    if response.headers.get("content-type", [""])[0] != PROBLEM:
        return f"error {response.status_code} is not {PROBLEM}"
    body = json.loads(response.content)
    if body.get("status") != response.status_code or not body.get("title"):
        return f"problem body without title or with another status: {body}"
    return None


def strategies(
    operation: Any, known: dict[str, str]
) -> list[tuple[str, hypothesis.strategies.SearchStrategy[Any]]]:
    names = {p.name for p in operation.path_parameters}
    pinned = {name: known[name] for name in names if name in known}
    modes = [("generated ids", operation.as_strategy(GenerationMode.POSITIVE))]
    if pinned:
        modes.insert(
            0,
            ("real ids", operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned)),
        )
    if operation.path_parameters or operation.query or operation.body:
        modes.append(("invalid", operation.as_strategy(GenerationMode.NEGATIVE)))
    return modes


SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck),
)


def examples(
    strategy: Any,
    send: Callable[[schemathesis.Case], schemathesis.Response],
    judge: Callable[[schemathesis.Case, schemathesis.Response], None],
) -> Callable[[], None]:
    """A derandomised Hypothesis test over one operation's strategy."""

    @SETTINGS
    @hypothesis.given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        judge(case, send(case))

    return run


def fuzz(
    session: Session,
    known: dict[str, str],
    expect: Callable[[Any, schemathesis.Response, bool], str | None],
    *,
    modes: frozenset[str] = ALL_MODES,
    modes_with_ids: frozenset[str] = ALL_MODES,
) -> Tally:
    """Every operation of the document, each generation mode ``EXAMPLES`` times; ``expect`` adds
    the caller's own check (e.g. 'refused'). Failures are collected, not raised at the first."""
    tally = Tally()
    with wsgi_app() as (app, errors):
        schema = load_schema(app)
        browser = werkzeug.test.Client(app)
        for name, value in session.cookies.items():
            browser.set_cookie(name, value, domain="testserver")

        def send(case: schemathesis.Case) -> schemathesis.Response:
            headers = session.write_headers if case.method != "GET" else {}
            response = case.call(base_url="http://testserver", session=browser, headers=headers)
            tally.cases += 1
            tally.statuses[response.status_code] += 1
            if response.status_code < 300:
                tally.answered.add(case.operation.label)
            case.validate_response(response, checks=CHECKS, headers=headers)
            return response

        for result in schema.get_all_operations():
            operation = result.ok()
            tally.operations += 1
            chosen = strategies(operation, known)
            pinned = any(mode == "real ids" for mode, _ in chosen)
            for mode, strategy in chosen:
                if mode not in modes or (pinned and mode not in modes_with_ids):
                    continue

                def judge(
                    case: schemathesis.Case, response: schemathesis.Response, real: bool
                ) -> None:
                    for message in (problem_body(response), expect(case, response, real)):
                        assert message is None, message

                run = examples(strategy, send, functools.partial(judge, real=mode == "real ids"))
                try:
                    run()
                except BaseException as exc:  # collected and reported below
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    server = "\n".join(errors[-1:])
                    tally.failures.append(f"--- {operation.label} [{mode}]\n{exc}\n{server}"[:4000])
                errors.clear()
    return tally


def no_more(case: Any, response: schemathesis.Response, pinned: bool) -> str | None:
    return None


def test_every_operation_as_the_demo_coordinator_with_a_real_session(
    capsys: pytest.CaptureFixture[str],
) -> None:
    coordinator = build_demo()
    _, session = real_login(coordinator.username, DEMO_PASSWORD)
    known = ids_of(coordinator)
    tally = fuzz(session, known, no_more)
    with capsys.disabled():
        print(f"\nAPI fuzz, demo coordinator: {tally.line()}")
    assert tally.operations == len(list(schemathesis_operations()))
    assert not tally.failures, f"{len(tally.failures)} failing:\n" + "\n".join(tally.failures)
    # The real ids reached the services: a successful answer from a third of the operations
    # (the rest refuse this role, or refuse random bodies: the writes need real unit ids).
    assert len(tally.answered) >= tally.operations // 3, sorted(tally.answered)


def schemathesis_operations() -> Iterator[tuple[str, str]]:
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            yield method, path


REFUSED = frozenset({403, 404, 422})


def test_another_organisations_coordinator_gets_nothing_of_the_demos(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every request at the demo coordinator's ids by a coordinator of another municipality —
    reads and writes, valid bodies — is refused; lists without ids name none of them."""
    coordinator = build_demo()
    outsider, own_course = build_outsider()
    theirs = ids_of(coordinator)
    # What anyone may read: the reference lists (organisations, the registry's initiatives).
    public = {"org_id", "initiative_id"}
    secret = {name: value for name, value in theirs.items() if name not in public}
    _, session = real_login(outsider.username, DEMO_PASSWORD)

    def refused(case: Any, response: schemathesis.Response, pinned: bool) -> str | None:
        names = {p.name for p in case.operation.path_parameters}
        if pinned and names & secret.keys() and response.status_code not in REFUSED:
            return f"{case.method} {case.formatted_path}: {response.status_code}, not refused"
        text = response.content.decode(errors="replace")
        leaked = [value for value in secret.values() if value in text]
        if leaked and not names & secret.keys():
            return f"{case.method} {case.formatted_path} names the demo's {leaked}"
        return None

    # Valid requests only: at the demo's ids where the path has one, generated ids elsewhere
    # (the lists, whose answers must not name the demo's objects).
    tally = fuzz(
        session,
        theirs,
        refused,
        modes=frozenset({"real ids", "generated ids"}),
        modes_with_ids=frozenset({"real ids"}),
    )
    with capsys.disabled():
        print(f"\nAPI fuzz, another organisation: {tally.line()}")
    assert not tally.failures, f"{len(tally.failures)} failing:\n" + "\n".join(tally.failures)
    assert own_course.pk
    assert tally.cases > 0
