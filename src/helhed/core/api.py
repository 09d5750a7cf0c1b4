"""Core API: who am I, organisations and units, the 14 fagområder."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from helhed.core import selectors
from helhed.core.models import User, WelfareArea

router = Router(tags=["core"])


class MembershipOut(Schema):
    unit_id: uuid.UUID
    unit: str
    organisation: str
    role: str


class MeOut(Schema):
    id: uuid.UUID
    username: str
    name: str
    kind: str
    start_role: str | None
    memberships: list[MembershipOut]


class OrganisationOut(Schema):
    id: uuid.UUID
    name: str
    org_type: str
    official_code: str
    region_code: str | None


class UnitOut(Schema):
    id: uuid.UUID
    name: str
    welfare_area: str | None


class OrganisationDetailOut(OrganisationOut):
    units: list[UnitOut]


class WelfareAreaNameOut(Schema):
    slug: str
    name_da: str
    name_en: str


def _require_staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm("core.view_organisations"):
        raise HttpError(403, "Kun medarbejdere med en rolle kan se organisationer.")
    return user


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    user: User = request.user  # type: ignore[assignment]
    memberships = [
        MembershipOut(
            unit_id=m.unit_id, unit=m.unit.name, organisation=m.unit.organisation.name, role=m.role
        )
        for m in selectors.membership_list(user)
    ]
    return MeOut(
        id=user.id,
        username=user.username,
        name=user.get_full_name(),
        kind=user.kind,
        start_role=selectors.start_role(user),
        memberships=memberships,
    )


def _org_out(org: object) -> OrganisationOut:
    return OrganisationOut(
        id=org.id,  # type: ignore[attr-defined]
        name=org.name,  # type: ignore[attr-defined]
        org_type=org.org_type_id,  # type: ignore[attr-defined]
        official_code=org.official_code,  # type: ignore[attr-defined]
        region_code=org.region.official_code if org.region else None,  # type: ignore[attr-defined]
    )


@router.get("/organisations", response=list[OrganisationOut])
@paginate(LimitOffsetPagination)
def organisation_list(
    request: HttpRequest, q: str = "", org_type: str = "", region: str = ""
) -> list[OrganisationOut]:
    _require_staff(request)
    return [_org_out(o) for o in selectors.organisations(query=q, org_type=org_type, region=region)]


@router.get("/organisations/{org_id}", response=OrganisationDetailOut)
def organisation_detail(request: HttpRequest, org_id: uuid.UUID) -> OrganisationDetailOut:
    _require_staff(request)
    org = selectors.organisation_detail(org_id)
    if org is None:
        raise HttpError(404, "Organisationen findes ikke.")
    base = _org_out(org)
    return OrganisationDetailOut(
        **base.model_dump(),
        units=[
            UnitOut(id=u.id, name=u.name, welfare_area=u.welfare_area_id) for u in org.units.all()
        ],
    )


@router.get("/welfare-areas", response=list[WelfareAreaNameOut])
def welfare_areas(request: HttpRequest) -> list[WelfareAreaNameOut]:
    return [
        WelfareAreaNameOut(slug=w.slug, name_da=w.name_da, name_en=w.name_en)
        for w in WelfareArea.objects.all()
    ]
