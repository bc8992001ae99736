"""Beat schedules: rows from agentiq/schedules.py, idempotent setup, and beat's scheduler reading them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks
from django_celery_beat.schedulers import DatabaseScheduler

from agentiq.celery import app as celery_app
from agentiq.schedules import NAME_PREFIX, SCHEDULES, Schedule, sync_schedules

pytestmark = pytest.mark.django_db

EXPECTED = {
    "agentiq: sync_all_sellers": ("integrations.tasks.sync_all_sellers", 30, "sync"),
    "agentiq: send_pending_replies": ("integrations.tasks.send_pending_replies", 30, "sync"),
    "agentiq: notify_expiring_tokens": ("integrations.tasks.notify_expiring_tokens", 86400, "default"),
    "agentiq: prune_sync_runs": ("integrations.tasks.prune_sync_runs", 86400, "default"),
    "agentiq: reconcile_answers": ("integrations.tasks.reconcile_answers", 86400, "sync"),
    "agentiq: analyze_pending_chats": ("ai.tasks.analyze_pending_chats", 120, "ai"),
    "agentiq: score_unscored_replies": ("ai.tasks.score_unscored_replies", 600, "ai"),
    "agentiq: check_sla_escalation": ("interactions.tasks.check_sla_escalation", 300, "default"),
    "agentiq: auto_close_inactive_chats": ("interactions.tasks.auto_close_inactive_chats", 86400, "default"),
    "agentiq: send_notification_emails": ("notifications.tasks.send_notification_emails", 60, "default"),
    "agentiq: prune_leads": ("leads.tasks.prune_leads", 86400, "default"),
}


def our_rows() -> dict[str, tuple[str, int, str]]:
    return {
        row.name: (row.task, row.interval.every, row.queue)
        for row in PeriodicTask.objects.filter(name__startswith=NAME_PREFIX, enabled=True).select_related("interval")
    }


def test_migration_created_the_rows():
    rows = our_rows()
    for name, wanted in EXPECTED.items():
        assert rows[name] == wanted
    assert all(row.interval.period == "seconds" for row in PeriodicTask.objects.filter(name__in=EXPECTED))


def test_setup_schedules_is_idempotent(capsys):
    call_command("setup_schedules")
    call_command("setup_schedules")
    assert PeriodicTask.objects.filter(name__startswith=NAME_PREFIX).count() == len(SCHEDULES)
    assert IntervalSchedule.objects.filter(every=30, period="seconds").count() == 1
    assert f"0 created, 0 updated, {len(SCHEDULES)} unchanged, 0 disabled" in capsys.readouterr().out


def test_setup_schedules_repairs_an_edited_row():
    row = PeriodicTask.objects.get(name="agentiq: sync_all_sellers")
    row.interval = IntervalSchedule.objects.create(every=999, period="seconds")
    row.queue = "default"
    row.save()
    summary = sync_schedules()
    assert summary.updated == 1
    assert our_rows()["agentiq: sync_all_sellers"] == EXPECTED["agentiq: sync_all_sellers"]


def test_rows_no_longer_listed_are_disabled_and_foreign_rows_untouched():
    foreign = PeriodicTask.objects.create(
        name="someone else's", task="x.y", interval=IntervalSchedule.objects.create(every=5, period="minutes")
    )
    summary = sync_schedules(schedules=SCHEDULES[:1])
    assert summary.disabled == len(SCHEDULES) - 1
    assert set(our_rows()) == {"agentiq: sync_all_sellers"}
    foreign.refresh_from_db()
    assert foreign.enabled
    # Listing them again brings them back.
    sync_schedules()
    assert set(our_rows()) == set(EXPECTED)


def test_beat_database_scheduler_reads_the_rows():
    scheduler = DatabaseScheduler(app=celery_app, lazy=True)
    entries = scheduler.all_as_schedule()
    for name, (task, every, queue) in EXPECTED.items():
        entry = entries[name]
        assert entry.task == task
        assert entry.schedule.run_every == timedelta(seconds=every)
        assert entry.options["queue"] == queue
        assert entry.options["expires"] == every


def test_beat_sees_a_newly_added_schedule():
    scheduler = DatabaseScheduler(app=celery_app, lazy=True)
    before = PeriodicTasks.last_change()
    extra = Schedule("check_sla_escalation", "interactions.tasks.check_sla_escalation", 300, "default")
    sync_schedules(schedules=(*SCHEDULES, extra))
    entries = scheduler.all_as_schedule()
    assert entries["agentiq: check_sla_escalation"].schedule.run_every == timedelta(minutes=5)
    # Beat reloads when this timestamp moves.
    assert PeriodicTasks.last_change() > before
