from datetime import date, timedelta

import factory
from django.utils import timezone

from interactions.models import (
    BreachedInteraction,
    CalendarDay,
    Customer,
    DeliveryState,
    Direction,
    Interaction,
    InteractionEvent,
    InteractionLink,
    Kind,
    LinkDecision,
    Message,
    ReplyQuality,
    ReplyTemplate,
    ResponseCycle,
    SLARule,
    WorkingCalendar,
)
from tests.factories.integrations import ConnectionFactory
from tests.factories.sellers import SellerFactory

__all__ = [
    "BreachedInteractionFactory",
    "CalendarDayFactory",
    "CustomerFactory",
    "InteractionEventFactory",
    "InteractionFactory",
    "InteractionLinkFactory",
    "MessageFactory",
    "OutgoingMessageFactory",
    "PublishedAnswerFactory",
    "ReplyQualityFactory",
    "ReplyTemplateFactory",
    "ResponseCycleFactory",
    "SLARuleFactory",
    "WorkingCalendarFactory",
]


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    seller = factory.SubFactory(SellerFactory)
    marketplace = "wb"
    external_id = factory.Sequence(lambda n: f"buyer-{n}")
    name = factory.Faker("first_name", locale="ru_RU")


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


class BreachedInteractionFactory(InteractionFactory):
    """Waiting for an answer, an hour past its deadline."""

    class Meta:
        model = BreachedInteraction

    status = "open"
    needs_response = True
    sla_state = "breached"
    sla_started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    first_response_due_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    interaction = factory.SubFactory(InteractionFactory)
    seller = factory.SelfAttribute("interaction.seller")
    direction = Direction.IN
    author = "buyer"
    text = "Здравствуйте! Когда придёт заказ?"
    external_id = factory.Sequence(lambda n: f"msg-{n}")


class OutgoingMessageFactory(MessageFactory):
    direction = Direction.OUT
    author = "seller"
    text = "Спасибо за ваш отзыв!"
    external_id = None
    delivery_state = DeliveryState.PENDING
    idempotency_key = factory.LazyFunction(Message.new_idempotency_key)


class PublishedAnswerFactory(OutgoingMessageFactory):
    """Our answer to a review, delivered and shown on the marketplace."""

    external_id = factory.Sequence(lambda n: f"answer-{n}")
    delivery_state = DeliveryState.SENT
    sent_at = factory.LazyFunction(timezone.now)
    marketplace_state = "published"
    marketplace_state_at = factory.LazyFunction(timezone.now)


class InteractionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InteractionEvent

    interaction = factory.SubFactory(InteractionFactory)
    kind = InteractionEvent.Kind.CREATED


class SLARuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLARule

    name = factory.Sequence(lambda n: f"Правило {n}")
    deadline_minutes = 60
    target_minutes = factory.LazyAttribute(lambda rule: min(30, rule.deadline_minutes))


class WorkingCalendarFactory(factory.django.DjangoModelFactory):
    """09:00–18:00 on weekdays, with the Russian production calendar."""

    class Meta:
        model = WorkingCalendar

    seller = factory.SubFactory(SellerFactory)
    week = factory.LazyFunction(lambda: {str(d): [["09:00", "18:00"]] for d in range(5)})
    follows_production_calendar = True


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay

    calendar = factory.SubFactory(WorkingCalendarFactory)
    date = factory.Sequence(lambda n: date(2027, 1, 1) + timedelta(days=n))
    is_working = False


class ResponseCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponseCycle

    interaction = factory.SubFactory(InteractionFactory)
    seller = factory.LazyAttribute(lambda cycle: cycle.interaction.seller)
    marketplace = factory.LazyAttribute(lambda cycle: cycle.interaction.marketplace)
    kind = factory.LazyAttribute(lambda cycle: cycle.interaction.kind)
    started_at = factory.LazyAttribute(lambda cycle: cycle.interaction.created_at)
    due_soon_at = factory.LazyAttribute(lambda cycle: cycle.started_at + timedelta(minutes=30))
    due_at = factory.LazyAttribute(lambda cycle: cycle.started_at + timedelta(hours=1))
    ended_at = factory.LazyAttribute(lambda cycle: cycle.started_at + timedelta(minutes=20))
    outcome = "responded"
    response_seconds = 1200
    met_target = True
    met_deadline = True


class ReplyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReplyTemplate

    seller = factory.SubFactory(SellerFactory)
    name = factory.Sequence(lambda n: f"Шаблон {n}")
    text = "Здравствуйте, {buyer_name}! Спасибо за отзыв о товаре «{product_name}»."


class InteractionLinkFactory(factory.django.DjangoModelFactory):
    """A seller's decision on two interactions of one shop (`a` is the smaller id, as the model requires)."""

    class Meta:
        model = InteractionLink

    a = factory.SubFactory(InteractionFactory)
    b = factory.SubFactory(InteractionFactory, connection=factory.SelfAttribute("..a.connection"))
    seller = factory.SelfAttribute("a.seller")
    decision = LinkDecision.CONFIRMED
    score = 0.7
    reasons = factory.LazyFunction(lambda: ["тот же товар", "похожее имя: Сергей / Серёжа"])


class ReplyQualityFactory(factory.django.DjangoModelFactory):
    """A scored reply: by default a published answer to a review, scored 80 by the rules."""

    class Meta:
        model = ReplyQuality

    message = factory.SubFactory(PublishedAnswerFactory)
    seller = factory.SelfAttribute("message.seller")
    interaction = factory.SelfAttribute("message.interaction")
    author_user = factory.SelfAttribute("message.author_user")
    author = factory.SelfAttribute("message.author")
    marketplace = factory.SelfAttribute("message.interaction.marketplace")
    kind = factory.SelfAttribute("message.interaction.kind")
    sent_at = factory.SelfAttribute("message.sent_at")
    score = 80
    relevance = 80
    politeness = 90
    compliance = 100
    personal = 70
    timeliness = None
    note = "Вежливый ответ по существу."
    source = "rules"
