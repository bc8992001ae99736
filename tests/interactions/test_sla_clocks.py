"""Clocks through the real writers: sync (upsert), replies, close; the pause; the measurements; recompute."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interactions.models import Interaction, ResponseCycle, SLARule
from interactions.records import CustomerRecord, InteractionRecord, MessageRecord
from interactions.services import close, queue_reply, set_priority, upsert_records
from interactions.services.recompute import recompute_sla
from tests.factories import ConnectionFactory, SLARuleFactory, UserFactory, WorkingCalendarFactory

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
NOW = timezone.now().replace(microsecond=0)


def message(ext: str, text: str, at: datetime, *, out: bool = False, author: str = "") -> MessageRecord:
    return MessageRecord(
        external_id=ext,
        direction="out" if out else "in",
        author=author or ("seller" if out else "buyer"),
        text=text,
        created_at=at,
    )


def chat(ext: str, messages: list[MessageRecord], **kw) -> InteractionRecord:
    return InteractionRecord(
        kind="chat",
        external_id=ext,
        created_at=messages[0].created_at,
        messages=messages,
        customer=CustomerRecord(external_id="client-1", name="Иван"),
        reply_context=kw.pop("reply_context", {"reply_sign": "sign-1"}),
        **kw,
    )


def question(ext: str, at: datetime) -> InteractionRecord:
    return InteractionRecord(
        kind="question",
        external_id=ext,
        created_at=at,
        messages=[message(ext, "Какой размер на рост 170?", at)],
        customer=CustomerRecord(external_id="", name="Ольга"),
        product_id="1",
        product_name="Платье",
    )


@pytest.fixture
def connection():
    return ConnectionFactory(marketplace="wb", seller__timezone="Europe/Moscow")


def test_a_question_on_friday_night_is_due_in_working_time(connection):
    WorkingCalendarFactory(seller=connection.seller)
    SLARuleFactory(seller=connection.seller, kind="question", target_minutes=240, deadline_minutes=480)
    friday_night = datetime(2026, 11, 27, 23, 0, tzinfo=MSK)
    upsert_records(connection=connection, records=[question("q1", friday_night)])
    item = Interaction.objects.get()
    assert item.first_response_due_at == datetime(2026, 11, 30, 17, 0, tzinfo=MSK)
    assert item.sla_due_soon_at == datetime(2026, 11, 30, 13, 0, tzinfo=MSK)
    assert item.sla_started_at == friday_night
    assert item.sla_rule.seller_id == connection.seller_id


def test_a_round_the_clock_rule_ignores_the_calendar(connection):
    WorkingCalendarFactory(seller=connection.seller)
    SLARuleFactory(seller=connection.seller, kind="question", deadline_minutes=30, follows_calendar=False)
    friday_night = datetime(2026, 11, 27, 23, 0, tzinfo=MSK)
    upsert_records(connection=connection, records=[question("q1", friday_night)])
    assert Interaction.objects.get().first_response_due_at == friday_night + timedelta(minutes=30)


def test_a_pre_purchase_wb_chat_gets_the_minutes_tier(connection):
    start = NOW - timedelta(minutes=1)
    card = {"reply_sign": "s", "good_card": {"nmID": 5, "statusID": 0}}
    upsert_records(
        connection=connection, records=[chat("c1", [message("e1", "Есть в наличии?", start)], reply_context=card)]
    )
    item = Interaction.objects.get()
    assert item.sla_rule.chat_phase == "pre_purchase"
    assert item.first_response_due_at == start + timedelta(minutes=10)


def test_an_answer_ends_the_wait_as_a_measurement_and_the_buyer_starts_a_new_one(connection):
    start = NOW - timedelta(hours=3)
    first = [message("e1", "Где мой заказ?", start)]
    upsert_records(connection=connection, records=[chat("c1", first)])
    item = Interaction.objects.get()
    owner = UserFactory(seller=connection.seller, role="owner")
    queue_reply(interaction=item, user=owner, text="Заказ уже в пути, приедет завтра.")
    cycle = ResponseCycle.objects.get()
    assert cycle.outcome == "responded" and cycle.responder == owner and not cycle.is_auto_reply
    # Round the clock (no calendar): the wait's seconds are the wall-clock ones.
    assert cycle.started_at == start and cycle.response_seconds == int((cycle.ended_at - start).total_seconds())
    assert cycle.response_seconds >= 3 * 3600
    assert cycle.met_deadline is False  # a new chat's tier: 2 h

    again = NOW - timedelta(minutes=5)
    upsert_records(connection=connection, records=[chat("c1", [*first, message("e2", "А точно завтра?", again)])])
    item.refresh_from_db()
    assert item.needs_response and item.sla_state == "ok" and item.sla_started_at == again
    assert item.first_response_due_at == again + timedelta(hours=2)
    # The answer from the marketplace's cabinet ends the second wait.
    answered = NOW - timedelta(minutes=1)
    records = [chat("c1", [*first, message("e2", "А точно завтра?", again), message("s1", "Да!", answered, out=True)])]
    upsert_records(connection=connection, records=records)
    second = ResponseCycle.objects.order_by("id").last()
    assert ResponseCycle.objects.count() == 2
    assert second.started_at == again and second.ended_at == answered and second.responder is None
    assert second.met_target is True and second.met_deadline is True


def test_an_auto_reply_is_a_response_told_apart(connection):
    start = NOW - timedelta(minutes=30)
    upsert_records(connection=connection, records=[chat("c1", [message("e1", "Здравствуйте", start)])])
    records = [
        chat(
            "c1",
            [
                message("e1", "Здравствуйте", start),
                message(
                    "a1",
                    "Спасибо за обращение! Ответим в течение часа.",
                    start + timedelta(minutes=1),
                    out=True,
                    author="auto_reply",
                ),
            ],
        )
    ]
    upsert_records(connection=connection, records=records)
    assert ResponseCycle.objects.get().is_auto_reply


def test_a_question_to_the_buyer_pauses_the_clock_until_they_answer(connection):
    start = NOW - timedelta(minutes=20)
    upsert_records(connection=connection, records=[chat("c1", [message("e1", "Не подошёл размер", start)])])
    item = Interaction.objects.get()
    owner = UserFactory(seller=connection.seller, role="owner")
    queue_reply(interaction=item, user=owner, text="Подскажите, пожалуйста, какой размер вы заказали?")
    item.refresh_from_db()
    assert item.status == "waiting" and item.sla_state == "paused" and item.sla_next_escalation_at is None
    # The sweep leaves a paused chat alone, however long the buyer takes.
    from interactions.services.escalation import check_sla_escalation

    check_sla_escalation(now=NOW + timedelta(days=3))
    item.refresh_from_db()
    assert item.sla_state == "paused"
    later = NOW - timedelta(minutes=2)
    records = [chat("c1", [message("e1", "Не подошёл размер", start), message("e2", "Размер M", later)])]
    upsert_records(connection=connection, records=records)
    item.refresh_from_db()
    assert item.sla_state == "ok" and item.needs_response and item.sla_started_at == later


def test_a_plain_answer_is_not_a_pause(connection):
    start = NOW - timedelta(minutes=20)
    upsert_records(connection=connection, records=[chat("c1", [message("e1", "Спасибо!", start)])])
    item = Interaction.objects.get()
    queue_reply(interaction=item, user=UserFactory(seller=connection.seller), text="Рады помочь! Хорошего дня.")
    item.refresh_from_db()
    assert item.sla_state == "ok"


def test_closing_without_an_answer_is_recorded_apart(connection):
    upsert_records(connection=connection, records=[chat("c1", [message("e1", "Спам", NOW - timedelta(minutes=3))])])
    close(interaction=Interaction.objects.get())
    cycle = ResponseCycle.objects.get()
    assert cycle.outcome == "closed" and cycle.met_deadline is None and cycle.response_seconds is None


def test_an_item_that_arrives_answered_counts_in_the_reports(connection):
    asked = NOW - timedelta(days=2)
    record = chat(
        "c1", [message("e1", "Есть синий?", asked), message("s1", "Есть!", asked + timedelta(minutes=7), out=True)]
    )
    upsert_records(connection=connection, records=[record])
    cycle = ResponseCycle.objects.get()
    assert cycle.started_at == asked and cycle.response_seconds == 7 * 60 and cycle.met_deadline is True
    item = Interaction.objects.get()
    assert item.sla_state == "ok" and not item.needs_response and item.sla_next_escalation_at is None


def test_recompute_moves_running_waits_after_a_rule_change_in_constant_queries(connection, capsys):
    start = NOW - timedelta(minutes=10)
    upsert_records(connection=connection, records=[question(f"q{n}", start) for n in range(30)])
    assert {i.first_response_due_at for i in Interaction.objects.all()} == {start + timedelta(minutes=30)}
    rule = SLARuleFactory(seller=connection.seller, kind="question", target_minutes=60, deadline_minutes=240)
    # Rules saved by the shop queue a recompute; here it runs in the foreground.
    with CaptureQueriesContext(db) as small:
        recompute_sla(chunk=1000)
    assert {i.first_response_due_at for i in Interaction.objects.all()} == {start + timedelta(minutes=240)}
    assert set(Interaction.objects.values_list("sla_rule", flat=True)) == {rule.pk}
    upsert_records(connection=connection, records=[question(f"x{n}", start) for n in range(120)])
    SLARule.objects.filter(pk=rule.pk).update(deadline_minutes=300)
    with CaptureQueriesContext(db) as large:
        result = recompute_sla(chunk=1000)
    assert result.changed == 150
    assert len(large.captured_queries) <= len(small.captured_queries) + 2
    call_command("recompute_sla", verbosity=0)
    assert "150 running waits checked, 0 moved" in capsys.readouterr().out


def test_a_priority_change_repicks_and_keeps_the_start_and_steps(connection):
    start = NOW - timedelta(minutes=20)
    upsert_records(connection=connection, records=[question("q1", start)])
    item = Interaction.objects.get()
    Interaction.objects.filter(pk=item.pk).update(sla_escalation_step=1)
    item.refresh_from_db()
    set_priority(interaction=item, priority="urgent")
    item.refresh_from_db()
    assert item.sla_rule.priority == "urgent" and item.sla_started_at == start
    assert item.first_response_due_at == start + timedelta(hours=1)
    assert item.sla_escalation_step == 1
    steps = item.sla_rule.escalation_steps
    assert item.sla_next_escalation_at == start + timedelta(minutes=steps[1]["after_minutes"])
