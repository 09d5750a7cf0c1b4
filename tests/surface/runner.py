"""Requests a world's whole surface as each of its users and checks every answer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.accounts import memberships_ended
from helhed.core.models import User
from tests.surface.counting import TALLY
from tests.surface.surface import ANONYMOUS, NOT_ALLOWED, Case, Ctx, Log, cases_for, walk
from tests.surface.world import USER, USERS, Built

TOKEN = re.compile(r"zq\d{6}q", re.IGNORECASE)
MAX_REPORTED = 40


@contextmanager
def rolled_back() -> Iterator[None]:
    sid = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(sid)


class LeanClient(Client):
    """Django's test client without recording a copy of every rendered template's context (the
    whole surface renders tens of thousands of templates), and answering a server error with its
    500 response instead of raising, so that it is reported with the rest."""

    def __init__(self) -> None:
        super().__init__(raise_request_exception=False)

    def request(self, **request: Any) -> Any:
        environ = self._base_environ(**request)  # type: ignore[attr-defined]
        uid = f"surface-exception-{id(request)}"
        self.exc_info = None
        got_request_exception.connect(self.store_exc_info, dispatch_uid=uid)
        try:
            response = self.handler(environ)
        finally:
            got_request_exception.disconnect(dispatch_uid=uid)
        if response.cookies:
            self.cookies.update(response.cookies)
        return response


@dataclass
class Problem:
    user: str
    case: Case
    status: int
    what: str

    def __str__(self) -> str:
        method = "GET" if self.case.post is None else "POST"
        request = f"{self.user} {method} {self.case.path} ({self.case.about})"
        return f"{request} → {self.status}: {self.what}"


_ROUTES: dict[str, str] = {}


def route_of(pattern: str) -> str:
    if not _ROUTES:
        _ROUTES.update({name: route for name, route in walk()})
    return _ROUTES[pattern]


def _body(response: object) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        content = response.content  # type: ignore[attr-defined]
    return content.decode("utf-8", errors="replace")


def check_world(world: Built) -> list[Problem]:
    """Every user requests every URL of the table once; returns what disagreed."""
    started = time.monotonic()
    problems: list[Problem] = []
    course_bound = {t.value for t in world.tokens if t.course is not None}
    # The same answer for everyone, or the same refusal whatever the reader sees: a few users
    # per world, a different few in each world.
    docs_reader = USERS[TALLY.worlds % len(USERS)].key
    staff = [u.key for u in USERS if u.kind == "staff"]
    guessers = {staff[TALLY.worlds % len(staff)], "borger", "superbruger", "anonym"}
    for number, spec in enumerate(USERS):
        user = world.users[spec.key]
        # An account whose last membership has ended is logged out at its next request
        # (core.middleware.LoginPolicyMiddleware): from then on it is anyone without a login.
        ended = user is not None and memberships_ended(user)
        ctx = Ctx(
            world,
            "anonym" if ended else spec.key,
            reads_api_docs=spec.key == docs_reader,
            guesses=spec.key in guessers,
            number=number + TALLY.worlds,
        )
        client = LeanClient()
        if user is not None:
            client.force_login(user)
        forbidden_everywhere = course_bound - ctx.allowed
        for case in cases_for(ctx):
            problems.extend(check(client, ctx, case, forbidden_everywhere, None if ended else user))
    TALLY.worlds += 1
    TALLY.seconds += time.monotonic() - started
    return problems


def check(
    client: LeanClient, ctx: Ctx, case: Case, forbidden_everywhere: set[str], user: User | None
) -> list[Problem]:
    """One request, checked: its status, what it shows and what it wrote to the access log."""
    if ctx.kind == "anonymous" and case.statuses == NOT_ALLOWED:
        case = replace(case, statuses=NOT_ALLOWED | ANONYMOUS)  # login_required comes first
    match = resolve(urlsplit(case.path).path)
    assert match.route == route_of(case.pattern), (case.pattern, case.path, match.route)
    started = timezone.now()
    response = _request(client, case)
    status = response.status_code
    body = _body(response)
    found = _content_problems(ctx, case, status, body, forbidden_everywhere)
    found += _csp_problems(response, body)
    if status >= 500:
        exc = client.exc_info[1] if client.exc_info else None
        found.insert(0, f"server error: {exc!r}")
    elif status not in case.statuses:
        found.insert(0, f"expected {sorted(case.statuses)}")
    if user is not None:
        entries = list(
            AccessLogEntry.objects.filter(at__gte=started, actor=user).values_list(
                "citizen_id", "actor_unit_id", "without_consent"
            )
        )
        found += _log_problems(ctx, case, status, entries)
    return [Problem(ctx.user, case, status, what) for what in found]


def _request(client: LeanClient, case: Case) -> Any:
    clock = time.perf_counter()
    if case.post is None:
        headers = {"HX-Request": "true"} if case.htmx else {}
        response = client.get(case.path, headers=headers)
    elif case.json:
        response = client.post(case.path, case.post, content_type="application/json")
    else:
        response = client.post(case.path, case.post)
    TALLY.seconds_by_pattern[case.pattern] += time.perf_counter() - clock
    TALLY.cases += 1
    TALLY.by_pattern[case.pattern] += 1
    return response


def _content_problems(
    ctx: Ctx, case: Case, status: int, body: str, forbidden_everywhere: set[str]
) -> list[str]:
    """Nothing outside the reader's rights; everything inside that the URL is meant to show."""
    found = []
    describe = ctx.world.tokens.by_value
    tokens = {t.lower() for t in TOKEN.findall(body)}
    for value in sorted(tokens & (forbidden_everywhere | case.forbidden)):
        found.append(f"shows {value}: {describe[value].describe}")
    if status == 200:
        for value in sorted(case.must_show - tokens):
            found.append(f"does not show {value}: {describe[value].describe}")
        found += [f"does not contain {text!r}" for text in case.contains if text not in body]
    found += [f"contains {text!r}" for text in case.absent if text in body]
    return found


# What the Content-Security-Policy would block in a rendered page (docs/security.md, "Content
# Security Policy and headers"): a script without src and nonce (JSON data excepted), a style
# attribute or block, an on…= handler.
_INLINE = re.compile(
    r"<script(?![^>]*\s(?:src|nonce)=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
    r"|<style\b|\sstyle=\"|<[a-z][^>]*\son[a-z]+=\"",
    re.IGNORECASE,
)


def _csp_problems(response: Any, body: str) -> list[str]:
    """An HTML answer carries the enforced CSP (no 'unsafe-…') and nothing the CSP blocks."""
    if not response.get("Content-Type", "").startswith("text/html") or response.status_code >= 500:
        return []
    policy = response.get("Content-Security-Policy", "")
    found = []
    if "script-src 'self'" not in policy or "unsafe-" in policy:
        found.append(f"Content-Security-Policy missing or weak: {policy!r}")
    if hit := _INLINE.search(body):
        found.append(f"inline code the CSP blocks: {hit.group(0)[:80]!r}")
    return found


def _log_problems(
    ctx: Ctx, case: Case, status: int, entries: list[tuple[Any, Any, bool]]
) -> list[str]:
    """Each read logged, attributed to the unit the oracle names; nothing else logged."""
    log = case.log
    if ctx.kind == "citizen":
        # A citizen's pages read (and log) the citizen's own data first, with purpose "egen
        # adgang", whatever else they then refuse: that is the citizen's own log, not a read by
        # anyone else.
        own = ctx.world.courses[USER[ctx.user].citizen_of or 0].course.citizen_id
        log = Log({**log.allowed, own: frozenset({(None, False)})}, log.required, log.exact)
    found = []
    for citizen, unit, flagged in entries:
        if citizen not in log.allowed:
            found.append(f"logged a read of {_citizen(ctx, citizen)}, which it may not read")
        elif (unit, flagged) not in log.allowed[citizen]:
            expected = " or ".join(
                f"{_unit(ctx, u)} (without consent: {w})"
                for u, w in sorted(log.allowed[citizen], key=str)
            )
            found.append(
                f"attributed the read of {_citizen(ctx, citizen)} to {_unit(ctx, unit)} "
                f"(without consent: {flagged}); the oracle says {expected}"
            )
    logged = {citizen for citizen, _u, _w in entries}
    if status == 200:
        found += [f"did not log the read of {_citizen(ctx, c)}" for c in log.required - logged]
        if log.exact and logged - log.required:
            extra = [_citizen(ctx, c) for c in logged - log.required]
            found.append(f"logged more citizens than it shows: {extra}")
    elif entries and not log.allowed:
        found.append("a refused request wrote the access log")
    return found


def _citizen(ctx: Ctx, citizen_id: object) -> str:
    for i, bc in enumerate(ctx.world.courses):
        if bc.course.citizen_id == citizen_id:
            return f"course {i}'s citizen"
    return str(citizen_id)


def _unit(ctx: Ctx, unit_id: object) -> str:
    for key, unit in ctx.world.units.items():
        if unit.pk == unit_id:
            return key
    return str(unit_id)


def report(problems: list[Problem], world: Built) -> str:
    """The disagreements grouped by URL pattern and kind (how many, and one example of each),
    so that one cause reads as one line."""
    groups: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        kind = TOKEN.sub("…", p.what)
        groups.setdefault((p.case.pattern, kind), []).append(p)
    lines = [f"{len(problems)} disagreements with the oracle in this world, {len(groups)} kinds:"]
    for (pattern, kind), found in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:MAX_REPORTED]:
        lines.append(f"  [{len(found)}× {pattern}] {kind}")
        lines.append(f"      e.g. {found[0]}")
    if len(groups) > MAX_REPORTED:
        lines.append(f"  … and {len(groups) - MAX_REPORTED} more kinds")
    return "\n".join(lines)
