"""Health probes and the metrics scrape: no login, no personal data, never cached
(docs/operations.md, "Sundhed, logning og målinger")."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from helhed.ops import health, metrics


@never_cache
@require_safe
def live(request: HttpRequest) -> HttpResponse:
    """The process answers (no database: a database outage must not restart the servers)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, every migration is applied and the queue drains; else
    503. The body names each check."""
    ok, body = health.readiness()
    return JsonResponse(body, status=200 if ok else 503)


def bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@never_cache
@require_safe
def scrape(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format, for a scraper with ``Authorization: Bearer <token>``. Without
    a configured token there is no endpoint (404)."""
    expected = settings.HELHED_METRICS_TOKEN
    if not expected:
        raise Http404
    given = bearer_token(request)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        response = HttpResponse("401 Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)
