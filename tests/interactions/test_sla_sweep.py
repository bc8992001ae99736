"""The SLA sweep: due soon and breached once each, escalation steps once per deadline, whatever the number
of runs or workers, and a buyer message that lands during a sweep ends with a fresh deadline."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from interactions.models import Interaction, InteractionEvent
from interactions.services import clock_restart
from interactions.services.escalation import check_sla_escalation
from notifications.models import Notification
from tests.factories import InteractionFactory, SLARuleFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)
STEPS = [
    {"after_minutes": 15, "action": "notify_assignee"},
    {"after_minutes": 60, "action": "notify_owner"},
    {"after_minutes": 75, "action": "reassign"},
    {"after_minutes": 90, "action": "notify_staff"},
]


def waiting(seller, *, minutes_ago: int, assigned_to=None, priority="normal", **kw) -> Interaction:
    """A review whose buyer has waited `minutes_ago` minutes, clocked by the shop's rules (round the clock)."""
    start = NOW - timedelta(minutes=minutes_ago)
    interaction = InteractionFactory(
        connection__seller=seller,
        created_at=start,
        last_buyer_message_at=start,
        priority=priority,
        assigned_to=assigned_to,
        **kw,
    )
    clock_restart(interaction, start=start, now=start)
    interaction.save()
    return interaction


@pytest.fixture
def rule(seller):
    return SLARuleFactory(
        seller=seller, target_minutes=30, deadline_minutes=60, follows_calendar=False, escalation_steps=STEPS
    )


def events(interaction, kind):
    return InteractionEvent.objects.filter(interaction=interaction, kind=kind).count()


def test_due_soon_and_breached_move_once_with_one_event_and_notice_each(seller, owner, agent, rule):
    fresh = waiting(seller, minutes_ago=10, assigned_to=agent)
    soon = waiting(seller, minutes_ago=40, assigned_to=agent)
    late = waiting(seller, minutes_ago=61)
    check_sla_escalation(now=NOW)
    for item, state in ((fresh, "ok"), (soon, "due_soon"), (late, "breached")):
        item.refresh_from_db()
        assert item.sla_state == state
    assert events(soon, "sla_due_soon") == 1 and events(late, "sla_breached") == 1
    assert Notification.objects.get(interaction=soon, kind="sla_due_soon").recipient == agent
    # Nobody assigned: the owners hear of the breach.
    breach = Notification.objects.get(interaction=late, kind="sla_breached")
    assert breach.recipient == owner
    # The time is the shop's (Moscow, UTC+3), not the server's.
    local_due = late.first_response_due_at.astimezone(ZoneInfo(seller.timezone))
    assert local_due.utcoffset() == timedelta(hours=3) and f"{local_due:%d.%m в %H:%M}" in breach.text
    before = (InteractionEvent.objects.count(), Notification.objects.count())
    for _ in range(3):
        check_sla_escalation(now=NOW)
    assert (InteractionEvent.objects.count(), Notification.objects.count()) == before


def test_each_escalation_step_fires_once_in_order(seller, owner, agent, staff, rule):
    item = waiting(seller, minutes_ago=16, assigned_to=agent)
    check_sla_escalation(now=NOW)
    assert list(Notification.objects.filter(kind="escalation").values_list("recipient", flat=True)) == [agent.pk]
    item.refresh_from_db()
    assert item.sla_escalation_step == 1
    assert item.sla_next_escalation_at == item.sla_started_at + timedelta(minutes=60)

    later = NOW + timedelta(minutes=65)  # 81 minutes waited: steps 2 (owner) and 3 (reassign) are both due
    check_sla_escalation(now=later)
    item.refresh_from_db()
    assert item.sla_escalation_step == 3
    assert item.assigned_to == owner
    assert item.priority == "high"
    actions = [e.data["action"] for e in item.events.filter(kind="escalated").order_by("id")]
    assert actions == ["notify_assignee", "notify_owner", "reassign"]
    assert events(item, "assigned") == 1 and events(item, "priority_changed") == 1

    check_sla_escalation(now=NOW + timedelta(minutes=95))
    check_sla_escalation(now=NOW + timedelta(minutes=200))
    item.refresh_from_db()
    assert item.sla_escalation_step == 4 and item.sla_next_escalation_at is None
    assert Notification.objects.filter(kind="escalation", recipient=staff).count() == 1
    assert item.events.filter(kind="escalated").count() == 4
    # Escalations are e-mailed, each once (the e-mail task runs on commit; here eagerly through the outbox).
    from notifications.services import send_notification_emails

    send_notification_emails()
    send_notification_emails()
    escalation_mails = [m for m in mail.outbox if "Эскалация" in m.body or "эскалации" in m.body]
    assert len(escalation_mails) == Notification.objects.filter(kind="escalation").count()


def test_reassign_goes_to_the_rules_fallback_member(seller, owner, agent):
    fallback = UserFactory(seller=seller, role="agent")
    SLARuleFactory(
        seller=seller,
        target_minutes=5,
        deadline_minutes=10,
        follows_calendar=False,
        escalate_to=fallback,
        escalation_steps=[{"after_minutes": 10, "action": "reassign"}],
    )
    item = waiting(seller, minutes_ago=11, assigned_to=agent, priority="urgent")
    check_sla_escalation(now=NOW)
    item.refresh_from_db()
    assert item.assigned_to == fallback
    assert item.priority == "urgent"  # already the highest
    assert Notification.objects.get(kind="escalation").recipient == fallback


def test_an_answer_stops_the_escalation(seller, owner, rule):
    from interactions.services import queue_reply

    item = waiting(seller, minutes_ago=10)
    queue_reply(interaction=item, user=owner, text="Спасибо за отзыв! Нам очень приятно.")
    check_sla_escalation(now=NOW + timedelta(hours=5))
    item.refresh_from_db()
    assert item.sla_state == "ok" and item.sla_escalation_step == 0
    assert not Notification.objects.exists()


def test_dry_run_changes_nothing_and_the_command_prints_what_is_due(seller, owner, rule, capsys):
    late = waiting(seller, minutes_ago=61)
    call_command("check_sla", "--dry-run")
    out = capsys.readouterr().out
    assert "breached: 1" in out and str(late.pk) in out
    late.refresh_from_db()
    assert late.sla_state == "ok" and not InteractionEvent.objects.filter(kind="sla_breached").exists()
    call_command("check_sla")
    late.refresh_from_db()
    assert late.sla_state == "breached"
    assert "check_sla (did)" in capsys.readouterr().out


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks and concurrent sessions")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_move_and_notify_each_row_once(seller, owner, agent, rule):
    items = [waiting(seller, minutes_ago=61 + n % 10, assigned_to=agent) for n in range(30)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            check_sla_escalation(now=NOW)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for item in items:
        assert events(item, "sla_breached") == 1
        # Steps 1 and 2 are due at 61+ minutes: each fired once.
        assert item.events.filter(kind="escalated").count() == 2
    assert Notification.objects.filter(kind="sla_breached").count() == 30


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks and concurrent sessions")
@pytest.mark.django_db(transaction=True)
def test_a_buyer_message_during_the_sweep_ends_with_a_fresh_deadline(seller, owner, rule):
    item = waiting(seller, minutes_ago=61)
    locked, release = threading.Event(), threading.Event()

    def buyer_writes() -> None:
        # What the sync does for a new buyer message: lock the row, start a fresh wait, commit.
        try:
            with transaction.atomic():
                row = Interaction.objects.select_for_update().get(pk=item.pk)
                locked.set()
                release.wait(5)
                clock_restart(row, start=NOW, now=NOW)
                row.save()
        finally:
            connections.close_all()

    writer = threading.Thread(target=buyer_writes)
    writer.start()
    assert locked.wait(5)
    sweeper = threading.Thread(target=lambda: (check_sla_escalation(now=NOW), connections.close_all()))
    sweeper.start()
    sweeper.join(0.5)  # blocked on the writer's row lock
    assert sweeper.is_alive()
    release.set()
    writer.join()
    sweeper.join()
    item.refresh_from_db()
    assert item.sla_state == "ok"
    assert item.first_response_due_at == NOW + timedelta(minutes=60)
    assert not InteractionEvent.objects.filter(interaction=item, kind="sla_breached").exists()
    assert connection.vendor == "postgresql"
