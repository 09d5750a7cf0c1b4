"""Reads of the access log: the citizen's own view and supervision by leaders/administrators.

Supervision follows attribution: each entry names the unit the read was made from
(``actor_unit_id``) and that unit's organisation (``actor_organisation_id``), and a *leder* or
*administrator* sees the entries attributed to units of the organisations where they hold that
role today. A reader with units in two organisations is supervised by the organisation of the
unit each read was made from. Only memberships count: a superuser is nobody's supervisor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Min, Q, QuerySet

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.core.models import Organisation, Role, User
from helhed.core.selectors import membership_list

SUPERVISING_ROLES = frozenset({Role.LEDER, Role.ADMINISTRATOR})


def entries_for_citizen(
    citizen_id: uuid.UUID, *, exclude_actor: User | None = None
) -> QuerySet[AccessLogEntry]:
    """What the citizen sees under "who has looked at my data". ``exclude_actor`` leaves out the
    citizen's own reads of their own data (the log still stores them)."""
    qs = AccessLogEntry.objects.filter(citizen_id=citizen_id)
    if exclude_actor is not None:
        qs = qs.exclude(actor=exclude_actor)
    return qs.order_by("-at")


# The ``what`` of the list reads written before entries recorded ``listing`` (NULL there): the
# course lists, caseload, search results, task, handover and recommendation lists of the time.
LEGACY_LIST_READS = frozenset(
    {
        "forløbsliste",
        "forløbsliste: familiemedlem fundet ved søgning",
        "sagsoversigt",
        "søgeresultat",
        "mine opgaver",
        "åbne indstillinger",
        "overdragelser og overgange",
        "planlagte målinger",
    }
)


def _listing() -> Q:
    return Q(listing=True) | Q(listing__isnull=True, what__in=LEGACY_LIST_READS)


def record_openings_for_citizen(
    citizen_id: uuid.UUID, *, exclude_actor: User | None = None
) -> QuerySet[AccessLogEntry]:
    """The citizen's log without the lists they appeared in: each time someone opened their
    course, plan or other data, newest first."""
    return entries_for_citizen(citizen_id, exclude_actor=exclude_actor).exclude(_listing())


@dataclass(frozen=True)
class ListAppearance:
    """The times one person had the citizen's name on one kind of list (a caseload, search
    results), from one unit, for one purpose."""

    actor_name: str
    actor_unit: str
    what: str
    purpose_label: str
    without_consent: bool
    legal_basis: str
    times: int
    first: datetime
    last: datetime


def list_appearances_for_citizen(
    citizen_id: uuid.UUID, *, exclude_actor: User | None = None
) -> list[ListAppearance]:
    """The lists the citizen's name appeared in, grouped by who, from which unit, which list and
    why; the most recent first."""
    rows = (
        entries_for_citizen(citizen_id, exclude_actor=exclude_actor)
        .filter(_listing())
        .values(
            "actor_id",
            "actor_name",
            "actor_unit",
            "what",
            "purpose",
            "without_consent",
            "legal_basis",
        )
        .annotate(times=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("-last", "actor_name")
    )
    labels = dict(Purpose.choices)
    return [
        ListAppearance(
            actor_name=r["actor_name"],
            actor_unit=r["actor_unit"],
            what=r["what"],
            purpose_label=str(labels.get(r["purpose"], r["purpose"])),
            without_consent=r["without_consent"],
            legal_basis=r["legal_basis"],
            times=r["times"],
            first=r["first"],
            last=r["last"],
        )
        for r in rows
    ]


def supervised_organisation_ids(viewer: User) -> frozenset[uuid.UUID]:
    """The organisations where ``viewer`` is *leder* or *administrator* today."""
    return frozenset(org.pk for org in supervised_organisations(viewer))


def supervised_organisations(viewer: User) -> list[Organisation]:
    """The same organisations, by name (the supervision page says whose entries it shows)."""
    if not viewer.is_authenticated or viewer.is_citizen:
        return []
    found: dict[uuid.UUID, Organisation] = {}
    for m in membership_list(viewer):
        if m.role in SUPERVISING_ROLES:
            found.setdefault(m.unit.organisation_id, m.unit.organisation)
    return sorted(found.values(), key=lambda org: org.name)


def entries_for_supervision(
    viewer: User,
    *,
    citizen_id: uuid.UUID | None = None,
    actor_query: str = "",
    without_consent_only: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AccessLogEntry]:
    """Entries attributed to units of the organisations ``viewer`` supervises (none for anyone
    else, a superuser included), newest first."""
    qs = AccessLogEntry.objects.filter(
        actor_organisation_id__in=supervised_organisation_ids(viewer)
    )
    if citizen_id is not None:
        qs = qs.filter(citizen_id=citizen_id)
    if actor_query:
        qs = qs.filter(actor_name__icontains=actor_query)
    if without_consent_only:
        qs = qs.filter(without_consent=True)
    if since is not None:
        qs = qs.filter(at__date__gte=since)
    if until is not None:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at")
