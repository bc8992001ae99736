"""The inbox: list, detail, reply, update, read, bulk. Parse → call a selector/service → serialize."""

from __future__ import annotations

import copy

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agentiq.errors import NotFound
from interactions import selectors, services
from interactions.api.dates import DayInWindowField, shop_today
from interactions.api.replies import ReplyRefusedOutput
from interactions.api.serializers import (
    InteractionDetailOutput,
    InteractionListOutput,
    MessageOutput,
    detail_output,
    list_row_output,
)
from interactions.models import Intent, Kind, Marketplace, Priority, Sentiment, SLAState, Status
from sellers.access import IsSellerMember, seller_for_request
from sellers.models import User

BULK_MAX_IDS = 500
MAX_ID = 2**63 - 1  # ids are bigints; SQLite cannot even bind a larger int


class CommaListField(serializers.ListField):
    """`?status=new,open` or `?status=new&status=open`."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part for part in data.split(",") if part]
        elif isinstance(data, list) and len(data) == 1 and isinstance(data[0], str):
            data = [part for part in data[0].split(",") if part]
        return super().to_internal_value(data)


def _choices(choices) -> CommaListField:
    return CommaListField(child=serializers.ChoiceField(choices=choices), required=False)


class AssignedToField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value in ("me", "unassigned"):
            return value
        # isdigit() alone passes "²" and other scripts' digits; the length keeps int() off a 5000-digit string.
        if value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)) and 0 < int(value) <= MAX_ID:
            return value
        raise serializers.ValidationError("Укажите id сотрудника, «me» или «unassigned».")


class RespondedByField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value in ("me", selectors.NO_MEMBER):
            return value
        if value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)) and 0 < int(value) <= MAX_ID:
            return int(value)
        raise serializers.ValidationError("Укажите id сотрудника, «me» или «none» (ответ не из AgentIQ).")


# DRF's Russian catalogue has no translation of the boolean field's error.
BOOLEAN_INVALID = {"invalid": "Ожидается true или false."}


def _wait_flag(help_text: str) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, help_text=help_text, error_messages=BOOLEAN_INVALID)


class InteractionListApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="InboxFilter")
    class FilterInput(serializers.Serializer):
        kind = _choices(Kind.choices)
        marketplace = _choices(Marketplace.choices)
        status = _choices(Status.choices)
        priority = _choices(Priority.choices)
        sla_state = _choices(SLAState.choices)
        sentiment = _choices(Sentiment.choices)
        intent = CommaListField(child=serializers.CharField(max_length=32), required=False)
        connection = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        needs_response = serializers.BooleanField(allow_null=True, default=None, error_messages=BOOLEAN_INVALID)
        is_read = serializers.BooleanField(allow_null=True, default=None, error_messages=BOOLEAN_INVALID)
        rating_min = serializers.IntegerField(required=False, min_value=1, max_value=5)
        rating_max = serializers.IntegerField(required=False, min_value=1, max_value=5)
        assigned_to = AssignedToField(required=False)
        product = serializers.CharField(required=False, max_length=64)
        customer = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        created_from = serializers.DateTimeField(required=False)
        created_to = serializers.DateTimeField(required=False)
        q = serializers.CharField(required=False, max_length=200, trim_whitespace=True)
        # The SLA report's drill-down: conditions on one and the same wait of the interaction (see /api/stats).
        sla_met = _wait_flag("ожидание оценено: true — ответили до срока, false — срок нарушен (в т. ч. без ответа)")
        sla_target_met = _wait_flag("ожидание оценено: true — ответили до «скоро срок», false — нет")
        sla_pending = _wait_flag("true — ждёт ответа, срок ещё не наступил; false — ожидание оценено (в срок или нет)")
        responded = _wait_flag("true — ожидание закончилось ответом; false — нет (ещё ждёт, закрыто, ответ вне учёта)")
        responded_by = RespondedByField(
            required=False,
            help_text="ожидание закончилось ответом этого сотрудника (id или «me»); «none» — ответ без сотрудника",
        )
        auto_reply = _wait_flag("true — ответил автоответ; false — любое ожидание, на которое не ответил автоответ")
        # The quality report's drill-down: conditions on one and the same scored reply of the interaction.
        reply_from = DayInWindowField(
            required=False, help_text="есть оценённый ответ, отправленный с этого дня (по времени магазина)"
        )
        reply_to = DayInWindowField(required=False, help_text="… отправленный по этот день включительно")
        reply_by = RespondedByField(
            required=False,
            help_text="… этого сотрудника (id или «me»); «none» — ответ без сотрудника (кабинет, автоответ)",
        )
        quality_min = serializers.IntegerField(required=False, min_value=0, max_value=100, help_text="… с оценкой от")
        quality_max = serializers.IntegerField(required=False, min_value=0, max_value=100, help_text="… с оценкой до")
        ordering = serializers.ChoiceField(choices=list(selectors.ORDERINGS), default="default")
        cursor = serializers.CharField(required=False, max_length=2000)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)

        def get_fields(self):
            # DRF deep-copies every declared field for each serializer, and a request names a few of these
            # filters: only those and the ones with a default are copied (a fifth of a small shop's
            # request went there). Without data (the OpenAPI schema), all of them.
            data = getattr(self, "initial_data", None)
            if data is None:
                return super().get_fields()
            return copy.deepcopy(
                {name: f for name, f in self._declared_fields.items() if name in data or f.default is not empty}
            )

        def validate(self, attrs):
            low, high = attrs.get("rating_min"), attrs.get("rating_max")
            if low is not None and high is not None and low > high:
                raise serializers.ValidationError({"rating_max": ["Должно быть не меньше rating_min."]})
            start, end = attrs.get("wait_from"), attrs.get("wait_to")
            if start is not None and end is not None and start > end:
                raise serializers.ValidationError({"to": ["Конец периода раньше начала."]})
            start, end = attrs.get("reply_from"), attrs.get("reply_to")
            if start is not None and end is not None and start > end:
                raise serializers.ValidationError({"reply_to": ["Конец периода раньше начала."]})
            low, high = attrs.get("quality_min"), attrs.get("quality_max")
            if low is not None and high is not None and low > high:
                raise serializers.ValidationError({"quality_max": ["Должно быть не меньше quality_min."]})
            return attrs

    # `from`/`to` are Python keywords, so they are declared under their wire names here, after the class.
    FilterInput._declared_fields.update(
        {
            "from": DayInWindowField(
                required=False,
                source="wait_from",
                help_text="ожидания, начавшиеся с этого дня (по времени магазина), как в /api/stats",
            ),
            "to": DayInWindowField(
                required=False, source="wait_to", help_text="ожидания, начавшиеся по этот день включительно"
            ),
        }
    )

    @extend_schema_serializer(component_name="InboxPage")
    class Output(serializers.Serializer):
        results = InteractionListOutput(many=True)
        next_cursor = serializers.CharField(allow_null=True)

    @extend_schema(operation_id="interactions_list", parameters=[FilterInput], responses=Output)
    def get(self, request: Request) -> Response:
        params = {key: request.query_params.getlist(key) for key in request.query_params}
        params = {key: (value if key in _LIST_PARAMS else value[-1]) for key, value in params.items()}
        seller = seller_for_request(request)
        serializer = self.FilterInput(data=params, context={"today": shop_today(seller)})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ordering, cursor, limit = data.pop("ordering"), data.pop("cursor", None), data.pop("limit")
        page = selectors.inbox_list(
            seller=seller,
            user=request.user,
            filters=data,
            ordering=ordering,
            cursor=cursor,
            limit=limit,
        )
        # `Output` documents this shape; building it directly skips a per-request copy of its fields.
        return Response({"results": [list_row_output(row) for row in page.rows], "next_cursor": page.next_cursor})


_LIST_PARAMS = {"kind", "marketplace", "status", "priority", "sla_state", "sentiment", "intent"}


class InteractionDetailApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="InteractionPatch")
    class PatchInput(serializers.Serializer):
        status = serializers.ChoiceField(choices=Status.choices, required=False)
        priority = serializers.ChoiceField(choices=Priority.choices, required=False)
        intent = serializers.ChoiceField(choices=Intent.choices, required=False)
        assigned_to = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
        draft_text = serializers.CharField(required=False, allow_blank=True, max_length=5000)

        def validate(self, attrs):
            if not attrs:
                raise serializers.ValidationError({"non_field_errors": ["Нечего изменять."]})
            return attrs

    def _detail(self, request: Request, interaction_id: int) -> Response:
        detail = selectors.interaction_detail(seller=seller_for_request(request), interaction_id=interaction_id)
        return Response(detail_output(detail))

    @extend_schema(responses=InteractionDetailOutput)
    def get(self, request: Request, interaction_id: int) -> Response:
        return self._detail(request, interaction_id)

    @extend_schema(request=PatchInput, responses=InteractionDetailOutput)
    def patch(self, request: Request, interaction_id: int) -> Response:
        seller = seller_for_request(request)
        serializer = self.PatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            interaction = selectors.interaction_get(seller=seller, interaction_id=interaction_id, for_update=True)
            if "assigned_to" in data:
                assignee = None
                if data["assigned_to"] is not None:
                    assignee = User.objects.filter(pk=data["assigned_to"], seller=seller, is_active=True).first()
                    if assignee is None:
                        raise serializers.ValidationError(
                            {"assigned_to": ["Можно назначить только сотрудника вашего магазина."]}
                        )
                services.assign(interaction=interaction, user=assignee, actor=request.user)
            if "priority" in data:
                services.set_priority(interaction=interaction, priority=data["priority"], actor=request.user)
            if "intent" in data:
                services.set_intent(interaction=interaction, intent=data["intent"], actor=request.user)
            if "status" in data:
                services.set_status(interaction=interaction, status=data["status"], actor=request.user)
            if "draft_text" in data:
                services.set_draft(interaction=interaction, text=data["draft_text"], actor=request.user)
        return self._detail(request, interaction_id)


class InteractionReplyApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="ReplyInput")
    class Input(serializers.Serializer):
        text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=10000)
        confirm_warnings = serializers.BooleanField(
            default=False, help_text="send despite the guardrails' warnings", error_messages=BOOLEAN_INVALID
        )
        confirm_repeat = serializers.BooleanField(
            default=False,
            help_text="send although it nearly repeats a recent answer of the shop",
            error_messages=BOOLEAN_INVALID,
        )

    @extend_schema(
        request=Input,
        responses={201: MessageOutput, 400: ReplyRefusedOutput},
        description=(
            "Queue a reply. The checks of `POST /api/replies/check` run first: 400 `guardrail_blocked` (never "
            "sendable), 400 `guardrail_warning` unless `confirm_warnings`, 400 `repeat_held` unless "
            "`confirm_repeat`; each with `violations` and `repeat`, and nothing written. "
            "On a review or question already answered on the marketplace the reply edits that "
            "answer (`edit_of` names it) and replaces it in the thread once delivered. Refused with 400 "
            "`answer_not_editable` when the marketplace no longer allows an edit (WB: once, within 60 days), "
            "400 `answer_unchanged` for the same text, 409 `reply_in_progress` while an earlier reply is on its way."
        ),
    )
    def post(self, request: Request, interaction_id: int) -> Response:
        interaction = selectors.interaction_get(seller=seller_for_request(request), interaction_id=interaction_id)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        message = services.queue_reply(
            interaction=interaction,
            user=request.user,
            text=data["text"],
            confirm_warnings=data["confirm_warnings"],
            confirm_repeat=data["confirm_repeat"],
        )
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)


class InteractionReadApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="InteractionRead")
    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        is_read = serializers.BooleanField()
        status = serializers.CharField()

    @extend_schema(request=None, responses=Output)
    def post(self, request: Request, interaction_id: int) -> Response:
        interaction = selectors.interaction_get(seller=seller_for_request(request), interaction_id=interaction_id)
        services.mark_read(interaction=interaction, actor=request.user)
        return Response(self.Output(interaction).data)


class InteractionBulkApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="BulkInput")
    class Input(serializers.Serializer):
        action = serializers.ChoiceField(choices=services.BULK_ACTIONS)
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=BULK_MAX_IDS
        )
        assigned_to = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)

        def validate(self, attrs):
            if attrs["action"] == "assign" and "assigned_to" not in attrs:
                raise serializers.ValidationError({"assigned_to": ["Укажите сотрудника (или null, чтобы снять)."]})
            return attrs

    @extend_schema_serializer(component_name="BulkResult")
    class Output(serializers.Serializer):
        action = serializers.CharField()
        requested = serializers.IntegerField()
        changed = serializers.IntegerField()

    @extend_schema(request=Input, responses=Output)
    def post(self, request: Request) -> Response:
        seller = seller_for_request(request)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ids = sorted(set(data["ids"]))
        assignee = None
        if data["action"] == "assign" and data.get("assigned_to") is not None:
            assignee = User.objects.filter(pk=data["assigned_to"], seller=seller, is_active=True).first()
            if assignee is None:
                raise serializers.ValidationError(
                    {"assigned_to": ["Можно назначить только сотрудника вашего магазина."]}
                )
        with transaction.atomic():
            if len(selectors.interactions_for_bulk(seller=seller, interaction_ids=ids)) != len(ids):
                # Which ids are foreign is not said: that would confirm they exist elsewhere.
                raise NotFound("Некоторые обращения не найдены.")
            changed = services.bulk_apply(
                seller=seller, interaction_ids=ids, action=data["action"], actor=request.user, assignee=assignee
            )
        return Response(self.Output({"action": data["action"], "requested": len(ids), "changed": changed}).data)


__all__ = [
    "InteractionBulkApi",
    "InteractionDetailApi",
    "InteractionListApi",
    "InteractionReadApi",
    "InteractionReplyApi",
]
