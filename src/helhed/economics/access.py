"""Who may see and change economics — one place, used by selectors and services.

* **Leaders and analysts** (roles *leder*, *analytiker*) see an initiative's economics when one of
  their organisations is an actor in the initiative (the registry) or coordinates courses in it
  (the courses the progress dashboard counts). They may change its business cases and contracts,
  and their own organisations' unit prices.
* **The investor** of a contract (an organisation in Helhed) sees that contract and its period
  report — aggregates only — but cannot change it.
* Per-course costs, enrolments and indicator results are personal data: they follow the course's
  access rule and consent (``courses.selectors.access_for``) per data category; every read is
  logged by the selectors.

Everything unknown and everything forbidden raise the same ``PermissionDenied``
(:class:`NoAccessError`), so that a guessed id tells nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied

from helhed.core.domain import DomainError
from helhed.core.models import Role, User, UserKind
from helhed.core.selectors import membership_list, request_cache, today
from helhed.economics.models import Contract
from helhed.registry.models import Initiative, InitiativeActor

ROLES = frozenset({Role.LEDER, Role.ANALYTIKER})

NO_ACCESS = "Du har ikke adgang."


class NoAccessError(DomainError, PermissionDenied):
    """This app's refusal, the same for what does not exist and what the user may not see. A
    ``PermissionDenied`` without a message, so a page shows the general 403 text; the API answers
    403 with ``NO_ACCESS``."""

    status = 403
    title = NO_ACCESS

    def __init__(self) -> None:
        PermissionDenied.__init__(self)
        self.detail = NO_ACCESS
        self.members = {}


def economics_organisations(user: User) -> set[Any]:
    """The organisations where the user is leder or analytiker today."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return set()
    return {m.unit.organisation_id for m in membership_list(user) if m.role in ROLES}


def initiative_organisations(initiative_id: Any) -> set[Any]:
    """Organisations in Helhed that are actors in the initiative (not mere context)."""
    return set(
        InitiativeActor.objects.filter(initiative_id=initiative_id, organisation__isnull=False)
        .exclude(role="context")
        .values_list("organisation_id", flat=True)
    )


def coordinates_courses(user: User, initiative_id: Any) -> bool:
    from helhed.progress.selectors import counted_courses

    try:
        return counted_courses(user, initiative_id).exists()
    except PermissionDenied:
        return False


def initiative_for(user: User, initiative_id: Any) -> Initiative:
    """The initiative if the user may see (and change) its economics, else ``PermissionDenied``."""
    orgs = economics_organisations(user)
    if not orgs:
        raise NoAccessError
    initiative = Initiative.objects.filter(pk=initiative_id).first()
    if initiative is None:
        raise NoAccessError
    if orgs & initiative_organisations(initiative.pk) or coordinates_courses(user, initiative.pk):
        return initiative
    raise NoAccessError


def may_see_initiative(user: User, initiative_id: Any) -> bool:
    try:
        initiative_for(user, initiative_id)
    except PermissionDenied:
        return False
    return True


def contract_for(user: User, contract_id: Any, *, edit: bool = False) -> Contract:
    """The contract if the user may see it (its parties and the initiative's leaders and
    analysts) or, with ``edit``, change it (not the investor)."""
    orgs = economics_organisations(user)
    if not orgs:
        raise NoAccessError
    contract = (
        Contract.objects.select_related("initiative", "owner", "investor")
        .filter(pk=contract_id)
        .first()
    )
    if contract is None:
        raise NoAccessError
    if contract.owner_id in orgs:
        return contract
    if not edit and contract.investor_id in orgs:
        return contract
    if may_see_initiative(user, contract.initiative_id):
        return contract
    raise NoAccessError


def _once_per_request(name: str, user: User, read: Callable[[User], set[Any]]) -> set[Any]:
    """``read(user)``, read once per request (a leader's start page asks in several panels);
    outside a request every call reads."""
    cache = request_cache.get()
    if cache is None:
        return read(user)
    key = (name, user.pk, today())
    if key not in cache:
        cache[key] = read(user)
    return set(cache[key])


def visible_initiative_ids(user: User) -> set[Any]:
    """Initiatives whose economics the user may see (actor, coordinating, or contract party)."""
    return _once_per_request("economics:initiatives", user, _visible_initiative_ids)


def visible_contract_ids(user: User) -> set[Any]:
    """Contracts the user may see: where one of their organisations is a party, and those of the
    initiatives they may see."""
    return _once_per_request("economics:contracts", user, _visible_contract_ids)


def _visible_initiative_ids(user: User) -> set[Any]:
    from helhed.progress.selectors import counted_courses

    orgs = economics_organisations(user)
    if not orgs:
        return set()
    ids = set(
        InitiativeActor.objects.filter(organisation_id__in=orgs)
        .exclude(role="context")
        .values_list("initiative_id", flat=True)
    )
    ids |= set(counted_courses(user).order_by().values_list("initiative_id", flat=True).distinct())
    ids |= set(Contract.objects.filter(owner_id__in=orgs).values_list("initiative_id", flat=True))
    return ids


def _visible_contract_ids(user: User) -> set[Any]:
    orgs = economics_organisations(user)
    if not orgs:
        return set()
    from django.db.models import Q

    direct = set(
        Contract.objects.filter(Q(owner_id__in=orgs) | Q(investor_id__in=orgs)).values_list(
            "pk", flat=True
        )
    )
    inits = visible_initiative_ids(user)
    return direct | set(
        Contract.objects.filter(initiative_id__in=inits).values_list("pk", flat=True)
    )
