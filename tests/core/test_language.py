"""Danish first, English where the reader chose it (issue 14): dates as "6. dec. 2026" with
decimal commas in Danish, "6 Dec 2026" in English; flash messages in the reader's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from helhed.core.models import Unit, User
from helhed.notifications import services
from helhed.notifications.models import Notification, NotificationKind
from tests.courses.citizen_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _danish_afterwards() -> Iterator[None]:
    """A request with an English cookie leaves English active in the thread (LocaleMiddleware
    activates and never deactivates): the next test must start in Danish."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def reader(user: User, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_template_dates_and_numbers_follow_the_readers_language() -> None:
    template = Template(
        '{{ d|date:"d.m.Y" }}|{{ d|date:"j. M Y H:i" }}|{{ d|date }}'
        '|{{ d|date:"d.m.Y \\k\\l. H:i" }}|{{ x }}'
    )
    context = Context({"d": datetime(2026, 12, 6, 10, 5), "x": 3.5})
    with translation.override("da"):
        assert template.render(context) == (
            "06.12.2026|6. dec. 2026 10:05|6. dec. 2026|06.12.2026 kl. 10:05|3,5"
        )
    with translation.override("en"):
        assert template.render(context) == (
            "6 Dec 2026|6 Dec 2026 10:05|6 Dec 2026|6 Dec 2026 10:05|3.5"
        )


def test_notification_dates_in_danish_and_in_english(make_user: Any, unit: Unit) -> None:
    user = make_user("fagperson", unit)
    services.notify([user], kind=NotificationKind.TASK, title="Ny opgave", email=False)
    Notification.objects.update(created_at=timezone.make_aware(datetime(2026, 12, 6, 10, 5)))
    url = reverse("notifications:list")
    assert "6. dec. 2026 10:05" in reader(user, "da").get(url).content.decode()
    english = reader(user, "en").get(url).content.decode()
    assert "6 Dec 2026 10:05" in english
    assert "Dec." not in english


@pytest.fixture
def world() -> World:
    return build_world()


def test_a_citizen_who_chose_english_sees_english_flash_messages_and_dates(
    world: World,
) -> None:
    client = reader(world.citizen_user, "en")
    url = reverse("courses:my_consent_withdraw", args=[world.consent.pk])
    page = client.post(url, follow=True).content.decode()
    assert "The consent has been withdrawn." in page
    assert "Samtykket er trukket tilbage" not in page
    today = timezone.localdate()
    assert f"Withdrawn {today.day} {today.strftime('%b')} {today.year}" in page


def test_the_same_in_danish(world: World) -> None:
    client = reader(world.citizen_user, "da")
    url = reverse("courses:my_consent_withdraw", args=[world.consent.pk])
    page = client.post(url, follow=True).content.decode()
    assert "Samtykket er trukket tilbage. Det gælder med det samme" in page
    today = timezone.localdate()
    with translation.override("da"):
        month = Template('{{ d|date:"N" }}').render(Context({"d": today}))
    assert f"Trukket tilbage {today.day}. {month} {today.year}" in page


def test_the_tables_date_format_is_djangos_own_for_every_kind_of_date() -> None:
    """``d.m.Y`` is written directly (a list page shows a hundred dates): the same text as
    Django's formatter for dates and for times, around the year and across the languages."""
    from datetime import UTC, date, datetime, timedelta

    from django.template import defaultfilters
    from django.utils import translation

    from helhed.core.templatetags.helhed_dates import date as date_filter

    values: list[object] = [date(1900, 1, 1) + timedelta(days=37 * n) for n in range(3000)]
    values += [datetime(2026, 12, 31, 23, 59, tzinfo=UTC), datetime(2027, 1, 1, 0, 0)]
    with translation.override("da"):
        for value in values:
            assert date_filter(value, "d.m.Y") == defaultfilters.date(value, "d.m.Y")
        assert date_filter(None, "d.m.Y") == "" and date_filter("", "d.m.Y") == ""
    with translation.override("en"):
        assert date_filter(date(2026, 12, 6), "d.m.Y") == "6 Dec 2026"
