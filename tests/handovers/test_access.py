"""Only the data the consent covers travels with a handover: the receiver's summary holds the
categories a consent covers for the receiving unit, and says what was withheld and why. Outsiders
get 403; every read is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Unit, User
from helhed.courses.models import Consent, Course
from helhed.handovers import selectors, services
from helhed.handovers.models import Handover
from tests.handovers.builders import add_measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def handover(course: Course, coordinator: User, drug_unit: Unit) -> Handover:
    today = timezone.localdate()
    add_measure(coordinator, course, today, None, title="Jobafklaring", area="beskaeftigelse")
    add_measure(
        coordinator, course, today, None, title="Ambulant behandling", area="kommunalt-sundhed"
    )
    services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="varetaegt",
        start_date=today - timedelta(days=5),
        expected_end=today + timedelta(days=20),
    )
    services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="psykiatri",
        start_date=today - timedelta(days=5),
        expected_end=today + timedelta(days=10),
    )
    return services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Behandling",
        to_unit_id=drug_unit.pk,
    )


def test_receiver_without_consent_sees_no_identity_and_what_was_withheld(
    handover: Handover, drug_user: User, course: Course
) -> None:
    view = selectors.handover_detail(drug_user, handover.pk)
    assert "receiver" in view.roles and view.actions == ["accept", "decline"]
    assert not view.summary.identity_shown
    assert view.summary.measures == [] and view.summary.stays == []
    assert len(view.summary.withheld) == 6  # all six categories (employment apart from economy)
    assert all("Rusmiddelcenter Odense" in why for _label, why in view.summary.withheld)
    assert not view.may_open_course
    entry = AccessLogEntry.objects.get(actor=drug_user)
    assert entry.citizen_id == course.citizen_id and entry.purpose == "overlevering"


def test_receiver_with_consent_sees_only_the_covered_categories(
    handover: Handover, drug_user: User, drug_consent: Consent
) -> None:
    view = selectors.handover_detail(drug_user, handover.pk)
    s = view.summary
    assert s.identity_shown and s.citizen_name == "Mette Sørensen"
    assert [m.title for m in s.measures] == ["Ambulant behandling"]  # health, not employment
    assert [st.kind for st in s.stays] == ["psykiatri"]  # health, not crime (custody)
    withheld = [label for label, _why in s.withheld]
    assert withheld == [
        "Sociale forhold",
        "Strafbare forhold",
        "Beskæftigelse",
        "Økonomi og forsørgelse",
    ]


def test_sender_sees_what_travels_but_never_more_than_own_access(
    course: Course,
    jobcenter_user: User,
    drug_unit: Unit,
    drug_consent: Consent,
    coordinator: User,
) -> None:
    add_measure(
        coordinator, course, timezone.localdate(), None, title="Behandling", area="psykiatri"
    )
    h = services.request_handover(
        jobcenter_user, course_id=course.pk, mode="henvist", reason="x", to_unit_id=drug_unit.pk
    )
    view = selectors.handover_detail(jobcenter_user, h.pk)
    # receiver: plan + health; the jobcenter's own consent: plan, social, economy → plan only
    assert view.summary.categories == ["Plan, mål og aftaler"]
    assert view.summary.measures == []
    assert "sender" in view.roles and view.actions == ["revoke"]


def test_external_receiver_gets_nothing_automatically(course: Course, coordinator: User) -> None:
    h = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="ledsaget",
        reason="x",
        external_organisation="Privat tilbud",
        external_contact="Per 12345678",
    )
    view = selectors.handover_detail(coordinator, h.pk)
    assert not view.summary.identity_shown
    assert all("uden for Helhed" in why for _l, why in view.summary.withheld)


def test_outsider_gets_403_for_handover_and_course_section(
    handover: Handover, outsider_user: User, course: Course, client: Client
) -> None:
    with pytest.raises(PermissionDenied):
        selectors.handover_detail(outsider_user, handover.pk)
    with pytest.raises(PermissionDenied):
        selectors.course_handovers(outsider_user, course.pk)
    client.force_login(outsider_user)
    assert client.get(f"/overdragelser/{handover.pk}/").status_code == 403
    assert client.get(f"/forloeb/{course.pk}/overdragelser/").status_code == 403
    r = client.post(f"/overdragelser/{handover.pk}/accept/")
    assert r.status_code == 403
    handover.refresh_from_db()
    assert handover.status == "requested"
    assert not AccessLogEntry.objects.filter(actor=outsider_user).exists()


def test_course_section_hides_stays_outside_consent_and_logs(
    handover: Handover, jobcenter_user: User, course: Course
) -> None:
    data = selectors.course_handovers(jobcenter_user, course.pk)
    assert data.stays == []  # custody (crime) and psychiatry (health): not in the consent
    assert set(data.hidden) >= {
        "Strafbare forhold",
        "Helbred (sundhed, psykiatri og rusmiddelbehandling)",
    }
    assert [t.kind for t in data.transitions] == []  # stays hidden → their transitions too
    entry = AccessLogEntry.objects.get(actor=jobcenter_user)
    assert entry.what == "overdragelser og overgange" and entry.citizen_id == course.citizen_id


def test_coordinator_sees_stays_and_their_transitions(
    handover: Handover, coordinator: User, course: Course
) -> None:
    data = selectors.course_handovers(coordinator, course.pk)
    assert [s.kind for s in data.stays] == ["psykiatri", "varetaegt"]
    assert [t.kind for t in data.transitions] == ["psykiatri", "varetaegt"]
    assert [r.handover.pk for r in data.open] == [handover.pk]
    assert data.open[0].responsible == course.coordinator_unit.name


def test_waiting_list_shows_my_units_handovers_without_names(
    handover: Handover, drug_user: User, jobcenter_user: User
) -> None:
    assert [r.handover.pk for r in selectors.waiting_for_my_units(drug_user)] == [handover.pk]
    assert selectors.waiting_for_my_units(jobcenter_user) == []
