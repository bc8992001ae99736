"""What the AI reads about an interaction: the buyer's side of the wait, the product's card facts, strongly
linked earlier interactions only, the shop's settings; a batch costs a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ai.context import contexts_for, product_facts
from integrations.models import ProductCard
from tests import factories

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def connection():
    seller = factories.SellerFactory(reply_tone="тёплый", reply_signature="Команда", reply_address_form="informal")
    return factories.ConnectionFactory(seller=seller, marketplace="wb")


def card(nm_id: int) -> ProductCard:
    return ProductCard.objects.create(
        marketplace="wb",
        nm_id=nm_id,
        name="Платье летнее",
        brand="Лето",
        category="Платья",
        card={
            "compositions": [{"name": "хлопок 95%"}, {"name": "эластан 5%"}],
            "options": [{"name": "Цвет", "value": "синий"}],
            "sizes_table": {"values": [{"origName": "S"}, {"origName": "M"}]},
            "description": "Лёгкое платье на лето.",
        },
    )


def test_product_facts_from_the_card():
    facts = product_facts({"name": "Платье", "brand": "Лето", "category": "", "card": {"subj_name": "Платья"}})
    assert facts == {"название": "Платье", "бренд": "Лето", "категория": "Платья"}


def test_a_context_carries_the_card_the_wait_and_the_shops_settings(connection):
    card(123456)
    item = factories.InteractionFactory(connection=connection, kind="chat", product_id="123456", needs_response=True)
    factories.MessageFactory(interaction=item, text="Есть размер M?", created_at=NOW - timedelta(minutes=9))
    factories.OutgoingMessageFactory(interaction=item, text="Да!", created_at=NOW - timedelta(minutes=8))
    factories.MessageFactory(interaction=item, text="А состав какой?", created_at=NOW - timedelta(minutes=7))

    [context] = contexts_for([item.pk])

    assert context.text == "А состав какой?"
    assert context.product["состав"] == "хлопок 95%, эластан 5%"
    assert context.product["размеры"] == ["S", "M"] and context.product["цвет"] == "синий"
    assert context.product_name == "Платье летнее"
    assert (context.tone, context.signature, context.address_form) == ("тёплый", "Команда", "informal")
    assert context.max_chars == 1000


def test_history_is_the_same_buyer_or_a_confirmed_link_never_a_suggestion(connection):
    buyer = factories.CustomerFactory(seller=connection.seller)
    earlier = factories.InteractionFactory(
        connection=connection,
        customer=buyer,
        rating=2,
        ai_summary="Жалоба: шов разошёлся",
        created_at=NOW - timedelta(days=3),
    )
    confirmed = factories.InteractionFactory(
        connection=connection, ai_summary="Вопрос о размере", created_at=NOW - timedelta(days=2)
    )
    factories.InteractionFactory(
        connection=connection, ai_summary="Чужой покупатель", created_at=NOW - timedelta(days=1)
    )
    other_shop = factories.InteractionFactory(customer=factories.CustomerFactory(), ai_summary="Другой магазин")
    item = factories.InteractionFactory(connection=connection, customer=buyer, created_at=NOW)
    factories.InteractionLinkFactory(a=confirmed, b=item, decision="confirmed")

    [context] = contexts_for([item.pk])

    assert len(context.history) == 2
    assert "2★" in context.history[0] and "шов разошёлся" in context.history[0]
    assert "Вопрос о размере" in context.history[1]
    assert not any("Чужой" in line or "Другой" in line for line in context.history)
    assert earlier.pk and other_shop.pk


def test_a_batch_costs_the_same_queries_whatever_its_size(connection, django_assert_max_num_queries):
    items = [factories.InteractionFactory(connection=connection, product_id=str(1000 + n)) for n in range(30)]
    for item in items:
        factories.MessageFactory(interaction=item)
    with django_assert_max_num_queries(7):
        contexts = contexts_for([item.pk for item in items])
    assert len(contexts) == 30


def test_reviews_waiting_for_an_answer_carry_the_shops_recent_answers_in_two_more_queries(
    connection, django_assert_max_num_queries
):
    """What the repeated-answer guard will compare a draft with: the same product's answers first."""
    answered = [
        factories.InteractionFactory(connection=connection, kind="review", product_id=str(2000 + n % 3))
        for n in range(6)
    ]
    for n, item in enumerate(answered):
        factories.PublishedAnswerFactory(interaction=item, text=f"Ответ номер {n} о товаре {item.product_id}")
    items = [
        factories.InteractionFactory(
            connection=connection, kind="review", product_id=str(2000 + n % 3), needs_response=True
        )
        for n in range(30)
    ]
    for item in items:
        factories.MessageFactory(interaction=item)
    with django_assert_max_num_queries(9):
        contexts = contexts_for([item.pk for item in items])
    recent = contexts[0].recent_replies
    assert len(recent) == 6
    assert all(text.endswith(contexts[0].product_id) for text in recent[:2])  # the same product's first
