"""The quality score of a sent reply (docs/reply-quality.md): 0–100 from five parts, with a short Russian note.

| part | weight | measured by |
| --- | --- | --- |
| `relevance`: answers what the buyer said, specifically | 35 | the LLM, or rules: the buyer's words echoed, empathy for an unhappy buyer, thanks for praise |
| `politeness` | 15 | the LLM, or rules: greeting, thanks, no shouting, no blame |
| `compliance`: nothing a reply must never contain | 20 | the guardrail verdict (`check_reply`): ok 100, warnings 60 and less, a block 0 |
| `personal`: not boilerplate | 15 | similarity to the shop's earlier replies (the repeated-answer guard's set and scorer) |
| `timeliness`: the response time against the SLA | 15 | the wait it ended: by the target 100, by the deadline 70, late 30 or 10; none when no deadline ran |

The score is the weighted mean of the parts there are (timeliness may be missing); a reply the guardrails block
scores at most 40 whatever the rest. The LLM (when AI is on, a key is set and the budget allows) judges the two
parts that need reading (relevance and politeness) and writes the note; the other three are measured here
either way, and any LLMError falls back to the rules for that reply.

`score_replies(ids)` is what the task and the beat sweep call: it reads the replies (`interactions.selectors.
quality`), scores them (LLM calls on a thread pool that only talks HTTP, as the analysis does) and writes the
scores once (`interactions.services.quality`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings

from ai.llm.errors import LLMError
from ai.llm.ledger import BatchLedger, Ledger
from ai.llm.service import llm_available, llm_quality
from ai.offline.text import stem
from guardrails.rules import current_rules
from guardrails.services import CheckVerdict, check_reply
from guardrails.similarity import most_similar
from interactions.models import QualitySource
from interactions.selectors.quality import ReplyForQuality, replies_for_quality
from interactions.services.quality import QualityResult, reply_qualities_save
from interactions.services.replies import REPLY_LENGTH_LIMITS

logger = logging.getLogger(__name__)

WEIGHTS = {"relevance": 35, "politeness": 15, "compliance": 20, "personal": 15, "timeliness": 15}
BLOCKED_CAP = 40
QUALITY_CONCURRENCY = 16

_WORD = re.compile(r"[а-яёa-z]+", re.IGNORECASE)
_STOP = frozenset(
    [
        "это",
        "этот",
        "эта",
        "эти",
        "было",
        "были",
        "была",
        "есть",
        "всё",
        "все",
        "весь",
        "очень",
        "просто",
        "только",
        "когда",
        "если",
        "даже",
        "также",
        "тоже",
        "ещё",
        "уже",
        "как",
        "так",
        "что",
        "чтобы",
        "где",
        "куда",
        "почему",
        "какой",
        "какая",
        "какие",
        "который",
        "которая",
        "которые",
        "себя",
        "свой",
        "своя",
        "свои",
        "наш",
        "ваш",
        "вам",
        "вас",
        "мне",
        "меня",
        "мой",
        "моя",
        "мои",
        "для",
        "при",
        "про",
        "без",
        "над",
        "под",
        "после",
        "перед",
        "через",
        "между",
        "около",
        "спасибо",
        "здравствуйте",
        "добрый",
        "день",
        "пожалуйста",
        "товар",
        "товара",
        "товаре",
        "заказ",
        "заказа",
        "отзыв",
        "отзыва",
    ]
)
_GREETING = re.compile(r"\b(здравствуй|добр(ый|ого|ое) (день|вечер|утро|времени)|привет|доброго)", re.IGNORECASE)
_THANKS = re.compile(r"\b(спасиб|благодар|хорошего дня|будем рады|ждём|ждем|приятных покупок|рады)", re.IGNORECASE)
_EMPATHY = re.compile(r"\b(жаль|сожале|извин|прости|понима|огорч|неприятн)", re.IGNORECASE)
_SHOUT = re.compile(r"[!?]{3,}")


@dataclass(frozen=True)
class Measured:
    verdict: CheckVerdict
    similarity: float  # 0–100 to the most similar earlier reply of the shop
    similar_id: int | None
    compared: int


def measure(reply: ReplyForQuality) -> Measured:
    """The parts no model is asked about: the guardrail verdict and the similarity to earlier replies."""
    verdict = check_reply(
        reply.text,
        kind=reply.kind,
        intent=reply.intent or None,
        buyer_text=reply.buyer_text,
        max_chars=REPLY_LENGTH_LIMITS.get((reply.marketplace, reply.kind), (1, 1000))[1],
    )
    candidates = reply.similar_to or []
    found = most_similar(reply.text, candidates, limit=1)
    score, similar_id = (found[0][0], found[0][1]) if found else (0.0, None)
    return Measured(verdict=verdict, similarity=score, similar_id=similar_id, compared=len(candidates))


def _stems(text: str) -> set[str]:
    words = (w.lower().replace("ё", "е") for w in _WORD.findall(text or ""))
    return {stem(w) for w in words if len(w) >= 4 and w not in _STOP}


def _negative(reply: ReplyForQuality) -> bool:
    return (reply.kind == "review" and reply.rating is not None and reply.rating <= 2) or reply.intent in (
        "defect_quality",
        "complaint",
    )


def relevance_by_rules(reply: ReplyForQuality) -> int:
    text = reply.text or ""
    thanks = bool(_THANKS.search(text))
    if not reply.buyer_text.strip():
        # A rating without words: thanks for it is the answer.
        return 85 if thanks else 60
    buyer = _stems(reply.buyer_text)
    echoed = len(buyer & _stems(text))
    score = 45 + min(35, echoed * 12)
    if _negative(reply):
        score += 20 if _EMPATHY.search(text) else -10
    elif reply.kind == "question" or reply.intent in ("product_question", "size_fit", "delivery", "order_status"):
        score += 20 if len(text) >= 80 else 0
    elif thanks:
        score += 20
    if len(text.strip()) < 40:
        score -= 20
    return max(0, min(100, score))


def politeness_by_rules(reply: ReplyForQuality, verdict: CheckVerdict) -> int:
    text = reply.text or ""
    score = 50
    if _GREETING.search(text):
        score += 20
    if _THANKS.search(text):
        score += 20
    if _negative(reply) and _EMPATHY.search(text):
        score += 10
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 10 and sum(c.isupper() for c in letters) / len(letters) > 0.5:
        score -= 30
    if _SHOUT.search(text):
        score -= 10
    if any(v.category == "blame" for v in verdict.violations):
        score -= 30
    return max(0, min(100, score))


def compliance_of(verdict: CheckVerdict) -> int:
    if verdict.blocked:
        return 0
    if verdict.warned:
        warnings = len({v.category for v in verdict.violations})
        return max(30, 70 - 10 * warnings)
    return 100


def personal_of(reply: ReplyForQuality, similarity: float) -> int:
    """100 up to half alike, falling to 0 for an identical text; naming the buyer or the product helps a bit."""
    score = max(0.0, min(100.0, (100.0 - similarity) * 2))
    text = (reply.text or "").lower()
    if (reply.buyer_name and reply.buyer_name.lower() in text) or (
        reply.product_name and reply.product_name.lower()[:30] in text
    ):
        score += 10
    return round(min(100.0, score))


def timeliness_of(reply: ReplyForQuality) -> int | None:
    if reply.met_target:
        return 100
    if reply.met_deadline:
        return 70
    if reply.met_deadline is False:
        started, due, ended = reply.wait_started_at, reply.wait_due_at, reply.wait_ended_at
        if started and due and ended and due > started and (ended - started) > 2 * (due - started):
            return 10
        return 30
    return None


def combine(components: dict[str, int | None]) -> int:
    weighted = [(WEIGHTS[name], value) for name, value in components.items() if value is not None]
    total = sum(weight for weight, _ in weighted)
    score = round(sum(weight * value for weight, value in weighted) / total) if total else 0
    if components.get("compliance") == 0:
        score = min(score, BLOCKED_CAP)
    return int(score)


def _names(verdict: CheckVerdict, kind: str) -> str:
    return ", ".join(dict.fromkeys(v.name for v in verdict.violations if v.verdict == kind))


def measured_lines(measured: Measured, components: dict[str, int | None], reply: ReplyForQuality) -> list[str]:
    """The measured facts in words: what the LLM's note may mention, and the rules' note is made of."""
    lines = []
    if measured.verdict.blocked:
        lines.append(f"Нарушает правила ответа: {_names(measured.verdict, 'block')}.")
    elif measured.verdict.warned:
        lines.append(f"Предупреждение проверки ответа: {_names(measured.verdict, 'warn')}.")
    if (components["personal"] or 0) < 50:
        lines.append(f"Почти повторяет другой ответ магазина (похожесть {measured.similarity:g} из 100).")
    timeliness = components.get("timeliness")
    if timeliness is not None and timeliness <= 30:
        lines.append("Ответ позже срока SLA.")
    elif timeliness == 70:
        lines.append("Ответ в срок SLA, но позже цели.")
    return lines


def rules_note(reply: ReplyForQuality, measured: Measured, components: dict[str, int | None]) -> str:
    issues = measured_lines(measured, components, reply)
    if components["relevance"] is not None and components["relevance"] < 60:
        if _negative(reply) and not _EMPATHY.search(reply.text or ""):
            issues.append("Нет сочувствия недовольному покупателю.")
        else:
            issues.append("Мало о том, что написал покупатель.")
    if components["politeness"] is not None and components["politeness"] < 60:
        issues.append("Не хватает приветствия или благодарности.")
    if issues:
        return " ".join(issues[:3])
    if components.get("timeliness") is None:
        return "Вежливый ответ по существу."
    return "Вежливый ответ по существу и вовремя."


def _facts(measured: Measured, reply: ReplyForQuality) -> dict:
    return {
        "guardrail_status": measured.verdict.status,
        "guardrail_categories": sorted({v.category for v in measured.verdict.violations}),
        "similarity": measured.similarity,
        "similar_message_id": measured.similar_id,
        "compared": measured.compared,
        "response_seconds": reply.response_seconds,
        "met_target": reply.met_target,
        "met_deadline": reply.met_deadline,
    }


def score_by_rules(reply: ReplyForQuality, measured: Measured | None = None) -> QualityResult:
    measured = measured or measure(reply)
    components = {
        "relevance": relevance_by_rules(reply),
        "politeness": politeness_by_rules(reply, measured.verdict),
        "compliance": compliance_of(measured.verdict),
        "personal": personal_of(reply, measured.similarity),
        "timeliness": timeliness_of(reply),
    }
    return QualityResult(
        reply=reply,
        score=combine(components),
        components=components,
        note=rules_note(reply, measured, components),
        source=QualitySource.RULES,
        facts=_facts(measured, reply),
    )


def score_reply(reply: ReplyForQuality, *, use_llm: bool, ledger: Ledger | None = None) -> QualityResult:
    """The LLM's reading of relevance and politeness with the measured parts, else (or on any LLMError) the
    rules'. Pure of the database once the guardrail rules are loaded: safe on the pool's threads."""
    measured = measure(reply)
    by_rules = score_by_rules(reply, measured)
    if not use_llm:
        return by_rules
    try:
        found = llm_quality(
            seller_id=reply.seller_id,
            kind=reply.kind,
            rating=reply.rating,
            text=reply.buyer_text,
            reply=reply.text,
            product_name=reply.product_name,
            measured=measured_lines(measured, by_rules.components, reply),
            ledger=ledger,
        )
    except LLMError as exc:
        logger.info("quality of reply %s by rules: %s", reply.message_id, getattr(exc, "code", "error"))
        return by_rules
    components = {**by_rules.components, "relevance": found.relevance, "politeness": found.politeness}
    return QualityResult(
        reply=reply,
        score=combine(components),
        components=components,
        note=found.note,
        source=QualitySource.LLM,
        model=found.model,
        prompt_version=found.prompt_version,
        facts=by_rules.facts,
    )


def score_replies(message_ids: Sequence[int]) -> int:
    """Score the sent replies among `message_ids` that have no score yet; returns how many were stored."""
    replies = replies_for_quality(list(dict.fromkeys(message_ids)))
    if not replies:
        return 0
    current_rules()  # the guardrail lists are read here, not on the pool's threads
    use_llm = llm_available()
    ledger = BatchLedger()
    if use_llm:
        ledger.prepare({reply.seller_id for reply in replies})
    workers = min(QUALITY_CONCURRENCY, int(settings.AI_CONCURRENCY), len(replies)) if use_llm else 1
    if workers <= 1:
        results = [score_reply(reply, use_llm=use_llm, ledger=ledger) for reply in replies]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="quality") as pool:
            results = list(pool.map(lambda reply: score_reply(reply, use_llm=True, ledger=ledger), replies))
    ledger.flush()
    return reply_qualities_save(results)
