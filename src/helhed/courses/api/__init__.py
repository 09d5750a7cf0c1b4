"""Courses API: courses, the shared plan, team and consent — with the same access rules as the
pages; one module per concept (``courses``, ``plan``, ``team``, ``consent``), mounted on one
router here.

Every read goes through ``selectors`` (``visible_courses``, ``access_for``, ``course_overview``)
and is written to the access log; every write goes through ``services``. An outsider gets the same
403 for a course that exists and one that does not. The full CPR number is accepted in the intake
body only and never returned (responses carry ``ddmmåå-xxxx``).

Errors are rendered once, by ``helhed.api``'s handlers: the guard's refusal
(``selectors.NoAccessError``) and ``PermissionDenied`` → 403; the services' ``ValidationError``
(naming the fields of these request bodies) → 422; ``services.StalePlanError`` → 409 with the
current version and what changed meanwhile; ``services.DuplicateCourseError`` → 409.
"""

from ninja import Router

from helhed.courses.api import consent, courses, plan, team

router = Router(tags=["courses"])
for part in (courses, plan, team, consent):
    router.add_router("", part.router)
