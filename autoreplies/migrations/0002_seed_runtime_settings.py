"""Seed the auto-replies' runtime settings (agentiq.runtime), so staff see them in the admin: the global
switch, the confidence threshold, the batch-of-complaints limit and window, and the stop words."""

from django.db import migrations

from agentiq.runtime import REGISTRY

KEYS = (
    "auto_replies_enabled",
    "auto_reply_min_confidence",
    "auto_reply_batch_complaints",
    "auto_reply_batch_days",
    "auto_reply_stop_words",
)


def seed(apps, schema_editor):
    RuntimeSetting = apps.get_model("agentiq", "RuntimeSetting")
    for key in KEYS:
        spec = REGISTRY.get(key)
        if spec is None:  # a key the registry dropped later
            continue
        RuntimeSetting.objects.get_or_create(key=key, defaults={"value": spec.default, "description": spec.description})


def unseed(apps, schema_editor):
    apps.get_model("agentiq", "RuntimeSetting").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("autoreplies", "0001_initial"), ("agentiq", "0007_seed_ai_prices")]

    operations = [migrations.RunPython(seed, unseed)]
