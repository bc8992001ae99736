"""`/api/auto-reply-rules`, `/api/auto-reply-settings`, `/api/approvals` (docs/auto-replies.md). Members read;
the owner writes the rules and the switch; any member approves or rejects a waiting draft (as they could send
it themselves)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agentiq.runtime import runtime_get
from autoreplies import selectors, services
from autoreplies.matching import rule_conditions
from autoreplies.models import MAX_DAILY_CAP, Action, AutoReply, AutoReplyRule, ReplySource
from interactions.api.replies import RepeatOutput
from interactions.api.serializers import GuardrailViolationOutput, InteractionBriefOutput
from interactions.models import Intent, Kind, ReplyTemplate
from sellers.access import IsSellerMember, IsSellerOwner, seller_for_request

MAX_ID = 2**63 - 1
MAX_BULK = 200


def owner_only_for_writes(request: Request) -> list:
    return [IsSellerMember()] if request.method in ("GET", "HEAD", "OPTIONS") else [IsSellerOwner()]


def _rating(**kwargs: Any) -> serializers.IntegerField:
    message = "Оценка — от 1 до 5."
    return serializers.IntegerField(
        min_value=1, max_value=5, allow_null=True, error_messages={"min_value": message, "max_value": message}, **kwargs
    )


@extend_schema_serializer(component_name="AutoReplyRuleInput")
class RuleInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    is_enabled = serializers.BooleanField(default=False)
    kind = serializers.ChoiceField(choices=Kind.choices, allow_blank=True, default="", help_text="Пусто — любой.")
    rating_min = _rating(default=None)
    rating_max = _rating(default=None)
    intents = serializers.ListField(
        child=serializers.ChoiceField(choices=Intent.choices), default=list, max_length=len(Intent.values)
    )
    has_text = serializers.BooleanField(allow_null=True, default=None, help_text="null — любые.")
    product_id = serializers.CharField(max_length=64, allow_blank=True, default="")
    action = serializers.ChoiceField(choices=Action.choices, default=Action.QUEUE)
    source = serializers.ChoiceField(choices=ReplySource.choices, default=ReplySource.AI_DRAFT)
    template = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True, default=None)
    daily_cap = serializers.IntegerField(min_value=0, max_value=MAX_DAILY_CAP, default=50)


@extend_schema_serializer(component_name="AutoReplyRulePatch")
class RulePatch(RuleInput):
    name = serializers.CharField(max_length=200, required=False)
    is_enabled = serializers.BooleanField(required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, allow_blank=True, required=False)
    rating_min = _rating(required=False)
    rating_max = _rating(required=False)
    intents = serializers.ListField(
        child=serializers.ChoiceField(choices=Intent.choices), required=False, max_length=len(Intent.values)
    )
    has_text = serializers.BooleanField(allow_null=True, required=False)
    product_id = serializers.CharField(max_length=64, allow_blank=True, required=False)
    action = serializers.ChoiceField(choices=Action.choices, required=False)
    source = serializers.ChoiceField(choices=ReplySource.choices, required=False)
    template = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True, required=False)
    daily_cap = serializers.IntegerField(min_value=0, max_value=MAX_DAILY_CAP, required=False)


@extend_schema_serializer(component_name="AutoReplyRule")
class RuleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_enabled = serializers.BooleanField()
    kind = serializers.CharField()
    rating_min = serializers.IntegerField(allow_null=True)
    rating_max = serializers.IntegerField(allow_null=True)
    intents = serializers.ListField(child=serializers.CharField())
    has_text = serializers.BooleanField(allow_null=True)
    product_id = serializers.CharField()
    action = serializers.ChoiceField(choices=Action.choices)
    source = serializers.ChoiceField(choices=ReplySource.choices)
    template = serializers.IntegerField(allow_null=True, source="template_id")
    daily_cap = serializers.IntegerField()
    sent_today = serializers.IntegerField(help_text="Сколько автоответов правило отправило сегодня (день магазина).")
    conditions = serializers.CharField(help_text="По-русски: к каким обращениям относится.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _rule_rows(seller: Any, rules: list[AutoReplyRule]) -> list[dict[str, Any]]:
    counts = services.sent_today(seller=seller, scopes=[services.rule_scope(r.pk) for r in rules])
    rows = []
    for rule in rules:
        rule.sent_today = counts.get(services.rule_scope(rule.pk), 0)
        rule.conditions = rule_conditions(rule)
        rows.append(RuleOutput(rule).data)
    return rows


def _rule_fields(seller: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "template" in data:
        template_id = data.pop("template")
        template = None
        if template_id is not None:
            # Another shop's template reads like one that does not exist.
            template = ReplyTemplate.objects.filter(seller=seller, pk=template_id).first()
            if template is None:
                raise serializers.ValidationError({"template": ["Шаблон не найден."]})
        data["template"] = template
    return data


class RuleListApi(APIView):
    def get_permissions(self) -> list:
        return owner_only_for_writes(self.request)

    @extend_schema(operation_id="auto_reply_rules_list", responses=RuleOutput(many=True), summary="Правила автоответов")
    def get(self, request: Request) -> Response:
        seller = seller_for_request(request)
        return Response(_rule_rows(seller, list(selectors.rules_list(seller=seller))))

    @extend_schema(request=RuleInput, responses={201: RuleOutput}, summary="Создать правило автоответа (владелец)")
    def post(self, request: Request) -> Response:
        seller = seller_for_request(request)
        serializer = RuleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.rule_save(seller=seller, **_rule_fields(seller, dict(serializer.validated_data)))
        return Response(_rule_rows(seller, [rule])[0], status=status.HTTP_201_CREATED)


class RuleDetailApi(APIView):
    def get_permissions(self) -> list:
        return owner_only_for_writes(self.request)

    @extend_schema(responses=RuleOutput, summary="Правило автоответа")
    def get(self, request: Request, rule_id: int) -> Response:
        seller = seller_for_request(request)
        return Response(_rule_rows(seller, [selectors.rule_get(seller=seller, rule_id=rule_id)])[0])

    @extend_schema(request=RulePatch, responses=RuleOutput, summary="Изменить правило автоответа (владелец)")
    def patch(self, request: Request, rule_id: int) -> Response:
        seller = seller_for_request(request)
        rule = selectors.rule_get(seller=seller, rule_id=rule_id)
        serializer = RulePatch(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        rule = services.rule_save(seller=seller, rule=rule, **_rule_fields(seller, dict(serializer.validated_data)))
        return Response(_rule_rows(seller, [rule])[0])

    @extend_schema(responses={204: None}, summary="Удалить правило автоответа (владелец)")
    def delete(self, request: Request, rule_id: int) -> Response:
        selectors.rule_get(seller=seller_for_request(request), rule_id=rule_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_serializer(component_name="AutoReplySettings")
class SettingsOutput(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="Автоответы магазина включены (выключатель магазина).")
    daily_cap = serializers.IntegerField(help_text="Сколько автоответов магазин может отправить за день.")
    sent_today = serializers.IntegerField()
    globally_enabled = serializers.BooleanField(
        help_text="false — сервис остановил автоответы всех магазинов (ничего не отправляется)."
    )
    waiting_approvals = serializers.IntegerField(help_text="Черновиков ждут одобрения.")


@extend_schema_serializer(component_name="AutoReplySettingsPatch")
class SettingsPatch(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    daily_cap = serializers.IntegerField(min_value=0, max_value=MAX_DAILY_CAP, required=False)


def _settings_row(seller: Any) -> dict[str, Any]:
    found = services.shop_settings(seller=seller)
    return {
        "enabled": found.enabled,
        "daily_cap": found.daily_cap,
        "sent_today": services.sent_today(seller=seller, scopes=[services.SHOP_SCOPE]).get(services.SHOP_SCOPE, 0),
        "globally_enabled": bool(runtime_get("auto_replies_enabled")),
        "waiting_approvals": selectors.approvals_waiting_count(seller=seller),
    }


class SettingsApi(APIView):
    def get_permissions(self) -> list:
        return owner_only_for_writes(self.request)

    @extend_schema(responses=SettingsOutput, summary="Автоответы магазина: выключатель и дневной лимит")
    def get(self, request: Request) -> Response:
        return Response(SettingsOutput(_settings_row(seller_for_request(request))).data)

    @extend_schema(request=SettingsPatch, responses=SettingsOutput, summary="Включить, выключить автоответы (владелец)")
    def patch(self, request: Request) -> Response:
        seller = seller_for_request(request)
        serializer = SettingsPatch(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.settings_save(seller=seller, **serializer.validated_data)
        return Response(SettingsOutput(_settings_row(seller)).data)


@extend_schema_serializer(component_name="AutoReplyRuleBrief")
class RuleBriefOutput(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


@extend_schema_serializer(component_name="Approval")
class ApprovalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    interaction = InteractionBriefOutput()
    rule = RuleBriefOutput()
    source = serializers.ChoiceField(choices=ReplySource.choices)
    text = serializers.CharField()
    current = serializers.BooleanField(help_text="false — покупатель написал после черновика: одобрить нельзя.")
    last_error = serializers.CharField(help_text="Почему прошлая попытка одобрения не прошла проверку.")
    created_at = serializers.DateTimeField()


def _approval_row(item: AutoReply) -> dict[str, Any]:
    interaction = item.interaction
    return {
        "id": item.pk,
        "interaction": interaction,
        "rule": {"id": item.rule_id, "name": item.rule.name if item.rule else item.rule_name},
        "source": item.source,
        "text": item.text,
        "current": not item.for_hash or item.for_hash == interaction.ai_input_hash,
        "last_error": item.last_error,
        "created_at": item.created_at,
    }


class ApprovalListApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema(
        operation_id="approvals_list",
        responses=ApprovalOutput(many=True),
        summary="Черновики автоответов, ждущие одобрения",
        description="Новые первыми, до 200; только обращения, которые ещё ждут ответа.",
    )
    def get(self, request: Request) -> Response:
        items = selectors.approvals_waiting(seller=seller_for_request(request))
        return Response(ApprovalOutput([_approval_row(item) for item in items], many=True).data)


@extend_schema_serializer(component_name="ApprovalIds")
class IdsInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=MAX_BULK
    )


@extend_schema_serializer(component_name="ApprovalApproveInput")
class ApproveInput(IdsInput):
    confirm_warnings = serializers.BooleanField(default=False)
    confirm_repeat = serializers.BooleanField(default=False)


@extend_schema_serializer(component_name="ApprovalResult")
class ApprovalResultOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=[("sent", "sent"), ("kept", "kept"), ("outdated", "outdated"), ("not_found", "not_found")],
        help_text="sent — ответ в очереди отправки; kept — проверка не пропустила, черновик ждёт; "
        "outdated — покупатель написал снова; not_found — нет такого ждущего черновика.",
    )
    code = serializers.CharField()
    detail = serializers.CharField()
    violations = GuardrailViolationOutput(many=True, required=False)
    repeat = RepeatOutput(required=False)


@extend_schema_serializer(component_name="ApprovalApproveOutput")
class ApproveOutput(serializers.Serializer):
    sent = serializers.IntegerField()
    results = ApprovalResultOutput(many=True)


class ApprovalApproveApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema(
        request=ApproveInput,
        responses=ApproveOutput,
        summary="Одобрить черновики (один или много)",
        description="Каждый проходит те же проверки, что ответ, набранный вручную; не прошедший остаётся в очереди "
        "с причиной.",
    )
    def post(self, request: Request) -> Response:
        serializer = ApproveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        results = services.approvals_approve(
            seller=seller_for_request(request),
            user=request.user,
            ids=data["ids"],
            confirm_warnings=data["confirm_warnings"],
            confirm_repeat=data["confirm_repeat"],
        )
        rows = [{"id": r.id, "status": r.status, "code": r.code, "detail": r.detail, **r.extra} for r in results]
        return Response({"sent": sum(1 for r in results if r.status == "sent"), "results": rows})


@extend_schema_serializer(component_name="ApprovalRejectOutput")
class RejectOutput(serializers.Serializer):
    rejected = serializers.IntegerField()


class ApprovalRejectApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema(request=IdsInput, responses=RejectOutput, summary="Отклонить черновики")
    def post(self, request: Request) -> Response:
        serializer = IdsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        rejected = services.approvals_reject(
            seller=seller_for_request(request), user=request.user, ids=serializer.validated_data["ids"]
        )
        return Response({"rejected": rejected})
