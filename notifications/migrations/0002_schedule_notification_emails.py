"""Add the minute sweep of notification e-mails to existing databases (setup_schedules is idempotent).

In this app rather than in agentiq/migrations, where the first schedules were added: a branch adding its own
schedule there would collide on the next agentiq migration number.
"""

from django.db import migrations


def setup(apps, schema_editor):
    from agentiq.schedules import sync_schedules

    sync_schedules(models=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("agentiq", "0005_schedule_prune_sync_runs"),
    ]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
