"""`/api/connections`: a shop's marketplace accounts. Credentials are write-only: never returned."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import selectors, services
from integrations.models import Connection, SyncRun
from interactions.models import Marketplace
from sellers.access import IsSellerMember, IsSellerOwner, seller_for_request


class SyncRunOutput(serializers.ModelSerializer):
    errors = serializers.SerializerMethodField()

    class Meta:
        model = SyncRun
        fields = [
            "status",
            "started_at",
            "finished_at",
            "duration_ms",
            "streams",
            "pages",
            "fetched",
            "created",
            "updated",
            "quarantined",
            "errors",
            "repeats",
        ]

    def get_errors(self, run: SyncRun) -> list[dict]:
        return [{"stream": e.get("stream"), "code": e.get("code"), "message": e.get("message")} for e in run.errors]


class ConnectionOutput(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    last_run = SyncRunOutput(allow_null=True)
    token_expiring_soon = serializers.SerializerMethodField()
    streams = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = [
            "id",
            "marketplace",
            "name",
            "is_enabled",
            "status",
            "status_display",
            "last_error",
            "last_error_code",
            "last_error_at",
            "last_sync_at",
            "last_success_at",
            "next_sync_at",
            "backoff_until",
            "consecutive_failures",
            "streams",
            "token_expires_at",
            "token_expiring_soon",
            "last_run",
            "created_at",
        ]

    def get_streams(self, connection: Connection) -> list[str]:
        from integrations.sync.streams import STREAMS_BY_MARKETPLACE

        return connection.streams or list(STREAMS_BY_MARKETPLACE.get(connection.marketplace, []))

    def get_token_expiring_soon(self, connection: Connection) -> bool:
        expires = connection.token_expires_at
        return expires is not None and expires <= timezone.now() + services.TOKEN_EXPIRY_WARNING


class ConnectionCreateInput(serializers.Serializer):
    marketplace = serializers.ChoiceField(choices=Marketplace.choices)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    token = serializers.CharField(required=False, allow_blank=True, write_only=True, trim_whitespace=True)
    client_id = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=32)
    api_key = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=100)


class ConnectionUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_enabled = serializers.BooleanField(required=False)
    token = serializers.CharField(required=False, write_only=True, trim_whitespace=True)
    client_id = serializers.CharField(required=False, write_only=True, max_length=32)
    api_key = serializers.CharField(required=False, write_only=True, max_length=100)

    def validate(self, attrs: dict) -> dict:
        if "client_id" in attrs and "api_key" not in attrs:
            raise serializers.ValidationError({"api_key": ["Укажите Api-Key вместе с новым Client-Id."]})
        return attrs


class CheckOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    result = serializers.DictField()
    connection = ConnectionOutput()


def _owner_only_for_writes(request: Request) -> list:
    return [IsSellerMember()] if request.method in ("GET", "HEAD", "OPTIONS") else [IsSellerOwner()]


class ConnectionListApi(APIView):
    def get_permissions(self) -> list:
        return _owner_only_for_writes(self.request)

    @extend_schema(responses=ConnectionOutput(many=True), summary="Подключения магазина")
    def get(self, request: Request) -> Response:
        connections = selectors.connection_list(seller=seller_for_request(request))
        return Response(ConnectionOutput(connections, many=True).data)

    @extend_schema(request=ConnectionCreateInput, responses={201: ConnectionOutput}, summary="Подключить кабинет")
    def post(self, request: Request) -> Response:
        data = ConnectionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            connection = services.connection_create(seller=seller_for_request(request), **data.validated_data)
        connection = selectors.connection_get(seller=connection.seller, connection_id=connection.pk)
        return Response(ConnectionOutput(connection).data, status=status.HTTP_201_CREATED)


class ConnectionDetailApi(APIView):
    def get_permissions(self) -> list:
        return _owner_only_for_writes(self.request)

    @extend_schema(responses=ConnectionOutput, summary="Подключение")
    def get(self, request: Request, connection_id: int) -> Response:
        connection = selectors.connection_get(seller=seller_for_request(request), connection_id=connection_id)
        return Response(ConnectionOutput(connection).data)

    @extend_schema(request=ConnectionUpdateInput, responses=ConnectionOutput, summary="Изменить подключение")
    def patch(self, request: Request, connection_id: int) -> Response:
        seller = seller_for_request(request)
        connection = selectors.connection_get(seller=seller, connection_id=connection_id)
        data = ConnectionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic():
            if {"token", "client_id", "api_key"} & values.keys():
                services.connection_update_credentials(
                    connection=connection,
                    token=values.get("token"),
                    client_id=values.get("client_id"),
                    api_key=values.get("api_key"),
                )
            services.connection_update(
                connection=connection, name=values.get("name"), is_enabled=values.get("is_enabled")
            )
        connection = selectors.connection_get(seller=seller, connection_id=connection_id)
        return Response(ConnectionOutput(connection).data)

    @extend_schema(responses={204: None}, summary="Отключить кабинет")
    def delete(self, request: Request, connection_id: int) -> Response:
        connection = selectors.connection_get(seller=seller_for_request(request), connection_id=connection_id)
        services.connection_delete(connection=connection)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConnectionCheckApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema(request=None, responses=CheckOutput, summary="Проверить ключ на маркетплейсе")
    def post(self, request: Request, connection_id: int) -> Response:
        seller = seller_for_request(request)
        connection = selectors.connection_get(seller=seller, connection_id=connection_id)
        result = services.connection_check(connection=connection)
        connection = selectors.connection_get(seller=seller, connection_id=connection_id)
        return Response({"ok": True, "result": result, "connection": ConnectionOutput(connection).data})


class ConnectionSyncApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "SyncQueued", {"detail": serializers.CharField(), "running": serializers.BooleanField()}
            )
        },
        summary="Синхронизировать сейчас",
    )
    def post(self, request: Request, connection_id: int) -> Response:
        connection = selectors.connection_get(seller=seller_for_request(request), connection_id=connection_id)
        with transaction.atomic():
            services.connection_request_sync(connection=connection)
        running = connection.sync_lock_until is not None and connection.sync_lock_until > timezone.now()
        detail = "Синхронизация уже идёт." if running else "Синхронизация запущена."
        return Response({"detail": detail, "running": running}, status=status.HTTP_202_ACCEPTED)
