import factory

from integrations.models import Connection
from interactions.models import Marketplace
from tests.factories.sellers import SellerFactory

__all__ = ["ConnectionFactory"]


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    seller = factory.SubFactory(SellerFactory)
    marketplace = Marketplace.WILDBERRIES
    name = factory.Sequence(lambda n: f"Кабинет {n}")
    wb_token = factory.Sequence(lambda n: f"test-wb-token-{n}")
