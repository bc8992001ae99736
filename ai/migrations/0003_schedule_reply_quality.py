"""Add the 10-minute sweep of unscored replies to existing databases (setup_schedules is idempotent)."""

from django.db import migrations


def setup(apps, schema_editor):
    from agentiq.schedules import sync_schedules

    sync_schedules(models=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("ai", "0002_schedule_analysis"),
        ("interactions", "0027_reply_quality"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
