"""CPU per request kind of the load test's mix, in-process (issue 16).

Serves the requests of ``scripts/load/locustfile.py``'s mix through ``django.test.Client`` with
the production settings (``DEBUG=false``) against a load database (``helhed load``'s SQLite file
or a copy: the plan edits write to it) and prints ``time.process_time`` per request kind (median
of the repetitions) for a few of the logins ``helhed load`` chooses, then the mix's weighted
estimate per request. ``--profile KIND`` runs cProfile over that kind instead.

    DATABASE_URL=sqlite:////tmp/load.sqlite3 python scripts/load/cpu.py --repeat 20
    DATABASE_URL=sqlite:////tmp/load.sqlite3 python scripts/load/cpu.py --profile caseload

Needs collected static files (``HELHED_STATIC_ROOT``; the script runs ``collectstatic`` once).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROLES = ("koordinator", "fagperson", "leder")
# Users per role in a 16-user run (helhed load's ROLE_SHARE) — the weight of each login below.
USERS = {"koordinator": 8, "fagperson": 6, "leder": 2}


def _dev_audit_key() -> str:
    """The access log's key the demo was chained with (DEBUG's development key)."""
    out = subprocess.run(
        [sys.executable, "-c", "import helhed.settings as s; print(s.HELHED_AUDIT_KEY)"],
        env={**os.environ, "DEBUG": "true", "SECRET_KEY": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _environment() -> None:
    os.environ.setdefault("HELHED_AUDIT_KEY", _dev_audit_key())
    os.environ.update(
        {
            "DEBUG": "false",
            "HTTPS": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "testserver",
            "HELHED_BASE_URL": "http://testserver",
            "HELHED_REQUIRE_SECOND_FACTOR": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "helhed.settings",
            "HELHED_STATIC_ROOT": os.environ.get("HELHED_STATIC_ROOT", "/tmp/helhed-cpu-static"),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", default="", help="a request kind to profile")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--match", default="", help="profile lines whose file matches this")
    parser.add_argument("--only", default="", help="comma separated kinds to measure")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--all-logins", action="store_true", help="each of the 16 logins")
    parser.add_argument(
        "--built",
        action="store_true",
        help="instead of CPU: the queries the ORM builds per request kind, by where they start",
    )
    args = parser.parse_args()
    _environment()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    import logging

    logging.disable(logging.CRITICAL)  # the request lines: not what is measured here

    from django.test import Client

    from helhed.core.models import User
    from helhed.devtools.management.commands.load import choose_logins

    logins = choose_logins(16)
    if args.all_logins:
        chosen = {f"{r}:{n}": n for n, r in logins}
    else:
        chosen = {r: next(n for n, x in logins if x == r) for r in args.roles.split(",")}
    only = set(filter(None, args.only.split(",")))
    figures: dict[tuple[str, str], float] = {}
    for role, username in chosen.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        kinds = _kinds(client, role.split(":")[0])
        for kind, (weight, calls) in kinds.items():
            if (only and kind not in only) or (args.profile and kind != args.profile):
                continue
            if args.profile:
                print(f"== {role} ({username}): {kind}, {args.repeat} times")
                _profile(calls, args)
                continue
            if args.built:
                _built(f"{role} {kind}", calls)
                continue
            figures[(role, kind)] = ms = _measure(calls, args.repeat)
            print(f"{role:24} {kind:28} w={weight:4.2f} {ms:7.1f} ms", flush=True)
        if not args.profile and not args.built and not only:
            weight_sum = sum(w for w, _ in kinds.values())
            cpu = sum(w * figures[(role, k)] for k, (w, _) in kinds.items()) / weight_sum
            figures[(role, "")] = cpu
            print(f"{role:24} {'weighted per request':28}        {cpu:7.1f} ms", flush=True)
    if not args.profile and not args.built and not only and set(chosen) == set(ROLES):
        total = sum(USERS[r] for r in ROLES)
        mix = sum(USERS[r] * figures[(r, "")] for r in ROLES) / total
        print(f"mix (8 coordinators, 6 team members, 2 leaders) per request: {mix:.1f} ms")


def _measure(calls: list[Callable[[], Any]], repeat: int) -> float:
    """Median CPU ms per request over ``repeat`` rounds (after one round to warm up: the first
    rendering of its templates, imports)."""
    for call in calls:
        call()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        for call in calls:
            call()
        times.append((time.process_time() - start) * 1000 / len(calls))
    return statistics.median(times)


def _profile(calls: list[Callable[[], Any]], args: argparse.Namespace) -> None:
    for call in calls:
        call()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.repeat):
        for call in calls:
            call()
    profile.disable()
    restrictions = [args.match] if args.match else []
    pstats.Stats(profile).sort_stats(args.sort).print_stats(*restrictions, args.lines)


def _built(what: str, calls: list[Callable[[], Any]]) -> None:
    """The queries the ORM compiles in one round of ``calls`` (after a round to warm up), each
    named by the innermost Helhed function that asked for it: what ``core.prepared`` does not
    keep yet."""
    import traceback
    from collections import Counter

    from django.db.models.sql.compiler import SQLCompiler

    for call in calls:
        call()
    found: Counter[str] = Counter()
    original = SQLCompiler.execute_sql

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        frames = [
            f
            for f in traceback.extract_stack()[:-1]
            if "/helhed/" in f.filename and "/prepared.py" not in f.filename
        ]
        where = f"{frames[-1].filename.split('/helhed/')[-1]}:{frames[-1].name}" if frames else "?"
        found[where] += 1
        return original(self, *args, **kwargs)

    SQLCompiler.execute_sql = counted  # type: ignore[method-assign]
    try:
        for call in calls:
            call()
    finally:
        SQLCompiler.execute_sql = original  # type: ignore[method-assign]
    per = len(calls)
    print(f"== {what}: {sum(found.values()) / per:.1f} queries built per request")
    for where, n in found.most_common():
        print(f"   {n / per:5.1f}  {where}")


def _kinds(client: Any, role: str) -> dict[str, tuple[float, list[Callable[[], Any]]]]:
    """The mix's request kinds for one login: weight (steps per 'step' draw, as the locustfile)
    and the requests one such step makes; each request is checked for its expected status."""

    def get(path: str, status: int = 200, **extra: Any) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(path, **extra)
            if response.status_code != status:
                raise SystemExit(f"{path}: {response.status_code}")
            return response

        return call

    listing = client.get("/api/courses/courses?limit=40").json()["items"]
    courses = [c["id"] for c in listing]
    course = courses[0] if courses else None
    kinds: dict[str, tuple[float, list[Callable[[], Any]]]] = {
        "caseload": (5, [get("/forloeb/")]),
        "caseload (filtered)": (
            3,
            [
                get("/forloeb/?status=alle"),
                get("/forloeb/?advarsel=any"),
                get("/forloeb/?navn=mar"),
                get("/forloeb/?status=aktiv&sortering=navn"),
            ],
        ),
        "start page": (3, [get("/")]),
        "notifications": (2, [get("/notifikationer/")]),
        "badge": (2, [get("/notifikationer/antal/", HTTP_HX_REQUEST="true")]),
        "api: course list": (1.5, [get("/api/courses/courses?limit=20")]),
        "api: me": (1.5, [get("/api/me")]),
        "api: notifications": (1.5, [get("/api/notifications/")]),
        "api: my tasks": (1.5, [get("/api/meetings/tasks/mine")]),
    }
    if course:
        kinds["course page"] = (6, [get(f"/forloeb/{course}/")])
        for tab in ("plan", "krav", "aftaler", "historik"):
            kinds[f"course tab: {tab}"] = (1.2, [get(f"/forloeb/{course}/{tab}/")])
        kinds["course tab: meetings"] = (1.2, [get(f"/moeder/forloeb/{course}/")])
        kinds["api: course"] = (1, [get(f"/api/courses/courses/{course}")])
        kinds["api: plan"] = (1, [get(f"/api/courses/courses/{course}/plan")])
        kinds["api: team"] = (1, [get(f"/api/courses/courses/{course}/team")])
    if role == "koordinator" and course:
        kinds["plan form (GET)"] = (1, [get(f"/forloeb/{course}/plan/tekst/")])
    if role == "fagperson":
        kinds["my tasks"] = (2, [get("/moeder/opgaver/")])
    return kinds


if __name__ == "__main__":
    main()
