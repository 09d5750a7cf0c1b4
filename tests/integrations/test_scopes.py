"""Every API operation decides whether clients may call it (and with which one scope), and the
committed OpenAPI document says so."""

from __future__ import annotations

import json

from helhed.api import CLIENT_SCOPE_OF_OPERATION, CLIENT_SCOPES, SESSION_ONLY, api, client_scope
from helhed.core.scopes import SCOPE_NAMES, SCOPES
from helhed.integrations.auth import ClientAuth
from helhed.ops.management.commands.openapi import document_path, render_document


def _operations() -> list:
    return [
        op
        for bound in api._get_bound_routers()
        for view in bound.path_operations.values()
        for op in view.operations
    ]


def test_every_api_module_is_open_to_clients_or_session_only() -> None:
    modules = {op.view_func.__module__ for op in _operations()}
    undecided = modules - set(CLIENT_SCOPES) - SESSION_ONLY
    assert not undecided, (
        f"API modules {sorted(undecided)}: add each to helhed.api.CLIENT_SCOPES (its scopes) "
        "or SESSION_ONLY"
    )
    assert not set(CLIENT_SCOPES) & SESSION_ONLY


def test_each_operation_exception_names_a_real_operation_and_a_catalogued_scope() -> None:
    names = {f"{op.view_func.__module__}.{op.view_func.__name__}" for op in _operations()}
    for name, scope in CLIENT_SCOPE_OF_OPERATION.items():
        assert name in names, f"{name}: no such operation"
        assert scope is None or scope in SCOPE_NAMES, name
    starting_an_export = next(
        op for op in _operations() if op.view_func.__name__ == "request_export"
    )
    assert client_scope(starting_an_export) == "fhir:read"


def test_every_client_open_operation_requires_exactly_one_catalogued_scope() -> None:
    named = {s for pair in CLIENT_SCOPES.values() for s in pair if s}
    assert named <= SCOPE_NAMES
    assert len(SCOPE_NAMES) == len(SCOPES) == 12
    open_ops = 0
    for op in _operations():
        clients = [cb for cb in op.auth_callbacks if isinstance(cb, ClientAuth)]
        scope = client_scope(op)
        if scope is None:
            assert clients == [], op.view_func
        else:
            open_ops += 1
            assert [cb.scope for cb in clients] == [scope], op.view_func
            assert clients[0] is op.auth_callbacks[0]  # decided before the session is asked
    assert open_ops > 50


def test_the_committed_openapi_document_is_current() -> None:
    committed = document_path().read_text(encoding="utf-8")
    assert render_document() == committed, (
        "docs/api/openapi.json differs from the API: run `helhed openapi --write` and commit "
        "it (raise helhed.api.API_VERSION when operations or fields changed)"
    )
    document = json.loads(committed)
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/api/oauth/token"
    assert set(flows["clientCredentials"]["scopes"]) == SCOPE_NAMES
    goals = document["paths"]["/api/courses/courses/{course_id}/plan/goals"]["post"]
    assert goals["security"] == [{"session": []}, {"oauth2": ["plans:write"]}]
    me = document["paths"]["/api/me"]["get"]
    assert me["security"] == [{"session": []}]
