"""Seed one RuntimeSetting row per known key, so staff see them in the admin. Existing rows are kept."""

from django.db import migrations

SEED = {
    "auto_close_days": (10, "Через сколько дней без активности чат закрывается сам."),
    "sync_interval_seconds": (30, "Как часто (в секундах) синхронизировать подключение маркетплейса."),
    "ai_enabled": (True, "Включён ли AI-анализ и черновики ответов (иначе эвристики)."),
    "ai_daily_budget_usd": (1.0, "Дневной бюджет на LLM для одного продавца, USD."),
    "draft_cache_ttl_seconds": (86400, "Сколько секунд хранить сгенерированный черновик ответа в кэше."),
}


def seed(apps, schema_editor):
    RuntimeSetting = apps.get_model("agentiq", "RuntimeSetting")
    for key, (value, description) in SEED.items():
        RuntimeSetting.objects.get_or_create(key=key, defaults={"value": value, "description": description})


class Migration(migrations.Migration):
    dependencies = [("agentiq", "0002_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
