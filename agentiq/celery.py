"""The Celery app. Queues: `sync` (marketplace I/O), `ai` (LLM calls), `default`."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agentiq.settings")

app = Celery("agentiq")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("sync"), Queue("ai"))
# Celery's Django fixup closes the task thread's database connection before and after every task
# unless this is set. A new PostgreSQL connection per sync cost more CPU than the sync's own queries;
# connections are kept for CONN_MAX_AGE instead and checked around each task, as Django does per request.
app.conf["CELERY_DB_REUSE_MAX"] = 1_000_000_000
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="agentiq.close_old_connections.prerun")
@task_postrun.connect(dispatch_uid="agentiq.close_old_connections.postrun")
def _close_old_connections(sender: object = None, **kwargs: object) -> None:
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside its caller's transaction (tests)
    from django.db import close_old_connections

    close_old_connections()
