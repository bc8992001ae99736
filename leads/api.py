"""POST /api/leads: the landing form's JSON endpoint (the page's script posts here; without JavaScript the
form posts to leads.views.lead_form_post, which runs the same checks)."""

from __future__ import annotations

import logging
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads import services, spam
from leads.serializers import LeadInput
from leads.throttling import THROTTLES, throttled_message

logger = logging.getLogger(__name__)

THANKS = "Спасибо! Заявка принята: мы свяжемся с вами в течение рабочего дня."
EXPIRED = "Страница была открыта слишком долго. Обновите её и отправьте заявку ещё раз."


class LeadAcceptedOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


def accepted() -> Response:
    # The same answer for a new lead, a merged repeat and a rejected bot: a bot learns nothing.
    return Response({"detail": THANKS, "code": "accepted"}, status=status.HTTP_201_CREATED)


class LeadCreateApi(APIView):
    """A visitor asks to be contacted. Anonymous; no session, so no CSRF token is needed (it accepts JSON only,
    which a page on another site cannot send here without a CORS preflight, and none is allowed)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = list(THROTTLES)

    def throttled(self, request: Request, wait: float | None) -> None:
        exc = exceptions.Throttled(wait)
        exc.detail = exceptions.ErrorDetail(throttled_message(wait or 60), code="throttled")
        raise exc

    @extend_schema(
        request=LeadInput,
        responses={
            201: LeadAcceptedOutput,
            400: OpenApiResponse(description="Field errors in Russian, `errors` per field (`contact`: none given)."),
            429: OpenApiResponse(description="Too many requests from this IP; `Retry-After` says when to retry."),
        },
    )
    def post(self, request: Request) -> Response:
        body: Any = request.data if isinstance(request.data, dict) else {}
        verdict = spam.judge(token=str(body.get("form_token") or ""), honeypot=str(body.get(spam.HONEYPOT_FIELD) or ""))
        if verdict.is_bot:
            logger.info("lead form: rejected as a bot (%s)", verdict)
            return accepted()
        if verdict is spam.Verdict.EXPIRED:
            raise exceptions.ValidationError({"form_token": [EXPIRED]})
        serializer = LeadInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ident = THROTTLES[0]().get_ident(request)
        services.lead_submit(data=serializer.lead_data(), ip_hash=spam.ip_hash(ident))
        return accepted()
