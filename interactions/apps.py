from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class InteractionsConfig(AppConfig):
    name = "interactions"
    verbose_name = "Входящие"

    def ready(self) -> None:
        from interactions.models import CalendarDay, SLARule, WorkingCalendar
        from interactions.services.recompute import rules_or_calendar_changed
        from interactions.services.sla import sla_rules_changed
        from interactions.services.working_time import calendars_changed
        from sellers.models import Seller

        for signal in (post_save, post_delete):
            name = (signal is post_save and "save") or "delete"
            signal.connect(sla_rules_changed, sender=SLARule, dispatch_uid=f"sla_rules_changed_{name}")
            for model in (SLARule, WorkingCalendar, CalendarDay):
                signal.connect(
                    rules_or_calendar_changed, sender=model, dispatch_uid=f"sla_recompute_{model.__name__}_{name}"
                )
            for model in (WorkingCalendar, CalendarDay, Seller):
                signal.connect(
                    calendars_changed, sender=model, dispatch_uid=f"calendars_changed_{model.__name__}_{name}"
                )
