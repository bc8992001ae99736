"""Add the daily prune of sync history to existing databases (setup_schedules is idempotent)."""

from django.db import migrations


def setup(apps, schema_editor):
    from agentiq.schedules import sync_schedules

    sync_schedules(models=apps)


class Migration(migrations.Migration):
    dependencies = [("agentiq", "0004_setup_schedules")]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
