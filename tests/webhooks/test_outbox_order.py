"""The feed pages by ``seq``, so ``seq`` must follow commit order: a writer that starts while
another's transaction is open waits for it and numbers after it (PostgreSQL's advisory lock;
SQLite serialises every write transaction anyway; the tests' shared in-memory SQLite refuses the
second writer instead of making it wait)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, transaction

from helhed.outbox import services as outbox
from helhed.outbox.models import Event


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_and_numbers_after_it() -> None:
    course_id = uuid.uuid4()
    # each writer's event names its own course, so the numbering shows who came first
    course_of = {"first": uuid.uuid4(), "second": uuid.uuid4()}
    first_inside, first_may_commit = threading.Event(), threading.Event()
    committed: list[str] = []
    errors: list[BaseException] = []

    def write(name: str, hold: bool) -> None:
        try:
            if not hold:
                first_inside.wait(5)
            with transaction.atomic():
                outbox.record("dk.helhed.course.closed", course_id=course_of[name])
                if hold:
                    first_inside.set()
                    first_may_commit.wait(5)
            committed.append(name)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=write, args=("first", True))
    second = threading.Thread(target=write, args=("second", False))
    first.start()
    second.start()
    second.join(0.5)
    if connection.vendor == "sqlite":
        # The tests' SQLite is one shared in-memory database, whose table lock refuses a second
        # writer at once instead of making it wait (a file database waits, busy_timeout): what
        # must hold all the same is that no event is numbered beside an open transaction's.
        assert not second.is_alive()
        assert [type(e).__name__ for e in errors] == ["OperationalError"]
        assert "locked" in str(errors[0])
        first_may_commit.set()
        first.join(10)
        assert committed == ["first"]
        with transaction.atomic():
            outbox.record("dk.helhed.course.closed", course_id=course_id)
        assert list(Event.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
        return
    assert second.is_alive(), "the second writer did not wait for the first one's commit"
    first_may_commit.set()
    first.join(10)
    second.join(10)
    assert errors == []
    # (the order the threads append in after their commits is the scheduler's, not the
    # database's: the numbering is what must follow the commits)
    assert sorted(committed) == ["first", "second"]
    numbered = list(Event.objects.order_by("seq").values_list("seq", "course_id"))
    assert numbered == [(1, course_of["first"]), (2, course_of["second"])]
