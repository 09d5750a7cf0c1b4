"""The NinjaAPI that mounts each app's router. Errors are RFC 9457 problem bodies."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation
from ninja.security import django_auth

from helhed.coordination.api import router as coordination_router
from helhed.core.api import router as core_router
from helhed.core.apikit import field_errors, translated_errors
from helhed.core.domain import DomainError
from helhed.courses.api import router as courses_router
from helhed.economics.api import router as economics_router
from helhed.fhir.api import router as fhir_router
from helhed.handovers.api import router as handovers_router
from helhed.meetings.api import router as meetings_router
from helhed.notifications.api import router as notifications_router
from helhed.progress.api import router as progress_router
from helhed.registry.api import router as registry_router

PROBLEM = "application/problem+json"

# The refusals every operation can answer with, by the handlers below: not logged in (401), the
# guard's refusal (403), an unknown id (404), invalid data (422); and where a body is read, a
# body that is not JSON (400) and a service's refusal in the object's current state (409).
ALWAYS = {401: "Ikke logget ind", 403: "Ingen adgang", 404: "Findes ikke", 422: "Ugyldige data"}
WITH_BODY = {400: "Ugyldig JSON", 409: "Konflikt"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation's error answers as what the handlers send: ``application/problem+json``
    bodies, for the statuses any operation can answer with (and the ones an operation declares)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            statuses = dict(ALWAYS)
            if "requestBody" in operation:
                statuses.update(WITH_BODY)
            for status, title in statuses.items():
                responses.setdefault(status, {"description": title})
            for status, response in responses.items():
                if int(status) >= 400:
                    response["content"] = content
    return schema


class HelhedAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return document_problems(super().get_openapi_schema(**kwargs))

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """``helhed_<app>_api_<function>`` whether the app's API is a module or a package of
        modules by concept (``courses.api.plan``): clients keep their operation ids when an API
        module is split."""
        module = operation.view_func.__module__
        parts = module.split(".")
        if "api" in parts:
            module = ".".join(parts[: parts.index("api") + 1])
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = HelhedAPI(
    title="Helhed API",
    version="1",
    description="Helhedsorienterede indsatser: registret, forløb, planer og resultater.",
    auth=django_auth,
    urls_namespace="api",
    docs_decorator=login_required,
)


def problem(
    request: HttpRequest, status: int, title: str, detail: str = "", **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(
        request,
        422,
        _("Ugyldige data"),
        _("Et eller flere felter er ugyldige."),
        errors=translated_errors(exc.errors),
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
        # ninja's words for a body that is not JSON
        return problem(request, 400, _("Ugyldig JSON"), _("Indholdet kunne ikke læses som JSON."))
    return problem(request, exc.status_code, str(exc.message), str(exc.message))


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, _("Ikke logget ind"), _("Log ind for at bruge API'et."))


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A service's refusal: its status, title, detail and extra members (e.g. the plan's current
    version and what changed meanwhile)."""
    return problem(request, exc.status, exc.title, exc.detail, **exc.members)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """The same 403 for what does not exist and what the caller may not see (the guard)."""
    detail = str(exc) or _("Du har ikke adgang til dette.")
    return problem(request, 403, detail, detail)


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service's field errors: the services take the API's own field names (``…_id``), so
    the errors name the fields the client sent."""
    return problem(
        request,
        422,
        _("Ugyldige data"),
        _("Et eller flere felter er ugyldige."),
        errors=field_errors(exc),
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, _("Findes ikke"), str(exc) or _("Ressourcen findes ikke."))


@api.exception_handler(ObjectDoesNotExist)
def on_missing_object(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    """A sub-object (a goal, a measure) that is not in the course the guard let the caller into:
    404, naming nothing. (A course the caller may not see is the guard's 403.)"""
    return problem(request, 404, _("Findes ikke"), _("Ressourcen findes ikke."))


api.add_router("/", core_router)
api.add_router("/registry", registry_router)
api.add_router("/courses", courses_router)
api.add_router("/notifications", notifications_router)
api.add_router("/meetings", meetings_router)
api.add_router("/handovers", handovers_router)
api.add_router("/progress", progress_router)
api.add_router("/coordination", coordination_router)
api.add_router("/economics", economics_router)
api.add_router("/fhir", fhir_router)
