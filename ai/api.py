"""The AI's endpoints: regenerate a draft (optionally with an instruction) and what answers the shop now."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ai import selectors, services
from ai.drafts import INSTRUCTION_MAX_CHARS
from interactions.api.serializers import GuardrailVerdictOutput
from interactions.selectors import interaction_get
from sellers.access import IsSellerMember, seller_for_request


class DraftOutput(serializers.Serializer):
    text = serializers.CharField()
    source = serializers.ChoiceField(choices=["llm", "offline"], help_text="llm — языковая модель, offline — шаблон.")
    reason = serializers.CharField(help_text="Почему черновик написан по шаблону; пусто для черновика модели.")
    guardrail = GuardrailVerdictOutput()


class DraftApi(APIView):
    permission_classes = [IsSellerMember]
    throttle_scope = "ai_draft"

    class Input(serializers.Serializer):
        instruction = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=INSTRUCTION_MAX_CHARS,
            help_text="Пожелание к ответу: «короче», «предложи обмен», «без извинений».",
        )

    @extend_schema(
        request=Input,
        responses={200: DraftOutput},
        description=(
            "Write a new reply draft (the LLM's when AI is on, a key is set and the day's budget allows; "
            "otherwise the template's), check it with the reply guardrails and store it as the interaction's "
            "draft, replacing any draft, the seller's own too. A draft the guardrails block is rewritten once, "
            "then replaced by the template; `reason` says why."
        ),
    )
    def post(self, request: Request, interaction_id: int) -> Response:
        interaction = interaction_get(seller=seller_for_request(request), interaction_id=interaction_id)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = services.regenerate_draft(
            interaction=interaction, instruction=serializer.validated_data.get("instruction") or None
        )
        return Response(DraftOutput(draft.as_dict()).data)


class AIStatusOutput(serializers.Serializer):
    answering = serializers.ChoiceField(choices=["llm", "offline"], help_text="Кто сейчас разбирает обращения.")
    reason = serializers.CharField(help_text="Почему офлайн-анализатор, если он; иначе пусто.")
    model = serializers.CharField()
    spent_usd = serializers.DecimalField(max_digits=14, decimal_places=8)
    budget_usd = serializers.DecimalField(max_digits=14, decimal_places=8)
    exhausted = serializers.BooleanField()
    day = serializers.DateField()
    resets_at = serializers.DateTimeField()


class AIStatusApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema(
        responses=AIStatusOutput,
        description="Whether the LLM or the offline analyzer answers the shop now, and today's AI spending "
        "against the daily budget (the shop's own calendar day).",
    )
    def get(self, request: Request) -> Response:
        return Response(AIStatusOutput(selectors.ai_status(seller_for_request(request))).data)
