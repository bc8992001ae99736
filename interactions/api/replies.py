"""`POST /api/replies/check`: what the checks before sending say about a text, while the seller types it.

The same checks as `POST /api/interactions/{id}/reply` (interactions.services.reply_checks), nothing written."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interactions import selectors
from interactions.api.serializers import GuardrailViolationOutput
from interactions.services.reply_checks import reply_check
from sellers.access import IsSellerMember, seller_for_request

MAX_ID = 2**63 - 1


@extend_schema_serializer(component_name="SimilarReply")
class SimilarReplyOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="the earlier reply (a message id)")
    text = serializers.CharField()
    score = serializers.FloatField(help_text="0–100")
    sent_at = serializers.DateTimeField()
    same_product = serializers.BooleanField()


@extend_schema_serializer(component_name="RepeatCheck")
class RepeatOutput(serializers.Serializer):
    held = serializers.BooleanField(help_text="the reply would be held as a repeat (send it with confirm_repeat)")
    threshold = serializers.IntegerField(help_text="the runtime setting reply_repeat_threshold")
    checked = serializers.IntegerField(help_text="how many of the shop's recent answers it was compared with")
    similar = SimilarReplyOutput(many=True, help_text="the most similar earlier answers, best first (up to 3)")


@extend_schema_serializer(component_name="ReplyCheck")
class ReplyCheckOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "warn", "block"])
    violations = GuardrailViolationOutput(many=True)
    repeat = RepeatOutput()


@extend_schema_serializer(component_name="ReplyRefused")
class ReplyRefusedOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["guardrail_blocked", "guardrail_warning", "repeat_held"])
    violations = GuardrailViolationOutput(many=True)
    repeat = RepeatOutput()


class ReplyCheckApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="ReplyCheckInput")
    class Input(serializers.Serializer):
        interaction = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=10000)

    @extend_schema(
        request=Input,
        responses={200: ReplyCheckOutput},
        description=(
            "Check a reply to the interaction without sending it: the guardrail verdict (`block` can never be "
            "sent, `warn` needs `confirm_warnings`) and the repeated-answer guard (`repeat.held` needs "
            "`confirm_repeat`), exactly as `POST /api/interactions/{id}/reply` applies them."
        ),
    )
    def post(self, request: Request) -> Response:
        seller = seller_for_request(request)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        interaction = selectors.interaction_get(seller=seller, interaction_id=data["interaction"])
        # As typed: the fragments' positions are the app's own text's.
        checked = reply_check(interaction=interaction, text=data["text"])
        return Response(checked.as_dict())
