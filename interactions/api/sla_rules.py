"""`/api/sla-rules`: the response-time rules that apply to my shop. Everyone in the shop reads them; the owner
creates, changes and deletes the shop's own rules; the global defaults are read-only (staff change them in
the admin). A saved rule re-picks the rule and the deadlines of the shop's waiting interactions in the
background (interactions.services.recompute)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agentiq.errors import Forbidden
from interactions.api.inbox import MAX_ID
from interactions.models import ChatPhase, EscalationAction, Kind, Marketplace, Priority, SLARule
from interactions.models.sla import validate_escalation_steps
from interactions.selectors import sla as selectors
from interactions.services import sla_settings
from interactions.services.sla import sla_rule_reason
from sellers.access import IsSellerMember, IsSellerOwner, seller_for_request

MAX_MINUTES = 525_600  # a year


def owner_only_for_writes(request: Request) -> list:
    return [IsSellerMember()] if request.method in ("GET", "HEAD", "OPTIONS") else [IsSellerOwner()]


@extend_schema_serializer(component_name="EscalationStep")
class EscalationStepSchema(serializers.Serializer):
    after_minutes = serializers.IntegerField(
        min_value=0, max_value=MAX_MINUTES, help_text="Минуты от начала ожидания, в том же времени, что и срок."
    )
    action = serializers.ChoiceField(choices=EscalationAction.choices)


@extend_schema_field(EscalationStepSchema(many=True))
class EscalationStepsField(serializers.JSONField):
    """Steps in time order, checked by the model's validator (its Russian messages)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        try:
            validate_escalation_steps(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value


def _rating(**kwargs: Any) -> serializers.IntegerField:
    message = "Оценка — от 1 до 5."
    return serializers.IntegerField(
        min_value=1, max_value=5, allow_null=True, error_messages={"min_value": message, "max_value": message}, **kwargs
    )


def _choice(choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, allow_blank=True, help_text="Пусто — любой.", **kwargs)


@extend_schema_serializer(component_name="SLARuleInput")
class SLARuleInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    marketplace = _choice(Marketplace.choices, default="")
    kind = _choice(Kind.choices, default="")
    priority = _choice(Priority.choices, default="")
    rating_min = _rating(default=None)
    rating_max = _rating(default=None)
    chat_phase = _choice(ChatPhase.choices, default="")
    target_minutes = serializers.IntegerField(min_value=0, max_value=MAX_MINUTES, help_text="«Скоро срок» после.")
    deadline_minutes = serializers.IntegerField(min_value=1, max_value=MAX_MINUTES, help_text="Нарушение после.")
    follows_calendar = serializers.BooleanField(default=True)
    escalation_steps = EscalationStepsField(default=list)
    escalate_to = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        default=None,
        help_text="id сотрудника магазина для шага reassign; пусто — владелец.",
    )
    is_active = serializers.BooleanField(default=True)


@extend_schema_serializer(component_name="SLARulePatch")
class SLARulePatch(SLARuleInput):
    name = serializers.CharField(max_length=200, required=False)
    marketplace = _choice(Marketplace.choices, required=False)
    kind = _choice(Kind.choices, required=False)
    priority = _choice(Priority.choices, required=False)
    rating_min = _rating(required=False)
    rating_max = _rating(required=False)
    chat_phase = _choice(ChatPhase.choices, required=False)
    target_minutes = serializers.IntegerField(min_value=0, max_value=MAX_MINUTES, required=False)
    deadline_minutes = serializers.IntegerField(min_value=1, max_value=MAX_MINUTES, required=False)
    follows_calendar = serializers.BooleanField(required=False)
    escalation_steps = EscalationStepsField(required=False)
    escalate_to = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)


@extend_schema_serializer(component_name="SLARule")
class SLARuleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    scope = serializers.ChoiceField(
        choices=[("shop", "правило магазина"), ("global", "общее правило")],
        help_text="shop — правило этого магазина (важнее общих); global — общее правило AgentIQ, только чтение.",
    )
    editable = serializers.BooleanField(help_text="Может ли этот пользователь изменить или удалить правило.")
    marketplace = serializers.CharField()
    kind = serializers.CharField()
    priority = serializers.CharField()
    rating_min = serializers.IntegerField(allow_null=True)
    rating_max = serializers.IntegerField(allow_null=True)
    chat_phase = serializers.CharField()
    target_minutes = serializers.IntegerField()
    deadline_minutes = serializers.IntegerField()
    follows_calendar = serializers.BooleanField()
    escalation_steps = EscalationStepSchema(many=True)
    escalate_to = serializers.IntegerField(allow_null=True, help_text="Только у правил магазина.")
    is_active = serializers.BooleanField()
    reason = serializers.CharField(help_text="По-русски: чьё правило, к чему относится, какой срок.")
    governed_count = serializers.IntegerField(
        help_text="Сколько обращений магазина, ждущих ответа, сейчас идут по этому правилу."
    )
    updated_at = serializers.DateTimeField(allow_null=True)


def rule_output(rule: SLARule, *, governed: int, can_write: bool) -> dict[str, Any]:
    is_shop_rule = rule.seller_id is not None
    return {
        "id": rule.pk,
        "name": rule.name,
        "scope": "shop" if is_shop_rule else "global",
        "editable": is_shop_rule and can_write,
        "marketplace": rule.marketplace,
        "kind": rule.kind,
        "priority": rule.priority,
        "rating_min": rule.rating_min,
        "rating_max": rule.rating_max,
        "chat_phase": rule.chat_phase,
        "target_minutes": rule.target_minutes,
        "deadline_minutes": rule.deadline_minutes,
        "follows_calendar": rule.follows_calendar,
        "escalation_steps": rule.escalation_steps or [],
        # A global rule's reassign target is a staff member: not the shop's business.
        "escalate_to": rule.escalate_to_id if is_shop_rule else None,
        "is_active": rule.is_active,
        "reason": sla_rule_reason(rule),
        "governed_count": governed,
        "updated_at": serializers.DateTimeField().to_representation(rule.updated_at),
    }


def _one(request: Request, rule: SLARule) -> dict[str, Any]:
    seller = seller_for_request(request)
    governed = selectors.governed_counts(seller=seller, rule_ids=[rule.pk]).get(rule.pk, 0)
    return rule_output(rule, governed=governed, can_write=request.user.role == "owner")


class SLARuleListApi(APIView):
    def get_permissions(self) -> list:
        return owner_only_for_writes(self.request)

    @extend_schema_serializer(component_name="SLARuleFilter")
    class FilterInput(serializers.Serializer):
        include_inactive = serializers.BooleanField(
            default=False, help_text="true: и выключенные правила магазина (общие — только действующие)."
        )

    @extend_schema(
        operation_id="sla_rules_list",
        parameters=[FilterInput],
        responses=SLARuleOutput(many=True),
        summary="Правила SLA магазина",
        description="Правила магазина и действующие общие, в порядке старшинства: из подходящих к обращению "
        "действует первое.",
    )
    def get(self, request: Request) -> Response:
        params = {key: request.query_params.getlist(key)[-1] for key in request.query_params}
        serializer = self.FilterInput(data=params)
        serializer.is_valid(raise_exception=True)
        seller = seller_for_request(request)
        rules = selectors.sla_rules_visible(seller=seller, **serializer.validated_data)
        governed = selectors.governed_counts(seller=seller, rule_ids=[rule.pk for rule in rules])
        can_write = request.user.role == "owner"
        return Response([rule_output(r, governed=governed.get(r.pk, 0), can_write=can_write) for r in rules])

    @extend_schema(request=SLARuleInput, responses={201: SLARuleOutput}, summary="Создать правило магазина (владелец)")
    def post(self, request: Request) -> Response:
        serializer = SLARuleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = sla_settings.sla_rule_save(seller=seller_for_request(request), **serializer.validated_data)
        return Response(_one(request, rule), status=status.HTTP_201_CREATED)


class SLARuleDetailApi(APIView):
    def get_permissions(self) -> list:
        return owner_only_for_writes(self.request)

    def _get(self, request: Request, rule_id: int) -> SLARule:
        return selectors.sla_rule_visible_get(seller=seller_for_request(request), rule_id=rule_id)

    @extend_schema(responses=SLARuleOutput, summary="Правило SLA")
    def get(self, request: Request, rule_id: int) -> Response:
        return Response(_one(request, self._get(request, rule_id)))

    @extend_schema(request=SLARulePatch, responses=SLARuleOutput, summary="Изменить правило магазина (владелец)")
    def patch(self, request: Request, rule_id: int) -> Response:
        rule = self._get(request, rule_id)
        if rule.seller_id is None:  # refused whatever the body says
            raise Forbidden(sla_settings.GLOBAL_RULE_READ_ONLY)
        serializer = SLARulePatch(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        rule = sla_settings.sla_rule_save(seller=seller_for_request(request), rule=rule, **serializer.validated_data)
        return Response(_one(request, rule))

    @extend_schema(responses={204: None}, summary="Удалить правило магазина (владелец)")
    def delete(self, request: Request, rule_id: int) -> Response:
        sla_settings.sla_rule_delete(seller=seller_for_request(request), rule=self._get(request, rule_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
