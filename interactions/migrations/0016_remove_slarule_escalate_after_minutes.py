"""The escalation is the rule's steps now (0014 converted each rule); a migration of its own, because
PostgreSQL will not alter a table whose rows the same transaction just updated with deferred checks."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("interactions", "0015_sla_default_steps_and_clocks")]

    operations = [migrations.RemoveField(model_name="slarule", name="escalate_after_minutes")]
