"""Which rule acts on an interaction: pure functions over what the interaction carries.

A rule matches when each condition it names holds (an empty one is «any»). Of the enabled rules that match,
the most specific acts: one naming the product beats one that does not; then one naming intents (fewer
first), a rating range (narrower first), whether there is text, the kind; the lower id breaks a tie, so the
choice never depends on query order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from autoreplies.models import AutoReplyRule


@dataclass(frozen=True)
class Facts:
    kind: str
    rating: int | None
    intent: str
    has_text: bool
    product_id: str


def rule_matches(rule: AutoReplyRule, facts: Facts) -> bool:
    if rule.kind and rule.kind != facts.kind:
        return False
    if rule.rating_min is not None or rule.rating_max is not None:
        if facts.rating is None:
            return False
        if rule.rating_min is not None and facts.rating < rule.rating_min:
            return False
        if rule.rating_max is not None and facts.rating > rule.rating_max:
            return False
    if rule.intents and facts.intent not in rule.intents:
        return False
    if rule.has_text is not None and rule.has_text != facts.has_text:
        return False
    return not (rule.product_id and rule.product_id != facts.product_id)


def specificity(rule: AutoReplyRule) -> tuple:
    """Sorts the most specific first."""
    rated = rule.rating_min is not None or rule.rating_max is not None
    width = (rule.rating_max or 5) - (rule.rating_min or 1) if rated else 99
    return (
        not rule.product_id,
        not rule.intents,
        len(rule.intents or []) or 99,
        not rated,
        width,
        rule.has_text is None,
        not rule.kind,
        rule.pk,
    )


def rule_for(rules: Iterable[AutoReplyRule], facts: Facts) -> AutoReplyRule | None:
    """The most specific enabled rule that matches, or None."""
    matching = [rule for rule in rules if rule.is_enabled and rule_matches(rule, facts)]
    return min(matching, key=specificity, default=None)


def rule_conditions(rule: AutoReplyRule) -> str:
    """«отзыв, 4–5★, благодарность, с текстом, товар 123»: what the rule matches, in Russian."""
    from interactions.models import Intent, Kind

    parts = []
    if rule.kind:
        parts.append(Kind(rule.kind).label)
    if rule.rating_min is not None or rule.rating_max is not None:
        low, high = rule.rating_min or 1, rule.rating_max or 5
        parts.append(f"{low}★" if low == high else f"{low}–{high}★")
    if rule.intents:
        parts.append(", ".join(Intent(i).label for i in rule.intents if i in Intent.values))
    if rule.has_text is not None:
        parts.append("с текстом" if rule.has_text else "без текста")
    if rule.product_id:
        parts.append(f"товар {rule.product_id}")
    return "; ".join(parts) or "любые обращения"
