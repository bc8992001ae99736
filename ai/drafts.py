"""A reply draft for one interaction: the LLM's when it may answer, checked by the reply guardrails (the same
check every send passes, `guardrails.services.check_reply`); a draft the check blocks is regenerated once with
what was wrong, then replaced by the offline template, and the reason is kept with the draft.

Pure of the database once the guardrail rules are loaded (`guardrails_warm`), so the pipeline's threads can run
it; the caller writes the result (`interactions.services.drafts_apply`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ai.context import AIContext
from ai.llm.errors import LLMError
from ai.llm.ledger import Ledger
from ai.llm.service import llm_draft
from ai.offline.drafts import draft_facts_from, offline_draft
from guardrails.rules import current_rules
from guardrails.services import CheckVerdict, check_reply
from guardrails.similarity import most_similar
from interactions.models import DraftSource

INSTRUCTION_MAX_CHARS = 500
AVOID_IN_PROMPT = 5  # the shop's answers most like the template's draft, shown to the LLM as what not to repeat


@dataclass(frozen=True)
class Draft:
    text: str
    source: str  # DraftSource.LLM or DraftSource.OFFLINE
    verdict: CheckVerdict
    reason: str = ""  # why the template wrote it

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source, "reason": self.reason, "guardrail": self.verdict.as_dict()}


def guardrails_warm() -> None:
    """Load the guardrail rules in the calling thread (the database is read there, not in the pool)."""
    current_rules()


def draft_verdict(context: AIContext, text: str) -> CheckVerdict:
    return check_reply(
        text, kind=context.kind, intent=context.intent or None, buyer_text=context.text, max_chars=context.max_chars
    )


NOT_CONNECTED = "ИИ не подключён: черновик по шаблону."


def compose_draft(
    context: AIContext,
    *,
    use_llm: bool,
    ledger: Ledger | None = None,
    instruction: str | None = None,
    why_not_llm: str = NOT_CONNECTED,
    avoid: Sequence[str] = (),
    repeat_threshold: float | None = None,
) -> Draft:
    """The LLM's draft when `use_llm`, else (or when it fails) the template's with the reason. `avoid`: answers
    besides the context's `recent_replies` the draft must not repeat (the batch's own drafts so far);
    `repeat_threshold`: the guard's (`reply_repeat_threshold`), read by the caller's thread."""
    reason = why_not_llm
    avoid = [*avoid, *context.recent_replies]
    if use_llm:
        try:
            return _llm_draft(
                context, ledger=ledger, instruction=instruction, avoid=avoid, repeat_threshold=repeat_threshold
            )
        except _GuardrailFailed as failed:
            reason = failed.reason
        except LLMError as exc:
            reason = f"{exc} Черновик по шаблону."
    return offline(context, reason=reason, avoid=avoid)


def offline(context: AIContext, *, reason: str, avoid: Sequence[str] = ()) -> Draft:
    text = offline_draft(draft_facts_from(context), seed=context.interaction_id, avoid=avoid)
    return Draft(text=text, source=DraftSource.OFFLINE, verdict=draft_verdict(context, text), reason=reason)


def _avoid_in_prompt(context: AIContext, avoid: Sequence[str]) -> list[str]:
    """The shop's answers most like what a template would write here: the phrasing the shop repeats."""
    if not avoid:
        return []
    typical = offline_draft(draft_facts_from(context), seed=context.interaction_id)
    found = most_similar(typical, enumerate(avoid), limit=AVOID_IN_PROMPT)
    return [avoid[index] for _score, index in found]


class _GuardrailFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


REPEAT_RETRY = "Прошлый вариант почти повторил недавний ответ магазина: напиши иначе, своими словами."


def _llm_draft(
    context: AIContext,
    *,
    ledger: Ledger | None,
    instruction: str | None,
    avoid: Sequence[str] = (),
    repeat_threshold: float | None = None,
) -> Draft:
    """The LLM's draft, checked as a send is: a block, or (with `repeat_threshold`) a near-repeat of the shop's
    recent answers the guard would hold, is written once more hearing why, then handed to the template."""
    shown = _avoid_in_prompt(context, avoid)
    asked = (instruction or "").strip()[:INSTRUCTION_MAX_CHARS]
    problem = ""
    for attempt in range(2):
        result = llm_draft(
            seller_id=context.seller_id,
            kind=context.kind,
            rating=context.rating,
            text=context.text,
            product=context.product,
            history=context.history,
            tone=context.tone or None,
            signature=context.signature or None,
            address_form=context.address_form,
            max_chars=context.max_chars,
            instruction=asked or None,
            buyer_name=context.buyer_name,
            avoid=shown,
            ledger=ledger,
        )
        verdict = draft_verdict(context, result.text)
        similar = most_similar(result.text, enumerate(avoid), limit=1) if repeat_threshold and avoid else []
        if verdict.blocked:
            # The second try hears what the check found; its own cache key, so it is a fresh answer.
            found = "; ".join(dict.fromkeys(v.explanation for v in verdict.violations if v.verdict == "block"))
            categories = ", ".join(dict.fromkeys(v.name for v in verdict.violations if v.verdict == "block"))
            problem = f"Черновик ИИ дважды нарушил правила ответа ({categories}): черновик по шаблону."
            retry = f"Прошлый вариант нарушил правила ответа: {found}. Без этого."
        elif similar and similar[0][0] >= repeat_threshold:
            problem = "Черновик ИИ дважды почти повторил недавний ответ магазина: черновик по шаблону."
            retry = REPEAT_RETRY
            shown = list(dict.fromkeys([avoid[similar[0][1]], *shown]))[:AVOID_IN_PROMPT]
        else:
            return Draft(text=result.text, source=DraftSource.LLM, verdict=verdict)
        if attempt == 1:
            break
        asked = " ".join(filter(None, [asked, retry]))
    raise _GuardrailFailed(problem)
