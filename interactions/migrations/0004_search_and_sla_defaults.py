"""Full-text search index (PostgreSQL only) and the global default SLA rules from PRODUCT_RULES.md."""

from django.db import migrations

SEARCH_INDEX = "interaction_search_gin_idx"
# The default inbox order (interactions.selectors.INBOX_ORDER), so the first page is an index range scan.
INBOX_INDEX = "interaction_inbox_idx"

# (name, kind, priority, target, deadline, escalate) in minutes; seller-less rules are the global defaults.
DEFAULT_RULES = [
    ("Срочно: 1–2★, брак, претензии", "", "urgent", 30, 60, 15),
    ("Высокий приоритет", "", "high", 60, 120, 30),
    ("Вопрос о товаре до покупки", "question", "high", 5, 30, 15),
    ("Обычный приоритет", "", "normal", 240, 1440, 120),
    ("Низкий приоритет: 4–5★, благодарности", "", "low", 1440, 2880, 720),
]


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON interactions_interaction "
        "USING gin (to_tsvector('russian'::regconfig, search_text))"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INBOX_INDEX} ON interactions_interaction (seller_id, attention_rank ASC, "
        "first_response_due_at ASC NULLS LAST, priority_rank DESC, last_buyer_message_at DESC NULLS LAST, id DESC)"
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {INBOX_INDEX}")


def seed_sla_rules(apps, schema_editor):
    SLARule = apps.get_model("interactions", "SLARule")
    for name, kind, priority, target, deadline, escalate in DEFAULT_RULES:
        SLARule.objects.get_or_create(
            seller=None,
            marketplace="",
            kind=kind,
            priority=priority,
            defaults={
                "name": name,
                "target_minutes": target,
                "deadline_minutes": deadline,
                "escalate_after_minutes": escalate,
            },
        )


def unseed_sla_rules(apps, schema_editor):
    SLARule = apps.get_model("interactions", "SLARule")
    for name, kind, priority, *_ in DEFAULT_RULES:
        SLARule.objects.filter(seller=None, marketplace="", kind=kind, priority=priority, name=name).delete()


class Migration(migrations.Migration):
    dependencies = [("interactions", "0003_inbox_indexes")]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index),
        migrations.RunPython(seed_sla_rules, unseed_sla_rules),
    ]
