"""Replies (the outbox): queue an answer, then the delivery worker claims it and marks it sent or failed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from agentiq.errors import ApplicationError, Conflict
from interactions.models import (
    ANSWER_STATES_GONE,
    AnswerState,
    Author,
    CycleOutcome,
    DeliveryState,
    Direction,
    Interaction,
    InteractionEvent,
    Kind,
    Marketplace,
    Message,
    Status,
)
from interactions.services.cycles import cycle_build
from interactions.services.events import event_record
from interactions.services.reply_checks import reply_guard
from interactions.services.sla import asks_buyer, clock_stop
from notifications.models import Notification
from notifications.services import NotificationDraft, assignee_or_owner_ids, notify_many

logger = logging.getLogger(__name__)

SEND_REPLY_TASK = "integrations.tasks.send_reply"
SCORE_REPLY_TASK = "ai.tasks.score_reply_quality"

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
IN_FLIGHT = (DeliveryState.PENDING, DeliveryState.SENDING)

NOT_EDITABLE = {
    Kind.REVIEW: "Wildberries больше не даёт изменить ответ на этот отзыв: ответ можно отредактировать "
    "только один раз и не позже чем через 60 дней после отправки.",
    Kind.QUESTION: "Wildberries больше не даёт изменить ответ на этот вопрос: ответ можно отредактировать "
    "только один раз и не позже чем через 60 дней после отправки.",
}


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


def answer_to_edit(*, interaction: Interaction) -> Message | None:
    """The seller's answer already on the marketplace that a new reply would replace; None: a new answer.

    A review or question carries one current answer: WB keeps one per feedback (`<id>:answer`, on the feedback
    replies go to), Ozon our last comment or answer unless the buyer wrote after it (then a reply answers the
    buyer). Chat messages are never edited."""
    if interaction.kind not in CLOSES_ON_ANSWER:
        return None
    # An answer the marketplace rejected or removed is not there to edit: the reply is a new answer.
    current = Message.objects.filter(interaction_id=interaction.pk, superseded_at__isnull=True).exclude(
        marketplace_state__in=ANSWER_STATES_GONE
    )
    if interaction.marketplace == Marketplace.WILDBERRIES:
        item_id = interaction.external_id
        if interaction.kind == Kind.REVIEW:
            item_id = str((interaction.reply_context or {}).get("feedback_id") or item_id)
        return current.filter(external_id=f"{item_id}:answer").first()
    # Our replies that never reached Ozon are not on the thread there.
    last = current.exclude(direction=Direction.OUT, delivery_state=DeliveryState.FAILED).order_by("-created_at", "-id")
    latest = last.first()
    if latest is None or latest.direction != Direction.OUT or not latest.external_id:
        return None
    return latest


def _text_key(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _check_edit(*, interaction: Interaction, answer: Message, text: str) -> None:
    """Refuse, before anything is written, an edit the marketplace would refuse."""
    if (
        interaction.marketplace == Marketplace.WILDBERRIES
        and (interaction.reply_context or {}).get("answer_editable") is False
    ):
        raise ApplicationError(NOT_EDITABLE[interaction.kind], code="answer_not_editable")
    if _text_key(answer.text) == _text_key(text):
        # Also what tells delivery, after a crash, that the edit went out: the marketplace shows our new text.
        raise ApplicationError(
            "Этот текст уже опубликован в ответе. Измените текст, чтобы отредактировать ответ.",
            code="answer_unchanged",
        )


def queue_reply(
    *,
    interaction: Interaction,
    user: Any,
    text: str,
    confirm_warnings: bool = False,
    confirm_repeat: bool = False,
    author: str = Author.SELLER,
    event_data: dict[str, Any] | None = None,
) -> Message:
    """Queue the seller's reply; when the item is already answered on the marketplace, queue an edit of it.

    The guardrails and the repeated-answer guard run first (reply_checks.reply_guard): a block, an unconfirmed
    warning or an unconfirmed repeat is refused before anything is written. An auto-reply comes with
    `author=Author.AUTO_REPLY` and no user; its wait ends as an auto-reply (`ResponseCycle.is_auto_reply`), and
    `event_data` (the rule that sent it) goes into the `reply_queued` event."""
    if author not in (Author.SELLER, Author.AUTO_REPLY):
        raise ValueError(f"queue_reply: a reply's author is the seller or an auto-reply, not {author!r}")
    if author == Author.SELLER and user is None:
        raise ValueError("queue_reply: a seller's reply needs its user")
    cleaned = reply_validate(interaction=interaction, text=text)
    guardrail = reply_guard(
        interaction=interaction, text=cleaned, confirm_warnings=confirm_warnings, confirm_repeat=confirm_repeat
    )
    now = timezone.now()
    with transaction.atomic():
        locked = Interaction.objects.select_for_update().get(pk=interaction.pk)
        edit_of = None
        if locked.kind in CLOSES_ON_ANSWER:
            in_flight = Message.objects.filter(
                interaction_id=locked.pk, direction=Direction.OUT, delivery_state__in=IN_FLIGHT
            )
            if in_flight.exists():
                # A second answer would be refused (WB) or doubled (Ozon); an edit needs the first one delivered.
                raise Conflict(
                    "Предыдущий ответ ещё отправляется. Дождитесь, пока он дойдёт, и тогда отредактируйте его.",
                    code="reply_in_progress",
                )
            edit_of = answer_to_edit(interaction=locked)
            if edit_of is not None:
                _check_edit(interaction=locked, answer=edit_of, text=cleaned)
        message = Message.objects.create(
            interaction=locked,
            seller_id=locked.seller_id,
            direction=Direction.OUT,
            author=author,
            author_user=user,
            text=cleaned,
            delivery_state=DeliveryState.PENDING,
            idempotency_key=Message.new_idempotency_key(),
            created_at=now,
            edit_of=edit_of,
            guardrail=guardrail,
        )
        locked.first_responded_at = locked.first_responded_at or now
        if locked.needs_response:
            cycle = cycle_build(
                locked,
                ended_at=now,
                outcome=CycleOutcome.RESPONDED,
                responder_id=getattr(user, "pk", None),
                is_auto_reply=author == Author.AUTO_REPLY,
            )
            if cycle is not None:
                cycle.save()
        locked.needs_response = False
        if author == Author.SELLER:  # an auto-reply leaves it unread: a person has not seen it yet
            locked.is_read = True
        locked.last_message_at = now
        # The draft became the reply; the AI writes the next one when the buyer writes again.
        locked.draft_text = ""
        locked.draft_source = ""
        if locked.kind == Kind.CHAT:
            locked.status = Status.WAITING
        elif locked.status == Status.NEW:
            locked.status = Status.OPEN
        # A question to the buyer pauses the clock until they answer (their message starts a fresh one).
        clock_stop(locked, paused=locked.kind == Kind.CHAT and asks_buyer(cleaned))
        locked.save(
            update_fields=[
                "first_responded_at",
                "needs_response",
                "sla_state",
                "sla_next_escalation_at",
                "is_read",
                "last_message_at",
                "status",
                "draft_text",
                "draft_source",
                "updated_at",
            ]
        )
        queued: dict[str, Any] = {**(event_data or {}), "message_id": message.pk}
        if author == Author.AUTO_REPLY:
            queued["author"] = author
        if edit_of is not None:
            queued["edit_of"] = edit_of.pk
        event_record(interaction=locked, kind=InteractionEvent.Kind.REPLY_QUEUED, actor=user, data=queued)
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


def _enqueue_quality(message_id: int) -> None:
    from agentiq.celery import app as celery_app

    try:
        celery_app.send_task(SCORE_REPLY_TASK, args=[message_id])
    except Exception:
        logger.warning("could not enqueue the quality score of message %s", message_id, exc_info=True)


def _copy_state(*, source: Interaction, target: Interaction) -> None:
    for name in (
        "first_responded_at",
        "needs_response",
        "sla_state",
        "sla_next_escalation_at",
        "is_read",
        "last_message_at",
        "status",
        "draft_text",
        "draft_source",
    ):
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
    return Message.objects.select_related("interaction__connection", "edit_of").get(pk=message_id)


def _lock_reply(*, message_id: int) -> tuple[Interaction, Message]:
    # The interaction first, then the message: the order the sync's upsert takes them in.
    interaction_id = Message.objects.values_list("interaction_id", flat=True).get(pk=message_id)
    interaction = Interaction.objects.select_for_update().get(pk=interaction_id)
    message = Message.objects.select_for_update().get(pk=message_id)
    message.interaction = interaction
    return interaction, message


def _remember_editable(*, interaction: Interaction, answer_editable: bool | None) -> None:
    context = interaction.reply_context or {}
    if answer_editable is None or context.get("answer_editable") == answer_editable:
        return
    interaction.reply_context = {**context, "answer_editable": answer_editable}
    Interaction.objects.filter(pk=interaction.pk).update(reply_context=interaction.reply_context)


def _supersede(*, message: Message, external_id: str | None, at: datetime) -> None:
    """The edit is on the marketplace: the answer it replaced leaves the thread; its text stays in the event."""
    old = Message.objects.select_for_update().filter(pk=message.edit_of_id, superseded_at__isnull=True).first()
    if old is None:
        return
    if external_id and old.external_id == external_id:
        old.external_id = None  # WB edits in place: the answer's id moves to the new text
    old.superseded_at = at
    old.save(update_fields=["external_id", "superseded_at"])
    event_record(
        interaction=message.interaction,
        kind=InteractionEvent.Kind.ANSWER_EDITED,
        data={"message_id": message.pk, "replaced_message_id": old.pk, "previous_text": old.text},
        created_at=at,
    )


def reply_mark_sent(
    *,
    message_id: int,
    external_id: str | None,
    sent_at: datetime,
    replaced: bool = False,
    answer_editable: bool | None = None,
) -> None:
    """Record a delivered reply. `replaced`: it was an edit and the previous answer is gone from the
    marketplace; `answer_editable`: whether the marketplace still lets this answer be edited."""
    with transaction.atomic():
        interaction, message = _lock_reply(message_id=message_id)
        _remember_editable(interaction=interaction, answer_editable=answer_editable)
        if replaced and message.edit_of_id:
            _supersede(message=message, external_id=external_id, at=sent_at)
        if external_id and not message.external_id:
            holders = Message.objects.filter(interaction_id=interaction.pk, external_id=external_id).exclude(
                pk=message.pk
            )
            # A rejected answer keeps WB's "<id>:answer" until the next answer to that feedback takes it over.
            holders.filter(marketplace_state__in=ANSWER_STATES_GONE).update(external_id=None)
            if not holders.exists():
                message.external_id = external_id
        answer_fields: list[str] = []
        if interaction.kind in CLOSES_ON_ANSWER and not message.marketplace_state:
            # Delivered; what the marketplace makes of it the sync reads back (interactions.services.answers).
            message.marketplace_state = AnswerState.SENT
            message.marketplace_state_at = sent_at
            message.marketplace_editable = answer_editable
            answer_fields = ["marketplace_state", "marketplace_state_at", "marketplace_editable"]
        if message.delivery_state == DeliveryState.SENT:
            message.save(update_fields=["external_id", *answer_fields])
            return
        message.delivery_state = DeliveryState.SENT
        message.sent_at = sent_at
        message.next_attempt_at = None
        message.last_error = ""
        message.save(
            update_fields=["external_id", "delivery_state", "sent_at", "next_attempt_at", "last_error", *answer_fields]
        )
        sent: dict[str, Any] = {"message_id": message.pk}
        if message.edit_of_id:
            sent.update(edit_of=message.edit_of_id, replaced=replaced)
        event_record(interaction=interaction, kind=InteractionEvent.Kind.REPLY_SENT, data=sent, created_at=sent_at)
        # The score comes after the commit and by name (ai imports interactions, not the other way); a lost
        # message is picked up by the beat sweep. Nothing of it can touch the delivery just recorded.
        scored_id = message.pk
        transaction.on_commit(lambda: _enqueue_quality(scored_id))
        if (
            interaction.kind in CLOSES_ON_ANSWER
            and interaction.status != Status.CLOSED
            and not interaction.needs_response
        ):
            Interaction.objects.filter(pk=interaction.pk).update(
                status=Status.CLOSED, closed_at=sent_at, updated_at=timezone.now()
            )


def reply_mark_failed(
    *,
    message_id: int,
    error: str,
    retry_at: datetime | None,
    answer_editable: bool | None = None,
    guardrail: dict[str, Any] | None = None,
) -> None:
    """Record a failed attempt: retried at `retry_at`, or failed for good. `guardrail`: the check that stopped
    the reply before sending (kept on the message and in the event)."""
    with transaction.atomic():
        interaction, message = _lock_reply(message_id=message_id)
        _remember_editable(interaction=interaction, answer_editable=answer_editable)
        if message.delivery_state == DeliveryState.SENT:
            return  # Sync already saw it on the marketplace: a late failure must not resend it.
        if guardrail is not None:
            message.guardrail = {**(message.guardrail or {}), "send_check": guardrail}
            message.save(update_fields=["guardrail"])
        message.last_error = error[:2000]
        if retry_at is not None:
            message.delivery_state = DeliveryState.PENDING
            message.next_attempt_at = retry_at
            message.save(update_fields=["delivery_state", "next_attempt_at", "last_error"])
            return
        message.delivery_state = DeliveryState.FAILED
        message.next_attempt_at = None
        message.save(update_fields=["delivery_state", "next_attempt_at", "last_error"])
        failed: dict[str, Any] = {"message_id": message.pk, "reason": message.last_error}
        if guardrail is not None:
            failed["guardrail"] = guardrail
        event_record(interaction=interaction, kind=InteractionEvent.Kind.REPLY_FAILED, data=failed)
        _notify_reply_failed(interaction=interaction, message=message)
        if message.edit_of_id:
            return  # a failed edit leaves the previous answer in place: the buyer has an answer
        # The seller must see it again: the buyer got no answer.
        Interaction.objects.filter(pk=interaction.pk).update(
            needs_response=True,
            status=Status.OPEN,
            closed_at=None,
            updated_at=timezone.now(),
        )


REPLY_FAILED_SUBJECT = {Kind.REVIEW: "Ответ на отзыв", Kind.QUESTION: "Ответ на вопрос", Kind.CHAT: "Ответ в чате"}
REASON_MAX_CHARS = 500


def reply_failed_text(*, interaction: Interaction, reason: str) -> str:
    """«Ответ на отзыв о товаре «Платье» (Wildberries) не отправлен. <reason>»: what, where and why, in words."""
    subject = REPLY_FAILED_SUBJECT.get(interaction.kind, "Ответ")
    if interaction.product_name:
        subject += f" о товаре «{interaction.product_name}»"
    elif interaction.product_id:
        subject += f" о товаре с артикулом {interaction.product_id}"
    where = f" ({interaction.get_marketplace_display()})" if interaction.marketplace else ""
    # `last_error` is the seller-facing text delivery wrote (our words, or the marketplace's scrubbed of secrets).
    reason = " ".join((reason or "").split())[:REASON_MAX_CHARS]
    return f"{subject}{where} не отправлен. {reason}".strip()


def _notify_reply_failed(*, interaction: Interaction, message: Message) -> None:
    """The reply is failed for good: whoever wrote it hears of it (the owners when that user is gone).

    In the transaction that marks it failed, so the notice and the state commit together; keyed by the
    message, so a second failure mark of the same reply adds nothing."""
    text = reply_failed_text(interaction=interaction, reason=message.last_error)
    notify_many(
        NotificationDraft(
            recipient_id=recipient_id,
            kind=Notification.Kind.REPLY_FAILED,
            text=text,
            dedupe_key=f"message:{message.pk}",
            seller_id=interaction.seller_id,
            interaction_id=interaction.pk,
        )
        for recipient_id in assignee_or_owner_ids(interaction.seller_id, message.author_user_id)
    )
