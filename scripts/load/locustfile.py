"""The load test's mix (`make load`, `helhed load`): logged-in staff working without think time.

Run by ``helhed load`` in its own process (locust's gevent must not share a process with Django
and psycopg); it reads what it needs from the environment:

- ``LOAD_LOGINS``: ``username:role`` pairs, comma separated (role ``koordinator``, ``fagperson``
  or ``leder``); user *n* of the run logs in as pair *n* (round robin);
- ``LOAD_PASSWORD``: the demo's password (``helhed-demo-2026``).

Every simulated user logs in once (the login form, with its CSRF token: one argon2 check), learns
its courses from the API, then repeats one weighted step after another with no pause. The mix by
role (weights: the share of steps):

- coordinator: the caseload (plain, and with filters: status, warnings, a name, a sort order),
  the course page's first screen and its tabs (plan, demands, appointments, history, meetings),
  the start page (dashboard), notifications (the page and the header badge), API reads (course
  list, course, plan, notifications, my tasks, me), the plan text edited through its form (GET,
  then POST with the CSRF token and the version the form carries), the plan text changed through
  the API (GET the plan, PATCH with its version) and a decision with a task added to an open
  meeting of one of the coordinator's courses through the API;
- team member (fagperson): the caseload, course page and tabs of the courses they are on, the
  start page, notifications, their tasks and API reads;
- leader: the start page, the caseload, notifications and API reads.

A 4xx/5xx answer is an error (a 409 too: each coordinator edits only its own courses and sends the
version it just read, so a conflict would be a fault). Redirects are not followed; a 302 is
expected only where the application redirects after a POST.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

PASSWORD = os.environ.get("LOAD_PASSWORD", "helhed-demo-2026")
LOGINS = [
    tuple(pair.split(":", 1))
    for pair in os.environ.get("LOAD_LOGINS", "koordinator:koordinator").split(",")
    if pair
]
_numbers = itertools.count()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NAMES = ("a", "e", "an", "er", "mar", "jen", "ni")


class _FormParser(HTMLParser):
    """The fields of every POST form on a page (inputs, checked boxes, textareas, selects)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._form: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        form = self._form
        if form is None:
            return
        name, kind = a.get("name", ""), a.get("type", "text")
        if tag == "input" and name and kind not in ("submit", "button", "checkbox", "radio"):
            form[name] = a.get("value", "")
        elif tag == "input" and name and kind in ("checkbox", "radio") and "checked" in a:
            form[name] = a.get("value", "on")
        elif tag == "textarea" and name:
            self._textarea = name
            form[name] = ""
        elif tag == "select" and name:
            self._select = name
            form.setdefault(name, "")
        elif tag == "option" and self._select and ("selected" in a or not form[self._select]):
            form[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data


def form_fields(html: str, having: str) -> dict[str, str]:
    """The fields of the page's POST form that has a field named ``having`` (not the header's
    logout form)."""
    parser = _FormParser()
    parser.feed(html)
    return next((form for form in parser.forms if having in form), {})


class Staff(FastHttpUser):
    wait_time = constant(0)  # no think time: the server is never idle

    username = ""
    role = ""
    courses: list[str]
    meeting: dict[str, Any] | None = None

    # ------------------------------------------------------------------------------ start
    def on_start(self) -> None:
        number = next(_numbers)
        self.username, self.role = LOGINS[number % len(LOGINS)]
        self.rng = random.Random(number)
        self.login()
        self.courses = []
        with self.client.get(
            "/api/courses/courses?limit=40", name="api: course list", catch_response=True
        ) as response:
            if response.status_code == 200:
                self.courses = [c["id"] for c in response.json()["items"]]
                response.success()
            else:
                response.failure(f"{response.status_code}")
        if self.role == "koordinator":
            self.meeting = self.open_meeting()
        self.steps = self.mix()

    def csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return str(cookie.value)
        return ""

    def login(self) -> None:
        self.client.get("/log-ind/", name="login form")
        body = urlencode(
            {"csrfmiddlewaretoken": self.csrf(), "login": self.username, "password": PASSWORD}
        )
        with self.client.post(
            "/log-ind/",
            data=body,
            headers=FORM,
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login as {self.username}: {response.status_code}")
                raise StopUser
            response.success()

    def open_meeting(self) -> dict[str, Any] | None:
        """A meeting with open minutes on one of the coordinator's courses, and a participant
        from the team to own the tasks."""
        for course in self.courses[:10]:
            listed = self.client.get(
                f"/api/meetings/courses/{course}/meetings", name="api: course meetings"
            )
            if listed.status_code != 200:
                continue
            for meeting in listed.json():
                if meeting["minutes_closed"] or meeting["status"] == "aflyst":
                    continue
                detail = self.client.get(
                    f"/api/meetings/meetings/{meeting['id']}", name="api: meeting"
                )
                if detail.status_code != 200:
                    continue
                owners = [p["id"] for p in detail.json()["participants"] if p["kind"] == "team"]
                if owners:
                    return {"id": meeting["id"], "owners": owners}
        return None

    def mix(self) -> list[Any]:
        common: list[tuple[Any, int]] = [
            (self.caseload, 5),
            (self.caseload_filtered, 3),
            (self.home, 3),
            (self.notifications, 2),
            (self.badge, 2),
            (self.api_reads, 6),
        ]
        if self.courses:
            common += [(self.course_page, 6), (self.course_tab, 6), (self.api_course, 3)]
        if self.role == "koordinator" and self.courses:
            common += [(self.plan_form, 1), (self.plan_patch, 1)]
            if self.meeting:
                common += [(self.add_task, 1)]
        if self.role == "fagperson":
            common += [(self.my_tasks, 2)]
        return [step for step, weight in common for _ in range(weight)]

    # ------------------------------------------------------------------------------ the mix
    @task
    def step(self) -> None:
        self.rng.choice(self.steps)()

    def course(self) -> str:
        return self.rng.choice(self.courses)

    def caseload(self) -> None:
        self.client.get("/forloeb/", name="caseload")

    def caseload_filtered(self) -> None:
        filters = self.rng.choice(
            [
                {"status": "alle"},
                {"advarsel": "any"},
                {"navn": self.rng.choice(NAMES)},
                {"status": "aktiv", "sortering": "navn"},
            ]
        )
        self.client.get(f"/forloeb/?{urlencode(filters)}", name="caseload (filtered)")

    def home(self) -> None:
        self.client.get("/", name="start page")

    def notifications(self) -> None:
        self.client.get("/notifikationer/", name="notifications")

    def badge(self) -> None:
        self.client.get(
            "/notifikationer/antal/", headers={"HX-Request": "true"}, name="notification badge"
        )

    def my_tasks(self) -> None:
        self.client.get("/moeder/opgaver/", name="my tasks")

    def course_page(self) -> None:
        self.client.get(f"/forloeb/{self.course()}/", name="course page")

    def course_tab(self) -> None:
        tab = self.rng.choice(["plan/", "krav/", "aftaler/", "historik/", "meetings"])
        course = self.course()
        if tab == "meetings":
            self.client.get(f"/moeder/forloeb/{course}/", name="course tab: meetings")
        else:
            self.client.get(f"/forloeb/{course}/{tab}", name=f"course tab: {tab.strip('/')}")

    def api_reads(self) -> None:
        path, name = self.rng.choice(
            [
                ("/api/courses/courses?limit=20", "api: course list"),
                ("/api/me", "api: me"),
                ("/api/notifications/", "api: notifications"),
                ("/api/meetings/tasks/mine", "api: my tasks"),
            ]
        )
        self.client.get(path, name=name)

    def api_course(self) -> None:
        course = self.course()
        path, name = self.rng.choice(
            [
                (f"/api/courses/courses/{course}", "api: course"),
                (f"/api/courses/courses/{course}/plan", "api: plan"),
                (f"/api/courses/courses/{course}/team", "api: team"),
            ]
        )
        self.client.get(path, name=name)

    def plan_form(self) -> None:
        course = self.course()
        url = f"/forloeb/{course}/plan/tekst/"
        page = self.client.get(url, name="plan form")
        if page.status_code != 200:
            return
        fields = form_fields(page.text or "", "version")
        fields["summary"] = f"Opsummering fra belastningstest {uuid.uuid4().hex[:8]}"
        fields["csrfmiddlewaretoken"] = self.csrf()
        with self.client.post(
            url,
            data=urlencode(fields),
            headers={**FORM, "Referer": self.client.base_url + url},
            name="plan form: save",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                errors = re.findall(r'class="form-error-message"[^>]*>([^<]*)', response.text or "")
                response.failure(f"plan form: {response.status_code} {errors[:2]}")

    def plan_patch(self) -> None:
        course = self.course()
        plan = self.client.get(f"/api/courses/courses/{course}/plan", name="api: plan")
        if plan.status_code != 200:
            return
        self.client.patch(
            f"/api/courses/courses/{course}/plan",
            data=None,
            json={
                "version": plan.json()["version"],
                "citizen_statement": f"Jeg vil gerne videre ({uuid.uuid4().hex[:8]})",
            },
            headers={"X-CSRFToken": self.csrf()},
            name="api: plan PATCH",
        )

    def add_task(self) -> None:
        assert self.meeting is not None
        # After the meeting (a planned one is up to 8 weeks ahead): the due date may not be before.
        due = (date.today() + timedelta(days=self.rng.randint(70, 100))).isoformat()
        self.client.post(
            f"/api/meetings/meetings/{self.meeting['id']}/decisions",
            json={
                "text": "Aftalt på mødet (belastningstest)",
                "tasks": [
                    {
                        "title": "Følg op med borgeren",
                        "owner_id": self.rng.choice(self.meeting["owners"]),
                        "due_date": due,
                    }
                ],
            },
            headers={"X-CSRFToken": self.csrf()},
            name="api: decision with task",
        )
