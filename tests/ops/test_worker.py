"""The worker and e-mail (issue 16): a mail server that accepts and never answers no longer
holds a request or the daily job; the worker's attempt times out, is recorded and retried, a
server that answers gets the copy once, and after the last attempt it is marked given up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helhed import config
from helhed.core.models import Unit, User
from helhed.courses.models import Course, TeamMember
from helhed.notifications import alerts
from helhed.notifications.alerts import Alert
from helhed.notifications.models import EmailStatus, Notification
from helhed.ops.mail import SCRUBBED
from helhed.ops.worker import host_name, recover_stuck_tasks, run_pending_tasks

# The courses fixtures (a course with the jobcenter on the team), as the meetings tests use them.
from tests.courses.conftest import consent as consent
from tests.courses.conftest import coordinator_unit as coordinator_unit
from tests.courses.conftest import course as course
from tests.courses.conftest import initiative as initiative
from tests.courses.conftest import jobcenter_member as jobcenter_member
from tests.courses.conftest import jobcenter_unit as jobcenter_unit
from tests.courses.conftest import jobcenter_user as jobcenter_user
from tests.meetings.conftest import at
from tests.meetings.conftest import coordinator_member as coordinator_member
from tests.ops.smtp import answering_smtp_server, hung_smtp_server

pytestmark = pytest.mark.django_db

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def smtp_settings(settings: Any) -> Any:
    """E-mail as in production: queued by the request, delivered by SMTP with a short timeout."""
    settings.EMAIL_BACKEND = config.QUEUED_EMAIL_BACKEND
    settings.HELHED_EMAIL_DELIVERY_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 0.5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.HELHED_EMAIL_MAX_ATTEMPTS = 5
    settings.HELHED_EMAIL_RETRY_SECONDS = 60
    return settings


def time_passes() -> None:
    """The retry's wait is over: what the clock would do, done to the queue's rows."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )


def test_an_api_call_with_a_hung_mail_server_answers_at_once_and_the_retry_delivers(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_member: TeamMember,
    jobcenter_user: User,
    login: Callable[[User], Client],
    smtp_settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    jobcenter_user.email = "jonas@jobcenter.example"
    jobcenter_user.save()
    client = login(coordinator)
    client.get(f"/api/meetings/courses/{course.pk}/meetings")  # warm up: URLs, API schema
    with hung_smtp_server() as port:
        smtp_settings.EMAIL_PORT = port
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):  # as at the request's commit
            response = client.post(
                f"/api/meetings/courses/{course.pk}/meetings",
                {
                    "purpose": "Netværksmøde om job",
                    "place": "Rådhuset",
                    "team_member_ids": [str(coordinator_member.pk), str(jobcenter_member.pk)],
                    "proposed_times": [at(5).isoformat()],
                },
                content_type="application/json",
            )
        took = time.monotonic() - started
        assert response.status_code == 201, response.content
        assert took < 2, took  # was 30 s and a 500 with the e-mail sent in the request
        notification = Notification.objects.get(recipient=jobcenter_user)
        assert notification.email_status == EmailStatus.PENDING

        # The worker's attempt times out, is recorded and retried later (not now).
        started = time.monotonic()
        assert run_pending_tasks() == 1
        assert time.monotonic() - started < 0.5 + 2  # EMAIL_TIMEOUT bounds the attempt
        notification.refresh_from_db()
        assert notification.email_status == EmailStatus.FAILED
        assert notification.email_attempts == 1
        assert "timed out" in notification.email_last_error
        assert "jonas" not in notification.email_last_error
        wait = notification.email_next_attempt - timezone.now()
        assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
        failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
        assert "attempt 1 of 5 failed" in failed.traceback and "jonas" not in failed.traceback
        retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
        assert retry.args_kwargs == {"args": [str(notification.pk)], "kwargs": {}}
        assert run_pending_tasks() == 0  # its time has not come

    with answering_smtp_server() as server:
        smtp_settings.EMAIL_PORT = server.server_address[1]
        time_passes()
        assert run_pending_tasks() == 1
        time_passes()
        assert run_pending_tasks() == 0  # nothing left: sent once
    assert [m["To"] for m in server.messages] == ["jonas@jobcenter.example"]
    assert server.messages[0]["Subject"].strip().startswith("Helhed: Du er inviteret til et møde")
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT and notification.emailed_at
    assert notification.email_attempts == 2 and notification.email_last_error == ""


def test_after_the_last_attempt_the_copy_is_given_up_and_shown_in_the_admin(
    make_user: Callable[..., User],
    unit: Unit,
    smtp_settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from helhed.notifications import services

    smtp_settings.HELHED_EMAIL_MAX_ATTEMPTS = 3
    user = make_user("fagperson", unit, email="anna@example.dk")
    with hung_smtp_server() as port:
        smtp_settings.EMAIL_PORT = port
        with django_capture_on_commit_callbacks(execute=True):
            services.notify([user], kind="opgave", title="Ny opgave")
        for _ in range(4):
            run_pending_tasks()
            time_passes()
    notification = Notification.objects.get(recipient=user)
    assert notification.email_status == EmailStatus.GIVEN_UP
    assert notification.email_attempts == 3 and notification.email_next_attempt is None
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 3

    admin = make_user(None, username="tekniker", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    page = client.get(
        reverse("admin:notifications_notification_changelist") + "?email_status__exact=opgivet"
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ny opgave" in text and "TimeoutError (timed out)" in text


def test_the_daily_job_with_a_hung_mail_server_completes_and_makes_every_notification(
    smtp_settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Was: the job hung on the third e-mail (3 of 16 notifications made)."""
    users = [User.objects.create(username=f"u{i}", email=f"u{i}@example.dk") for i in range(16)]

    def produce(today: date) -> list[Alert]:
        return [Alert(recipient_id=u.pk, title="Varsel", dedupe_key="test:hung") for u in users]

    alerts.register_alert_producer("test:hung", produce)
    try:
        with hung_smtp_server() as port:
            smtp_settings.EMAIL_PORT = port
            out = StringIO()
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                call_command("alerts", "--date", "2027-02-01", stdout=out)
            assert time.monotonic() - started < 5
    finally:
        alerts._PRODUCERS.pop("test:hung", None)
    assert "test:hung: 16 found, 16 new" in out.getvalue()
    assert Notification.objects.filter(title="Varsel").count() == 16
    assert DBTaskResult.objects.filter(queue_name="email").count() == 16


def test_a_password_reset_mail_is_queued_delivered_by_the_worker_and_blanked_after(
    client: Client,
    coordinator: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_BACKEND = config.QUEUED_EMAIL_BACKEND
    settings.HELHED_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator.email = "karen@kommune.dk"
    coordinator.save()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("account_reset_password"), {"email": "karen@kommune.dk"})
    assert page.status_code == 302
    assert mail.outbox == []  # not sent in the request
    queued = DBTaskResult.objects.get(queue_name="email")
    assert "/konto/password/reset/key/" in str(queued.args_kwargs)
    assert run_pending_tasks() == 1
    assert [m.to for m in mail.outbox] == [["karen@kommune.dk"]]
    assert mail.outbox[0].subject == "Helhed: Nulstil din adgangskode"
    queued.refresh_from_db()
    # The one-time link does not stay in the database once delivered.
    assert queued.args_kwargs == {"args": [SCRUBBED], "kwargs": {"attempt": 1}}
    assert "karen" not in str(queued.args_kwargs)


def test_a_task_left_running_by_a_killed_worker_is_queued_again_and_runs(
    make_user: Callable[..., User],
    unit: Unit,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from helhed.notifications import services

    settings.HELHED_TASK_STUCK_SECONDS = 900
    user = make_user("fagperson", unit, email="anna@example.dk")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([user], kind="opgave", title="Ny opgave")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=30)
    task = DBTaskResult.objects.get()
    task.claim(f"{host_name()}:{dead.pid}:killed")  # as the killed worker left it
    elsewhere = DBTaskResult.objects.create(
        args_kwargs={"args": ["x"], "kwargs": {}},
        task_path="helhed.notifications.tasks.send_email_copy",
        queue_name="email",
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=5),
        worker_ids=["other-host:123:abc"],
    )
    alive = DBTaskResult.objects.create(
        args_kwargs={"args": ["y"], "kwargs": {}},
        task_path="helhed.notifications.tasks.send_email_copy",
        queue_name="email",
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
        worker_ids=[f"{host_name()}:{os.getpid()}:me"],
    )
    assert run_pending_tasks() == 0  # RUNNING: no worker takes it
    assert recover_stuck_tasks() == 2  # the dead one, and the one running for an hour
    task.refresh_from_db()
    elsewhere.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert elsewhere.status == TaskResultStatus.RUNNING  # another machine, 5 minutes: wait
    alive.refresh_from_db()
    assert alive.status == TaskResultStatus.READY  # an hour is past HELHED_TASK_STUCK_SECONDS
    DBTaskResult.objects.filter(pk=alive.pk).delete()
    assert run_pending_tasks(queues="email") == 1
    assert [m.to for m in mail.outbox] == [["anna@example.dk"]]
    assert Notification.objects.get(recipient=user).email_status == EmailStatus.SENT
    assert recover_stuck_tasks(now=timezone.now() + timedelta(minutes=20)) == 1  # elsewhere


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "EMAIL_USE_TLS and EMAIL_USE_SSL"),
        ({"EMAIL_PORT": "70000"}, "EMAIL_PORT: expected a port 1-65535"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT: expected a whole number"),
        ({"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT: expected seconds above 0"),
        ({"EMAIL_TIMEOUT": "ti"}, "EMAIL_TIMEOUT: expected a number of seconds"),
        ({"EMAIL_HOST": "smtp://mail.kommune.dk"}, "EMAIL_HOST: expected a host name"),
        ({"DEFAULT_FROM_EMAIL": "helhed"}, "DEFAULT_FROM_EMAIL: expected an address"),
        ({"EMAIL_BACKEND": config.QUEUED_EMAIL_BACKEND}, "EMAIL_BACKEND: name the backend"),
        (
            {"EMAIL_HOST_PASSWORD": "x", "EMAIL_HOST_PASSWORD_FILE": "/nowhere"},
            "EMAIL_HOST_PASSWORD and EMAIL_HOST_PASSWORD_FILE: set one",
        ),
        ({"EMAIL_HOST_PASSWORD_FILE": "/nowhere/pw"}, "EMAIL_HOST_PASSWORD_FILE: cannot read"),
    ],
)
def test_bad_email_settings_are_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        config.env_email()
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_email_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("hemmeligt\n")
    monkeypatch.setenv("EMAIL_BACKEND", SMTP)
    monkeypatch.setenv("EMAIL_HOST", "smtp.kommune.dk")
    monkeypatch.setenv("EMAIL_USE_TLS", "yes")
    monkeypatch.setenv("EMAIL_HOST_USER", "helhed")
    monkeypatch.setenv("EMAIL_HOST_PASSWORD_FILE", str(secret))
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", "Helhed <helhed@kommune.dk>")
    got = config.env_email()
    assert got["backend"] == SMTP and got["host"] == "smtp.kommune.dk"
    assert got["port"] == 587 and got["use_tls"] and not got["use_ssl"]
    assert got["user"] == "helhed" and got["password"] == "hemmeligt"
    assert got["timeout"] == 10 and got["from"] == "Helhed <helhed@kommune.dk>"


# --- real processes: two daily jobs at once, a worker stopped and killed ---------------------

# The daily job in a subprocess, with one more producer that notifies every "conc…" user and
# holds (signals that it runs, then waits for the test's go) so the runs overlap for sure.
CONCURRENT_JOB = """
import os, sys, time
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
import django
django.setup()
from helhed.core.models import User
from helhed.notifications import alerts
from helhed.notifications.alerts import Alert
signal_dir = Path(sys.argv[1])

def produce(today):
    (signal_dir / f"running-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not (signal_dir / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    users = User.objects.filter(username__startswith="conc").values_list("pk", flat=True)
    return [Alert(recipient_id=pk, title="Samtidig", dedupe_key="test:concurrent") for pk in users]

alerts.register_alert_producer("test:concurrent", produce)
from helhed.__main__ import main
main(["alerts", "--date", "2027-02-01"])
"""


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def shared(transactional_db: None, tmp_path: Any) -> Iterator[Any]:
    from tests.ops.shared_db import SharedDatabase

    yield SharedDatabase(tmp_path)


def test_two_overlapping_daily_jobs_notify_once_and_report_what_they_made(
    shared: Any, tmp_path: Any
) -> None:
    """Was: 19-29 "new" printed for 16 made. The second run finds the first one's lock, does
    nothing and exits 75; the "new" printed add up to the notifications made."""
    for i in range(16):
        User.objects.create(username=f"conc{i}", email=f"c{i}@example.dk")
    shared.snapshot()
    signals = tmp_path / "signals"
    signals.mkdir()
    script = CONCURRENT_JOB
    first = shared.popen("-c", script, str(signals))
    try:
        wait_for(lambda: any(signals.glob("running-*")), 120, "the first run's producer")
        second = shared.popen("-c", script, str(signals))
        out2, err2 = second.communicate(timeout=120)
        (signals / "go").touch()
        out1, err1 = first.communicate(timeout=120)
    finally:
        for process in (first, locals().get("second")):
            if process is not None and process.poll() is None:
                process.kill()
    assert first.returncode == 0, err1
    assert second.returncode == 75, (out2, err2)
    assert "another run of alerts is in progress" in err2 and "nothing done" in err2
    assert "test:concurrent: 16 found, 16 new" in out1
    assert "new" not in out2
    made = shared.query(
        "SELECT COUNT(*) FROM notifications_notification WHERE title = ?", ["Samtidig"]
    )
    assert made == [(16,)]
    assert shared.query("SELECT COUNT(*) FROM notifications_joblock") == [(0,)]  # released


def test_the_worker_finishes_its_task_on_sigterm_and_a_killed_workers_task_is_not_lost(
    shared: Any,
) -> None:
    from helhed.notifications import services

    user = User.objects.create(username="anna", email="anna@example.dk")
    services.notify([user], kind="opgave", title="Ny opgave")  # autocommit: queued at once
    user2 = User.objects.create(username="bo", email="bo@example.dk")
    services.notify([user2], kind="opgave", title="Anden opgave")
    shared.snapshot()

    def status(title: str) -> tuple[Any, ...]:
        return shared.query(
            "SELECT email_status, email_attempts FROM notifications_notification WHERE title = ?",
            [title],
        )[0]

    def running() -> int:
        return shared.query(
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
        )[0][0]

    with hung_smtp_server() as port:
        smtp = {
            "EMAIL_BACKEND": SMTP,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_TIMEOUT": "4",
        }
        # SIGTERM while an attempt hangs: the attempt ends (timeout), is recorded, exit 0.
        worker = shared.popen("worker", "--max-tasks", "1", **smtp)
        try:
            wait_for(lambda: running() == 1, 120, "the worker to take a task")
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == 0, err
        assert "shutting down gracefully" in out + err
        attempted = [status("Ny opgave"), status("Anden opgave")]
        assert sorted(attempted) == [("fejlet", 1), ("venter", 0)], attempted
        assert running() == 0

        # SIGKILL while the other attempt hangs: its task stays RUNNING…
        worker = shared.popen("worker", **smtp)
        try:
            # Killed once the attempt is claimed (the task turns RUNNING a moment before its
            # claim is written: a kill in between would count no attempt).
            wait_for(
                lambda: running() == 1 and status("Ny opgave")[1] + status("Anden opgave")[1] == 2,
                120,
                "the worker to take the other task and claim its attempt",
            )
            worker.kill()
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert running() == 1

    # … and the next worker hands it back and delivers it.
    with answering_smtp_server() as server:
        smtp["EMAIL_PORT"] = str(server.server_address[1])
        batch = shared.popen("worker", "--batch", **smtp)
        out, err = batch.communicate(timeout=120)
        assert batch.returncode == 0, err
    assert "1 task(s) left running queued again" in err
    assert running() == 0
    assert [m["To"] for m in server.messages] == ["bo@example.dk"]
    assert status("Anden opgave") == ("sendt", 2)  # the killed attempt counts as one
