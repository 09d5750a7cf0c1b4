"""An id that does not exist gets the same 403 as one the user may not see (no existence oracle)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from helhed.core.models import User
from helhed.meetings.models import Meeting
from tests.meetings.conftest import NOWHERE

pytestmark = pytest.mark.django_db


def test_unknown_ids_on_pages_give_403_not_404(
    meeting: Meeting, outsider_user: User, login: Callable[[User], Client]
) -> None:
    client = login(outsider_user)
    for name in ("availability", "choose_time", "meeting_cancel"):
        unknown = client.post(reverse(f"meetings:{name}", args=[NOWHERE]))
        existing = client.post(reverse(f"meetings:{name}", args=[meeting.pk]))
        assert unknown.status_code == existing.status_code == 403, name
    assert client.post(reverse("meetings:task_done", args=[NOWHERE])).status_code == 403
    assert client.get(reverse("meetings:ruling_create", args=[NOWHERE])).status_code == 403
