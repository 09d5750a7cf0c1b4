"""What the courses API's modules share: small lookups that answer 422, and the out-mappers for
team members, consent, legal bases and list rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from helhed.core.apikit import (
    invalid,
)
from helhed.core.models import User, WelfareArea
from helhed.courses import logic, selectors
from helhed.courses.models import (
    Consent,
    Course,
    LegalBasis,
    Plan,
    TeamMember,
)
from helhed.courses.schemas import (
    ConsentOut,
    CourseListItem,
    LegalBasisOut,
    RefOut,
    SavedOut,
    TeamMemberOut,
    TeamStatsOut,
)

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _saved(obj_id: uuid.UUID, plan: Plan) -> SavedOut:
    """The answer to a plan save: ``plan`` is the row the service locked and saved, so its
    version is the one this save wrote — not a later one another user's save wrote since (a
    client sending that newer version on would overwrite their change unseen)."""
    return SavedOut(
        id=obj_id,
        version=plan.version,
        changes=selectors.version_changes(plan.pk, plan.version),
    )


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _get_or_422(model: type[Any], pk: object, field: str, msg: str) -> Any:
    obj = model.objects.filter(pk=pk).first() if pk is not None else None
    if pk is not None and obj is None:
        raise invalid(field, msg)
    return obj


def _team_member_or_422(access: selectors.Access, member_id: uuid.UUID | None, field: str) -> Any:
    if member_id is None:
        return None
    try:
        return selectors.team_member_of(access, member_id)
    except PermissionDenied:
        raise invalid(field, "Personen er ikke på forløbets team.") from None


def _check_choice(value: str, choices: Iterable[str], field: str) -> None:
    if value not in set(choices):
        raise invalid(field, "Ugyldig værdi.")


def _check_area(slug: str | None, field: str = "welfare_area") -> None:
    if slug is not None and not WelfareArea.objects.filter(pk=slug).exists():
        raise invalid(field, "Ukendt fagområde.")


def _categories(access: selectors.Access) -> list[str]:
    return [c for c, _label in logic.DATA_CATEGORIES if access.may(c)]


def _member_out(member: TeamMember, on: date) -> TeamMemberOut:
    return TeamMemberOut(
        id=member.id,
        user_id=member.user_id,
        name=member.name,
        organisation_id=member.organisation_id,
        organisation=member.organisation.name,
        unit_id=member.unit_id,
        unit=member.unit.name if member.unit else None,
        welfare_area=member.welfare_area_id,
        role=member.role,
        phone=member.phone,
        email=member.email,
        valid_from=member.valid_from,
        valid_to=member.valid_to,
        current=member.valid_from <= on and (member.valid_to is None or on <= member.valid_to),
    )


def _stats_out(stats: logic.TeamOverview) -> TeamStatsOut:
    return TeamStatsOut(
        current=stats.current,
        joined_last_12_months=stats.joined_last_12_months,
        left_last_12_months=stats.left_last_12_months,
        turnover=stats.turnover,
    )


def _consent_out(consent: Consent, on: date, access: selectors.Access) -> ConsentOut:
    scope = selectors.consent_scope(access, consent)
    return ConsentOut(
        id=consent.id,
        given_by=consent.given_by,
        given_by_name=consent.given_by_name,
        organisations=[RefOut(id=o.id, name=o.name) for o in scope.organisations],
        units=[RefOut(id=u.id, name=u.name) for u in scope.units],
        hidden_scope=scope.hidden,
        categories=sorted(consent.categories),
        valid_from=consent.valid_from,
        valid_to=consent.valid_to,
        withdrawn_on=consent.withdrawn_on,
        withdrawn_by_name=consent.withdrawn_by_name,
        note=scope.note,
        valid_today=consent.valid_on(on),
        person_id=consent.person_id,
        confirmation=selectors.consent_confirmation(consent),
        confirmed_at=consent.confirmed_at,
        confirmed_by_name=consent.confirmed_by_name,
        has_document=selectors.consent_has_document(consent),
    )


def _legal_basis_out(basis: LegalBasis | None) -> LegalBasisOut | None:
    if basis is None:
        return None
    return LegalBasisOut(id=basis.id, law=basis.law, paragraph=basis.paragraph, title=basis.title)


def _list_item(course: Course) -> CourseListItem:
    return CourseListItem(
        id=course.id,
        initiative_id=course.initiative_id,
        initiative=course.initiative.name,
        status=course.status,
        referred_on=course.referred_on,
        citizen_name=course.citizen.full_name,
        cpr_masked=course.citizen.masked_cpr,
        coordinator_id=course.coordinator_id,
        coordinator=_name(course.coordinator),
    )


def _text(text: selectors.FreeText) -> str | None:
    return text.text if text.shown else None
