"""The citizen's own pages (Min plan, Mine samtykker) and the per-law print views."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.core.models import User, UserKind
from helhed.courses import selectors
from helhed.courses.models import Consent
from tests.courses import citizen_world as w
from tests.courses.citizen_world import World, add_child_in_family, build_world

LAWS = ("min-plan", "sel-141", "barnets-plan")


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def page(client: Client, user: User, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def print_url(world: World, law: str) -> str:
    return reverse("courses:print_view", args=[world.course.pk, law])


# --------------------------------------------------------------------------------------------
# Min plan
# --------------------------------------------------------------------------------------------


def test_citizen_sees_goals_coordinator_and_next_appointment(world: World, client: Client) -> None:
    html = page(client, world.citizen_user, reverse("courses:my_plan"))
    assert "<h1>Min plan</h1>" in html
    assert 'class="helhed-citizen"' in html
    # My goal in my words, with my own importance rating.
    assert w.GOAL in html and "Så vigtigt er det for mig: 5 ud af 5" in html
    assert w.STATEMENT in html
    # What happens now, who is responsible.
    assert w.JOB_MEASURE in html and "Jonas Jobkonsulent, Odense Kommune" in html
    # My coordinator and how to reach them: a phone link, and my preferred channel.
    assert "Din koordinator: Karen Koordinator" in html
    assert 'href="tel:+4512345678"' in html
    assert "Du vil helst kontaktes via: <strong>SMS</strong>" in html
    # The upcoming appointment: title, day, time, place and with whom.
    tomorrow = world.appointment.starts_at
    assert w.APPOINTMENT in html and "Kl. 10.00 til 11.00" in html
    assert timezone.localtime(tomorrow).strftime("%Y") in html and "Ørbækvej 100" in html
    # Demands per sector, with the open conflict flagged gently.
    assert w.JOB_DEMAND in html and w.SOBRIETY_DEMAND in html
    assert "Vi er ved at afklare to krav, der ikke passer sammen" in html
    # Links to my consents and the access log.
    assert reverse("courses:my_consents") in html and reverse("audit:my_log") in html
    # The read is logged as the citizen's own access.
    assert AccessLogEntry.objects.filter(
        citizen_id=world.citizen.pk, actor=world.citizen_user, purpose=Purpose.CITIZEN_SELF
    ).exists()


def test_citizen_sees_only_their_own_plan(world: World, client: Client) -> None:
    other_user = User.objects.create_user(
        username="ida", password=w.PASSWORD, kind=UserKind.CITIZEN
    )
    w.young_citizen_with_course(world, other_user)
    html = page(client, other_user, reverse("courses:my_plan"))
    assert w.GOAL not in html and w.JOB_MEASURE not in html and "Mette" not in html


@pytest.mark.parametrize("name", ["courses:my_plan", "courses:my_consents"])
def test_staff_get_403_on_the_citizens_pages(world: World, client: Client, name: str) -> None:
    client.force_login(world.coordinator)
    assert client.get(reverse(name)).status_code == 403
    url = reverse("courses:my_consent_withdraw", args=[world.consent.pk])
    assert client.post(url).status_code == 403
    assert Consent.objects.get(pk=world.consent.pk).withdrawn_on is None


def test_citizen_without_a_record_is_told_kindly(db: None, client: Client) -> None:
    user = User.objects.create_user(username="ny", password=w.PASSWORD, kind=UserKind.CITIZEN)
    html = page(client, user, reverse("courses:my_plan"))
    assert "Du har ingen plan i Helhed" in html
    html = page(client, user, reverse("courses:my_consents"))
    assert "Du har ingen plan i Helhed" in html


def test_anonymous_is_sent_to_login(db: None, client: Client) -> None:
    response = client.get(reverse("courses:my_plan"))
    assert response.status_code == 302 and "/log-ind/" in response["Location"]


# --------------------------------------------------------------------------------------------
# Mine samtykker
# --------------------------------------------------------------------------------------------


def test_withdrawing_a_consent_ends_the_jobcenters_access_at_once(
    world: World, client: Client
) -> None:
    assert world.course in selectors.visible_courses(world.jobcenter_user)
    html = page(client, world.citizen_user, reverse("courses:my_consents"))
    assert "Jobcenter Odense, Odense Kommune" in html and "Gælder nu" in html

    url = reverse("courses:my_consent_withdraw", args=[world.consent.pk])
    confirm = client.get(url).content.decode()
    assert "gælder det med det samme" in confirm
    assert world.course in selectors.visible_courses(world.jobcenter_user)  # GET changes nothing

    response = client.post(url, follow=True)
    html = response.content.decode()
    assert "Samtykket er trukket tilbage. Det gælder med det samme" in html
    assert "Trukket tilbage" in html and "Trukket tilbage af Mette Sørensen" in html
    assert world.course not in selectors.visible_courses(world.jobcenter_user)
    with pytest.raises(PermissionDenied):
        selectors.access_for(world.jobcenter_user, world.course.pk)
    client.force_login(world.jobcenter_user)
    assert client.get(print_url(world, "min-plan")).status_code == 403
    # The psychiatry's separate consent is untouched.
    assert world.course in selectors.visible_courses(world.psychiatrist)


def test_citizen_cannot_withdraw_someone_elses_consent(world: World, client: Client) -> None:
    other_user = User.objects.create_user(
        username="ida", password=w.PASSWORD, kind=UserKind.CITIZEN
    )
    w.young_citizen_with_course(world, other_user)
    client.force_login(other_user)
    url = reverse("courses:my_consent_withdraw", args=[world.consent.pk])
    assert client.post(url).status_code == 404
    assert Consent.objects.get(pk=world.consent.pk).withdrawn_on is None


def test_citizen_gives_a_consent_that_opens_access(world: World, client: Client) -> None:
    world.consent.withdrawn_on = timezone.localdate()
    world.consent.save()
    assert world.course not in selectors.visible_courses(world.jobcenter_user)
    client.force_login(world.citizen_user)
    url = reverse("courses:my_consents")
    # Nothing chosen: a clear message, nothing saved.
    html = client.post(url, {"course": str(world.course.pk)}).content.decode()
    assert "Vælg mindst én, der må se dine oplysninger." in html
    assert "Vælg mindst én slags oplysninger." in html
    assert Consent.objects.filter(course=world.course).count() == 2

    response = client.post(
        url,
        {
            "course": str(world.course.pk),
            "who": [f"unit:{world.jobcenter_unit.pk}"],
            "categories": ["plan", "economy"],
        },
        follow=True,
    )
    assert "Dit samtykke er gemt" in response.content.decode()
    new = Consent.objects.filter(course=world.course).order_by("-recorded_at").first()
    assert new is not None and new.given_by == "borger" and new.categories == {"plan", "economy"}
    assert world.course in selectors.visible_courses(world.jobcenter_user)


def test_citizen_cannot_consent_for_a_unit_outside_the_team(world: World, client: Client) -> None:
    client.force_login(world.citizen_user)
    outsider_unit = world.outsider.memberships.get().unit
    response = client.post(
        reverse("courses:my_consents"),
        {
            "course": str(world.course.pk),
            "who": [f"unit:{outsider_unit.pk}"],
            "categories": ["plan"],
        },
    )
    assert response.status_code == 200
    assert Consent.objects.filter(course=world.course).count() == 2
    assert world.course not in selectors.visible_courses(world.outsider)


def test_a_citizen_under_15_cannot_give_consent_themself(world: World, client: Client) -> None:
    child_user = User.objects.create_user(
        username="ida", password=w.PASSWORD, kind=UserKind.CITIZEN
    )
    course = w.young_citizen_with_course(world, child_user)
    html = page(client, child_user, reverse("courses:my_consents"))
    assert "Du er under 15 år" in html and "forældremyndigheden" in html
    assert "Giv samtykke</button>" not in html
    response = client.post(
        reverse("courses:my_consents"),
        {
            "course": str(course.pk),
            "who": [f"unit:{world.coordinator_unit.pk}"],
            "categories": ["plan"],
        },
    )
    assert response.status_code == 403
    assert not Consent.objects.filter(course=course).exists()


def test_my_log_shows_others_reads_but_not_my_own(world: World, client: Client) -> None:
    selectors.course_overview(world.coordinator, world.course.pk)
    page(client, world.citizen_user, reverse("courses:my_plan"))  # the citizen's own read
    assert AccessLogEntry.objects.filter(actor=world.citizen_user).exists()
    html = page(client, world.citizen_user, reverse("audit:my_log"))
    assert "Karen Koordinator" in html
    assert "Borgerens egen adgang" not in html and "egen plan" not in html


# --------------------------------------------------------------------------------------------
# Per-law print views
# --------------------------------------------------------------------------------------------


def test_sel_141_view_shows_social_measure_basis_and_masked_cpr(
    world: World, client: Client
) -> None:
    html = page(client, world.coordinator, print_url(world, "sel-141"))
    assert "Lov om social service (serviceloven) § 141" in html
    assert w.SOCIAL_MEASURE in html and "Serviceloven § 85" in html
    assert w.PSYCH_MEASURE in html  # the coordinator sees health data
    assert w.GOAL in html and w.STATEMENT in html
    assert w.JOB_MEASURE in html  # other measures in the plan: the plan is holistic
    assert "Karen Koordinator" in html
    assert "150696-xxxx" in html
    assert "1506961234" not in html and "150696-1234" not in html
    version = world.plan.version
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert f"Udskrevet {today} fra planens version {version}" in html
    assert "Udskriv / Gem som PDF" in html and "helhed/print.css" in html


def test_min_plan_view_shows_the_employment_part_only(world: World, client: Client) -> None:
    html = page(client, world.coordinator, print_url(world, "min-plan"))
    assert "LAB § 40, stk. 3" in html
    assert w.JOB_MEASURE in html and "LAB § 127" in html
    assert w.JOB_DEMAND in html and w.APPOINTMENT in html and w.GOAL in html
    assert w.PSYCH_MEASURE not in html
    assert w.SOCIAL_MEASURE not in html and w.SOBRIETY_DEMAND not in html


def test_barnets_plan_view_names_the_child_and_child_law_measures(
    world: World, client: Client
) -> None:
    child = add_child_in_family(world)
    before = AccessLogEntry.objects.filter(citizen_id=child.pk).count()
    html = page(client, world.coordinator, print_url(world, "barnets-plan"))
    assert "Barnets lov § 91" in html
    assert "Lukas Sørensen" in html and "030216-xxxx" in html and "0302164321" not in html
    assert w.CHILD_MEASURE in html and "Barnets lov § 32" in html
    assert w.SOCIAL_MEASURE in html  # the family's other measures
    assert AccessLogEntry.objects.filter(citizen_id=child.pk).count() == before + 1


@pytest.mark.parametrize("law", LAWS)
def test_professional_without_health_consent_never_sees_psychiatry(
    world: World, client: Client, law: str
) -> None:
    html = page(client, world.jobcenter_user, print_url(world, law))
    assert w.PSYCH_MEASURE not in html and "Psykiatriloven" not in html
    assert "Helbred" in html  # told that something is left out, and which category
    # The psychiatrist (consent with health) does see it where it belongs.
    if law == "sel-141":
        assert w.PSYCH_MEASURE in page(client, world.psychiatrist, print_url(world, law))


@pytest.mark.parametrize("law", LAWS)
def test_print_views_write_an_access_log_entry(world: World, client: Client, law: str) -> None:
    def entries() -> int:
        return AccessLogEntry.objects.filter(
            citizen_id=world.citizen.pk, actor=world.jobcenter_user, purpose=Purpose.PLANNING
        ).count()

    before = entries()
    page(client, world.jobcenter_user, print_url(world, law))
    assert entries() == before + 1


def test_unknown_law_is_404_and_outsiders_are_refused(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.coordinator)
    assert client.get(print_url(world, "straffeloven")).status_code == 404
    client = login(world.outsider)
    assert client.get(print_url(world, "sel-141")).status_code == 403
    assert not AccessLogEntry.objects.filter(actor=world.outsider).exists()
