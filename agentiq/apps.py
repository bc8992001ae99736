from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class AgentiqConfig(AppConfig):
    name = "agentiq"
    verbose_name = "Настройки сервиса"

    def ready(self) -> None:
        # kombu's filesystem transport does not create its folders; web, worker and beat all need them.
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
            for key in ("data_folder_in", "data_folder_out", "processed_folder"):
                if options.get(key):
                    Path(options[key]).mkdir(parents=True, exist_ok=True)
