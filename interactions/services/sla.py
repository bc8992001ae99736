"""First-response deadlines: the most specific active SLARule wins (seller > global, then marketplace,
kind and priority each narrowing it)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from interactions.models import SLARule, SLAState


@dataclass(frozen=True)
class SLATimes:
    due_soon_at: datetime
    due_at: datetime


# Every sync batch needs its seller's rules, and rules change rarely: they are kept per process for
# a minute. Saving or deleting a rule clears this process's copy at once; other processes see the
# change within RULES_CACHE_SECONDS.
RULES_CACHE_SECONDS = 60.0
_rules_cache: dict[int, tuple[float, list[SLARule]]] = {}


def sla_rules_for_seller(*, seller_id: int) -> list[SLARule]:
    """Every active rule that can apply to this seller: theirs and the global ones (one query, or none)."""
    now = time.monotonic()
    cached = _rules_cache.get(seller_id)
    if cached is not None and now - cached[0] < RULES_CACHE_SECONDS:
        return cached[1]
    rules = list(SLARule.objects.filter(Q(seller_id=seller_id) | Q(seller__isnull=True), is_active=True))
    _rules_cache[seller_id] = (now, rules)
    return rules


def sla_rules_changed(**kwargs: object) -> None:
    """Signal receiver (SLARule saved or deleted): forget every cached rule set."""
    _rules_cache.clear()


def _specificity(rule: SLARule) -> tuple[int, int, int, int, int]:
    # Seller-specific beats global; then each matched dimension adds precision; lower id breaks ties.
    return (
        int(rule.seller_id is not None),
        int(bool(rule.priority)),
        int(bool(rule.kind)),
        int(bool(rule.marketplace)),
        -rule.pk if rule.pk else 0,
    )


def sla_rule_for(
    *, rules: Iterable[SLARule], seller_id: int, marketplace: str, kind: str, priority: str
) -> SLARule | None:
    """Pure: pick the most specific active rule matching the interaction's attributes."""
    matching = [
        rule
        for rule in rules
        if rule.is_active
        and rule.seller_id in (None, seller_id)
        and rule.marketplace in ("", marketplace)
        and rule.kind in ("", kind)
        and rule.priority in ("", priority)
    ]
    return max(matching, key=_specificity, default=None)


def sla_deadline_for(
    *, rules: Iterable[SLARule], seller_id: int, marketplace: str, kind: str, priority: str, start: datetime
) -> SLATimes | None:
    """Pure: when a first response becomes due soon and when it is breached, counted from `start`."""
    rule = sla_rule_for(rules=rules, seller_id=seller_id, marketplace=marketplace, kind=kind, priority=priority)
    if rule is None:
        return None
    return SLATimes(
        due_soon_at=start + timedelta(minutes=rule.target_minutes),
        due_at=start + timedelta(minutes=rule.deadline_minutes),
    )


def sla_state_at(*, times: SLATimes | None, now: datetime) -> str:
    if times is None or now < times.due_soon_at:
        return SLAState.OK
    if now < times.due_at:
        return SLAState.DUE_SOON
    return SLAState.BREACHED
