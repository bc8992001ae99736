from django.urls import path

from agentiq.health import HealthApi
from agentiq.metrics import metrics_view

urlpatterns = [
    path("health", HealthApi.as_view(), name="health"),
    path("metrics", metrics_view, name="metrics"),
]
