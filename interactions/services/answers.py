"""What became of our answers on the marketplace: moderation, publication, rejection, edits and deletions.

The sync reads answers back (`upsert_records` applies what a record says of each one through `answer_observe`
and `answer_unlisted`); the daily reconciliation (integrations/reconcile.py) rejects, through
`answers_mark_unpublished`, answers a marketplace never published (Ozon lists only moderated answers and never
says that one was refused). A rejected answer reopens its interaction with a fresh wait and tells the assignee.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from interactions.models import (
    ANSWER_STATES_GONE,
    AnswerState,
    DeliveryState,
    Direction,
    Interaction,
    InteractionEvent,
    Message,
    Status,
)
from interactions.records import ALL_ANSWERS, InteractionRecord, MessageRecord
from interactions.services.customers import normalize_text
from interactions.services.events import event_build, events_record_bulk
from notifications.models import Notification
from notifications.services import NotificationDraft, assignee_or_owner_ids, notify_many

Event = InteractionEvent.Kind

STATE_EVENTS = {
    AnswerState.IN_MODERATION: Event.ANSWER_IN_MODERATION,
    AnswerState.PUBLISHED: Event.ANSWER_PUBLISHED,
    AnswerState.REJECTED: Event.ANSWER_REJECTED,
    AnswerState.EDITED: Event.ANSWER_CHANGED,
    AnswerState.DELETED: Event.ANSWER_DELETED,
}
DELETED_REASON = "Ответа больше нет на маркетплейсе: его удалили в кабинете продавца или сняла модерация."
ANSWER_SUBJECT = {"review": "Ваш ответ на отзыв", "question": "Ваш ответ на вопрос"}
REASON_MAX_CHARS = 500
# Fields an observation may change on a message (the upsert bulk-updates them).
MESSAGE_FIELDS = ("external_id", "text", "marketplace_state", "marketplace_reason", "marketplace_state_at")
MESSAGE_FIELDS_ALL = (*MESSAGE_FIELDS, "marketplace_editable")


@dataclass
class AnswerChanges:
    """What observing answers changed, for the caller to write in its own transaction."""

    now: datetime
    messages: dict[int, Message] = field(default_factory=dict)
    events: list[InteractionEvent] = field(default_factory=list)
    notifications: list[NotificationDraft] = field(default_factory=list)
    states: list[tuple[int, str]] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)

    def notify(self) -> None:
        if self.notifications:
            notify_many(self.notifications)


def is_answer_kind(kind: str) -> bool:
    return kind in ("review", "question")


def checks(record: InteractionRecord, external_id: str) -> bool:
    """Does the record vouch for the presence of this answer (so its absence means it is gone)?"""
    checked = record.answers_checked
    return checked is not None and (checked == ALL_ANSWERS or external_id in checked)


def answer_observe(
    *,
    interaction: Interaction,
    message: Message,
    seen: MessageRecord,
    changes: AnswerChanges,
    restart_wait: Callable[[Interaction], None],
) -> None:
    """The marketplace shows this answer of ours: take its state, text and editability."""
    state = seen.answer_state or AnswerState.PUBLISHED
    data: dict[str, Any] = {}
    if state != AnswerState.REJECTED and normalize_text(seen.text) != normalize_text(message.text):
        # Someone changed it in the marketplace's cabinet: the thread shows what buyers see.
        data["previous_text"] = message.text
        message.text = seen.text
        state = AnswerState.EDITED
    elif state == AnswerState.PUBLISHED and message.marketplace_state == AnswerState.EDITED:
        state = AnswerState.EDITED  # still the edited text, on show
    if seen.answer_editable is not None and seen.answer_editable != message.marketplace_editable:
        message.marketplace_editable = seen.answer_editable
        changes.messages[message.pk] = message
    _move(
        interaction=interaction,
        message=message,
        state=state,
        reason=seen.answer_reason,
        data=data,
        changes=changes,
        restart_wait=restart_wait,
    )


def answer_unlisted(
    *,
    interaction: Interaction,
    message: Message,
    record: InteractionRecord,
    changes: AnswerChanges,
    restart_wait: Callable[[Interaction], None],
) -> None:
    """The record vouches for the item's answers and this one of ours is not among them."""
    current = message.marketplace_state
    if current in ANSWER_STATES_GONE:
        return
    if current == AnswerState.SENT and record.unlisted_answer_state:
        # Ozon lists an answer only once moderation passed it.
        _move(
            interaction=interaction,
            message=message,
            state=record.unlisted_answer_state,
            changes=changes,
            restart_wait=restart_wait,
        )
        return
    if current == AnswerState.SENT or (current == AnswerState.IN_MODERATION and record.unlisted_answer_state):
        return  # not on show yet; the reconciliation judges one that never appears
    _move(
        interaction=interaction,
        message=message,
        state=AnswerState.DELETED,
        reason=DELETED_REASON,
        data={"external_id": message.external_id},
        changes=changes,
        restart_wait=restart_wait,
    )
    # Its id is free again: WB gives the next answer to this feedback the same "<id>:answer".
    message.external_id = None


def _move(
    *,
    interaction: Interaction,
    message: Message,
    state: str,
    changes: AnswerChanges,
    restart_wait: Callable[[Interaction], None],
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    previous = message.marketplace_state
    if state == previous and not data:
        return
    message.marketplace_state = state
    message.marketplace_reason = reason[:2000] if state in ANSWER_STATES_GONE else ""
    message.marketplace_state_at = changes.now
    changes.messages[message.pk] = message
    changes.states.append((message.pk, state))
    if not previous:
        return  # an answer from before states were kept: learn its state quietly
    event_data = {"message_id": message.pk, "from": previous, **(data or {})}
    if message.marketplace_reason:
        event_data["reason"] = message.marketplace_reason
    changes.events.append(
        event_build(interaction_id=interaction.pk, kind=STATE_EVENTS[state], data=event_data, created_at=changes.now)
    )
    if state == AnswerState.REJECTED:
        _reopen(interaction=interaction, message=message, changes=changes, restart_wait=restart_wait)


def _reopen(
    *,
    interaction: Interaction,
    message: Message,
    changes: AnswerChanges,
    restart_wait: Callable[[Interaction], None],
) -> None:
    """The buyer sees no answer after all: the interaction needs one again, with a fresh wait from now."""
    if interaction.status == Status.CLOSED:
        changes.events.append(
            event_build(
                interaction_id=interaction.pk,
                kind=Event.REOPENED,
                data={"reason": "answer_rejected", "message_id": message.pk},
                created_at=changes.now,
            )
        )
        interaction.closed_at = None
    if not interaction.needs_response:
        interaction.needs_response = True
        restart_wait(interaction)
    interaction.status = Status.OPEN
    interaction.is_read = False
    if interaction.pk not in changes.reopened:
        changes.reopened.append(interaction.pk)
    text = answer_rejected_text(interaction=interaction, reason=message.marketplace_reason)
    # The assignee first; without one, whoever wrote the answer; the shop's owners when neither is active.
    for recipient_id in assignee_or_owner_ids(
        interaction.seller_id, interaction.assigned_to_id or message.author_user_id
    ):
        changes.notifications.append(
            NotificationDraft(
                recipient_id=recipient_id,
                kind=Notification.Kind.ANSWER_REJECTED,
                text=text,
                dedupe_key=f"message:{message.pk}",
                seller_id=interaction.seller_id,
                interaction_id=interaction.pk,
            )
        )


def answer_rejected_text(*, interaction: Interaction, reason: str) -> str:
    """«Ваш ответ на отзыв о товаре «Платье» (Wildberries) отклонён маркетплейсом. <reason>»."""
    subject = ANSWER_SUBJECT.get(interaction.kind, "Ваш ответ")
    if interaction.product_name:
        subject += f" о товаре «{interaction.product_name}»"
    elif interaction.product_id:
        subject += f" о товаре с артикулом {interaction.product_id}"
    where = f" ({interaction.get_marketplace_display()})" if interaction.marketplace else ""
    reason = " ".join((reason or "").split())[:REASON_MAX_CHARS]
    return f"{subject}{where} отклонён маркетплейсом. {reason}".strip()


def answers_mark_unpublished(*, message_ids: Iterable[int], reason: str, now: datetime | None = None) -> list[int]:
    """Reject our answers the marketplace never published (the reconciliation's verdict on Ozon answers still
    unlisted after its moderation window). Only answers still waiting for a verdict move; returns their ids."""
    from interactions.services.cycles import clock_restart

    now = now or timezone.now()
    moved: list[int] = []
    for message_id in sorted(set(message_ids)):
        with transaction.atomic():
            interaction_id = Message.objects.filter(pk=message_id).values_list("interaction_id", flat=True).first()
            if interaction_id is None:
                continue
            # The interaction first, then the message: the order the sync's upsert takes them in.
            interaction = Interaction.objects.select_for_update().get(pk=interaction_id)
            message = Message.objects.select_for_update().get(pk=message_id)
            if (
                message.direction != Direction.OUT
                or message.delivery_state != DeliveryState.SENT
                or message.marketplace_state not in (AnswerState.SENT, AnswerState.IN_MODERATION)
            ):
                continue
            changes = AnswerChanges(now=now)
            _move(
                interaction=interaction,
                message=message,
                state=AnswerState.REJECTED,
                reason=reason,
                changes=changes,
                restart_wait=lambda i: clock_restart(i, start=now, now=now),
            )
            message.save(update_fields=list(MESSAGE_FIELDS_ALL))
            interaction.save(
                update_fields=[
                    "status",
                    "closed_at",
                    "needs_response",
                    "is_read",
                    "first_response_due_at",
                    "sla_state",
                    "sla_rule",
                    "sla_started_at",
                    "sla_due_soon_at",
                    "sla_escalation_step",
                    "sla_next_escalation_at",
                    "updated_at",
                ]
            )
            events_record_bulk(changes.events)
            changes.notify()
            moved.append(message_id)
    return moved
