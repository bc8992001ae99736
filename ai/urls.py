from django.urls import path

from ai import api

urlpatterns = [
    path("interactions/<int:interaction_id>/draft", api.DraftApi.as_view(), name="interaction-draft"),
    path("ai/status", api.AIStatusApi.as_view(), name="ai-status"),
]
