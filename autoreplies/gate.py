"""The never-automatic list (PRODUCT_RULES «Never answer automatically»): whatever a rule says, these go to a
person. Each reason found is recorded (the `auto_reply_skipped` event), so the seller sees why.

What the buyer wrote is read with the guardrails' own normalization and «words» matcher (look-alike letters,
spacing, typos in long stems), against lists staff edit (runtime setting `auto_reply_stop_words`); personal
data with the masking the LLM path uses. The reply itself goes through the very checks a person's reply
passes (guardrails and the repeated-answer guard): a block or a warning, or a repeat, is never sent on its own.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from agentiq.runtime import runtime_get
from ai.llm.masking import mask
from guardrails.normalize import normalize, tokens
from guardrails.rules import Matcher
from interactions.models import DraftSource, Intent, Interaction, Kind, Sentiment
from interactions.selectors.links import interaction_links
from interactions.services.reply_checks import ReplyCheck

REASONS: dict[str, str] = {
    "negative_review": "отзыв с оценкой 1–3★",
    "negative_sentiment": "покупатель недоволен",
    "health": "вред здоровью или аллергия",
    "counterfeit": "покупатель пишет о подделке",
    "threat_insult": "угрозы, жалобы в органы или оскорбления",
    "personal_data": "личные данные в сообщении покупателя",
    "product_complaints": "много жалоб на этот товар: возможно, проблема партии",
    "guardrail_block": "ответ нарушает правила ответов",
    "guardrail_warn": "у ответа есть предупреждения проверки",
    "repeat": "ответ почти повторяет недавний ответ магазина",
    "weak_link": "у обращения есть неподтверждённые связи с другими обращениями покупателя",
    "low_confidence": "анализ не уверен в разборе обращения",
    "not_analyzed": "обращение ещё не проанализировано",
    "seller_draft": "черновик написан продавцом",
}
STOP_REASONS = ("health", "counterfeit", "threat_insult")
COMPLAINT_INTENTS = (Intent.COMPLAINT, Intent.DEFECT_QUALITY)
NEGATIVE_MAX_RATING = 3


@dataclass(frozen=True)
class Reason:
    code: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        found = {"code": self.code, "text": REASONS.get(self.code, self.code)}
        if self.detail:
            found["detail"] = self.detail
        return found


_matchers: dict[str, Matcher] = {}
_matchers_lock = threading.Lock()


def _stop_matcher() -> Matcher:
    """The stop lists compiled once per process for each value of the setting."""
    value = runtime_get("auto_reply_stop_words")
    key = json.dumps(value, sort_keys=True, ensure_ascii=False)
    matcher = _matchers.get(key)
    if matcher is None:
        matcher = Matcher()
        for reason, patterns in value.items():
            for pattern in patterns:
                try:
                    matcher.add_words(reason, pattern)
                except ValueError:
                    continue  # the setting's validator refuses such a pattern; one stored around it is skipped
        with _matchers_lock:
            _matchers.clear()
            _matchers[key] = matcher
    return matcher


def buyer_text_reasons(buyer_text: str) -> list[Reason]:
    """What the buyer wrote that only a person may answer: health, counterfeit, threats, personal data."""
    found: list[Reason] = []
    if not buyer_text.strip():
        return found
    normalized = normalize(buyer_text)
    hits = _stop_matcher().find(normalized, tokens(normalized))
    for reason in STOP_REASONS:
        spans = [hit for hit in hits if hit.category == reason]
        if spans:
            start, end = normalized.span(spans[0].start, spans[0].end)
            found.append(Reason(reason, buyer_text[start:end][:60]))
    masked = mask(buyer_text)
    if masked.found:
        found.append(Reason("personal_data", ", ".join(sorted(k.strip("[]") for k in masked.found))))
    return found


def product_complaints(*, interaction: Interaction) -> int:
    """The shop's complaints about this product in the window: complaint or defect intents, 1–3★ reviews."""
    if not interaction.product_id:
        return 0
    since = timezone.now() - timedelta(days=int(runtime_get("auto_reply_batch_days")))
    return (
        Interaction.objects.filter(
            seller_id=interaction.seller_id,
            product_id=interaction.product_id,
            marketplace=interaction.marketplace,
            created_at__gte=since,
        )
        .filter(Q(intent__in=COMPLAINT_INTENTS) | Q(kind=Kind.REVIEW, rating__lte=NEGATIVE_MAX_RATING))
        .exclude(pk=interaction.pk)
        .count()
    )


def has_weak_links(*, interaction: Interaction) -> bool:
    """Only strong links (the same buyer id, or confirmed by the seller) may drive automatic actions; an
    unconfirmed suggestion means this buyer may have said more elsewhere."""
    row = {
        "id": interaction.pk,
        "customer_id": interaction.customer_id,
        "marketplace": interaction.marketplace,
        "product_id": interaction.product_id,
        "product_name": interaction.product_name,
        "created_at": interaction.created_at,
        "last_buyer_message_at": interaction.last_buyer_message_at,
        "author_name": interaction.author_name,
    }
    return bool(interaction_links(seller_id=interaction.seller_id, interaction=row).suggested)


def interaction_reasons(*, interaction: Interaction, buyer_text: str) -> list[Reason]:
    """Everything about the interaction (not the reply) that keeps it from an automatic answer."""
    found: list[Reason] = []
    if interaction.kind == Kind.REVIEW and interaction.rating is not None and interaction.rating <= NEGATIVE_MAX_RATING:
        found.append(Reason("negative_review", f"{interaction.rating}★"))
    elif interaction.sentiment == Sentiment.NEGATIVE:
        found.append(Reason("negative_sentiment"))
    found.extend(buyer_text_reasons(buyer_text))
    if interaction.ai_analyzed_at is None or interaction.ai_confidence is None:
        found.append(Reason("not_analyzed"))
    else:
        threshold = float(runtime_get("auto_reply_min_confidence"))
        if interaction.ai_confidence < threshold:
            found.append(Reason("low_confidence", f"{interaction.ai_confidence:.2f} < {threshold:.2f}"))
    if interaction.draft_source == DraftSource.SELLER:
        found.append(Reason("seller_draft"))
    limit = int(runtime_get("auto_reply_batch_complaints"))
    complaints = product_complaints(interaction=interaction)
    if complaints > limit:
        found.append(Reason("product_complaints", f"{complaints} за {runtime_get('auto_reply_batch_days')} дн."))
    if has_weak_links(interaction=interaction):
        found.append(Reason("weak_link"))
    return found


def reply_reasons(checked: ReplyCheck) -> list[Reason]:
    """What the checks before sending say about the reply: any violation or a repeat keeps it from going alone."""
    found: list[Reason] = []
    verdict = checked.verdict
    for code, kind in (("guardrail_block", "block"), ("guardrail_warn", "warn")):
        names = list(dict.fromkeys(v.name for v in verdict.violations if v.verdict == kind))
        if names:
            found.append(Reason(code, ", ".join(names)))
    if checked.repeat.held:
        found.append(Reason("repeat", f"похожесть {checked.repeat.top_score:g}"))
    return found


def reasons_as_data(reasons: list[Reason]) -> list[dict[str, Any]]:
    return [reason.as_dict() for reason in reasons]
