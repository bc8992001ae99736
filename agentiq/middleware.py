"""Project middleware: JSON error bodies under /api/, and the staff time zone in the admin.

ApiJsonErrorsMiddleware: DRF views already answer JSON; this catches the rest: an unknown path while
DEBUG shows its technical 404 page, a CSRF failure in a non-DRF view, or an error a view rendered with
another media type (the schema view renders its errors as OpenAPI YAML). It answers `{"detail", "code"}`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone

API_PREFIX = "/api/"
# /api/docs is an HTML page on purpose.
HTML_ALLOWED = ("/api/docs",)
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

MESSAGES = {
    400: ("Некорректный запрос.", "bad_request"),
    403: ("Доступ запрещён.", "permission_denied"),
    404: ("Не найдено.", "not_found"),
    405: ("Метод не разрешён.", "method_not_allowed"),
    429: ("Слишком много запросов.", "throttled"),
    500: ("Внутренняя ошибка сервера.", "server_error"),
}


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or request.path.startswith(HTML_ALLOWED)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        data = getattr(response, "data", None)  # a DRF Response rendered with a non-JSON renderer
        if not (isinstance(data, dict) and "detail" in data):
            detail, code = MESSAGES.get(response.status_code, ("Ошибка запроса.", "error"))
            data = {"detail": detail, "code": code}
        json_response = JsonResponse(data, status=response.status_code, json_dumps_params={"ensure_ascii": False})
        for header in KEPT_HEADERS:
            if response.has_header(header):
                json_response[header] = response[header]
        return json_response


class AdminTimezoneMiddleware:
    """Admin pages show times in the staff time zone (Moscow), not UTC.

    Activated around the whole response, rendering included, and dropped afterwards: the thread serves
    the API next, whose timestamps must stay in UTC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        if not request.path_info.startswith(self.admin_prefix):
            return self.get_response(request)
        with timezone.override(zoneinfo.ZoneInfo(settings.STAFF_TIME_ZONE)):
            return self.get_response(request)
