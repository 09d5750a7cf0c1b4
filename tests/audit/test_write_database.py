"""The access log is written to the database a router chooses for writes, also where reads go
to a replica (docs/operations.md, the path past one machine): the chain's lock, its head and
the insert all on the write database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import override_settings

from helhed.audit import services
from helhed.audit.models import AccessLogEntry
from tests.courses.builders import make_staff, make_unit, organisation

pytestmark = pytest.mark.django_db


class ReplicaRouter:
    """Reads the access log from a replica this test does not have (any read of it there would
    fail); writes it to the default database."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return "replica" if model is AccessLogEntry else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"


def test_the_access_log_goes_to_the_write_database_when_reads_go_to_a_replica() -> None:
    actor = make_staff(make_unit(organisation("461"), "Enhed"), "fagperson")
    citizen = uuid.uuid4()
    with override_settings(DATABASE_ROUTERS=[f"{__name__}.ReplicaRouter"]):
        written = services.log_access(actor, [citizen, uuid.uuid4()], "liste", "sagsbehandling")
    assert [e._state.db for e in written] == ["default", "default"]
    assert AccessLogEntry.objects.filter(citizen_id=citizen, actor=actor).count() == 1
    assert AccessLogEntry.objects.filter(actor=actor).order_by("seq").last().seq == written[-1].seq
