"""`GET /api/metrics`: django-prometheus's exposition, kept off the public internet.

Served to METRICS_ALLOWED_IPS or to a caller with `Authorization: Bearer $METRICS_TOKEN`; anyone else
gets the same 404 as an unknown path, so the endpoint's existence does not leak. Behind nginx every
caller is 127.0.0.1, which is why deploy/nginx blocks /api/metrics from outside.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_prometheus.exports import ExportToDjangoView


def metrics_allowed(request: HttpRequest) -> bool:
    token: str = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        given = header.removeprefix("Bearer ").strip()
        if hmac.compare_digest(given.encode(), token.encode()):
            return True
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD") or not metrics_allowed(request):
        return JsonResponse({"detail": "Не найдено.", "code": "not_found"}, status=404)
    return ExportToDjangoView(request)
