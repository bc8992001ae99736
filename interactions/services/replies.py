"""Replies (the outbox): queue an answer, then the delivery worker claims it and marks it sent or failed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from agentiq.errors import ApplicationError
from interactions.models import (
    Author,
    DeliveryState,
    Direction,
    Interaction,
    InteractionEvent,
    Kind,
    Marketplace,
    Message,
    SLAState,
    Status,
)
from interactions.services.events import event_record

logger = logging.getLogger(__name__)

SEND_REPLY_TASK = "integrations.tasks.send_reply"

# (marketplace, kind) → (min, max) characters of an answer the marketplace accepts.
REPLY_LENGTH_LIMITS: dict[tuple[str, str], tuple[int, int]] = {
    (Marketplace.WILDBERRIES, Kind.CHAT): (1, 1000),
    (Marketplace.WILDBERRIES, Kind.REVIEW): (2, 5000),
    (Marketplace.WILDBERRIES, Kind.QUESTION): (2, 5000),
    (Marketplace.OZON, Kind.CHAT): (1, 1000),
    (Marketplace.OZON, Kind.QUESTION): (2, 3000),
    (Marketplace.OZON, Kind.REVIEW): (1, 3000),
}
CLOSES_ON_ANSWER = (Kind.REVIEW, Kind.QUESTION)


def reply_validate(*, interaction: Interaction, text: str) -> str:
    """The answer as it will be sent, or a field error on `text` the seller can act on."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationError({"text": ["Введите текст ответа."]})
    low, high = REPLY_LENGTH_LIMITS.get((interaction.marketplace, interaction.kind), (1, 1000))
    if len(cleaned) < low:
        raise ValidationError({"text": [f"Ответ слишком короткий: минимум {low} символа."]})
    if len(cleaned) > high:
        raise ValidationError({"text": [f"Ответ слишком длинный: {len(cleaned)} символов, максимум {high}."]})
    if (
        interaction.marketplace == Marketplace.WILDBERRIES
        and interaction.kind == Kind.CHAT
        and not (interaction.reply_context or {}).get("reply_sign")
    ):
        raise ApplicationError(
            "В этот чат пока нельзя ответить: Wildberries не прислал подпись чата (replySign). "
            "Дождитесь следующей синхронизации.",
            code="reply_not_possible",
        )
    return cleaned


def queue_reply(*, interaction: Interaction, user: Any, text: str) -> Message:
    cleaned = reply_validate(interaction=interaction, text=text)
    now = timezone.now()
    with transaction.atomic():
        locked = Interaction.objects.select_for_update().get(pk=interaction.pk)
        message = Message.objects.create(
            interaction=locked,
            seller_id=locked.seller_id,
            direction=Direction.OUT,
            author=Author.SELLER,
            author_user=user,
            text=cleaned,
            delivery_state=DeliveryState.PENDING,
            idempotency_key=Message.new_idempotency_key(),
            created_at=now,
        )
        locked.first_responded_at = locked.first_responded_at or now
        locked.needs_response = False
        locked.sla_state = SLAState.OK
        locked.is_read = True
        locked.last_message_at = now
        if locked.kind == Kind.CHAT:
            locked.status = Status.WAITING
        elif locked.status == Status.NEW:
            locked.status = Status.OPEN
        locked.save(
            update_fields=[
                "first_responded_at",
                "needs_response",
                "sla_state",
                "is_read",
                "last_message_at",
                "status",
                "updated_at",
            ]
        )
        event_record(
            interaction=locked, kind=InteractionEvent.Kind.REPLY_QUEUED, actor=user, data={"message_id": message.pk}
        )
        message_id = message.pk
        transaction.on_commit(lambda: _enqueue_delivery(message_id))
    _copy_state(source=locked, target=interaction)
    return message


def _enqueue_delivery(message_id: int) -> None:
    from agentiq.celery import app as celery_app

    try:
        celery_app.send_task(SEND_REPLY_TASK, args=[message_id])
    except Exception:
        # The periodic outbox sweep (replies_due) delivers it anyway; never fail the seller's request.
        logger.warning("could not enqueue delivery of message %s", message_id, exc_info=True)


def _copy_state(*, source: Interaction, target: Interaction) -> None:
    for name in ("first_responded_at", "needs_response", "sla_state", "is_read", "last_message_at", "status"):
        setattr(target, name, getattr(source, name))


def reply_claim(*, message_id: int, now: datetime, lease_seconds: int = 120) -> Message | None:
    """Take a reply for delivery: exactly one worker wins; an expired lease can be taken over."""
    claimable = Q(delivery_state=DeliveryState.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ) | Q(delivery_state=DeliveryState.SENDING, next_attempt_at__lte=now)
    changed = Message.objects.filter(claimable, pk=message_id, direction=Direction.OUT).update(
        delivery_state=DeliveryState.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + timedelta(seconds=lease_seconds),
    )
    if changed != 1:
        return None
    return Message.objects.select_related("interaction__connection").get(pk=message_id)


def reply_mark_sent(*, message_id: int, external_id: str | None, sent_at: datetime) -> None:
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("interaction").get(pk=message_id)
        interaction = message.interaction
        if external_id and not message.external_id:
            taken = (
                Message.objects.filter(interaction_id=interaction.pk, external_id=external_id)
                .exclude(pk=message.pk)
                .exists()
            )
            if not taken:
                message.external_id = external_id
        if message.delivery_state == DeliveryState.SENT:
            message.save(update_fields=["external_id"])
            return
        message.delivery_state = DeliveryState.SENT
        message.sent_at = sent_at
        message.next_attempt_at = None
        message.last_error = ""
        message.save(update_fields=["external_id", "delivery_state", "sent_at", "next_attempt_at", "last_error"])
        event_record(
            interaction=interaction,
            kind=InteractionEvent.Kind.REPLY_SENT,
            data={"message_id": message.pk},
            created_at=sent_at,
        )
        if (
            interaction.kind in CLOSES_ON_ANSWER
            and interaction.status != Status.CLOSED
            and not interaction.needs_response
        ):
            Interaction.objects.filter(pk=interaction.pk).update(
                status=Status.CLOSED, closed_at=sent_at, updated_at=timezone.now()
            )


def reply_mark_failed(*, message_id: int, error: str, retry_at: datetime | None) -> None:
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("interaction").get(pk=message_id)
        if message.delivery_state == DeliveryState.SENT:
            return  # Sync already saw it on the marketplace: a late failure must not resend it.
        message.last_error = error[:2000]
        if retry_at is not None:
            message.delivery_state = DeliveryState.PENDING
            message.next_attempt_at = retry_at
            message.save(update_fields=["delivery_state", "next_attempt_at", "last_error"])
            return
        message.delivery_state = DeliveryState.FAILED
        message.next_attempt_at = None
        message.save(update_fields=["delivery_state", "next_attempt_at", "last_error"])
        interaction = message.interaction
        event_record(
            interaction=interaction,
            kind=InteractionEvent.Kind.REPLY_FAILED,
            data={"message_id": message.pk, "reason": message.last_error},
        )
        # The seller must see it again: the buyer got no answer.
        Interaction.objects.filter(pk=interaction.pk).update(
            needs_response=True,
            status=Status.OPEN,
            closed_at=None,
            updated_at=timezone.now(),
        )
