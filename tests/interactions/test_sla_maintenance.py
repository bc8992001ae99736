"""Auto-close of quiet chats and the recompute of running clocks after a rule or calendar change: which rows
move, which stay, and that a second run changes nothing."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from interactions.models import Interaction, InteractionEvent, SLARule
from interactions.services import clock_restart
from interactions.services.autoclose import auto_close_inactive_chats
from interactions.services.recompute import recompute_sla
from tests.factories import (
    ConnectionFactory,
    InteractionFactory,
    MessageFactory,
    OutgoingMessageFactory,
    SLARuleFactory,
    WorkingCalendarFactory,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)
MSK = ZoneInfo("Europe/Moscow")


# --- auto-close --------------------------------------------------------------------------------------


def quiet_chat(connection, *, days_ago: float, buyer_last: bool = False, **kw) -> Interaction:
    """A chat we answered `days_ago` days ago (the buyer wrote an hour before), needing no response."""
    ours = NOW - timedelta(days=days_ago)
    buyer = ours + timedelta(minutes=1) if buyer_last else ours - timedelta(hours=1)
    chat = InteractionFactory(
        connection=connection,
        kind=kw.pop("kind", "chat"),
        status=kw.pop("status", "waiting"),
        needs_response=kw.pop("needs_response", False),
        created_at=buyer - timedelta(days=1),
        last_buyer_message_at=buyer,
        last_message_at=max(ours, buyer),
        **kw,
    )
    MessageFactory(interaction=chat, created_at=buyer)
    OutgoingMessageFactory(interaction=chat, created_at=ours, delivery_state="sent", sent_at=ours)
    return chat


def test_only_quiet_chats_where_we_spoke_last_close_once_with_an_event(seller):
    connection = ConnectionFactory(seller=seller)
    old = quiet_chat(connection, days_ago=11, sla_state="ok", sla_next_escalation_at=NOW)
    fresh = quiet_chat(connection, days_ago=9)
    buyer_last = quiet_chat(connection, days_ago=11, buyer_last=True)
    needs_answer = quiet_chat(connection, days_ago=11, needs_response=True, status="open")
    already_closed = quiet_chat(connection, days_ago=20, status="closed")
    review = quiet_chat(connection, days_ago=11, kind="review")
    result = auto_close_inactive_chats(now=NOW)
    assert result.days == 10 and result.closed == [old.pk]
    old.refresh_from_db()
    assert old.status == "closed" and old.closed_at == NOW and old.updated_at == NOW
    assert old.sla_state == "ok" and old.sla_next_escalation_at is None
    event = InteractionEvent.objects.get(interaction=old, kind="auto_closed")
    assert event.data == {"inactive_days": 10} and event.created_at == NOW
    for other in (fresh, buyer_last, needs_answer, review):
        other.refresh_from_db()
        assert other.status != "closed"
    already_closed.refresh_from_db()
    assert already_closed.closed_at is None  # untouched
    assert auto_close_inactive_chats(now=NOW).closed == []
    assert InteractionEvent.objects.filter(kind="auto_closed").count() == 1


@pytest.mark.parametrize(
    ("state", "closes"), [("pending", False), ("sending", False), ("failed", False), ("sent", True)]
)
def test_a_reply_not_yet_delivered_keeps_the_chat_open(seller, state, closes):
    chat = quiet_chat(ConnectionFactory(seller=seller), days_ago=12)
    OutgoingMessageFactory(interaction=chat, created_at=NOW - timedelta(days=12, minutes=-1), delivery_state=state)
    assert auto_close_inactive_chats(now=NOW).closed == ([chat.pk] if closes else [])


def test_the_window_is_the_runtime_setting_and_dry_run_changes_nothing(seller):
    from agentiq.models import RuntimeSetting

    connection = ConnectionFactory(seller=seller)
    four_days = quiet_chat(connection, days_ago=4)
    RuntimeSetting.objects.update_or_create(key="auto_close_days", defaults={"value": 3})
    from django.core.cache import cache

    cache.clear()
    dry = auto_close_inactive_chats(now=NOW, dry_run=True)
    assert dry.days == 3 and dry.closed == [four_days.pk]
    four_days.refresh_from_db()
    assert four_days.status == "waiting" and not InteractionEvent.objects.filter(kind="auto_closed").exists()
    call_command("auto_close")
    four_days.refresh_from_db()
    assert four_days.status == "closed"


# --- recompute ---------------------------------------------------------------------------------------


def wait(connection, *, minutes_ago: int, priority: str = "normal", **kw) -> Interaction:
    start = NOW - timedelta(minutes=minutes_ago)
    item = InteractionFactory(
        connection=connection, created_at=start, last_buyer_message_at=start, priority=priority, **kw
    )
    clock_restart(item, start=start, now=NOW)
    item.save()
    return item


def clock_of(item: Interaction) -> tuple:
    item.refresh_from_db()
    return (
        item.sla_rule_id,
        item.sla_started_at,
        item.sla_due_soon_at,
        item.first_response_due_at,
        item.sla_escalation_step,
        item.sla_next_escalation_at,
        item.sla_state,
    )


STEPS = [{"after_minutes": 15, "action": "notify_assignee"}, {"after_minutes": 100, "action": "notify_owner"}]


@pytest.mark.parametrize("chunk", [1, 2, 5_000])
def test_a_rule_change_moves_the_running_clocks_and_keeps_start_and_steps(seller, chunk):
    rule = SLARuleFactory(
        seller=seller, target_minutes=30, deadline_minutes=60, follows_calendar=False, escalation_steps=STEPS
    )
    connection = ConnectionFactory(seller=seller)
    items = [wait(connection, minutes_ago=m) for m in (10, 40, 50, 70)]
    # The sweep already took step 1 of the 50-minute wait.
    Interaction.objects.filter(pk=items[2].pk).update(
        sla_escalation_step=1, sla_next_escalation_at=items[2].sla_started_at + timedelta(minutes=100)
    )
    answered = wait(connection, minutes_ago=45)
    Interaction.objects.filter(pk=answered.pk).update(needs_response=False, sla_state="ok")
    answered_before = clock_of(answered)
    assert recompute_sla(now=NOW, chunk=chunk).changed == 0  # nothing changed: nothing written

    SLARule.objects.filter(pk=rule.pk).update(target_minutes=45, deadline_minutes=55)
    result = recompute_sla(now=NOW, chunk=chunk)
    assert (result.checked, result.changed) == (4, 4)
    states = []
    for item in items:
        rule_id, started, due_soon, due, step, next_at, state = clock_of(item)
        assert rule_id == rule.pk and started == item.sla_started_at
        assert due_soon == started + timedelta(minutes=45) and due == started + timedelta(minutes=55)
        states.append((state, step, next_at - started if next_at else None))
    assert states == [
        ("ok", 0, timedelta(minutes=15)),
        ("ok", 0, timedelta(minutes=15)),
        ("due_soon", 1, timedelta(minutes=100)),
        ("breached", 0, timedelta(minutes=15)),
    ]
    assert clock_of(answered) == answered_before
    assert recompute_sla(now=NOW, chunk=chunk).changed == 0


def test_the_most_specific_rule_is_re_picked_and_a_shop_scope_touches_only_that_shop(seller, other_owner):
    SLARuleFactory(seller=seller, target_minutes=30, deadline_minutes=60, follows_calendar=False)
    mine = wait(ConnectionFactory(seller=seller), minutes_ago=5)
    theirs = wait(ConnectionFactory(seller=other_owner.seller), minutes_ago=5)
    theirs_before = clock_of(theirs)
    urgent = SLARuleFactory(seller=seller, priority="normal", target_minutes=10, deadline_minutes=20)
    other_shop_rule = SLARuleFactory(seller=other_owner.seller, target_minutes=1, deadline_minutes=2)
    assert recompute_sla(seller_id=seller.pk, now=NOW).changed == 1
    assert clock_of(mine)[0] == urgent.pk
    assert clock_of(theirs) == theirs_before
    assert recompute_sla(now=NOW).changed == 1
    assert clock_of(theirs)[0] == other_shop_rule.pk and clock_of(theirs)[-1] == "breached"


def test_no_rule_left_clears_the_due_times(seller):
    rule = SLARuleFactory(seller=seller, target_minutes=30, deadline_minutes=60, follows_calendar=False)
    SLARule.objects.exclude(pk=rule.pk).update(is_active=False)
    item = wait(ConnectionFactory(seller=seller), minutes_ago=90)
    assert clock_of(item)[-1] == "breached"
    SLARule.objects.filter(pk=rule.pk).update(is_active=False)
    assert recompute_sla(now=NOW).changed == 1
    assert clock_of(item) == (None, item.sla_started_at, None, None, 0, None, "ok")


def test_a_calendar_change_moves_the_deadlines_into_working_time(seller):
    from datetime import datetime

    seller.timezone = "Europe/Moscow"
    seller.save()
    SLARuleFactory(seller=seller, target_minutes=60, deadline_minutes=120, follows_calendar=True)
    friday_evening = datetime(2026, 11, 27, 17, 0, tzinfo=MSK)  # Friday; Monday 30 Nov is an ordinary day
    item = InteractionFactory(connection=ConnectionFactory(seller=seller), created_at=friday_evening)
    clock_restart(item, start=friday_evening, now=friday_evening)
    item.save()
    assert clock_of(item)[3] == friday_evening + timedelta(minutes=120)  # round the clock
    WorkingCalendarFactory(seller=seller, week={str(d): [["09:00", "13:00"], ["14:00", "18:00"]] for d in range(5)})
    result = recompute_sla(seller_id=seller.pk, now=friday_evening)
    assert result.changed == 1
    _, _, due_soon, due, _, _, state = clock_of(item)
    # Friday 17:00–18:00 is the first hour (ending on the period's end), Monday 09:00–10:00 the second.
    assert due_soon == datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    assert due == datetime(2026, 11, 30, 10, 0, tzinfo=MSK)
    assert state == "ok"


def test_a_wait_restarted_while_the_recompute_ran_keeps_the_writers_clock(seller, monkeypatch):
    from interactions.services import recompute

    rule = SLARuleFactory(seller=seller, target_minutes=30, deadline_minutes=60, follows_calendar=False)
    item = wait(ConnectionFactory(seller=seller), minutes_ago=20)
    due_before = item.first_response_due_at
    SLARule.objects.filter(pk=rule.pk).update(deadline_minutes=90)
    restarted = NOW - timedelta(minutes=1)
    real = recompute._write

    def buyer_writes_first(moved):
        # Between the read and the write, the buyer's message restarts the wait.
        Interaction.objects.filter(pk=item.pk).update(sla_started_at=restarted)
        return real(moved)

    monkeypatch.setattr(recompute, "_write", buyer_writes_first)
    assert recompute_sla(now=NOW).changed == 0
    item.refresh_from_db()
    assert item.sla_started_at == restarted and item.first_response_due_at == due_before
