"""The daily answer reconciliation's beat row and its two runtime settings, for existing databases.

In this app, like the other branches' schedules: a new agentiq migration number would collide on merge.
"""

from django.db import migrations

SETTINGS = {
    "answer_reconcile_days": (
        30,
        "За сколько дней сверять наши ответы на отзывы и вопросы с маркетплейсом (ежедневная сверка).",
    ),
    "answer_moderation_hours": (
        240,
        "Сколько часов ждать публикации ответа Ozon: не опубликованный дольше ответ считается отклонённым.",
    ),
}


def setup(apps, schema_editor):
    from agentiq.schedules import sync_schedules

    sync_schedules(models=apps)
    RuntimeSetting = apps.get_model("agentiq", "RuntimeSetting")
    for key, (value, description) in SETTINGS.items():
        RuntimeSetting.objects.get_or_create(key=key, defaults={"value": value, "description": description})


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0007_answer_discrepancy"),
        ("agentiq", "0007_seed_ai_prices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
