from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class InteractionsConfig(AppConfig):
    name = "interactions"
    verbose_name = "Входящие"

    def ready(self) -> None:
        from interactions.models import SLARule
        from interactions.services.sla import sla_rules_changed

        post_save.connect(sla_rules_changed, sender=SLARule, dispatch_uid="sla_rules_changed_save")
        post_delete.connect(sla_rules_changed, sender=SLARule, dispatch_uid="sla_rules_changed_delete")
