"""Restriction of processing (GDPR art. 18): a frozen course changes nowhere.

The guard (``selectors.access_for`` and ``visible_courses``) lets only the coordinator read a
course whose processing is restricted. Writes are refused here, in one place for every app:
a ``pre_save``/``pre_delete``/``m2m_changed`` barrier on every model that belongs to a course
(found from the models themselves — every model with a path of foreign keys to ``Course``,
whatever app defines it), so a plan save, a team change, a meeting, a handover, a measurement,
a consent or an API call is refused with ``CourseRestrictedError`` inside the service's
transaction — a 403 page with the Danish reason, a 409 problem body in the API. Only the
restriction's own fields may change on the course (to lift it).

The retention job does not touch a restricted course (docs/security.md); ``unchecked`` exists for
its deletions of courses it has checked itself under a row lock.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.db.models.signals import m2m_changed, pre_delete, pre_save

from helhed.core.domain import DomainError

RESTRICTED = (
    "Behandlingen af forløbet er begrænset (databeskyttelsesforordningens art. 18): intet i "
    "forløbet kan ændres eller deles, før koordinatoren ophæver begrænsningen."
)
# What the coordinator may change on a restricted course: the restriction itself.
RESTRICTION_FIELDS = frozenset({"restricted_since", "restricted_reason", "restricted_by"})

_unchecked: contextvars.ContextVar[bool] = contextvars.ContextVar("restriction_unchecked")
# Inside ``withdrawal()``: the consent's withdrawal fields and its history line pass the barrier.
_withdrawing: contextvars.ContextVar[bool] = contextvars.ContextVar("restriction_withdrawing")
WITHDRAWAL_FIELDS = frozenset({"withdrawn_on", "withdrawn_by_name"})
# A data subject's request (art. 15) and its answer are the citizen's right, not processing of
# the course: recording one and marking it delivered pass the barrier (deleting one does not).
REQUEST_LABEL = "gdpr.DataSubjectRequest"
REQUEST_DELIVERY_FIELDS = frozenset({"status", "delivered_at"})
# model -> the foreign-key names leading from it to Course (["plan", "course"]); Course -> [].
_PATHS: dict[type[Model], list[str]] = {}


class CourseRestrictedError(DomainError, PermissionDenied):
    """A write to a course whose processing is restricted. 409 in the API; a page shows the
    reason on the 403 page (a ``PermissionDenied`` with its message)."""

    status = 409
    title = "Behandlingen er begrænset"

    def __init__(self) -> None:
        PermissionDenied.__init__(self, RESTRICTED)
        self.detail = RESTRICTED
        self.members = {}


@contextmanager
def unchecked() -> Iterator[None]:
    """For the retention job only: it has excluded restricted courses under a row lock."""
    token = _unchecked.set(True)
    try:
        yield
    finally:
        _unchecked.reset(token)


@contextmanager
def withdrawal() -> Iterator[None]:
    """Consent can be withdrawn at any time (GDPR art. 7(3)) — a restricted course's too. Inside
    this block the barrier lets through only what a withdrawal writes: a consent's withdrawal
    fields and a new history line. A withdrawal narrows who may read; it processes nothing new."""
    token = _withdrawing.set(True)
    try:
        yield
    finally:
        _withdrawing.reset(token)


def _is_request(sender: type[Model], instance: Model, update_fields: Any) -> bool:
    if sender._meta.label != REQUEST_LABEL:
        return False
    if instance._state.adding:
        return True
    return update_fields is not None and set(update_fields) <= REQUEST_DELIVERY_FIELDS


def _is_withdrawal(sender: type[Model], instance: Model, update_fields: Any) -> bool:
    if not _withdrawing.get(False):
        return False
    label = sender._meta.label
    if label == "courses.Consent":
        return update_fields is not None and set(update_fields) <= WITHDRAWAL_FIELDS
    return label == "courses.ConsentEvent" and instance._state.adding


def course_paths() -> dict[type[Model], list[str]]:
    """Every model with a path of (non-null or nullable) foreign keys to ``Course``, shortest
    first. Computed from the app registry, so a new app's models are covered at once."""
    course = apps.get_model("courses", "Course")
    paths: dict[type[Model], list[str]] = {course: []}
    models = [m for m in apps.get_models() if m.__module__.startswith("helhed.")]
    changed = True
    while changed:
        changed = False
        for model in models:
            if model in paths:
                continue
            for field in model._meta.concrete_fields:
                target = field.related_model if field.is_relation else None
                if (
                    target in paths
                    and target is not model
                    and (field.many_to_one or field.one_to_one)
                ):
                    paths[model] = [field.name, *paths[target]]
                    changed = True
                    break
    return paths


def _course_restricted(model: type[Model], instance: Model) -> bool:
    path = _PATHS[model]
    course = apps.get_model("courses", "Course")
    if not path:
        pk = instance.pk
        return course.objects.filter(pk=pk, restricted_since__isnull=False).exists()
    first = model._meta.get_field(path[0])
    value = getattr(instance, f"{first.name}_id", None)
    target = first.related_model
    if value is None or not isinstance(target, type):
        return False
    lookup = "__".join([*path[1:], "restricted_since__isnull"])
    return bool(target._default_manager.filter(pk=value, **{lookup: False}).exists())


def refuse_if_restricted(course_id: Any) -> None:
    """The barrier for bulk writes (``bulk_create``, ``bulk_update``, ``QuerySet.update``), which
    send no signals: every service that writes a course's data in bulk calls this first, in its
    transaction. Raises ``CourseRestrictedError`` when the course's processing is restricted."""
    if _unchecked.get(False) or course_id is None:
        return
    course = apps.get_model("courses", "Course")
    if course.objects.filter(pk=course_id, restricted_since__isnull=False).exists():
        raise CourseRestrictedError


def _on_save(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if _unchecked.get(False) or sender not in _PATHS:
        return
    if _is_withdrawal(sender, instance, kwargs.get("update_fields")):
        return
    if _is_request(sender, instance, kwargs.get("update_fields")):
        return
    if not _PATHS[sender]:  # the course itself
        if instance._state.adding:
            return
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) <= RESTRICTION_FIELDS:
            return
    if _course_restricted(sender, instance):
        raise CourseRestrictedError


def _on_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if _unchecked.get(False) or sender not in _PATHS:
        return
    if _course_restricted(sender, instance):
        raise CourseRestrictedError


def _on_m2m(sender: Any, instance: Model, action: str, **kwargs: Any) -> None:
    if not action.startswith("pre_") or _unchecked.get(False):
        return
    model = type(instance)
    if model in _PATHS and _course_restricted(model, instance):
        raise CourseRestrictedError


def connect() -> None:
    """Called once from ``CoursesConfig.ready`` (all apps' models are loaded then)."""
    _PATHS.clear()
    _PATHS.update(course_paths())
    for model in _PATHS:
        uid = f"restriction:{model._meta.label}"
        pre_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}:save")
        pre_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}:delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="restriction:m2m")
