"""The detail's one-statement reader (PostgreSQL) returns exactly what the ORM reader returns, section by section.

The API tests run the ORM reader on SQLite and the statement on PostgreSQL; here both run on PostgreSQL
against the same rows, including the corners: limits, a superseded answer, JSON numbers, decimals,
timestamps with and without microseconds, product ids that are no nmId, other buyer ids, decisions.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from agentiq.renderers import JSONRenderer
from integrations.models import ProductCard
from interactions.api.serializers import detail_output
from interactions.models import InteractionLink
from interactions.selectors import detail, detail_sql
from tests.factories import (
    ConnectionFactory,
    CustomerFactory,
    InteractionEventFactory,
    InteractionFactory,
    MessageFactory,
    OutgoingMessageFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(db.vendor != "postgresql", reason="the one-statement reader is PostgreSQL's"),
]

NOW = timezone.now().replace(microsecond=120000)  # PostgreSQL's JSON drops trailing zeros: .12


def both(seller_id: int, interaction_id: int) -> tuple[detail.DetailParts | None, detail.DetailParts | None]:
    return (
        detail.read_parts(seller_id=seller_id, interaction_id=interaction_id),
        detail_sql.read_parts(seller_id=seller_id, interaction_id=interaction_id),
    )


def assert_same(seller_id: int, interaction_id: int) -> detail.DetailParts:
    orm, sql = both(seller_id, interaction_id)
    assert sql is not None
    for section in ("row", "messages", "events", "other_interactions", "product_card", "decisions", "candidates"):
        assert getattr(sql, section) == getattr(orm, section), section
    # Same values of the same types: the same bytes on the wire.
    render = JSONRenderer().render
    assert render(detail_output(detail.assemble(copy.deepcopy(sql)))) == render(detail_output(detail.assemble(orm)))
    return sql


def item(connection, *, days_ago: float = 0, text: str = "", **kw):
    created = NOW - timedelta(days=days_ago)
    kw.setdefault("product_id", "555")
    kw.setdefault("product_name", "Платье летнее")
    row = InteractionFactory(
        connection=connection, created_at=created, last_buyer_message_at=created, last_message_at=created, **kw
    )
    if text:
        MessageFactory(interaction=row, text=text, created_at=created)
    return row


@pytest.fixture
def wb(seller):
    return ConnectionFactory(seller=seller, marketplace="wb")


def test_a_full_story_reads_the_same(wb, owner, agent):
    buyer = CustomerFactory(
        seller=wb.seller,
        marketplace="wb",
        name="Ольга",
        average_rating=Decimal("4.50"),
        tags=["vip", "опт"],
        first_seen_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )
    story = item(wb, customer=buyer, assigned_to=agent, rating=2, product_id="0123", ai_summary="Брак", text="Шов")
    OutgoingMessageFactory(interaction=story, author_user=owner, text="Оформите возврат", attempts=1)
    old = OutgoingMessageFactory(interaction=story, author_user=owner, text="Старый ответ")
    old.superseded_at = timezone.now()
    old.save()
    MessageFactory(interaction=story, attachments=[{"url": "https://x/1.jpg", "size": 12345678901234567890123}])
    InteractionEventFactory(interaction=story, kind="assigned", actor=owner, data={"to": agent.id, "f": 0.1})
    InteractionEventFactory(interaction=story, kind="created", data={}, created_at=NOW.replace(microsecond=0))
    for days in range(12):
        item(wb, customer=buyer, days_ago=days + 1, kind="chat", product_id="")
    ProductCard.objects.create(nm_id=123, name="Платье", price_history=[{"dt": 1, "price": 1000.5}], card={"a": 1})

    parts = assert_same(wb.seller_id, story.pk)

    assert len(parts.messages) == 3 and parts.messages[0]["author_user"] is None
    assert parts.messages[1]["author_user"]["id"] == owner.pk
    assert [event["actor"] and event["actor"]["id"] for event in parts.events] == [None, owner.pk]  # oldest first
    assert len(parts.other_interactions) == detail.SUMMARY_OTHER_LIMIT
    assert parts.row["customer__average_rating"] == Decimal("4.50")
    assert parts.product_card["nm_id"] == 123  # "0123" is nmId 123
    assert parts.messages[2]["attachments"][0]["size"] == 12345678901234567890123  # not a float


def test_events_are_the_latest_200_in_both(wb):
    story = item(wb)
    start = NOW - timedelta(days=1)
    for n in range(205):
        InteractionEventFactory(interaction=story, kind="read", created_at=start + timedelta(minutes=n // 2))
    parts = assert_same(wb.seller_id, story.pk)
    assert len(parts.events) == detail.DETAIL_EVENTS_LIMIT


@pytest.mark.parametrize("product_id", ["", "OZ-SKU-1", "１２３", "²", "1234567890123456789", "123\n"])
def test_no_card_for_what_is_no_nm_id(wb, product_id):
    ProductCard.objects.create(nm_id=123, name="Платье")
    story = item(wb, customer=None, product_id=product_id)
    assert assert_same(wb.seller_id, story.pk).product_card is None


def test_a_missing_card_or_one_of_another_marketplace_is_none(wb):
    ProductCard.objects.create(nm_id=555, name="Нет", is_missing=True)
    ProductCard.objects.create(nm_id=777, marketplace="ozon", name="Ozon")
    assert assert_same(wb.seller_id, item(wb, product_id="555").pk).product_card is None
    assert assert_same(wb.seller_id, item(wb, product_id="777").pk).product_card is None


def test_links_read_the_same_candidates_and_decisions(wb):
    buyer = CustomerFactory(seller=wb.seller, marketplace="wb", external_id="186132", name="Сергей")
    chat = item(wb, kind="chat", author_name="Серёжа", customer=buyer, text="Платье маломерит?")
    item(wb, kind="chat", author_name="Сергей", customer=buyer, product_id="900", days_ago=2)  # same buyer
    review = item(wb, kind="review", author_name="Сергей", days_ago=3, text="Платье маломерит, рукава")
    confirmed = item(wb, kind="question", author_name="Ольга", days_ago=10, text="Есть размер?")
    rejected = item(wb, kind="review", author_name="Сергей", days_ago=1, text="маломерит")
    someone = CustomerFactory(seller=wb.seller, marketplace="wb", external_id="other")
    item(wb, kind="chat", author_name="Сергей", customer=someone, text="маломерит")  # another buyer id
    item(wb, kind="review", author_name="Сергей", days_ago=50, text="маломерит")  # out of the window
    item(wb, kind="review", author_name="Сергей", product_id="777", text="маломерит")  # another product
    foreign = ConnectionFactory(marketplace="wb")
    item(foreign, kind="review", author_name="Сергей", text="маломерит")  # another shop
    InteractionLink.objects.create(seller=wb.seller, a=chat, b=confirmed, decision="confirmed")
    InteractionLink.objects.create(seller=wb.seller, a=chat, b=rejected, decision="rejected")

    parts = assert_same(wb.seller_id, chat.pk)
    assert {row["id"] for row in parts.candidates} >= {chat.pk, review.pk, confirmed.pk, rejected.pk}
    assert set(parts.decisions) == {confirmed.pk, rejected.pk}

    # Seen from an item without a buyer id (a WB review): every item about the product is a candidate.
    parts = assert_same(wb.seller_id, review.pk)
    assert len(parts.candidates) == 5  # itself, the chat, the decided two, the other buyer id's chat


def test_a_limited_candidate_list_is_the_same_list(wb, monkeypatch):
    monkeypatch.setattr(detail.links, "CANDIDATES_LIMIT", 3)
    story = item(wb, author_name="Анна", text="маломерит")
    for n in range(6):
        item(wb, author_name="Анна", days_ago=n / 3, text="маломерит")
    assert len(assert_same(wb.seller_id, story.pk).candidates) == 3


def test_nothing_to_link_and_another_shops_item(wb, other_owner):
    lonely = item(wb, customer=None, product_id="")
    parts = assert_same(wb.seller_id, lonely.pk)
    assert parts.candidates == [] and parts.decisions == {}
    assert both(other_owner.seller_id, lonely.pk) == (None, None)


@pytest.mark.django_db(transaction=True)
def test_a_statement_deallocated_behind_our_back_is_prepared_again(wb):
    story = item(wb, text="маломерит")
    assert detail_sql.read_parts(seller_id=wb.seller_id, interaction_id=story.pk) is not None
    with db.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    # Outside a transaction the same call prepares it again; inside one the error has aborted it, so it
    # raises, and the next call prepares it.
    assert detail_sql.read_parts(seller_id=wb.seller_id, interaction_id=story.pk) is not None
    with db.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(Exception, match="does not exist"), transaction.atomic():
        detail_sql.read_parts(seller_id=wb.seller_id, interaction_id=story.pk)
    assert detail_sql.read_parts(seller_id=wb.seller_id, interaction_id=story.pk) is not None
