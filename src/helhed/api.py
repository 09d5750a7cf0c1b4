"""The NinjaAPI that mounts each app's router. Errors are RFC 9457 problem bodies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation
from ninja.router import BoundRouter
from ninja.security import django_auth

from helhed.coordination.api import router as coordination_router
from helhed.core.api import router as core_router
from helhed.core.apikit import field_errors, translated_errors
from helhed.core.domain import DomainError
from helhed.courses.api import router as courses_router
from helhed.economics.api import router as economics_router
from helhed.fhir.api import router as fhir_router
from helhed.handovers.api import router as handovers_router
from helhed.integrations.auth import ClientAuth, ClientUnauthorizedError, PeopleOnly
from helhed.meetings.api import router as meetings_router
from helhed.notifications.api import router as notifications_router
from helhed.progress.api import router as progress_router
from helhed.registry.api import router as registry_router
from helhed.webhooks.api import router as webhooks_router

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


# Which operations integration clients may call, and with which scope: per API module (the
# view function's module), the scope of its reads (GET) and of its writes (anything else); None
# keeps those operations session-only. A module in neither table is a mistake the tests report
# (tests/integrations/test_scopes.py): each new API module decides here. One line per module.
CLIENT_SCOPES: dict[str, tuple[str | None, str | None]] = {
    "helhed.registry.api": ("registry:read", None),
    "helhed.courses.api.courses": ("courses:read", "courses:write"),
    "helhed.courses.api.team": ("courses:read", "courses:write"),
    "helhed.courses.api.consent": ("courses:read", "courses:write"),
    "helhed.courses.api.plan": ("courses:read", "plans:write"),
    "helhed.meetings.api": ("meetings:read", "meetings:write"),
    "helhed.handovers.api": ("handovers:read", "handovers:write"),
    "helhed.progress.api": ("progress:read", "progress:write"),
    # the pull feed, and a client's own webhook subscriptions (subscribing is reading events)
    "helhed.webhooks.api": ("events:read", "events:read"),
    # a course as a Bundle, a bulk export's status and download; importing a Bundle opens a
    # course (the importer becomes its coordinator): a person's act, as intake is
    "helhed.fhir.api": ("fhir:read", None),
}
# An operation whose scope is not its module's rule, by ``module.function``; None: people only.
# Starting a bulk export is a POST that only reads. Opening a course (intake: the caller becomes
# its coordinator), asking to join a team and opening a course without consent under a legal
# basis are a person's acts (the services refuse a system user too: courses.services.
# _require_person).
CLIENT_SCOPE_OF_OPERATION: dict[str, str | None] = {
    "helhed.fhir.api.request_export": "fhir:read",
    "helhed.courses.api.courses.course_create": None,
    "helhed.courses.api.courses.join_request_create": None,
    "helhed.courses.api.courses.join_request_answer": None,
    "helhed.courses.api.courses.without_consent_open": None,
}
# For people only (a session): the own inbox, profile and organisation lookups, the
# coordination surveys (a person answers) and the economics (leaders' figures).
SESSION_ONLY: frozenset[str] = frozenset(
    {
        "helhed.core.api",
        "helhed.notifications.api",
        "helhed.coordination.api",
        "helhed.economics.api",
    }
)


def client_scope(operation: Operation) -> str | None:
    """The one scope an integration client needs for ``operation`` (None: session only)."""
    module = operation.view_func.__module__
    name = f"{module}.{operation.view_func.__name__}"
    if name in CLIENT_SCOPE_OF_OPERATION and module in CLIENT_SCOPES:
        return CLIENT_SCOPE_OF_OPERATION[name]
    read, write = CLIENT_SCOPES.get(module, (None, None))
    return read if operation.methods == ["GET"] else write


def open_to_clients(routers: list[BoundRouter]) -> None:
    """Put the client's Bearer token before the session on every operation that has a scope;
    on the others a Bearer token gets a clear 401 (people only)."""
    for bound in routers:
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                scope = client_scope(operation)
                operation.client_scope = scope  # type: ignore[attr-defined]
                if getattr(operation, "client_auth_set", False):
                    continue
                if scope:
                    operation.auth_callbacks = [ClientAuth(scope), *operation.auth_callbacks]
                elif operation.auth_callbacks:  # (an open operation stays open)
                    operation.auth_callbacks = [PeopleOnly(), *operation.auth_callbacks]
                operation.client_auth_set = True  # type: ignore[attr-defined]


def _joined(*parts: str) -> str:
    return "/" + "/".join(p for part in parts for p in part.split("/") if p)


def document_security(schema: dict[str, Any], routers: list[BoundRouter], prefix: str) -> None:
    """Two ways in: a person's session (cookie, with CSRF) and an integration client's OAuth 2
    client credentials, each operation naming the one scope a client needs."""
    from django.conf import settings
    from django.urls import reverse

    from helhed.core.scopes import SCOPES

    schema.setdefault("components", {})["securitySchemes"] = {
        "session": {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME},
        "oauth2": {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": reverse("integrations:token"),
                    "scopes": {s.name: s.english for s in SCOPES},
                }
            },
        },
    }
    scopes = {
        (_joined(prefix, bound.prefix, path), method.lower()): client_scope(op)
        for bound in routers
        for path, view in bound.path_operations.items()
        for op in view.operations
        for method in op.methods
    }
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            scope = scopes.get((_joined(path), method))
            security: list[dict[str, list[str]]] = [{"session": []}]
            if scope:
                security.append({"oauth2": [scope]})
            operation["security"] = security


class HelhedAPI(NinjaAPI):
    def _get_bound_routers(self) -> list[BoundRouter]:
        routers = super()._get_bound_routers()
        open_to_clients(routers)
        return routers

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = document_problems(super().get_openapi_schema(**kwargs))
        prefix = kwargs.get("path_prefix")
        if prefix is None:
            prefix = self.get_root_path(kwargs.get("path_params") or {})
        document_security(schema, self._get_bound_routers(), prefix)
        return schema

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """``helhed_<app>_api_<function>`` whether the app's API is a module or a package of
        modules by concept (``courses.api.plan``): clients keep their operation ids when an API
        module is split."""
        module = operation.view_func.__module__
        parts = module.split(".")
        if "api" in parts:
            module = ".".join(parts[: parts.index("api") + 1])
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


# The API's version in the OpenAPI document (docs/api/openapi.json): raise the minor number when
# operations or fields are added, the major one when a client must change.
API_VERSION = "1.1.0"

api = HelhedAPI(
    title="Helhed API",
    version=API_VERSION,
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


@api.exception_handler(ClientUnauthorizedError)
def on_client_unauthorized(request: HttpRequest, exc: ClientUnauthorizedError) -> HttpResponse:
    """An integration client's token refused (RFC 6750: says so in ``WWW-Authenticate``)."""
    response = on_domain_error(request, exc)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


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


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: a problem body, not Django's HTML 400."""
    limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    return problem(
        request,
        413,
        _("For stort indhold"),
        _("Indholdet må højst fylde %(size)s.") % {"size": limit},
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
api.add_router("/events", webhooks_router)
api.add_router("/fhir", fhir_router)
