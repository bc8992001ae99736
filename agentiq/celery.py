"""The Celery app. Queues: `sync` (marketplace I/O), `ai` (LLM calls), `default`."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agentiq.settings")

app = Celery("agentiq")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("sync"), Queue("ai"))
app.autodiscover_tasks()
