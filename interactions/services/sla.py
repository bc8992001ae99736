"""First-response deadlines: the most specific active SLARule wins (seller > global, then marketplace,
kind and priority each narrowing it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from interactions.models import SLARule, SLAState


@dataclass(frozen=True)
class SLATimes:
    due_soon_at: datetime
    due_at: datetime


def sla_rules_for_seller(*, seller_id: int) -> list[SLARule]:
    """Every active rule that can apply to this seller: theirs and the global ones (one query)."""
    return list(SLARule.objects.filter(Q(seller_id=seller_id) | Q(seller__isnull=True), is_active=True))


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
