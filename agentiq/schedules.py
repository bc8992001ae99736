"""The one list of periodic tasks. Beat reads them from django-celery-beat's tables, which
`python manage.py setup_schedules` (and a data migration) fills from this list.

Beat only references tasks by name; each task lives in its app's tasks.py. To stop a periodic
task for good, remove its line here and re-run setup_schedules: the row is disabled, not deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.timezone import now

# Rows whose name starts with this are ours; anything else in the table is left alone.
NAME_PREFIX = "agentiq: "


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int
    queue: str
    description: str = ""

    @property
    def row_name(self) -> str:
        return NAME_PREFIX + self.name


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        "sync_all_sellers",
        "integrations.tasks.sync_all_sellers",
        30,
        "sync",
        "Ставит в очередь синхронизацию каждого подключения, которому пора.",
    ),
    Schedule(
        "send_pending_replies",
        "integrations.tasks.send_pending_replies",
        30,
        "sync",
        "Доставляет ответы, ожидающие отправки на маркетплейс.",
    ),
    Schedule(
        "analyze_pending_chats",
        "ai.tasks.analyze_pending_chats",
        2 * 60,
        "ai",
        "Анализирует обращения, которые ещё не проанализированы или где покупатель написал снова.",
    ),
    Schedule(
        "score_unscored_replies",
        "ai.tasks.score_unscored_replies",
        10 * 60,
        "ai",
        "Оценивает качество отправленных ответов, которые ещё не оценены (например, задачу потеряла очередь).",
    ),
    Schedule(
        "check_sla_escalation",
        "interactions.tasks.check_sla_escalation",
        5 * 60,
        "default",
        "Отмечает «скоро срок» и просроченные обращения, выполняет шаги эскалации.",
    ),
    Schedule(
        "auto_close_inactive_chats",
        "interactions.tasks.auto_close_inactive_chats",
        24 * 3600,
        "default",
        "Закрывает чаты без активности дольше auto_close_days, где последним писал продавец.",
    ),
    Schedule(
        "notify_expiring_tokens",
        "integrations.tasks.notify_expiring_tokens",
        24 * 3600,
        "default",
        "Предупреждает о токенах маркетплейсов, срок которых скоро истекает.",
    ),
    Schedule(
        "prune_sync_runs",
        "integrations.tasks.prune_sync_runs",
        24 * 3600,
        "default",
        "Удаляет историю синхронизаций старше 30 дней (последний запуск подключения остаётся).",
    ),
    Schedule(
        "reconcile_answers",
        "integrations.tasks.reconcile_answers",
        24 * 3600,
        "sync",
        "Сверяет наши ответы на отзывы и вопросы с маркетплейсами и показывает расхождения в админке.",
    ),
    Schedule(
        "send_notification_emails",
        "notifications.tasks.send_notification_emails",
        60,
        "default",
        "Отправляет письма об уведомлениях, которые ещё не ушли (например, задачу потеряла очередь).",
    ),
    Schedule(
        "prune_leads",
        "leads.tasks.prune_leads",
        24 * 3600,
        "default",
        "Удаляет заявки с лендинга, посетитель которых не писал дольше LEAD_RETENTION_DAYS (политика конфиденциальности).",
    ),
)


@dataclass(frozen=True)
class SyncSummary:
    created: int
    updated: int
    unchanged: int
    disabled: int


def sync_schedules(*, models: Any = None, schedules: tuple[Schedule, ...] = SCHEDULES) -> SyncSummary:
    """Create or update one enabled PeriodicTask per schedule; disable our rows no longer listed.

    Idempotent. `models` is a migration's `apps` registry (historical models); default: the live ones.
    """
    if models is None:
        from django.apps import apps as models
    interval_model = models.get_model("django_celery_beat", "IntervalSchedule")
    task_model = models.get_model("django_celery_beat", "PeriodicTask")
    tracker_model = models.get_model("django_celery_beat", "PeriodicTasks")

    created = updated = unchanged = 0
    for schedule in schedules:
        interval, _ = interval_model.objects.get_or_create(every=schedule.every_seconds, period="seconds")
        wanted = {
            "task": schedule.task,
            "interval_id": interval.pk,
            "crontab_id": None,
            "solar_id": None,
            "clocked_id": None,
            "queue": schedule.queue,
            "enabled": True,
            "one_off": False,
            # A tick nobody picked up before the next one is worthless: let it expire.
            "expire_seconds": schedule.every_seconds,
            "description": schedule.description,
        }
        row = task_model.objects.filter(name=schedule.row_name).first()
        if row is None:
            task_model.objects.create(name=schedule.row_name, **wanted)
            created += 1
        elif any(getattr(row, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(row, field, value)
            row.save()
            updated += 1
        else:
            unchanged += 1

    listed = [schedule.row_name for schedule in schedules]
    disabled = (
        task_model.objects.filter(name__startswith=NAME_PREFIX, enabled=True)
        .exclude(name__in=listed)
        .update(enabled=False)
    )
    if created or updated or disabled:
        # Beat reloads its schedule when this timestamp moves (the model signals do not fire for
        # historical models in migrations, nor for .update()).
        tracker_model.objects.update_or_create(ident=1, defaults={"last_update": now()})
    return SyncSummary(created=created, updated=updated, unchanged=unchanged, disabled=disabled)
