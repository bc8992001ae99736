import factory
from django.utils import timezone

from interactions.models import Direction, Interaction, Kind, Message
from tests.factories.integrations import ConnectionFactory

__all__ = ["InteractionFactory", "MessageFactory"]


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    connection = factory.SubFactory(ConnectionFactory)
    seller = factory.SelfAttribute("connection.seller")
    marketplace = factory.SelfAttribute("connection.marketplace")
    kind = Kind.REVIEW
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    created_at = factory.LazyFunction(timezone.now)
    last_message_at = factory.SelfAttribute("created_at")
    last_buyer_message_at = factory.SelfAttribute("created_at")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    interaction = factory.SubFactory(InteractionFactory)
    direction = Direction.IN
    author = "buyer"
    text = "Здравствуйте! Когда придёт заказ?"
    external_id = factory.Sequence(lambda n: f"msg-{n}")
