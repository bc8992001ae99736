from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class GuardrailsConfig(AppConfig):
    name = "guardrails"
    verbose_name = "Проверка ответов"

    def ready(self) -> None:
        from guardrails.models import GuardrailCategory, GuardrailPattern
        from guardrails.rules import rules_changed

        for signal in (post_save, post_delete):
            name = (signal is post_save and "save") or "delete"
            for model in (GuardrailCategory, GuardrailPattern):
                signal.connect(rules_changed, sender=model, dispatch_uid=f"guardrails_changed_{model.__name__}_{name}")
