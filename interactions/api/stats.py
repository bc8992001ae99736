"""Inbox statistics for my shop, in its timezone."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interactions import selectors
from interactions.api.dates import DAYS_AHEAD, EARLIEST_DAY, DayInWindowField, shop_today
from sellers.access import IsSellerMember, seller_for_request

DEFAULT_DAYS = 30
MAX_DAYS = 366


@extend_schema_serializer(component_name="StatsWaitCount")
class WaitCountOutput(serializers.Serializer):
    waits = serializers.IntegerField(help_text="ожидания (замеры): основа процентов")
    interactions = serializers.IntegerField(
        help_text="разные обращения за ними: столько строк вернёт /api/interactions с фильтром этой цифры"
    )


@extend_schema_serializer(component_name="StatsSlaFigures")
class SlaFiguresOutput(serializers.Serializer):
    filter = serializers.DictField(
        child=serializers.CharField(),
        help_text="параметры /api/interactions для этого среза; к ним — figure_filters[цифра]",
    )
    started = WaitCountOutput(help_text="все ожидания, начавшиеся в периоде")
    judged = WaitCountOutput(help_text="оценённые: ответ со сроком, закрыто без ответа после срока, ждёт после срока")
    met_deadline = WaitCountOutput(help_text="ответили до срока")
    missed_deadline = WaitCountOutput(help_text="оценённые, кроме ответивших до срока")
    met_target = WaitCountOutput(help_text="ответили до «скоро срок»")
    missed_target = WaitCountOutput(help_text="оценённые, кроме ответивших до «скоро срок»")
    pending = WaitCountOutput(help_text="ещё ждут, срок не наступил")
    responded = WaitCountOutput(help_text="закончились ответом: по ним время ответа")
    deadline_pct = serializers.FloatField(allow_null=True, help_text="met_deadline / judged, %")
    target_pct = serializers.FloatField(allow_null=True, help_text="met_target / judged, %")
    median_seconds = serializers.FloatField(allow_null=True, help_text="медиана времени ответа, рабочие секунды")
    p90_seconds = serializers.FloatField(allow_null=True, help_text="90-й перцентиль времени ответа, рабочие секунды")


@extend_schema_serializer(component_name="StatsSlaMember")
class SlaMemberOutput(SlaFiguresOutput):
    @extend_schema_serializer(component_name="StatsMember")
    class Member(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        full_name = serializers.CharField()

    member = Member(allow_null=True, help_text="кто ответил; null — ответ не из AgentIQ (кабинет маркетплейса)")


@extend_schema_serializer(component_name="StatsSlaReport")
class SlaReportOutput(serializers.Serializer):
    @extend_schema_serializer(component_name="StatsSlaMarketplace")
    class ByMarketplace(serializers.Serializer):
        marketplace = serializers.CharField()
        team = SlaFiguresOutput()
        auto_replies = SlaFiguresOutput()

    @extend_schema_serializer(component_name="StatsSlaKind")
    class ByKind(serializers.Serializer):
        kind = serializers.CharField()
        team = SlaFiguresOutput()
        auto_replies = SlaFiguresOutput()

    as_of = serializers.DateTimeField(help_text="момент, на который оценены ещё идущие ожидания")
    figure_filters = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="цифра → её параметры /api/interactions (добавляются к filter среза)",
    )
    team = SlaFiguresOutput(help_text="все ожидания, кроме отвеченных автоответом")
    auto_replies = SlaFiguresOutput(help_text="ожидания, на которые ответил автоответ")
    by_marketplace = ByMarketplace(many=True)
    by_kind = ByKind(many=True)
    by_member = SlaMemberOutput(many=True, help_text="ответы команды по сотрудникам")


@extend_schema_serializer(component_name="StatsQualityCount")
class QualityCountOutput(serializers.Serializer):
    replies = serializers.IntegerField(help_text="оценённые ответы: основа средних")
    interactions = serializers.IntegerField(
        help_text="разные обращения за ними: столько строк вернёт /api/interactions с фильтром этой цифры"
    )


@extend_schema_serializer(component_name="StatsQualityComponents")
class QualityComponentsOutput(serializers.Serializer):
    relevance = serializers.FloatField(allow_null=True, help_text="по существу: отвечает на то, что написал покупатель")
    politeness = serializers.FloatField(allow_null=True, help_text="вежливость")
    compliance = serializers.FloatField(allow_null=True, help_text="без запретного (проверка ответа)")
    personal = serializers.FloatField(allow_null=True, help_text="не шаблонный: не похож на другие ответы магазина")
    timeliness = serializers.FloatField(
        allow_null=True, help_text="скорость против цели SLA (среднее по ответам, где срок считался)"
    )


@extend_schema_serializer(component_name="StatsQualityFigures")
class QualityFiguresOutput(serializers.Serializer):
    filter = serializers.DictField(
        child=serializers.CharField(),
        help_text="параметры /api/interactions для этого среза; к ним — figure_filters[цифра]",
    )
    scored = QualityCountOutput(help_text="оценённые ответы, отправленные в периоде")
    low = QualityCountOutput(help_text="из них с оценкой ниже low_below")
    average_score = serializers.FloatField(allow_null=True, help_text="средняя оценка, 0–100")
    components = QualityComponentsOutput(help_text="средние частей оценки, 0–100")


@extend_schema_serializer(component_name="StatsQualityDay")
class QualityDayOutput(QualityFiguresOutput):
    day = serializers.DateField()


@extend_schema_serializer(component_name="StatsQualityMember")
class QualityMemberOutput(QualityFiguresOutput):
    member = SlaMemberOutput.Member(allow_null=True, help_text="кто ответил; null — ответ без сотрудника")


@extend_schema_serializer(component_name="StatsQuality")
class QualityReportOutput(QualityFiguresOutput):
    @extend_schema_serializer(component_name="StatsQualityMarketplace")
    class ByMarketplace(QualityFiguresOutput):
        marketplace = serializers.CharField()

    @extend_schema_serializer(component_name="StatsQualityKind")
    class ByKind(QualityFiguresOutput):
        kind = serializers.CharField()

    low_below = serializers.IntegerField(help_text="оценка ниже этой — «низкая» (цифра low)")
    figure_filters = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="цифра → её параметры /api/interactions (добавляются к filter среза)",
    )
    per_day = QualityDayOutput(many=True, help_text="по дням отправки (по времени магазина), только дни с оценками")
    by_member = QualityMemberOutput(many=True, help_text="по сотрудникам, больше всего ответов первыми")
    by_marketplace = ByMarketplace(many=True)
    by_kind = ByKind(many=True)


class StatsApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="StatsFilter")
    class FilterInput(serializers.Serializer):
        """`from`/`to` as `date_from`/`date_to`; the shop's today comes in the context."""

        date_from = DayInWindowField(required=False)
        date_to = DayInWindowField(required=False)

        def validate(self, attrs):
            date_to = attrs.get("date_to") or self.context["today"]
            date_from = attrs.get("date_from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
            if date_from > date_to:
                if "date_to" in attrs:
                    raise serializers.ValidationError({"date_to": ["Конец периода раньше начала."]})
                # `to` is today by default: the seller typed only a start in the future.
                raise serializers.ValidationError({"date_from": ["Начало периода позже сегодняшнего дня."]})
            if (date_to - date_from).days >= MAX_DAYS:
                raise serializers.ValidationError({"date_from": [f"Период не длиннее {MAX_DAYS} дней."]})
            return {"date_from": date_from, "date_to": date_to}

    @extend_schema_serializer(component_name="Stats")
    class Output(serializers.Serializer):
        @extend_schema_serializer(component_name="StatsSla")
        class Sla(serializers.Serializer):
            met = serializers.IntegerField()
            breached = serializers.IntegerField()
            compliance_pct = serializers.FloatField(allow_null=True)

        @extend_schema_serializer(component_name="StatsFirstResponse")
        class FirstResponse(serializers.Serializer):
            median_seconds = serializers.FloatField(allow_null=True)
            p90_seconds = serializers.FloatField(allow_null=True)

        @extend_schema_serializer(component_name="StatsVolume")
        class Volume(serializers.Serializer):
            day = serializers.DateField()
            marketplace = serializers.CharField()
            kind = serializers.CharField()
            count = serializers.IntegerField()

        @extend_schema_serializer(component_name="StatsReplies")
        class Replies(serializers.Serializer):
            day = serializers.DateField()
            count = serializers.IntegerField()
            from_agentiq = serializers.IntegerField()

        date_from = serializers.DateField()
        date_to = serializers.DateField()
        timezone = serializers.CharField()
        open_count = serializers.IntegerField()
        needs_response_count = serializers.IntegerField()
        interactions_count = serializers.IntegerField()
        sla = Sla(help_text="как sla_report.team: met_deadline, missed_deadline (ожидания), deadline_pct")
        first_response = FirstResponse(help_text="как sla_report.team: медиана и p90, рабочие секунды")
        rating_distribution = serializers.DictField(child=serializers.IntegerField())
        volume_per_day = Volume(many=True)
        replies_sent_per_day = Replies(many=True)
        sla_report = SlaReportOutput(
            help_text="соблюдение сроков и время ответа по ожиданиям, начавшимся в периоде (docs/reports.md)"
        )
        quality = QualityReportOutput(
            help_text="качество наших ответов, отправленных в периоде: оценка 0–100 (docs/reply-quality.md)"
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description=(
                    f"первый день (по времени магазина); по умолчанию за {DEFAULT_DAYS} дней до `to`; "
                    f"не раньше {EARLIEST_DAY:%Y-%m-%d}; период не длиннее {MAX_DAYS} дней"
                ),
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                description=f"последний день включительно; по умолчанию сегодня; не позже чем через {DAYS_AHEAD} дней",
            ),
        ],
        responses=Output,
    )
    def get(self, request: Request) -> Response:
        seller = seller_for_request(request)
        today = shop_today(seller)
        # `from`/`to` on the wire (a Python keyword otherwise); errors are reported under the wire names.
        raw = {"date_from": request.query_params.get("from"), "date_to": request.query_params.get("to")}
        serializer = self.FilterInput(data={k: v for k, v in raw.items() if v}, context={"today": today})
        if not serializer.is_valid():
            names = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError({names.get(k, k): v for k, v in serializer.errors.items()})
        return Response(self.Output(selectors.stats_for(seller=seller, **serializer.validated_data)).data)
