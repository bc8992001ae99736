"""The analysis pipeline with the offline analyzer: what the sync imports gets intent, sentiment and
priority by itself, once per content, and again when the buyer writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ai import services
from ai.context import contexts_for
from ai.tasks import analyze_pending_chats
from interactions.models import Interaction, InteractionEvent
from interactions.records import CustomerRecord, InteractionRecord, MessageRecord
from interactions.services import upsert_records
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def review(ext: str, text: str, rating: int, *, at=None) -> InteractionRecord:
    at = at or NOW - timedelta(minutes=5)
    return InteractionRecord(
        kind="review",
        external_id=ext,
        created_at=at,
        messages=[MessageRecord(external_id=ext, direction="in", author="buyer", text=text, created_at=at)],
        customer=CustomerRecord(external_id="", name="Анна"),
        product_id="1",
        product_name="Платье",
        rating=rating,
    )


def chat(ext: str, messages: list[tuple[str, str]]) -> InteractionRecord:
    start = NOW - timedelta(minutes=30)
    return InteractionRecord(
        kind="chat",
        external_id=ext,
        created_at=start,
        messages=[
            MessageRecord(
                external_id=f"{ext}-{n}",
                direction=direction,
                author="buyer" if direction == "in" else "seller",
                text=text,
                created_at=start + timedelta(minutes=n),
            )
            for n, (direction, text) in enumerate(messages)
        ],
        customer=CustomerRecord(external_id="client-1", name="Иван"),
        reply_context={"reply_sign": "s"},
    )


@pytest.fixture
def connection():
    return ConnectionFactory(marketplace="wb")


def test_the_sweep_analyzes_what_arrived_and_moves_the_deadline(connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        upsert_records(
            connection=connection,
            records=[
                review("r1", "Порвалось по шву после первой стирки, брак!", 2),
                review("r2", "Всё отлично, спасибо!", 5),
            ],
        )
    assert len(queued) == 1  # the sync queues its new interactions for analysis on commit
    assert analyze_pending_chats() == 2
    broken = Interaction.objects.get(external_id="r1")
    thanks = Interaction.objects.get(external_id="r2")
    assert (broken.intent, broken.sentiment, broken.priority) == ("defect_quality", "negative", "urgent")
    assert (thanks.intent, thanks.sentiment, thanks.priority) == ("gratitude", "positive", "low")
    assert broken.ai_source == "offline" and broken.ai_summary and 0 < broken.ai_confidence <= 1
    assert broken.sla_rule.priority == "urgent"
    # Nothing new: a second sweep analyzes nothing.
    assert analyze_pending_chats() == 0
    assert InteractionEvent.objects.filter(kind="ai_analyzed").count() == 2


def test_a_buyer_writing_again_is_analyzed_again_from_what_is_new(connection):
    upsert_records(connection=connection, records=[chat("c1", [("in", "Здравствуйте, есть размер M?")])])
    assert services.analyze_pending().analyzed == 1
    item = Interaction.objects.get()
    assert item.intent in ("product_question", "size_fit")
    messages = [
        ("in", "Здравствуйте, есть размер M?"),
        ("out", "Да, есть!"),
        ("in", "Заказ пришёл не тот цвет, верните деньги"),
    ]
    upsert_records(connection=connection, records=[chat("c1", messages)])
    [context] = contexts_for([item.pk])
    assert context.text == "Заказ пришёл не тот цвет, верните деньги"
    assert services.analyze_pending().analyzed == 1
    item.refresh_from_db()
    assert item.intent in ("complaint", "return_refund")
    assert InteractionEvent.objects.filter(interaction=item, kind="ai_analyzed").count() == 2


def test_analyzing_twice_at_once_writes_once(connection):
    upsert_records(connection=connection, records=[review("r1", "Курьер опоздал на три дня", 3)])
    ids = services.pending_ids()
    assert services.analyze_interactions(ids) == 1
    assert services.analyze_interactions(ids) == 0
    assert InteractionEvent.objects.filter(kind="ai_analyzed").count() == 1
