"""Seed the reply_repeat_threshold runtime setting (agentiq.runtime), so staff see it in the admin.

Here rather than in agentiq's migrations: the repeated-answer guard is this app's, and the setting's row
belongs with it."""

from django.db import migrations

DESCRIPTION = (
    "Похожесть ответа на недавний ответ магазина (0–100, rapidfuzz), с которой ответ на отзыв или вопрос "
    "задерживается как повтор."
)


def seed(apps, schema_editor):
    RuntimeSetting = apps.get_model("agentiq", "RuntimeSetting")
    RuntimeSetting.objects.get_or_create(
        key="reply_repeat_threshold", defaults={"value": 90, "description": DESCRIPTION}
    )


class Migration(migrations.Migration):
    dependencies = [("guardrails", "0002_seed_categories"), ("agentiq", "0007_seed_ai_prices")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
