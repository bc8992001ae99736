from decimal import Decimal

import factory

from ai.models import LLMCall
from tests.factories.sellers import SellerFactory

__all__ = ["LLMCallFactory"]


class LLMCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LLMCall

    seller = factory.SubFactory(SellerFactory)
    purpose = LLMCall.Purpose.ANALYSIS
    model = "deepseek-chat"
    prompt_version = "1"
    prompt_tokens = 1000
    completion_tokens = 100
    cost_usd = Decimal("0.00038000")
    latency_ms = 900
