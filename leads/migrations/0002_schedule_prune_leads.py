"""Add the daily deletion of old leads to existing databases (setup_schedules is idempotent).

In this app rather than in agentiq/migrations, as notifications did: a branch adding its own schedule there
would collide on the next agentiq migration number.
"""

from django.db import migrations


def setup(apps, schema_editor):
    from agentiq.schedules import sync_schedules

    sync_schedules(models=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_lead"),
        ("agentiq", "0005_schedule_prune_sync_runs"),
    ]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
