"""Inbox statistics for my shop, in its timezone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interactions import selectors
from sellers.access import IsSellerMember, seller_for_request

DEFAULT_DAYS = 30
MAX_DAYS = 366


class StatsApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="StatsFilter")
    class FilterInput(serializers.Serializer):
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)

        def validate(self, attrs):
            if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
                raise serializers.ValidationError({"date_to": ["Конец периода раньше начала."]})
            return attrs

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
        sla = Sla()
        first_response = FirstResponse()
        rating_distribution = serializers.DictField(child=serializers.IntegerField())
        volume_per_day = Volume(many=True)
        replies_sent_per_day = Replies(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="первый день (по времени магазина)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="последний день включительно"),
        ],
        responses=Output,
    )
    def get(self, request: Request) -> Response:
        seller = seller_for_request(request)
        # `from`/`to` on the wire (a Python keyword otherwise); errors are reported under the wire names.
        raw = {"date_from": request.query_params.get("from"), "date_to": request.query_params.get("to")}
        serializer = self.FilterInput(data={k: v for k, v in raw.items() if v})
        if not serializer.is_valid():
            names = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError({names.get(k, k): v for k, v in serializer.errors.items()})
        today = datetime.now(ZoneInfo(seller.timezone or "Europe/Moscow")).date()
        date_to = serializer.validated_data.get("date_to") or today
        date_from = serializer.validated_data.get("date_from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if (date_to - date_from).days >= MAX_DAYS:
            raise serializers.ValidationError({"from": [f"Период не длиннее {MAX_DAYS} дней."]})
        return Response(self.Output(selectors.stats_for(seller=seller, date_from=date_from, date_to=date_to)).data)
