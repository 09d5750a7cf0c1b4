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
from helhed.handovers.api import router as handovers_router
from helhed.meetings.api import router as meetings_router
from helhed.notifications.api import router as notifications_router
from helhed.progress.api import router as progress_router
from helhed.registry.api import router as registry_router


class HelhedAPI(NinjaAPI):
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

PROBLEM = "application/problem+json"


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
