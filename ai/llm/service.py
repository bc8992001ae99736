"""The two LLM calls the pipeline makes: analysis of a buyer text and a draft reply.

Each: AI on and a key configured (else `LLMDisabled`), the answer cache (`ai.llm.cache`: the same normalized
input answers from there, booked as a free cache hit), the seller's budget (else `BudgetExhausted`), the
prompt with buyer data masked and fenced, one JSON-mode call (`client.chat_json`, its retries), the answer
checked against the schema; an invalid answer gets one repair call (the model sees its answer and what was
wrong), then `LLMInvalid`. Every API call books one `LLMCall` row in the ledger (`ai.llm.ledger`: at once by
default, per batch for the pipeline's threads), failed ones too. Callers catch `LLMError` and fall back to
the offline analyzer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from agentiq.runtime import runtime_get
from ai.llm import client as llm_client
from ai.llm.cache import answer_get, answer_key, answer_set, single_flight
from ai.llm.errors import LLMDisabled, LLMInvalid, LLMUnavailable
from ai.llm.ledger import DirectLedger, Ledger
from ai.llm.prompts import (
    ADDRESS_FORMS,
    KIND_NAMES,
    PROMPT_VERSION,
    analysis_prompt,
    draft_prompt,
    quality_prompt,
    repair_messages,
)
from ai.llm.schemas import (
    ANALYSIS_SCHEMA,
    DRAFT_MIN_CHARS,
    QUALITY_SCHEMA,
    Checker,
    analysis_checks,
    check_answer,
    draft_checks,
    draft_schema,
    quality_checks,
    schema_problems,
)
from ai.models import LLMCall

ANALYSIS_MAX_TOKENS = 400
QUALITY_MAX_TOKENS = 300
DRAFT_MAX_CHARS_LIMIT = 5000  # WB's longest answer; Ozon chat is 1,000
DRAFT_MAX_TOKENS_LIMIT = 4096


@dataclass(frozen=True)
class LLMAnalysis:
    intent: str
    sentiment: str
    priority: str
    summary: str
    needs_reply: bool
    confidence: float
    model: str
    prompt_version: str


@dataclass(frozen=True)
class LLMQuality:
    relevance: int
    politeness: int
    note: str
    model: str
    prompt_version: str


@dataclass(frozen=True)
class LLMDraft:
    text: str
    model: str
    prompt_version: str


def _check_kind_and_rating(kind: str, rating: int | None) -> None:
    if kind not in KIND_NAMES:
        raise ValueError(f"kind must be one of {', '.join(KIND_NAMES)}")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
        raise ValueError("rating must be 1..5 or None")


def llm_analyze(
    *,
    seller_id: int | None,
    kind: str,
    rating: int | None,
    text: str,
    product: dict[str, Any] | None = None,
    ledger: Ledger | None = None,
) -> LLMAnalysis:
    _check_kind_and_rating(kind, rating)
    data = _structured_call(
        seller_id=seller_id,
        purpose=LLMCall.Purpose.ANALYSIS,
        inputs={"kind": kind, "rating": rating, "text": text or "", "product": product},
        build=lambda: analysis_prompt(kind=kind, rating=rating, text=text or "", product=product).messages,
        schema=ANALYSIS_SCHEMA,
        checks=analysis_checks,
        max_tokens=ANALYSIS_MAX_TOKENS,
        ledger=ledger,
    )
    return LLMAnalysis(
        intent=data["intent"],
        sentiment=data["sentiment"],
        priority=data["priority"],
        summary=data["summary"].strip(),
        needs_reply=data["needs_reply"],
        confidence=float(data["confidence"]),
        model=settings.AI_MODEL,
        prompt_version=PROMPT_VERSION,
    )


def llm_draft(
    *,
    seller_id: int | None,
    kind: str,
    rating: int | None,
    text: str,
    product: dict[str, Any] | None,
    history: Sequence[str] | str | None,
    tone: str | None,
    signature: str | None,
    address_form: str,
    max_chars: int,
    instruction: str | None = None,
    buyer_name: str = "",
    avoid: Sequence[str] | None = None,
    ledger: Ledger | None = None,
) -> LLMDraft:
    """A reply in Russian of DRAFT_MIN_CHARS..max_chars characters. `history`: one-line summaries of the
    buyer's earlier interactions (oldest first); `address_form`: "formal" («вы») or "informal" («ты»);
    `avoid`: the shop's recent answers like this one, which the draft must not repeat."""
    _check_kind_and_rating(kind, rating)
    if address_form not in ADDRESS_FORMS:
        raise ValueError(f"address_form must be one of {', '.join(ADDRESS_FORMS)}")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int):
        raise ValueError("max_chars must be an int")
    if not DRAFT_MIN_CHARS <= max_chars <= DRAFT_MAX_CHARS_LIMIT:
        raise ValueError(f"max_chars must be {DRAFT_MIN_CHARS}..{DRAFT_MAX_CHARS_LIMIT}")
    if isinstance(history, str):
        history = [history]
    inputs = {
        "kind": kind,
        "rating": rating,
        "text": text or "",
        "product": product,
        "history": [str(item) for item in history or []],
        "tone": tone,
        "signature": signature,
        "address_form": address_form,
        "max_chars": max_chars,
        "instruction": instruction,
        "buyer_name": buyer_name or "",
        "avoid": [str(item) for item in avoid or []],
    }
    data = _structured_call(
        seller_id=seller_id,
        purpose=LLMCall.Purpose.DRAFT,
        inputs=inputs,
        build=lambda: draft_prompt(**inputs).messages,
        schema=draft_schema(max_chars),
        checks=draft_checks,
        # Russian runs 2–3 characters a token; room for the JSON around it. Only tokens written are paid.
        max_tokens=min(DRAFT_MAX_TOKENS_LIMIT, max_chars + 100),
        ledger=ledger,
    )
    return LLMDraft(text=data["text"].strip(), model=settings.AI_MODEL, prompt_version=PROMPT_VERSION)


def llm_quality(
    *,
    seller_id: int | None,
    kind: str,
    rating: int | None,
    text: str,
    reply: str,
    product_name: str = "",
    measured: Sequence[str] = (),
    ledger: Ledger | None = None,
) -> LLMQuality:
    """How well `reply` answers the buyer's `text`: relevance and politeness (0–100) and a Russian note.
    `measured`: what the code measured (the guardrail verdict, similarity, response time), one line each."""
    _check_kind_and_rating(kind, rating)
    inputs = {
        "kind": kind,
        "rating": rating,
        "text": text or "",
        "reply": reply or "",
        "product_name": product_name or "",
        "measured": [str(line) for line in measured],
    }
    data = _structured_call(
        seller_id=seller_id,
        purpose=LLMCall.Purpose.QUALITY,
        inputs=inputs,
        build=lambda: quality_prompt(**inputs).messages,
        schema=QUALITY_SCHEMA,
        checks=quality_checks,
        max_tokens=QUALITY_MAX_TOKENS,
        ledger=ledger,
    )
    return LLMQuality(
        relevance=int(data["relevance"]),
        politeness=int(data["politeness"]),
        note=data["note"].strip(),
        model=settings.AI_MODEL,
        prompt_version=PROMPT_VERSION,
    )


def llm_available() -> bool:
    """Whether an LLM call may be tried at all (AI on, a key set); the budget is asked per call."""
    return llm_client.is_configured() and bool(runtime_get("ai_enabled"))


def _structured_call(
    *,
    seller_id: int | None,
    purpose: str,
    inputs: dict[str, Any],
    build: Callable[[], list[dict[str, str]]],
    schema: dict[str, Any],
    checks: Checker,
    max_tokens: int,
    ledger: Ledger | None,
) -> dict[str, Any]:
    ledger = ledger or DirectLedger()
    if not ledger.enabled():
        raise LLMDisabled("ИИ выключен в настройках.", code="disabled")
    if not llm_client.is_configured():
        raise LLMDisabled("Ключ API ИИ не задан.", code="not_configured")

    model = settings.AI_MODEL
    key = answer_key(purpose=purpose, prompt_version=PROMPT_VERSION, model=model, seller_id=seller_id, inputs=inputs)
    cached = _cached(key, schema, checks)
    if cached is None:
        with single_flight(key) as leader:
            if not leader:  # the same input was being asked: its answer is likely in the cache now
                cached = _cached(key, schema, checks)
            if cached is None:
                return _ask(
                    seller_id=seller_id,
                    purpose=purpose,
                    key=key,
                    messages=build(),
                    schema=schema,
                    checks=checks,
                    max_tokens=max_tokens,
                    ledger=ledger,
                )
    ledger.record(seller_id=seller_id, purpose=purpose, model=model, cache_hit=True, prompt_version=PROMPT_VERSION)
    return cached


def _cached(key: str, schema: dict[str, Any], checks: Checker) -> dict[str, Any] | None:
    cached = answer_get(key)
    if cached is None or schema_problems(cached, schema) or checks(cached):
        return None
    return cached


def _ask(
    *,
    seller_id: int | None,
    purpose: str,
    key: str,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    checks: Checker,
    max_tokens: int,
    ledger: Ledger,
) -> dict[str, Any]:
    content, problems, data = _call_and_check(
        seller_id=seller_id,
        purpose=purpose,
        messages=messages,
        schema=schema,
        checks=checks,
        max_tokens=max_tokens,
        ledger=ledger,
    )
    if not problems:
        answer_set(key, data)
        return data
    repair = repair_messages(messages, answer=content, problems=problems)
    _content, problems, data = _call_and_check(
        seller_id=seller_id,
        purpose=LLMCall.Purpose.REPAIR,
        messages=repair,
        schema=schema,
        checks=checks,
        max_tokens=max_tokens,
        ledger=ledger,
    )
    if problems:
        raise LLMInvalid("ИИ дважды ответил не по формату.", code="invalid_after_repair", problems=problems)
    answer_set(key, data)
    return data


def _call_and_check(
    *,
    seller_id: int | None,
    purpose: str,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    checks: Callable[[dict[str, Any]], list[str]],
    max_tokens: int,
    ledger: Ledger,
) -> tuple[str | None, list[str], dict[str, Any]]:
    ledger.check(seller_id)
    model = settings.AI_MODEL
    try:
        result = llm_client.chat_json(messages, max_tokens=max_tokens)
    except LLMUnavailable as exc:
        ledger.record(
            seller_id=seller_id,
            purpose=purpose,
            model=model,
            latency_ms=getattr(exc, "latency_ms", 0),
            attempts=getattr(exc, "attempts", 1),
            error=exc.code,
            prompt_version=PROMPT_VERSION,
        )
        raise
    data, problems = check_answer(result.content, schema, checks)
    if result.finish_reason == "length":
        problems = ["ответ оборвался на пределе длины: нужен короче", *problems]
    ledger.record(
        seller_id=seller_id,
        purpose=purpose,
        model=result.model,
        usage=result.usage,
        latency_ms=result.latency_ms,
        attempts=result.attempts,
        error=_invalid_code(problems, data),
        prompt_version=PROMPT_VERSION,
    )
    return result.content, problems, data


def _invalid_code(problems: list[str], data: dict[str, Any]) -> str:
    if not problems:
        return ""
    return "invalid_json" if not data else "schema"
