"""Consents recorded before their history existed (issue 15) get the lines that can be known:
"givet" at the time and by the user who recorded it, and "tilbagekaldt" on the day it was
withdrawn (by the name recorded then). Reversible: the backfilled lines are removed."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import migrations

BACKFILLED = "registreret før historikken"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def backfill(apps: Any, schema_editor: Any) -> None:
    Consent = apps.get_model("courses", "Consent")
    ConsentEvent = apps.get_model("courses", "ConsentEvent")
    for consent in Consent.objects.select_related("recorded_by").iterator():
        user = consent.recorded_by
        name = f"{user.first_name} {user.last_name}".strip() or user.username
        given = ConsentEvent.objects.create(
            consent_id=consent.pk,
            course_id=consent.course_id,
            kind="givet",
            by_id=user.pk,
            by_name=name[:200],
            detail=BACKFILLED,
        )
        ConsentEvent.objects.filter(pk=given.pk).update(at=consent.recorded_at)
        if consent.withdrawn_on is not None:
            withdrawn = ConsentEvent.objects.create(
                consent_id=consent.pk,
                course_id=consent.course_id,
                kind="tilbagekaldt",
                by_id=None,
                by_name=(consent.withdrawn_by_name or "")[:200],
                detail=BACKFILLED,
            )
            at = datetime.combine(consent.withdrawn_on, time(12), tzinfo=COPENHAGEN)
            ConsentEvent.objects.filter(pk=withdrawn.pk).update(at=at)


def remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("courses", "ConsentEvent").objects.filter(detail=BACKFILLED).delete()


class Migration(migrations.Migration):
    dependencies = [("courses", "0006_consent_evidence")]

    operations = [migrations.RunPython(backfill, remove)]
