"""The inbox side of answer states: what `upsert_records` makes of a record's answers (states, absence, edits,
idempotence), and the detail showing each reply's marketplace state the same from both readers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interactions.models import AnswerState, InteractionEvent, Kind, Status
from interactions.records import ALL_ANSWERS, InteractionRecord, MessageRecord
from interactions.selectors import answers_watched, detail
from interactions.services import upsert_records
from interactions.services.answers import answer_rejected_text, answers_mark_unpublished
from notifications.models import Notification
from tests.factories import (
    InteractionFactory,
    MessageFactory,
    OzonConnectionFactory,
    PublishedAnswerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Event = InteractionEvent.Kind


def review_record(interaction, *answers: MessageRecord, **fields) -> InteractionRecord:
    buyer = MessageRecord(
        external_id=interaction.external_id, direction="in", author="buyer", text="Отличный товар", created_at=NOW
    )
    return InteractionRecord(
        kind=interaction.kind,
        external_id=interaction.external_id,
        created_at=NOW,
        messages=[buyer, *answers],
        is_answered=bool(answers),
        **fields,
    )


def seen(message, *, state: str = "published", text: str | None = None, **kw) -> MessageRecord:
    return MessageRecord(
        external_id=message.external_id,
        direction="out",
        author="seller",
        text=message.text if text is None else text,
        created_at=NOW,
        answer_state=state,
        **kw,
    )


NOW = timezone.now() - timedelta(hours=1)


@pytest.fixture
def ozon_review(owner):
    connection = OzonConnectionFactory(seller=owner.seller)
    interaction = InteractionFactory(
        connection=connection, kind=Kind.REVIEW, status=Status.CLOSED, needs_response=False, product_name="Платье"
    )
    MessageFactory(interaction=interaction, external_id=interaction.external_id, created_at=NOW)
    return interaction


def test_a_sent_answer_moves_through_moderation_once(ozon_review, owner):
    answer = PublishedAnswerFactory(
        interaction=ozon_review, author_user=owner, marketplace_state=AnswerState.SENT, external_id="c-1"
    )
    assert [a.message_id for a in answers_watched(connection_id=ozon_review.connection_id)] == [answer.pk]
    unlisted = review_record(ozon_review, answers_checked=ALL_ANSWERS, unlisted_answer_state="in_moderation")

    upsert_records(connection=ozon_review.connection, records=[unlisted])
    upsert_records(connection=ozon_review.connection, records=[unlisted])

    answer.refresh_from_db()
    assert answer.marketplace_state == AnswerState.IN_MODERATION
    assert ozon_review.events.filter(kind=Event.ANSWER_IN_MODERATION).count() == 1

    result = upsert_records(
        connection=ozon_review.connection,
        records=[review_record(ozon_review, seen(answer), answers_checked=ALL_ANSWERS)],
    )
    answer.refresh_from_db()
    assert answer.marketplace_state == AnswerState.PUBLISHED
    assert result.answer_states == [(answer.pk, AnswerState.PUBLISHED)]
    assert answers_watched(connection_id=ozon_review.connection_id) == []


def test_a_published_answer_missing_from_a_complete_list_is_deleted(ozon_review, owner):
    answer = PublishedAnswerFactory(interaction=ozon_review, author_user=owner, external_id="c-2")
    upsert_records(
        connection=ozon_review.connection,
        records=[review_record(ozon_review, answers_checked=ALL_ANSWERS, unlisted_answer_state="in_moderation")],
    )
    answer.refresh_from_db()
    assert answer.marketplace_state == AnswerState.DELETED and answer.external_id is None
    event = ozon_review.events.get(kind=Event.ANSWER_DELETED)
    assert event.data["external_id"] == "c-2" and event.data["from"] == "published"


def test_a_record_that_vouches_for_nothing_deletes_nothing(ozon_review, owner):
    answer = PublishedAnswerFactory(interaction=ozon_review, author_user=owner, external_id="c-3")
    upsert_records(connection=ozon_review.connection, records=[review_record(ozon_review)])
    answer.refresh_from_db()
    assert answer.marketplace_state == AnswerState.PUBLISHED


def test_an_answer_from_before_states_learns_its_state_quietly(ozon_review):
    answer = PublishedAnswerFactory(interaction=ozon_review, marketplace_state="", marketplace_state_at=None)
    upsert_records(
        connection=ozon_review.connection,
        records=[review_record(ozon_review, seen(answer), answers_checked=ALL_ANSWERS)],
    )
    answer.refresh_from_db()
    assert answer.marketplace_state == AnswerState.PUBLISHED
    assert not ozon_review.events.filter(kind=Event.ANSWER_PUBLISHED).exists()


def test_states_for_a_page_cost_a_fixed_number_of_queries(ozon_review, owner):
    answers = [
        PublishedAnswerFactory(interaction=ozon_review, author_user=owner, marketplace_state="in_moderation")
        for _ in range(3)
    ]
    record = review_record(ozon_review, *(seen(a, state="published") for a in answers), answers_checked=ALL_ANSWERS)
    with CaptureQueriesContext(db) as few:
        upsert_records(connection=ozon_review.connection, records=[record])
    assert all(a.marketplace_state == "published" for a in [type(a).objects.get(pk=a.pk) for a in answers])
    assert len(few) <= 14


def test_unpublished_answers_are_rejected_with_a_fresh_wait_and_a_notice(ozon_review, owner):
    agent = UserFactory(seller=owner.seller, role="agent")
    ozon_review.assigned_to = agent
    ozon_review.save(update_fields=["assigned_to"])
    waiting = PublishedAnswerFactory(interaction=ozon_review, author_user=owner, marketplace_state="in_moderation")
    published = PublishedAnswerFactory(interaction=ozon_review, author_user=owner)

    moved = answers_mark_unpublished(message_ids=[waiting.pk, published.pk], reason="Не опубликован за 240 ч.")

    assert moved == [waiting.pk]
    ozon_review.refresh_from_db()
    assert ozon_review.status == Status.OPEN and ozon_review.needs_response
    assert ozon_review.sla_started_at is not None
    notice = Notification.objects.get(kind=Notification.Kind.ANSWER_REJECTED)
    assert notice.recipient == agent
    assert notice.text == answer_rejected_text(interaction=ozon_review, reason="Не опубликован за 240 ч.")
    assert notice.text.startswith("Ваш ответ на отзыв о товаре «Платье» (Ozon) отклонён маркетплейсом.")
    assert answers_mark_unpublished(message_ids=[waiting.pk], reason="x") == []


def test_the_detail_shows_each_reply_state(ozon_review, owner):
    answer = PublishedAnswerFactory(
        interaction=ozon_review,
        author_user=owner,
        marketplace_state="rejected",
        marketplace_reason="Ответ содержит ссылку.",
        marketplace_editable=False,
    )
    parts = detail.read_parts(seller_id=owner.seller_id, interaction_id=ozon_review.pk)
    row = next(m for m in parts.messages if m["id"] == answer.pk)
    assert (row["marketplace_state"], row["marketplace_reason"], row["marketplace_editable"]) == (
        "rejected",
        "Ответ содержит ссылку.",
        False,
    )
    if db.vendor == "postgresql":
        from interactions.selectors import detail_sql

        sql = detail_sql.read_parts(seller_id=owner.seller_id, interaction_id=ozon_review.pk)
        assert sql.messages == parts.messages
