import factory
from django.utils import timezone

from autoreplies.models import AutoReply, AutoReplyCounter, AutoReplyRule, AutoReplySettings
from tests.factories.interactions import InteractionFactory
from tests.factories.sellers import SellerFactory

__all__ = ["AutoReplyCounterFactory", "AutoReplyFactory", "AutoReplyRuleFactory", "AutoReplySettingsFactory"]


class AutoReplySettingsFactory(factory.django.DjangoModelFactory):
    """A shop with auto-replies switched on."""

    class Meta:
        model = AutoReplySettings
        django_get_or_create = ("seller",)

    seller = factory.SubFactory(SellerFactory)
    enabled = True
    daily_cap = 100


class AutoReplyRuleFactory(factory.django.DjangoModelFactory):
    """An enabled rule sending the AI's draft for 4–5★ reviews."""

    class Meta:
        model = AutoReplyRule

    seller = factory.SubFactory(SellerFactory)
    name = factory.Sequence(lambda n: f"Автоответ {n}")
    is_enabled = True
    kind = "review"
    rating_min = 4
    rating_max = 5
    action = "send"
    source = "ai_draft"
    daily_cap = 50


class AutoReplyFactory(factory.django.DjangoModelFactory):
    """A draft waiting for approval."""

    class Meta:
        model = AutoReply

    interaction = factory.SubFactory(InteractionFactory, needs_response=True, status="open")
    seller = factory.SelfAttribute("interaction.seller")
    rule = factory.SubFactory(AutoReplyRuleFactory, seller=factory.SelfAttribute("..seller"), action="queue")
    rule_name = factory.SelfAttribute("rule.name")
    action = "queue"
    source = "ai_draft"
    state = "waiting"
    text = "Спасибо за отзыв! Рады, что покупка понравилась. Ждём вас снова."
    for_hash = factory.SelfAttribute("interaction.ai_input_hash")


class AutoReplyCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AutoReplyCounter

    seller = factory.SubFactory(SellerFactory)
    day = factory.LazyFunction(timezone.localdate)
    scope = "shop"
    count = 1
