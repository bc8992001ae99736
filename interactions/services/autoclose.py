"""Auto-close (`auto_close_inactive_chats`, daily): quiet chats where the seller spoke last close
themselves; a buyer is never hidden.

Closed: a chat with no activity for `auto_close_days` (runtime setting), whose last message is ours,
that needs no response and has none of our replies still queued, sending or failed (a failed reply
means the buyer never got it). Never a review or a question: they close when answered. One set-based
UPDATE with its conditions re-checked per row, so a buyer message that lands during the run keeps its
chat open; the buyer's next message reopens a closed one (interactions.services.upsert).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from agentiq.runtime import runtime_get
from interactions.models import DeliveryState, Direction, Interaction, InteractionEvent, Kind, Message, Status
from interactions.services.events import system_events_record

TABLE = Interaction._meta.db_table
MESSAGES = Message._meta.db_table
UNSETTLED = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.FAILED)
_UNSETTLED_SQL = ", ".join(f"'{state}'" for state in UNSETTLED)

# Built from our own constants only; the run's values go in as parameters.
QUIET_WHERE = (
    f"kind = '{Kind.CHAT}' AND needs_response = %s AND status <> '{Status.CLOSED}' "  # noqa: S608
    "AND last_message_at < %s "
    "AND (last_buyer_message_at IS NULL OR last_message_at > last_buyer_message_at) "
    f"AND NOT EXISTS (SELECT 1 FROM {MESSAGES} m WHERE m.interaction_id = {TABLE}.id "
    f"AND m.direction = '{Direction.OUT}' AND m.delivery_state IN ({_UNSETTLED_SQL}))"
)


@dataclass
class AutoCloseResult:
    days: int
    closed: list[int] = field(default_factory=list)


def auto_close_inactive_chats(*, now: datetime | None = None, dry_run: bool = False) -> AutoCloseResult:
    now = now or timezone.now()
    days = int(runtime_get("auto_close_days"))
    cutoff = now - timedelta(days=days)
    result = AutoCloseResult(days=days)
    params = [False, connection.ops.adapt_datetimefield_value(cutoff)]
    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(f"SELECT id FROM {TABLE} WHERE {QUIET_WHERE} ORDER BY id", params)  # noqa: S608
            result.closed = [row[0] for row in cursor.fetchall()]
            return result
        with transaction.atomic():
            stamp = connection.ops.adapt_datetimefield_value(now)
            cursor.execute(
                f"UPDATE {TABLE} SET status = '{Status.CLOSED}', closed_at = %s, updated_at = %s, "  # noqa: S608
                f"sla_state = 'ok', sla_next_escalation_at = NULL WHERE {QUIET_WHERE} RETURNING id",
                [stamp, stamp, *params],
            )
            result.closed = sorted(row[0] for row in cursor.fetchall())
            system_events_record(
                [(pk, InteractionEvent.Kind.AUTO_CLOSED, {"inactive_days": days}, now) for pk in result.closed]
            )
    return result
