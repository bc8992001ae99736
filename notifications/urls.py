from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications", api.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all", api.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("notifications/<int:notification_id>/read", api.NotificationReadApi.as_view(), name="notification-read"),
]
