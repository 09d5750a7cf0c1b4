"""The session store: Django's database sessions, with the one read every request makes — the
session by its key, unexpired — compiled once per process (``core.prepared``). Everything else
(saving, expiry, ``clearsessions``) is Django's own."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from helhed.core.prepared import Prepared


def _session(session_key: str, now: Any) -> QuerySet[Session]:
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


_SESSION: Prepared[Session] = Prepared(Session, _session)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        found = _SESSION(str(self.session_key), timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None
