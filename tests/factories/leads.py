import factory
from django.utils.timezone import now

from leads.models import Lead, LeadStatus, LeadStatusChange
from tests.factories.sellers import StaffUserFactory

__all__ = ["LeadFactory", "LeadStatusChangeFactory"]


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    name = factory.Sequence(lambda n: f"Покупатель {n}")
    phone = factory.Sequence(lambda n: f"+7912{n:07d}")
    email = factory.Sequence(lambda n: f"seller{n}@example.ru")
    shop_name = factory.Sequence(lambda n: f"Магазин {n}")
    sells_on_wb = True
    comment = "Около 50 отзывов в день, хотим отвечать вовремя."
    consent_at = factory.LazyFunction(now)
    created_at = factory.LazyFunction(now)
    last_submitted_at = factory.SelfAttribute("created_at")


class LeadStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadStatusChange

    lead = factory.SubFactory(LeadFactory)
    from_status = LeadStatus.NEW
    to_status = LeadStatus.CONTACTED
    changed_by = factory.SubFactory(StaffUserFactory)
