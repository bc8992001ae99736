"""The one guardrail check: what a reply must never contain, per channel (PRODUCT_RULES, docs/guardrails.md).

Pure: it reads only the compiled lists (guardrails.rules, cached) and the arguments. The reply path
(interactions.services.replies), `POST /api/replies/check`, delivery and the AI drafts all call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from guardrails.models import GuardrailCategory, Verdict
from guardrails.normalize import normalize, tokens
from guardrails.rules import CategoryRule, Hit, RuleSet, current_rules

PUBLIC_KINDS = frozenset({"review", "question"})
MIN_REPLY_CHARS = 20  # PRODUCT_RULES: a reply shorter than this reads as a brush-off
MAX_HITS_PER_CATEGORY = 5
FRAGMENT_MAX_CHARS = 200

STATUS_OK = "ok"
STATUS_WARN = Verdict.WARN.value
STATUS_BLOCK = Verdict.BLOCK.value


@dataclass(frozen=True)
class Violation:
    category: str
    name: str
    verdict: str  # block or warn
    fragment: str  # as the seller typed it
    start: int  # in the reply as given
    end: int
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "name": self.name,
            "verdict": self.verdict,
            "fragment": self.fragment,
            "start": self.start,
            "end": self.end,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class CheckVerdict:
    status: str  # block, warn or ok
    violations: list[Violation] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.status == STATUS_BLOCK

    @property
    def warned(self) -> bool:
        return self.status == STATUS_WARN

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "violations": [v.as_dict() for v in self.violations]}


def channel_of(kind: str) -> str:
    """public: reviews and questions everyone sees; private: chats."""
    return "public" if kind in PUBLIC_KINDS else "private"


def _verdict(rule: CategoryRule, *, public: bool, intent: str | None, buyer_used: bool) -> str:
    if rule.ignore_if_buyer_used and buyer_used:
        return Verdict.ALLOW
    if public:
        return rule.public_verdict
    if rule.allow_in_chats_if_buyer_asked and buyer_used:
        return Verdict.ALLOW
    if intent and intent in rule.allow_in_chats_for_intents:
        return Verdict.ALLOW
    return rule.private_verdict


def check_reply(
    text: str,
    *,
    kind: str,
    intent: str | None = None,
    buyer_text: str = "",
    max_chars: int | None = None,
) -> CheckVerdict:
    """Check one reply to a `kind` ("review", "question", "chat") interaction.

    `intent` is the interaction's (return_refund, size_fit, …), `buyer_text` what the buyer wrote (the
    conditions «the buyer asked» read it), `max_chars` the marketplace's limit for this answer."""
    rules = current_rules()
    public = channel_of(kind) == "public"
    text = text or ""
    normalized = normalize(text)
    hits = rules.reply.find(normalized, tokens(normalized))
    buyer_codes: set[str] | None = None

    found: list[Violation] = []
    per_category: dict[str, int] = {}
    seen: set[tuple[str, int, int]] = set()
    for hit in _outermost(hits):
        rule = rules.categories.get(hit.category)
        if rule is None:
            continue
        needs_buyer = rule.ignore_if_buyer_used or (not public and rule.allow_in_chats_if_buyer_asked)
        if needs_buyer and buyer_codes is None:
            buyer_codes = _buyer_codes(rules, buyer_text)
        verdict = _verdict(
            rule, public=public, intent=intent, buyer_used=bool(buyer_codes and rule.code in buyer_codes)
        )
        if verdict == Verdict.ALLOW:
            continue
        start, end = normalized.span(hit.start, hit.end)
        if (rule.code, start, end) in seen or per_category.get(rule.code, 0) >= MAX_HITS_PER_CATEGORY:
            continue
        seen.add((rule.code, start, end))
        per_category[rule.code] = per_category.get(rule.code, 0) + 1
        found.append(_violation(rule, verdict, text, start, end))

    found.extend(_length_violations(rules, text, public=public, intent=intent, max_chars=max_chars))
    order = {code: (rule.position, code) for code, rule in rules.categories.items()}
    found.sort(key=lambda v: (v.verdict != STATUS_BLOCK, order.get(v.category, (0, v.category)), v.start))
    if any(v.verdict == STATUS_BLOCK for v in found):
        status = STATUS_BLOCK
    elif found:
        status = STATUS_WARN
    else:
        status = STATUS_OK
    return CheckVerdict(status=status, violations=found)


def _outermost(hits: list[Hit]) -> list[Hit]:
    """Of the hits of one category, those not inside a longer one («полный возврат» over «возврат»)."""
    ordered = sorted(hits, key=lambda h: (h.category, h.start, -h.end))
    kept: list[Hit] = []
    for hit in ordered:
        last = kept[-1] if kept else None
        if last is not None and last.category == hit.category and hit.start >= last.start and hit.end <= last.end:
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def _buyer_codes(rules: RuleSet, buyer_text: str) -> set[str]:
    if not buyer_text:
        return set()
    normalized = normalize(buyer_text[:5000])
    return {hit.category for hit in rules.buyer.find(normalized, tokens(normalized))}


def _violation(rule: CategoryRule, verdict: str, text: str, start: int, end: int) -> Violation:
    return Violation(
        category=rule.code,
        name=rule.name,
        verdict=str(verdict),
        fragment=text[start:end],
        start=start,
        end=end,
        explanation=rule.explanation,
    )


def _length_violations(
    rules: RuleSet, text: str, *, public: bool, intent: str | None, max_chars: int | None
) -> list[Violation]:
    stripped = text.strip()
    found = []
    short = rules.categories.get(GuardrailCategory.TOO_SHORT)
    if short is not None and len(stripped) < MIN_REPLY_CHARS:
        verdict = _verdict(short, public=public, intent=intent, buyer_used=False)
        if verdict != Verdict.ALLOW:
            explanation = f"{short.explanation} Сейчас {len(stripped)} из {MIN_REPLY_CHARS}."
            found.append(replace(_violation(short, verdict, text, 0, len(text)), explanation=explanation))
    long = rules.categories.get(GuardrailCategory.TOO_LONG)
    if long is not None and max_chars is not None and len(stripped) > max_chars:
        verdict = _verdict(long, public=public, intent=intent, buyer_used=False)
        if verdict != Verdict.ALLOW:
            explanation = f"{long.explanation} Сейчас {len(stripped)}, максимум {max_chars}."
            # Where the text goes past the limit (its start, not the whole tail).
            end = min(len(text), max_chars + FRAGMENT_MAX_CHARS)
            found.append(replace(_violation(long, verdict, text, max_chars, end), explanation=explanation))
    return found
