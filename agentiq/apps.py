from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class AgentiqConfig(AppConfig):
    name = "agentiq"
    verbose_name = "Настройки сервиса"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from agentiq.db import use_c_timestamptz_loader

        connection_created.connect(use_c_timestamptz_loader, dispatch_uid="agentiq.use_c_timestamptz_loader")
        # kombu's filesystem transport does not create its folders; web, worker and beat all need them.
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
            for key in ("data_folder_in", "data_folder_out", "processed_folder"):
                if options.get(key):
                    Path(options[key]).mkdir(parents=True, exist_ok=True)
