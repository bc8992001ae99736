"""upsert_records: the one door from sync into the inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from interactions.models import (
    Customer,
    DeliveryState,
    Interaction,
    InteractionEvent,
    Message,
    SLARule,
    SLAState,
    Status,
)
from interactions.records import CustomerRecord, InteractionRecord, MessageRecord
from interactions.services import queue_reply, upsert_records
from tests.factories import ConnectionFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(minutes=10)


def review(
    ext: str, *, rating: int = 5, text: str = "Отличный товар", answered: bool = False, **kw
) -> InteractionRecord:
    messages = [MessageRecord(external_id=ext, direction="in", author="buyer", text=text, created_at=T0)]
    return InteractionRecord(
        kind="review",
        external_id=ext,
        created_at=T0,
        messages=messages + kw.pop("extra", []),
        customer=kw.pop("customer", CustomerRecord(external_id="", name="Анна  Петрова")),
        product_id="123456",
        product_name="Платье летнее",
        rating=rating,
        is_answered=answered,
        **kw,
    )


def chat(ext: str, messages: list[MessageRecord], **kw) -> InteractionRecord:
    return InteractionRecord(
        kind="chat",
        external_id=ext,
        created_at=messages[0].created_at if messages else T0,
        messages=messages,
        customer=kw.pop("customer", CustomerRecord(external_id="client-1", name="Иван")),
        reply_context={"reply_sign": "sign-1"},
        **kw,
    )


def msg(ext: str, text: str, *, minutes: int = 0, out: bool = False) -> MessageRecord:
    return MessageRecord(
        external_id=ext,
        direction="out" if out else "in",
        author="seller" if out else "buyer",
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
    )


@pytest.fixture
def connection():
    return ConnectionFactory()


def test_new_records_create_interactions_messages_customers_and_events(connection):
    result = upsert_records(connection=connection, records=[review("r1", rating=1), review("r2", rating=5)])

    assert result.created == 2 and result.messages_created == 2 and len(result.new_interaction_ids) == 2
    urgent = Interaction.objects.get(external_id="r1")
    assert urgent.status == Status.NEW and urgent.needs_response
    assert urgent.priority == "urgent"
    # Seeded global rule for urgent: deadline one hour after the review was written.
    assert urgent.first_response_due_at == T0 + timedelta(minutes=60)
    assert Interaction.objects.get(external_id="r2").priority == "low"
    assert "Платье" in urgent.search_text and "Отличный" in urgent.search_text
    assert InteractionEvent.objects.filter(kind="created").count() == 2
    # A WB review carries only a name: no customer (a name keys nobody), the name shown on each.
    assert not Customer.objects.exists()
    assert urgent.customer_id is None and urgent.author_name == "Анна Петрова"
    assert "Анна Петрова" in urgent.search_text


def test_same_name_never_merges_two_buyers(connection):
    sergey = CustomerRecord(external_id="", name="Сергей")
    upsert_records(
        connection=connection,
        records=[review("r1", rating=1, customer=sergey), review("r2", rating=5, customer=sergey)],
    )
    upsert_records(
        connection=connection,
        records=[chat("c1", [msg("e1", "Здравствуйте")], customer=CustomerRecord(external_id="", name="Сергей"))],
    )

    assert not Customer.objects.exists()
    rows = Interaction.objects.order_by("external_id").values_list("external_id", "customer_id", "author_name")
    assert list(rows) == [("c1", None, "Сергей"), ("r1", None, "Сергей"), ("r2", None, "Сергей")]


def test_stable_buyer_id_keys_one_customer_across_chats(connection):
    upsert_records(
        connection=connection,
        records=[
            chat("c1", [msg("e1", "Есть M?")], customer=CustomerRecord(external_id="186132", name="Алёна")),
            chat("c2", [msg("e2", "А L?", minutes=3)], customer=CustomerRecord(external_id="186132", name="Алёнка")),
            chat("c3", [msg("e3", "Привет")], customer=CustomerRecord(external_id="777", name="Алёна")),
        ],
    )

    alena, other = Customer.objects.get(external_id="186132"), Customer.objects.get(external_id="777")
    assert alena.chats_count == 2 and alena.name == "Алёна" and other.chats_count == 1
    rows = Interaction.objects.order_by("external_id").values_list("customer_id", "author_name")
    assert list(rows) == [(alena.pk, "Алёна"), (alena.pk, "Алёнка"), (other.pk, "Алёна")]


def test_renamed_buyer_shows_the_latest_name(connection):
    upsert_records(connection=connection, records=[review("r1", customer=CustomerRecord(external_id="", name="Коля"))])
    again = upsert_records(
        connection=connection, records=[review("r1", customer=CustomerRecord(external_id="", name="Николай"))]
    )

    interaction = Interaction.objects.get()
    assert again.updated == 1 and interaction.author_name == "Николай" and "Николай" in interaction.search_text


def test_running_twice_changes_nothing(connection):
    records = [review("r1"), chat("c1", [msg("e1", "Здравствуйте"), msg("e2", "Ответ", minutes=1, out=True)])]
    upsert_records(connection=connection, records=records)
    counts = (Interaction.objects.count(), Message.objects.count(), InteractionEvent.objects.count())
    snapshot = list(Interaction.objects.order_by("id").values())

    again = upsert_records(connection=connection, records=records)

    assert (again.created, again.updated, again.messages_created) == (0, 0, 0)
    assert (Interaction.objects.count(), Message.objects.count(), InteractionEvent.objects.count()) == counts
    assert list(Interaction.objects.order_by("id").values()) == snapshot
    assert Customer.objects.get(external_id="client-1").chats_count == 1


def test_page_costs_constant_queries(connection, django_assert_max_num_queries):
    upsert_records(connection=connection, records=[review(f"warm{i}") for i in range(3)])
    small = [review(f"a{i}") for i in range(5)] + [review("warm0", extra=[msg("warm0-2", "ещё", minutes=2)])]
    big = [review(f"b{i}") for i in range(300)] + [
        review(f"warm{i}", extra=[msg(f"warm{i}-3", "ещё", minutes=3)]) for i in range(3)
    ]
    with django_assert_max_num_queries(12) as small_ctx:
        upsert_records(connection=connection, records=small)
    with django_assert_max_num_queries(30) as big_ctx:
        upsert_records(connection=connection, records=big)

    def statements(ctx):
        # SQLite splits a big INSERT into several by its parameter limit; PostgreSQL sends one.
        return [q["sql"].split(" ")[0] for q in ctx.captured_queries if not q["sql"].startswith("INSERT")]

    assert statements(big_ctx) == statements(small_ctx)
    assert Interaction.objects.count() == 3 + 5 + 300


def test_answered_items_are_history(connection):
    upsert_records(
        connection=connection,
        records=[
            review("r1", answered=True),
            review("r2", extra=[msg("r2:answer", "Спасибо!", minutes=5, out=True)]),
            chat("c1", [msg("e1", "Есть размер M?"), msg("e2", "Да, есть", minutes=1, out=True)]),
        ],
    )
    r1, r2, c1 = (Interaction.objects.get(external_id=e) for e in ("r1", "r2", "c1"))
    assert not r1.needs_response and r1.status == Status.CLOSED
    assert r1.first_response_due_at is None  # answered at an unknown time: outside the SLA figures
    assert not r2.needs_response and r2.first_responded_at == T0 + timedelta(minutes=5)
    assert not c1.needs_response and c1.status == Status.WAITING
    assert c1.first_responded_at == T0 + timedelta(minutes=1)
    assert Message.objects.get(external_id="e2").author_user is None


def test_new_buyer_message_reopens_closed_interaction_with_fresh_deadline(connection):
    upsert_records(
        connection=connection, records=[chat("c1", [msg("e1", "Привет"), msg("e2", "Да", minutes=1, out=True)])]
    )
    interaction = Interaction.objects.get()
    Interaction.objects.filter(pk=interaction.pk).update(status=Status.CLOSED, closed_at=timezone.now())

    result = upsert_records(
        connection=connection,
        records=[
            chat("c1", [msg("e1", "Привет"), msg("e2", "Да", minutes=1, out=True), msg("e3", "А ещё?", minutes=5)])
        ],
    )

    interaction.refresh_from_db()
    assert result.reopened_ids == [interaction.pk] and result.messages_created == 1
    assert interaction.status == Status.OPEN and interaction.needs_response and interaction.closed_at is None
    # High tier (chats): two hours from the new buyer message.
    assert interaction.first_response_due_at == T0 + timedelta(minutes=5 + 120)
    assert interaction.last_buyer_message_at == T0 + timedelta(minutes=5)
    assert "А ещё" in interaction.search_text
    kinds = list(InteractionEvent.objects.filter(interaction=interaction).values_list("kind", flat=True))
    assert kinds.count("buyer_message") == 1 and kinds.count("reopened") == 1


def test_first_import_of_a_chat_the_buyer_wrote_again_in_counts_from_that_message(connection):
    # A chat seen for the first time already holds our reply (from days ago) and a newer buyer message:
    # the deadline runs from the buyer's new message, as it would had we seen the chat before.
    started = timezone.now().replace(microsecond=0) - timedelta(days=2)
    messages = [
        MessageRecord(external_id="e1", direction="in", author="buyer", text="Когда отправите?", created_at=started),
        MessageRecord(
            external_id="e2", direction="out", author="seller", text="Завтра", created_at=started + timedelta(hours=1)
        ),
        MessageRecord(
            external_id="e3", direction="in", author="buyer", text="А сроки?", created_at=T0 + timedelta(minutes=2)
        ),
        MessageRecord(
            external_id="e4", direction="in", author="buyer", text="Жду", created_at=T0 + timedelta(minutes=4)
        ),
    ]

    upsert_records(connection=connection, records=[chat("c1", messages)])

    interaction = Interaction.objects.get()
    assert interaction.needs_response
    assert interaction.first_responded_at == started + timedelta(hours=1)
    assert interaction.first_response_due_at == T0 + timedelta(minutes=2 + 120)
    assert interaction.sla_state == SLAState.OK


def test_our_reply_read_back_by_sync_is_matched_not_duplicated(connection):
    upsert_records(connection=connection, records=[chat("c1", [msg("e1", "Когда доставка?")])])
    interaction = Interaction.objects.get()
    user = UserFactory(seller=connection.seller)
    ours = queue_reply(interaction=interaction, user=user, text="Здравствуйте!  Завтра\nпривезут.")

    upsert_records(
        connection=connection,
        records=[
            chat("c1", [msg("e1", "Когда доставка?"), msg("e9", "Здравствуйте! Завтра привезут.", minutes=1, out=True)])
        ],
    )

    ours.refresh_from_db()
    assert ours.external_id == "e9" and ours.delivery_state == DeliveryState.SENT
    assert Message.objects.filter(interaction=interaction, direction="out").count() == 1
    assert InteractionEvent.objects.filter(interaction=interaction, kind="seller_message").count() == 0


def test_answer_from_marketplace_cabinet_counts_as_first_response(connection):
    upsert_records(connection=connection, records=[review("r1", rating=2)])
    upsert_records(
        connection=connection,
        records=[review("r1", rating=2, extra=[msg("r1:answer", "Нам жаль", minutes=30, out=True)])],
    )
    interaction = Interaction.objects.get()
    assert interaction.first_responded_at == T0 + timedelta(minutes=30)
    assert not interaction.needs_response and interaction.status == Status.CLOSED
    assert InteractionEvent.objects.filter(kind="seller_message").count() == 1


def test_is_answered_without_message_clears_needs_response(connection):
    upsert_records(connection=connection, records=[review("r1")])
    upsert_records(connection=connection, records=[review("r1", answered=True)])
    assert not Interaction.objects.get().needs_response


def test_nested_in_callers_transaction_rolls_back_together(connection):
    with pytest.raises(RuntimeError), transaction.atomic():
        upsert_records(connection=connection, records=[review("r1")])
        raise RuntimeError("cursor save failed")
    assert not Interaction.objects.exists()


def test_seller_specific_rule_wins_over_global(connection):
    SLARule.objects.create(name="Свой", seller=connection.seller, kind="review", target_minutes=5, deadline_minutes=15)
    upsert_records(connection=connection, records=[review("r1", rating=1)])
    interaction = Interaction.objects.get()
    assert interaction.first_response_due_at == T0 + timedelta(minutes=15)
    assert interaction.sla_state == SLAState.DUE_SOON  # written 10 minutes ago: past target, before deadline


def test_duplicate_records_in_one_page_are_merged(connection):
    result = upsert_records(connection=connection, records=[review("r1"), review("r1")])
    assert result.created == 1 and Message.objects.count() == 1


def test_repeated_message_inside_one_record_is_stored_once(connection):
    record = chat("c1", [msg("e1", "Привет"), msg("e1", "Привет")])
    result = upsert_records(connection=connection, records=[record])
    assert result.messages_created == 1
