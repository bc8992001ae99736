"""Auto-close: quiet chats where the seller spoke last close; a buyer waiting for us never does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from agentiq.models import RuntimeSetting
from agentiq.runtime import runtime_invalidate
from interactions.models import InteractionEvent
from interactions.services.autoclose import auto_close_inactive_chats
from tests.factories import InteractionFactory, OutgoingMessageFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def chat(*, quiet_days: float, seller_last: bool = True, **kw):
    last = NOW - timedelta(days=quiet_days)
    buyer = last - timedelta(hours=1) if seller_last else last
    return InteractionFactory(
        kind="chat",
        status=kw.pop("status", "waiting" if seller_last else "open"),
        needs_response=not seller_last,
        created_at=buyer - timedelta(days=1),
        last_buyer_message_at=buyer,
        last_message_at=last,
        **kw,
    )


def test_closes_only_quiet_chats_where_the_seller_spoke_last():
    quiet = chat(quiet_days=10.01)
    recent = chat(quiet_days=9.99)
    buyer_waits = chat(quiet_days=30, seller_last=False)
    answered_open = chat(quiet_days=12, status="open")  # answered from the marketplace's cabinet
    review = InteractionFactory(
        kind="review", status="open", needs_response=False, last_message_at=NOW - timedelta(days=40)
    )
    question = InteractionFactory(
        kind="question", status="waiting", needs_response=False, last_message_at=NOW - timedelta(days=40)
    )
    result = auto_close_inactive_chats(now=NOW)
    assert result.closed == sorted([quiet.pk, answered_open.pk])
    for item, status in (
        (quiet, "closed"),
        (recent, "waiting"),
        (buyer_waits, "open"),
        (answered_open, "closed"),
        (review, "open"),
        (question, "waiting"),
    ):
        item.refresh_from_db()
        assert item.status == status, item
    quiet.refresh_from_db()
    assert quiet.closed_at == NOW
    event = InteractionEvent.objects.get(interaction=quiet, kind="auto_closed")
    assert event.data == {"inactive_days": 10}
    # A second run finds nothing more.
    assert auto_close_inactive_chats(now=NOW).closed == []


@pytest.mark.parametrize("state", ["pending", "sending", "failed"])
def test_a_reply_not_delivered_keeps_the_chat_open(state):
    item = chat(quiet_days=20)
    OutgoingMessageFactory(interaction=item, delivery_state=state, created_at=item.last_message_at)
    assert auto_close_inactive_chats(now=NOW).closed == []


def test_a_delivered_reply_does_not():
    item = chat(quiet_days=20)
    OutgoingMessageFactory(interaction=item, delivery_state="sent", created_at=item.last_message_at)
    assert auto_close_inactive_chats(now=NOW).closed == [item.pk]


def test_the_days_come_from_the_runtime_setting():
    item = chat(quiet_days=4)
    RuntimeSetting.objects.update_or_create(key="auto_close_days", defaults={"value": 3})
    runtime_invalidate("auto_close_days")
    assert auto_close_inactive_chats(now=NOW).closed == [item.pk]


def test_dry_run_lists_and_changes_nothing(capsys):
    item = chat(quiet_days=11)
    call_command("auto_close", "--dry-run")
    assert f"would close 1 chats quiet for 10+ days ({item.pk})" in capsys.readouterr().out
    item.refresh_from_db()
    assert item.status == "waiting" and not InteractionEvent.objects.exists()
    call_command("auto_close")
    item.refresh_from_db()
    assert item.status == "closed"
    assert "auto_close: closed 1 chats" in capsys.readouterr().out
