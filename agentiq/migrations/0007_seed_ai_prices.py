"""Seed the ai_prices runtime setting (LLM prices per million tokens), so staff see it in the admin."""

from django.db import migrations

PRICES = {"deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": 1.10, "cached_input_per_mtok": 0.07}}
DESCRIPTION = "Цены LLM в USD за миллион токенов: {модель: {input_per_mtok, output_per_mtok, cached_input_per_mtok}}."


def seed(apps, schema_editor):
    RuntimeSetting = apps.get_model("agentiq", "RuntimeSetting")
    RuntimeSetting.objects.get_or_create(key="ai_prices", defaults={"value": PRICES, "description": DESCRIPTION})


class Migration(migrations.Migration):
    dependencies = [("agentiq", "0006_russian_verbose_names")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
