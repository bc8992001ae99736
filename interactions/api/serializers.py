"""Output shapes shared by the inbox endpoints (each view keeps its own Input serializer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from agentiq.rendering import dict_renderer
from interactions.models import SLAState


class UserBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


# Plain serializers throughout: a ModelSerializer re-derives its fields from the model on every request.


class CustomerBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    external_id = serializers.CharField()
    marketplace = serializers.CharField()


class CustomerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    marketplace = serializers.CharField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    chats_count = serializers.IntegerField()
    questions_count = serializers.IntegerField()
    reviews_count = serializers.IntegerField()
    average_rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    last_sentiment = serializers.CharField()
    notes = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())


class InteractionBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    marketplace = serializers.CharField()
    status = serializers.CharField()
    product_id = serializers.CharField()
    product_name = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class InteractionListOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    marketplace = serializers.CharField()
    connection_id = serializers.IntegerField()
    external_id = serializers.CharField()
    status = serializers.CharField()
    needs_response = serializers.BooleanField()
    priority = serializers.CharField()
    intent = serializers.CharField()
    sentiment = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    sla_state = serializers.CharField()
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    first_responded_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.BooleanField()
    product_id = serializers.CharField()
    product_name = serializers.CharField()
    customer = CustomerBriefOutput(allow_null=True)
    # The buyer's name on this interaction, also when there is no customer (a name alone keys none).
    author_name = serializers.CharField()
    assigned_to = UserBriefOutput(allow_null=True)
    created_at = serializers.DateTimeField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    last_buyer_message_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    last_message_preview = serializers.CharField(allow_null=True)

    def to_representation(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        return list_row_output(instance)


class ReplyQualityOutput(serializers.Serializer):
    score = serializers.IntegerField(help_text="0–100")
    relevance = serializers.IntegerField(help_text="answers what the buyer said, specifically (0–100)")
    politeness = serializers.IntegerField()
    compliance = serializers.IntegerField(help_text="the reply check: 100 ok, warnings less, a block 0")
    personal = serializers.IntegerField(help_text="not like the shop's other replies (0–100)")
    timeliness = serializers.IntegerField(allow_null=True, help_text="against the SLA; null when no deadline ran")
    note = serializers.CharField(help_text="a short note in Russian")
    source = serializers.CharField(help_text="llm or rules")
    scored_at = serializers.DateTimeField()


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.CharField()
    author = serializers.CharField()
    author_user = UserBriefOutput(allow_null=True)
    text = serializers.CharField()
    attachments = serializers.JSONField()
    external_id = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    delivery_state = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    edit_of = serializers.IntegerField(
        source="edit_of_id", allow_null=True, help_text="the answer this reply edits on the marketplace"
    )
    marketplace_state = serializers.CharField(
        help_text="answers to reviews and questions: sent, in_moderation, published, rejected, edited, deleted; "
        '"" for buyer messages, chat messages and replies not delivered yet'
    )
    marketplace_reason = serializers.CharField(help_text="why the marketplace rejected or removed the answer")
    marketplace_state_at = serializers.DateTimeField(
        allow_null=True, help_text="when the sync saw the answer enter this state"
    )
    marketplace_editable = serializers.BooleanField(
        allow_null=True, help_text="Wildberries: may the answer still be edited (once, within 60 days)"
    )
    quality = ReplyQualityOutput(allow_null=True, help_text="our sent reply's quality score; null until scored")


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    actor = UserBriefOutput(allow_null=True)
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()


class ProductCardOutput(serializers.Serializer):
    nm_id = serializers.IntegerField()
    name = serializers.CharField()
    brand = serializers.CharField()
    vendor_code = serializers.CharField()
    category = serializers.CharField()
    photo_count = serializers.IntegerField()
    card = serializers.JSONField()
    price_history = serializers.JSONField()
    fetched_at = serializers.DateTimeField()


class CustomerSummaryOutput(serializers.Serializer):
    customer = CustomerOutput()
    other_interactions = InteractionBriefOutput(many=True)


class LinkedInteractionOutput(InteractionBriefOutput):
    author_name = serializers.CharField()


class StrongLinkOutput(serializers.Serializer):
    interaction = LinkedInteractionOutput()
    basis = serializers.ChoiceField(
        choices=[("buyer_id", "тот же ID покупателя"), ("confirmed", "подтверждено продавцом")]
    )
    reasons = serializers.ListField(child=serializers.CharField())
    decided_at = serializers.DateTimeField(allow_null=True)


class SuggestedLinkOutput(serializers.Serializer):
    interaction = LinkedInteractionOutput()
    score = serializers.FloatField(min_value=0, max_value=1)
    reasons = serializers.ListField(child=serializers.CharField())


class InteractionLinksOutput(serializers.Serializer):
    """Other interactions of this buyer: strong (same buyer id, or confirmed) and suggested (scored)."""

    strong = StrongLinkOutput(many=True)
    suggested = SuggestedLinkOutput(many=True)


class SLARuleBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_shop_rule = serializers.BooleanField()
    reason = serializers.CharField(help_text="Почему применяется это правило (по-русски).")


class SLAClockOutput(serializers.Serializer):
    """The running response clock: which rule set it and why, its times, and the escalation so far."""

    state = serializers.ChoiceField(choices=SLAState.choices)
    rule = SLARuleBriefOutput(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True, help_text="Когда покупатель начал ждать ответа.")
    due_soon_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    escalation_steps_done = serializers.IntegerField()
    escalation_steps_total = serializers.IntegerField()
    next_escalation_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="GuardrailViolation")
class GuardrailViolationOutput(serializers.Serializer):
    category = serializers.CharField(help_text="ai_mention, promise, blame, brush_off, outside_contacts, …")
    name = serializers.CharField(help_text="the category in Russian")
    verdict = serializers.ChoiceField(choices=["block", "warn"])
    fragment = serializers.CharField(help_text="the matched part of the text, as typed")
    start = serializers.IntegerField(help_text="where the fragment starts in the text (characters)")
    end = serializers.IntegerField()
    explanation = serializers.CharField(help_text="what is wrong and what to write instead, in Russian")


@extend_schema_serializer(component_name="GuardrailVerdict")
class GuardrailVerdictOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "warn", "block"])
    violations = GuardrailViolationOutput(many=True)


class InteractionDetailOutput(InteractionListOutput):
    last_message_preview = None

    ai_summary = serializers.CharField()
    ai_analyzed_at = serializers.DateTimeField(allow_null=True)
    ai_source = serializers.CharField(help_text="llm, offline или пусто (ещё не анализировалось).")
    ai_confidence = serializers.FloatField(allow_null=True)
    ai_needs_reply = serializers.BooleanField(allow_null=True)
    intent_by_seller = serializers.BooleanField(help_text="Намерение задал продавец: анализ его не меняет.")
    priority_by_seller = serializers.BooleanField(help_text="Приоритет задал продавец: анализ его не меняет.")
    sla = SLAClockOutput()
    draft_text = serializers.CharField()
    draft_source = serializers.CharField(
        help_text="Кто написал черновик: llm (языковая модель), offline (шаблон), seller (продавец) или пусто."
    )
    draft_reason = serializers.CharField(help_text="Почему черновик написан по шаблону, а не моделью.")
    drafted_at = serializers.DateTimeField(allow_null=True, help_text="Когда ИИ написал черновик.")
    draft_guardrail = GuardrailVerdictOutput(
        allow_null=True, help_text="Проверка черновика правилами ответа (как при отправке); пусто без черновика."
    )
    escalated_at = serializers.DateTimeField(allow_null=True)
    messages = MessageOutput(many=True)
    events = EventOutput(many=True)
    customer_summary = CustomerSummaryOutput(allow_null=True)
    links = InteractionLinksOutput()
    product_card = ProductCardOutput(allow_null=True)

    def to_representation(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        return detail_output(instance)


# The inbox's list rows and detail are built from `values()` dicts and rendered by these (same shape
# and formats as the declared fields, which document them; see agentiq/rendering.py).
list_row_output = dict_renderer(InteractionListOutput)
detail_output = dict_renderer(InteractionDetailOutput)
