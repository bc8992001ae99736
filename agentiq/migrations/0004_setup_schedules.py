"""Create the periodic tasks of agentiq/schedules.py (the same code as `manage.py setup_schedules`)."""

from django.db import migrations


def setup(apps, schema_editor):
    from agentiq.schedules import sync_schedules

    sync_schedules(models=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("agentiq", "0003_seed_runtime_settings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
