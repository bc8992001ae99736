import factory
from django.utils import timezone

from integrations.models import AnswerDiscrepancy, Connection, QuarantinedItem, SyncCursor, SyncRun
from interactions.models import Marketplace
from tests.factories.sellers import SellerFactory

__all__ = [
    "AnswerDiscrepancyFactory",
    "ConnectionFactory",
    "OzonConnectionFactory",
    "QuarantinedItemFactory",
    "SyncCursorFactory",
    "SyncRunFactory",
    "sandbox_connection",
]


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    seller = factory.SubFactory(SellerFactory)
    marketplace = Marketplace.WILDBERRIES
    name = factory.Sequence(lambda n: f"Кабинет {n}")
    wb_token = factory.Sequence(lambda n: f"test-wb-token-{n}")


class OzonConnectionFactory(ConnectionFactory):
    marketplace = Marketplace.OZON
    wb_token = None
    ozon_client_id = factory.Sequence(lambda n: str(100000 + n))
    ozon_api_key = factory.Faker("uuid4")


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    connection = factory.SubFactory(ConnectionFactory)
    status = SyncRun.Status.OK
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.SelfAttribute("started_at")
    duration_ms = 120
    streams = factory.LazyFunction(lambda: ["wb_feedbacks", "wb_questions", "wb_chats"])


class SyncCursorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncCursor

    connection = factory.SubFactory(ConnectionFactory)
    stream = "wb_feedbacks"
    value = factory.LazyFunction(dict)


class QuarantinedItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuarantinedItem

    connection = factory.SubFactory(ConnectionFactory)
    stream = "wb_feedbacks"
    external_id = factory.Sequence(lambda n: f"bad-{n}")
    raw = '{"id": "bad", "productValuation": "пять"}'
    error = "productValuation: not an int"


class AnswerDiscrepancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnswerDiscrepancy

    connection = factory.SubFactory(ConnectionFactory)
    seller = factory.SelfAttribute("connection.seller")
    kind = AnswerDiscrepancy.Kind.MISSING_ON_MARKETPLACE
    key = factory.Sequence(lambda n: f"message:{n}")
    item_id = factory.Sequence(lambda n: f"feedback-{n}")
    our_text = "Спасибо за отзыв! Рады, что товар понравился."


def sandbox_connection(shop, *, marketplace=Marketplace.WILDBERRIES, seller=None, **fields) -> Connection:
    """A connection holding the credentials of a sandbox shop (`sandbox_shop` fixture), saved."""
    seller = seller or SellerFactory()
    if marketplace == Marketplace.WILDBERRIES:
        credentials = {"wb_token": shop.wb_token}
    else:
        credentials = {"wb_token": None, "ozon_client_id": shop.ozon_client_id, "ozon_api_key": shop.ozon_api_key}
    fields = {"name": f"Песочница {shop.shop_no}", **credentials, **fields}
    return ConnectionFactory(seller=seller, marketplace=marketplace, **fields)
