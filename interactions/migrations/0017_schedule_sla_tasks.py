"""Add the SLA sweep and the daily auto-close to existing databases (setup_schedules is idempotent)."""

from django.db import migrations


def setup(apps, schema_editor):
    from agentiq.schedules import sync_schedules

    sync_schedules(models=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0016_remove_slarule_escalate_after_minutes"),
        ("agentiq", "0006_russian_verbose_names"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
