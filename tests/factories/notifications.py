import factory

from notifications.models import Notification
from tests.factories.sellers import UserFactory

__all__ = ["NotificationFactory"]


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    seller = factory.SelfAttribute("recipient.seller")
    kind = Notification.Kind.REPLY_FAILED
    text = "Ответ на отзыв о товаре «Платье» (Wildberries) не отправлен. Маркетплейс отклонил ответ."
    dedupe_key = factory.Sequence(lambda n: f"message:{n}")
