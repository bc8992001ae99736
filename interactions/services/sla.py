"""Response clocks: which rule applies to an interaction and why, and when its wait becomes due soon, is
breached and escalates, counted in the shop's working time where the rule follows the calendar.

The most specific active rule wins: a shop's own rule beats a global one; then a rule naming the
priority, the chat phase, a rating range (a narrower one first), the kind and the marketplace, in that
order; the lower id breaks a tie. Everything here but the rule cache is pure.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from interactions.models import ChatPhase, Interaction, Kind, Marketplace, SLARule, SLAState
from interactions.services.working_time import WorkingTime

# Every sync batch needs its seller's rules, and rules change rarely: they are kept per process for
# a minute. Saving or deleting a rule clears this process's copy at once; other processes see the
# change within RULES_CACHE_SECONDS.
RULES_CACHE_SECONDS = 60.0
_rules_cache: dict[int, tuple[float, list[SLARule]]] = {}

# WB goodCard statusID of an order the buyer placed (placed … bought out, return): the chat is after
# the purchase. 0 (the card itself) and the cancellations (12, 14) mean the buyer is still choosing.
ORDERED_CARD_STATUSES = frozenset({1, 2, 3, 4, 5, 10, 11, 13})


@dataclass(frozen=True)
class SLAFacts:
    """What rule matching reads of an interaction."""

    seller_id: int
    marketplace: str
    kind: str
    priority: str
    rating: int | None = None
    chat_phase: str = ""


@dataclass(frozen=True)
class SLAClock:
    rule: SLARule
    started_at: datetime
    due_soon_at: datetime
    due_at: datetime
    next_escalation_at: datetime | None


def chat_phase_of(*, kind: str, marketplace: str, reply_context: dict | None) -> str:
    """pre_purchase / post_purchase for a WB chat about a product; "" where nothing tells."""
    if kind != Kind.CHAT or marketplace != Marketplace.WILDBERRIES:
        return ""
    card = (reply_context or {}).get("good_card")
    if not isinstance(card, dict):
        return ""
    status = card.get("statusID")
    if not isinstance(status, int) or isinstance(status, bool):
        return ""
    return ChatPhase.POST_PURCHASE if status in ORDERED_CARD_STATUSES else ChatPhase.PRE_PURCHASE


def facts_of(interaction: Interaction, *, priority: str | None = None) -> SLAFacts:
    return SLAFacts(
        seller_id=interaction.seller_id,
        marketplace=interaction.marketplace,
        kind=interaction.kind,
        priority=priority or interaction.priority,
        rating=interaction.rating,
        chat_phase=chat_phase_of(
            kind=interaction.kind, marketplace=interaction.marketplace, reply_context=interaction.reply_context
        ),
    )


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


def rule_matches(rule: SLARule, facts: SLAFacts) -> bool:
    if not rule.is_active or rule.seller_id not in (None, facts.seller_id):
        return False
    if rule.marketplace not in ("", facts.marketplace) or rule.kind not in ("", facts.kind):
        return False
    if rule.priority not in ("", facts.priority) or rule.chat_phase not in ("", facts.chat_phase):
        return False
    if rule.rating_min is not None or rule.rating_max is not None:
        if facts.rating is None:
            return False
        if rule.rating_min is not None and facts.rating < rule.rating_min:
            return False
        if rule.rating_max is not None and facts.rating > rule.rating_max:
            return False
    return True


def specificity(rule: SLARule) -> tuple[int, ...]:
    """The precedence key: of the rules matching an interaction, the greatest wins."""
    has_rating = rule.rating_min is not None or rule.rating_max is not None
    width = (rule.rating_max or 5) - (rule.rating_min or 1) if has_rating else 5
    return (
        int(rule.seller_id is not None),
        int(bool(rule.priority)),
        int(bool(rule.chat_phase)),
        int(has_rating),
        -width,
        int(bool(rule.kind)),
        int(bool(rule.marketplace)),
        -(rule.pk or 0),
    )


def sla_rule_for(*, rules: Iterable[SLARule], facts: SLAFacts) -> SLARule | None:
    """Pure: the most specific active rule matching the facts."""
    return max((rule for rule in rules if rule_matches(rule, facts)), key=specificity, default=None)


def sla_rule_reason(rule: SLARule | None) -> str:
    """In Russian, why this rule: whose it is and what it matched."""
    if rule is None:
        return "Ни одно действующее правило не подошло: срока нет."
    matched = []
    if rule.priority:
        matched.append(f"приоритет «{rule.get_priority_display()}»")
    if rule.chat_phase:
        matched.append(f"чат {rule.get_chat_phase_display()}")
    if rule.rating_min is not None or rule.rating_max is not None:
        low, high = rule.rating_min or 1, rule.rating_max or 5
        matched.append(f"оценка {low}★" if low == high else f"оценка {low}–{high}★")
    if rule.kind:
        matched.append(f"тип «{rule.get_kind_display()}»")
    if rule.marketplace:
        matched.append(rule.get_marketplace_display())
    scope = "правило магазина" if rule.seller_id is not None else "общее правило"
    what = ", ".join(matched) if matched else "любое обращение"
    clock = "в рабочее время" if rule.follows_calendar else "круглосуточно"
    return f"{scope.capitalize()} «{rule.name}»: {what}; срок {rule.deadline_minutes} мин {clock}."


def rule_time(rule: SLARule, working_time: WorkingTime) -> WorkingTime:
    return working_time if rule.follows_calendar else WorkingTime.round_the_clock(working_time.tz)


def escalation_at(*, rule: SLARule, working_time: WorkingTime, started_at: datetime, step: int) -> datetime | None:
    """When step number `step` (0-based) of the rule's escalation is due, or None past the last one."""
    steps = rule.escalation_steps or []
    if step >= len(steps):
        return None
    return rule_time(rule, working_time).add(started_at, steps[step]["after_minutes"])


def sla_clock(
    *, rules: Iterable[SLARule], working_time: WorkingTime, facts: SLAFacts, start: datetime
) -> SLAClock | None:
    """Pure: the clock of a wait that began at `start`, or None where no rule applies."""
    rule = sla_rule_for(rules=rules, facts=facts)
    if rule is None:
        return None
    clock_time = rule_time(rule, working_time)
    return SLAClock(
        rule=rule,
        started_at=start,
        due_soon_at=clock_time.add(start, rule.target_minutes),
        due_at=clock_time.add(start, rule.deadline_minutes),
        next_escalation_at=escalation_at(rule=rule, working_time=working_time, started_at=start, step=0),
    )


def sla_state_at(*, due_soon_at: datetime | None, due_at: datetime | None, now: datetime) -> str:
    if due_at is None or (due_soon_at is not None and now < due_soon_at) or (due_soon_at is None and now < due_at):
        return SLAState.OK
    if now < due_at:
        return SLAState.DUE_SOON
    return SLAState.BREACHED


CLOCK_FIELDS = (
    "sla_rule",
    "sla_started_at",
    "sla_due_soon_at",
    "first_response_due_at",
    "sla_escalation_step",
    "sla_next_escalation_at",
    "sla_state",
)


def clock_start(interaction: Interaction, clock: SLAClock | None, *, now: datetime) -> None:
    """Put a fresh clock on the interaction (in memory; the caller saves CLOCK_FIELDS)."""
    interaction.sla_escalation_step = 0
    if clock is None:
        clock_clear(interaction)
        return
    interaction.sla_rule = clock.rule
    interaction.sla_started_at = clock.started_at
    interaction.sla_due_soon_at = clock.due_soon_at
    interaction.first_response_due_at = clock.due_at
    interaction.sla_next_escalation_at = clock.next_escalation_at
    interaction.sla_state = (
        sla_state_at(due_soon_at=clock.due_soon_at, due_at=clock.due_at, now=now)
        if interaction.needs_response
        else SLAState.OK
    )


def clock_clear(interaction: Interaction) -> None:
    """No deadline at all (nothing applies, or the answer time is unknown)."""
    interaction.sla_rule = None
    interaction.sla_started_at = None
    interaction.sla_due_soon_at = None
    interaction.first_response_due_at = None
    interaction.sla_next_escalation_at = None
    interaction.sla_state = SLAState.OK


def clock_stop(interaction: Interaction, *, paused: bool = False) -> None:
    """The wait ended (answered or closed): the deadline stays for the record, nothing more fires."""
    interaction.sla_next_escalation_at = None
    interaction.sla_state = SLAState.PAUSED if paused else SLAState.OK


def asks_buyer(text: str) -> bool:
    """Our message ends by asking the buyer something: the buyer owes the answer, so no clock runs."""
    stripped = text.strip().rstrip(")").rstrip()
    if not stripped:
        return False
    last_sentence = stripped.replace("!", ".").split(".")[-1] or stripped
    return "?" in last_sentence or stripped.endswith("?")
