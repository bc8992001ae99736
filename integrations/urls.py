from django.urls import path

from integrations import api

urlpatterns = [
    path("connections", api.ConnectionListApi.as_view(), name="connection-list"),
    path("connections/<int:connection_id>", api.ConnectionDetailApi.as_view(), name="connection-detail"),
    path("connections/<int:connection_id>/check", api.ConnectionCheckApi.as_view(), name="connection-check"),
    path("connections/<int:connection_id>/sync", api.ConnectionSyncApi.as_view(), name="connection-sync"),
]
