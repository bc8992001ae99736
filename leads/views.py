"""The public pages: the landing (`/`), its form without JavaScript (`POST /lead`), the thank-you page and the
privacy policy. Plain Django views and templates; the JSON endpoint the page's script uses is leads.api."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from leads import services, spam
from leads.api import EXPIRED
from leads.serializers import LeadInput
from leads.throttling import LeadMinuteThrottle, throttle_wait, throttled_message

logger = logging.getLogger(__name__)

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
CSRF_FAILED = "Не удалось отправить форму: обновите страницу и попробуйте ещё раз (нужны включённые cookie)."
FORM_ERRORS = "Проверьте поля, отмеченные красным."


def _form_context(
    request: HttpRequest,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    form_error: str = "",
    token: str = "",
) -> dict[str, Any]:
    values = dict(values or {})
    if not values:
        # What the page captured for the lead: the campaign's labels and where the visitor came from.
        values = {field: request.GET.get(field, "")[:200] for field in UTM_FIELDS}
        values["referrer"] = request.headers.get("referer", "")[:500]
    values.setdefault("marketplaces", [])
    return {
        "values": values,
        "errors": errors or {},
        "form_error": form_error,
        "form_token": token or spam.form_token(),
        "honeypot_field": spam.HONEYPOT_FIELD,
        "metrika_id": settings.METRIKA_COUNTER_ID,
    }


@require_safe
@ensure_csrf_cookie
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing/index.html", _form_context(request))


def _render_form(request: HttpRequest, status: int, **context: Any) -> HttpResponse:
    return render(request, "landing/index.html", _form_context(request, **context), status=status)


def _csrf_refused(request: HttpRequest) -> bool:
    # The view is exempt so that a refused token re-renders the form with a message instead of Django's bare
    # 403 page; the check itself is Django's (token, Origin, Referer over HTTPS).
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {}) is not None


@csrf_exempt
@require_POST
def lead_form_post(request: HttpRequest) -> HttpResponse:
    """The form without JavaScript: a 303 to the thank-you page, or the landing again with the errors."""
    values: dict[str, Any] = {key: request.POST.get(key, "") for key in request.POST if key != "csrfmiddlewaretoken"}
    values["marketplaces"] = request.POST.getlist("marketplaces")
    values["consent"] = request.POST.get("consent") in ("on", "true", "1")
    token = request.POST.get("form_token", "")
    verdict = spam.judge(token=token, honeypot=request.POST.get(spam.HONEYPOT_FIELD, ""))
    # Keep the page's own timestamp when showing errors: fixing a typo must not look like a bot's haste.
    keep_token = token if verdict in (spam.Verdict.HUMAN, spam.Verdict.TOO_FAST) else ""

    wait = throttle_wait(request)
    if wait is not None:
        response = _render_form(request, 429, values=values, form_error=throttled_message(wait), token=keep_token)
        response["Retry-After"] = str(max(1, round(wait)))
        return response
    if verdict.is_bot:
        logger.info("lead form: rejected as a bot (%s)", verdict)
        return redirect("landing-thanks")
    if _csrf_refused(request):
        return _render_form(request, 403, values=values, form_error=CSRF_FAILED, token=keep_token)
    if verdict is spam.Verdict.EXPIRED:
        return _render_form(request, 400, values=values, errors={}, form_error=EXPIRED)

    serializer = LeadInput(data=request.POST)
    if not serializer.is_valid():
        errors = {field: [str(message) for message in messages] for field, messages in serializer.errors.items()}
        return _render_form(request, 400, values=values, errors=errors, form_error=FORM_ERRORS, token=keep_token)
    ident = LeadMinuteThrottle().get_ident(request)
    services.lead_submit(data=serializer.lead_data(), ip_hash=spam.ip_hash(ident))
    return redirect("landing-thanks")


@require_safe
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "landing/thanks.html", {"metrika_id": settings.METRIKA_COUNTER_ID})


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "operator": settings.PRIVACY_OPERATOR,
        "privacy_email": settings.PRIVACY_EMAIL,
        "retention_days": settings.LEAD_RETENTION_DAYS,
        "metrika_id": settings.METRIKA_COUNTER_ID,
    }
    return render(request, "landing/privacy.html", context)
