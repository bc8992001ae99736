from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from agentiq.schedules import SCHEDULES, sync_schedules


class Command(BaseCommand):
    help = "Create or update the periodic tasks of agentiq/schedules.py in django-celery-beat's tables (idempotent)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            summary = sync_schedules()
        for schedule in SCHEDULES:
            self.stdout.write(
                f"  {schedule.row_name}: {schedule.task} every {schedule.every_seconds}s → {schedule.queue}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"schedules: {summary.created} created, {summary.updated} updated, "
                f"{summary.unchanged} unchanged, {summary.disabled} disabled"
            )
        )
