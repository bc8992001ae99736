"""Reply delivery (the outbox): a pending outgoing message reaches the buyer at most once.

The marketplaces have no idempotency keys. So when an attempt may have reached the marketplace
(a timeout after the request was sent, or a worker that died mid-send), the next attempt first
looks for the reply on the marketplace and only sends when it is not there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from integrations import services

logger = logging.getLogger(__name__)

# What the seller reads on a reply that will be retried. The first two also tell the next attempt
# that the previous one certainly did not reach the marketplace; anything else (including no
# error at all after a crash) makes it look before sending again.
RETRY_NOT_SENT = "Маркетплейс временно недоступен, ответ отправим повторно."
RETRY_RATE_LIMITED = "Маркетплейс просит подождать, ответ отправим повторно."
RETRY_UNCONFIRMED = "Маркетплейс не ответил вовремя: перед повторной отправкой проверим, не дошёл ли ответ."
CERTAINLY_NOT_SENT = frozenset({RETRY_NOT_SENT, RETRY_RATE_LIMITED})

FINAL_UNREADABLE = "Не удалось отправить ответ: ключ подключения не удаётся прочитать, введите ключ заново."
FINAL_GAVE_UP = "Не удалось отправить ответ: маркетплейс долго недоступен. Попробуйте отправить ещё раз позже."
FINAL_UNCONFIRMED = (
    "Не удалось подтвердить, что ответ дошёл: маркетплейс не отвечает. Проверьте ответ в кабинете маркетплейса."
)
FINAL_UNCONFIRMED_MODERATION = (
    "Не удалось подтвердить, что ответ дошёл: Ozon не показывает ответы, пока они на модерации. Повторно не "
    "отправляем, чтобы не задвоить ответ; проверьте его в кабинете Ozon."
)
LOOKBACK = timedelta(minutes=1)


class Outcome:
    SKIPPED = "skipped"
    SENT = "sent"
    FOUND = "found"
    RETRY = "retry"
    FAILED = "failed"


def _setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


def _retry_at(*, attempt: int, now: datetime, at_least: float = 0.0) -> datetime:
    delay = services.backoff_seconds(
        attempt=attempt,
        base=_setting("REPLY_RETRY_BASE_SECONDS", 30.0),
        cap=_setting("REPLY_RETRY_CAP_SECONDS", 1800.0),
    )
    return now + timedelta(seconds=max(delay, at_least))


def deliver_reply(*, message_id: int) -> str:
    """Claim one pending reply and deliver it. Safe to call twice or concurrently: one claim wins."""
    from integrations.errors import AuthFailed, PermanentError, RateLimited, TransientError
    from integrations.outbox.outbound import find_sent_reply, lookup_sees_moderated, send_reply
    from interactions.services import reply_claim, reply_mark_failed, reply_mark_sent
    from interactions.services.reply_checks import blocked_reason, reply_send_check

    now = timezone.now()
    message = reply_claim(message_id=message_id, now=now, lease_seconds=int(_setting("REPLY_LEASE_SECONDS", 120)))
    if message is None:
        return Outcome.SKIPPED
    interaction = message.interaction
    connection = interaction.connection
    max_attempts = int(_setting("REPLY_MAX_ATTEMPTS", 6))
    last_attempt = message.attempts >= max_attempts

    if connection.credentials_unreadable:
        reply_mark_failed(message_id=message.pk, error=FINAL_UNREADABLE, retry_at=None)
        return Outcome.FAILED

    target = {
        "kind": interaction.kind,
        "external_id": interaction.external_id,
        "reply_context": interaction.reply_context or {},
        "text": message.text,
        # An edit of the answer already there; it keeps the same at-most-once lookup (our text is there or not).
        "replaces": message.edit_of.external_id if message.edit_of is not None else None,
    }
    may_have_reached = message.attempts > 1 and message.last_error not in CERTAINLY_NOT_SENT
    # The guardrails again: a rule staff added since the reply was queued stops it before it goes out. A reply
    # an earlier attempt may have delivered is still looked for first: one already on the marketplace is
    # recorded as sent, whatever the rules say now.
    verdict = reply_send_check(message=message)
    sending = False
    try:
        if may_have_reached:
            found = find_sent_reply(connection, since=message.created_at - LOOKBACK, **target)
            if found is not None:
                reply_mark_sent(
                    message_id=message.pk,
                    external_id=found.external_id,
                    sent_at=timezone.now(),
                    replaced=found.replaced,
                    answer_editable=found.answer_editable,
                )
                logger.info("reply %s was already on the marketplace; not sent again", message.pk)
                return Outcome.FOUND
            if not lookup_sees_moderated(connection, kind=interaction.kind):
                # Not found may mean «in moderation»: sending again could post it twice. At most once wins;
                # the daily reconciliation finds it if it does appear.
                reply_mark_failed(message_id=message.pk, error=FINAL_UNCONFIRMED_MODERATION, retry_at=None)
                logger.info("reply %s may be in Ozon's moderation; not sent again", message.pk)
                return Outcome.FAILED
        if verdict.blocked:
            sent = None
        else:
            sending = True
            sent = send_reply(connection, **target)
    except AuthFailed as exc:
        services.connection_record_failure(connection=connection, error=exc)
        reply_mark_failed(message_id=message.pk, error=f"Не удалось отправить ответ: {exc.message}", retry_at=None)
        return Outcome.FAILED
    except PermanentError as exc:
        reply_mark_failed(
            message_id=message.pk,
            error=f"Маркетплейс отклонил ответ: {exc.message}",
            retry_at=None,
            # The next edit is refused before it is queued, not after.
            answer_editable=False if exc.code == "answer_not_editable" else None,
        )
        return Outcome.FAILED
    except RateLimited as exc:
        unsure = may_have_reached and not sending
        return _retry_or_give_up(
            message_id=message.pk,
            attempt=message.attempts,
            last_attempt=last_attempt,
            error=RETRY_UNCONFIRMED if unsure else RETRY_RATE_LIMITED,
            final=FINAL_UNCONFIRMED if unsure else FINAL_GAVE_UP,
            now=now,
            at_least=exc.retry_after,
        )
    except TransientError as exc:
        # Not sent for sure only when the send itself failed before reaching the marketplace.
        unsure = exc.ambiguous or (may_have_reached and not sending)
        logger.info("reply %s attempt %s failed: %s", message.pk, message.attempts, exc.code)
        return _retry_or_give_up(
            message_id=message.pk,
            attempt=message.attempts,
            last_attempt=last_attempt,
            error=RETRY_UNCONFIRMED if unsure else RETRY_NOT_SENT,
            final=FINAL_UNCONFIRMED if unsure else FINAL_GAVE_UP,
            now=now,
        )
    except Exception:
        logger.exception("reply %s attempt %s failed unexpectedly", message.pk, message.attempts)
        return _retry_or_give_up(
            message_id=message.pk,
            attempt=message.attempts,
            last_attempt=last_attempt,
            error=RETRY_UNCONFIRMED,
            final=FINAL_UNCONFIRMED,
            now=now,
        )
    if sent is None:
        reply_mark_failed(
            message_id=message.pk, error=blocked_reason(verdict), retry_at=None, guardrail=verdict.as_dict()
        )
        logger.info("reply %s not sent: the guardrails block it now", message.pk)
        return Outcome.FAILED
    reply_mark_sent(
        message_id=message.pk,
        external_id=sent.external_id,
        sent_at=timezone.now(),
        replaced=sent.replaced,
        answer_editable=sent.answer_editable,
    )
    return Outcome.SENT


def _retry_or_give_up(
    *,
    message_id: int,
    attempt: int,
    last_attempt: bool,
    error: str,
    final: str,
    now: datetime,
    at_least: float = 0.0,
) -> str:
    from interactions.services import reply_mark_failed

    if last_attempt:
        reply_mark_failed(message_id=message_id, error=final, retry_at=None)
        return Outcome.FAILED
    reply_mark_failed(
        message_id=message_id, error=error, retry_at=_retry_at(attempt=attempt, now=now, at_least=at_least)
    )
    return Outcome.RETRY
