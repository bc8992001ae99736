"""The checks every reply passes before it is queued, and again before it is sent (docs/guardrails.md).

`reply_check` is what `POST /api/replies/check` answers and what `queue_reply` enforces: the guardrail verdict
(guardrails.services.check_reply) and the repeated-answer guard. A block can never be sent; a warning goes
out when the seller confirms it (`confirm_warnings`), a repeat when they confirm that (`confirm_repeat`).
Delivery runs the guardrails once more (`reply_send_check`): a rule added in between stops the reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentiq.errors import ApplicationError
from agentiq.runtime import runtime_get
from guardrails.services import CheckVerdict, check_reply
from guardrails.similarity import most_similar
from interactions.models import Interaction, Message
from interactions.selectors.replies import REPEAT_KINDS, buyer_text_of, recent_sent_replies

SIMILAR_SHOWN = 3
TEXT_SHOWN_CHARS = 500


@dataclass(frozen=True)
class RepeatResult:
    held: bool
    threshold: int
    checked: int  # how many earlier answers it was compared with
    similar: list[dict[str, Any]] = field(default_factory=list)  # id, text, score, sent_at, same_product

    @property
    def top_score(self) -> float:
        return self.similar[0]["score"] if self.similar else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "held": self.held,
            "threshold": self.threshold,
            "checked": self.checked,
            "similar": [{**s, "sent_at": s["sent_at"].isoformat()} for s in self.similar],
        }


@dataclass(frozen=True)
class ReplyCheck:
    verdict: CheckVerdict
    repeat: RepeatResult

    def as_dict(self) -> dict[str, Any]:
        return {**self.verdict.as_dict(), "repeat": self.repeat.as_dict()}


def repeat_check(*, seller: Any, interaction: Interaction, text: str) -> RepeatResult:
    """Is this answer (nearly) one the shop recently posted? Held at `reply_repeat_threshold` or above.

    Reviews and questions only: public answers that repeat each other are what marketplaces punish."""
    if interaction.seller_id != seller.pk:
        raise ValueError("repeat_check: the interaction belongs to another shop")
    return _repeat(seller_id=seller.pk, interaction=interaction, text=text)


def _repeat(*, seller_id: int, interaction: Interaction, text: str) -> RepeatResult:
    threshold = int(runtime_get("reply_repeat_threshold"))
    if interaction.kind not in REPEAT_KINDS or not (text or "").strip():
        return RepeatResult(held=False, threshold=threshold, checked=0)
    earlier = recent_sent_replies(
        seller_id=seller_id, product_id=interaction.product_id, exclude_interaction_id=interaction.pk
    )
    by_id = {reply.id: reply for reply in earlier}
    found = most_similar(text, ((reply.id, reply.text) for reply in earlier), limit=SIMILAR_SHOWN)
    similar = [
        {
            "id": reply_id,
            "text": by_id[reply_id].text[:TEXT_SHOWN_CHARS],
            "score": score,
            "sent_at": by_id[reply_id].sent_at,
            "same_product": by_id[reply_id].same_product,
        }
        for score, reply_id in found
    ]
    held = bool(similar) and similar[0]["score"] >= threshold
    return RepeatResult(held=held, threshold=threshold, checked=len(earlier), similar=similar)


def _max_chars(interaction: Interaction) -> int:
    from interactions.services.replies import REPLY_LENGTH_LIMITS

    return REPLY_LENGTH_LIMITS.get((interaction.marketplace, interaction.kind), (1, 1000))[1]


def guardrail_verdict(*, interaction: Interaction, text: str) -> CheckVerdict:
    return check_reply(
        text,
        kind=interaction.kind,
        intent=interaction.intent or None,
        buyer_text=buyer_text_of(interaction=interaction),
        max_chars=_max_chars(interaction),
    )


def reply_check(*, interaction: Interaction, text: str) -> ReplyCheck:
    """Everything the seller should know about this text before sending it (nothing is written)."""
    return ReplyCheck(
        verdict=guardrail_verdict(interaction=interaction, text=text),
        repeat=_repeat(seller_id=interaction.seller_id, interaction=interaction, text=text),
    )


class ReplyRefused(ApplicationError):
    """400 with the violations and the similar earlier answers, so the app can show them."""


def _summary(verdict: CheckVerdict, verdict_kind: str) -> str:
    names = []
    for violation in verdict.violations:
        if violation.verdict == verdict_kind and violation.name not in names:
            names.append(violation.name)
    return ", ".join(f"«{name}»" for name in names)


def reply_guard(
    *, interaction: Interaction, text: str, confirm_warnings: bool = False, confirm_repeat: bool = False
) -> dict[str, Any]:
    """Refuse a reply the checks stop (ReplyRefused), or return what to record on the message."""
    checked = reply_check(interaction=interaction, text=text)
    verdict, repeat = checked.verdict, checked.repeat
    extra = {"violations": verdict.as_dict()["violations"], "repeat": repeat.as_dict()}
    if verdict.blocked:
        raise ReplyRefused(
            f"Такой ответ отправить нельзя: {_summary(verdict, 'block')}. Исправьте текст.",
            code="guardrail_blocked",
            extra=extra,
        )
    if verdict.warned and not confirm_warnings:
        raise ReplyRefused(
            f"Проверьте ответ: {_summary(verdict, 'warn')}. Чтобы отправить как есть, подтвердите предупреждения.",
            code="guardrail_warning",
            extra=extra,
        )
    if repeat.held and not confirm_repeat:
        raise ReplyRefused(
            f"Ответ почти совпадает с недавним ответом магазина (похожесть {repeat.top_score:g} из 100): "
            "маркетплейс может ограничить магазин за однотипные ответы. Измените текст или подтвердите отправку.",
            code="repeat_held",
            extra=extra,
        )
    return {
        "status": verdict.status,
        "violations": extra["violations"],
        "warnings_confirmed": verdict.warned,
        "repeat": {
            "held": repeat.held,
            "confirmed": repeat.held,
            "top_score": repeat.top_score,
            "threshold": repeat.threshold,
            "similar_ids": [s["id"] for s in repeat.similar],
        },
    }


def reply_send_check(*, message: Message) -> CheckVerdict:
    """The guardrails once more, just before delivery (the lists may have changed since it was queued)."""
    return guardrail_verdict(interaction=message.interaction, text=message.text)


def blocked_reason(verdict: CheckVerdict) -> str:
    """What the seller reads on a reply delivery stopped."""
    found = "; ".join(f"{v.name}: «{v.fragment[:60]}»" for v in verdict.violations if v.verdict == "block")
    return (
        f"Ответ не отправлен: по правилам ответов его нельзя публиковать ({found}). Исправьте текст и отправьте снова."
    )
