"""The global tiers' escalation as steps, the pre-purchase chat tier, and a start for every open wait
(apart from 0014: PostgreSQL runs a migration's deferred index creation after its data operations).
"""

from django.db import migrations


PRE_PURCHASE_CHAT = "Чат до покупки: покупатель на карточке товара"


def default_steps(*, deadline: int, escalate: int | None) -> list[dict]:
    """PRODUCT_RULES' "escalate after" as four steps: the assignee at it, the owner at the breach, then
    the owner (or the rule's fallback member) takes it over with a raised priority, then AgentIQ staff."""
    if not escalate:
        return []
    return [
        {"after_minutes": escalate, "action": "notify_assignee"},
        {"after_minutes": max(deadline, escalate), "action": "notify_owner"},
        {"after_minutes": max(deadline, escalate) + escalate, "action": "reassign"},
        {"after_minutes": max(deadline, escalate) + 2 * escalate, "action": "notify_staff"},
    ]


def steps_from_escalate_after(apps, schema_editor):
    SLARule = apps.get_model("interactions", "SLARule")
    for rule in SLARule.objects.all():
        rule.escalation_steps = default_steps(deadline=rule.deadline_minutes, escalate=rule.escalate_after_minutes)
        rule.save(update_fields=["escalation_steps"])


def escalate_after_from_steps(apps, schema_editor):
    SLARule = apps.get_model("interactions", "SLARule")
    for rule in SLARule.objects.all():
        steps = rule.escalation_steps or []
        rule.escalate_after_minutes = steps[0]["after_minutes"] if steps else None
        rule.save(update_fields=["escalate_after_minutes"])


def seed_pre_purchase_chat_rule(apps, schema_editor):
    SLARule = apps.get_model("interactions", "SLARule")
    SLARule.objects.get_or_create(
        seller=None,
        marketplace="",
        kind="chat",
        priority="high",
        chat_phase="pre_purchase",
        defaults={
            "name": PRE_PURCHASE_CHAT,
            "target_minutes": 2,
            "deadline_minutes": 10,
            "follows_calendar": False,
            "escalation_steps": default_steps(deadline=10, escalate=5),
        },
    )
    # A public question before a purchase costs the product its place in search at any hour.
    SLARule.objects.filter(seller=None, kind="question", priority="high", chat_phase="").update(follows_calendar=False)


def start_running_clocks(apps, schema_editor):
    """Open waits get their start; `manage.py recompute_sla` then re-picks rules in working time."""
    Interaction = apps.get_model("interactions", "Interaction")
    from django.db.models.functions import Coalesce

    Interaction.objects.filter(needs_response=True, sla_started_at__isnull=True).update(
        sla_started_at=Coalesce("last_buyer_message_at", "created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("interactions", "0014_sla_calendars_cycles")]

    operations = [
        migrations.RunPython(steps_from_escalate_after, escalate_after_from_steps),
        migrations.RunPython(seed_pre_purchase_chat_rule, migrations.RunPython.noop),
        migrations.RunPython(start_running_clocks, migrations.RunPython.noop),
    ]
