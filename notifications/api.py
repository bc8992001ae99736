"""The signed-in user's own notifications: list (with the unread count), mark one or all read."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.models import Notification
from sellers.access import IsSellerMemberOrStaff


@extend_schema_serializer(component_name="Notification")
class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    text = serializers.CharField()
    seller = serializers.IntegerField(source="seller_id", allow_null=True)
    interaction = serializers.IntegerField(source="interaction_id", allow_null=True)
    connection = serializers.IntegerField(source="connection_id", allow_null=True)
    is_read = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class NotificationListApi(APIView):
    permission_classes = [IsSellerMemberOrStaff]

    @extend_schema_serializer(component_name="NotificationFilter")
    class FilterInput(serializers.Serializer):
        unread = serializers.BooleanField(
            allow_null=True, default=None, help_text="true: only unread, false: only read; absent: all."
        )
        cursor = serializers.CharField(required=False, max_length=2000)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)

    @extend_schema_serializer(component_name="NotificationPage")
    class Output(serializers.Serializer):
        results = NotificationOutput(many=True)
        next_cursor = serializers.CharField(allow_null=True)
        unread_count = serializers.IntegerField()

    @extend_schema(operation_id="notifications_list", parameters=[FilterInput], responses=Output)
    def get(self, request: Request) -> Response:
        # A plain dict, not the QueryDict: DRF reads a boolean missing from form data as false, not as absent.
        params = {key: request.query_params.getlist(key)[-1] for key in request.query_params}
        serializer = self.FilterInput(data=params)
        serializer.is_valid(raise_exception=True)
        rows, next_cursor = selectors.notification_list(user=request.user, **serializer.validated_data)
        page = {"results": rows, "next_cursor": next_cursor, "unread_count": services.unread_count(request.user)}
        return Response(self.Output(page).data)


class NotificationReadApi(APIView):
    permission_classes = [IsSellerMemberOrStaff]

    @extend_schema(request=None, responses=NotificationOutput)
    def post(self, request: Request, notification_id: int) -> Response:
        notification = services.mark_read(request.user, notification_id)
        return Response(NotificationOutput(notification).data)


class NotificationReadAllApi(APIView):
    permission_classes = [IsSellerMemberOrStaff]

    @extend_schema_serializer(component_name="NotificationsReadAll")
    class Output(serializers.Serializer):
        marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")

    @extend_schema(request=None, responses=Output)
    def post(self, request: Request) -> Response:
        return Response(self.Output({"marked": services.mark_all_read(request.user)}).data)
