"""Clock changes on one interaction, shared by every writer (sync, replies, lifecycle, AI): start a wait,
re-pick its rule, end it as a ResponseCycle (the SLA reports' unit)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from interactions.models import CycleOutcome, Interaction, ResponseCycle, SLARule
from interactions.services.sla import (
    clock_start,
    escalation_at,
    facts_of,
    rule_time,
    sla_clock,
    sla_rule_for,
    sla_rules_for_seller,
    sla_state_at,
)
from interactions.services.working_time import WorkingTime, working_time_for


def clock_restart(
    interaction: Interaction,
    *,
    start: datetime,
    now: datetime,
    rules: Iterable[SLARule] | None = None,
    working_time: WorkingTime | None = None,
) -> None:
    """A fresh wait from `start` (new interaction, or the buyer wrote again after an answer)."""
    rules = sla_rules_for_seller(seller_id=interaction.seller_id) if rules is None else rules
    working_time = working_time or working_time_for(interaction.seller_id)
    clock = sla_clock(rules=rules, working_time=working_time, facts=facts_of(interaction), start=start)
    clock_start(interaction, clock, now=now)


def clock_repick(
    interaction: Interaction,
    *,
    now: datetime,
    rules: Iterable[SLARule] | None = None,
    working_time: WorkingTime | None = None,
) -> bool:
    """Re-pick the rule of a running wait (priority, rule or calendar changed): same start, escalation
    steps already taken stay taken. Returns whether anything changed."""
    if not interaction.needs_response or interaction.sla_started_at is None:
        return False
    rules = sla_rules_for_seller(seller_id=interaction.seller_id) if rules is None else rules
    working_time = working_time or working_time_for(interaction.seller_id)
    before = (
        interaction.sla_rule_id,
        interaction.sla_due_soon_at,
        interaction.first_response_due_at,
        interaction.sla_next_escalation_at,
        interaction.sla_state,
    )
    rule = sla_rule_for(rules=rules, facts=facts_of(interaction))
    if rule is None:
        interaction.sla_rule = None
        interaction.sla_due_soon_at = interaction.first_response_due_at = interaction.sla_next_escalation_at = None
    else:
        clock_time = rule_time(rule, working_time)
        interaction.sla_rule = rule
        interaction.sla_due_soon_at = clock_time.add(interaction.sla_started_at, rule.target_minutes)
        interaction.first_response_due_at = clock_time.add(interaction.sla_started_at, rule.deadline_minutes)
        interaction.sla_next_escalation_at = escalation_at(
            rule=rule,
            working_time=working_time,
            started_at=interaction.sla_started_at,
            step=interaction.sla_escalation_step,
        )
    interaction.sla_state = sla_state_at(
        due_soon_at=interaction.sla_due_soon_at, due_at=interaction.first_response_due_at, now=now
    )
    after = (
        interaction.sla_rule_id,
        interaction.sla_due_soon_at,
        interaction.first_response_due_at,
        interaction.sla_next_escalation_at,
        interaction.sla_state,
    )
    return after != before


def cycle_build(
    interaction: Interaction,
    *,
    ended_at: datetime,
    outcome: str,
    rules: Iterable[SLARule] | None = None,
    working_time: WorkingTime | None = None,
    responder_id: int | None = None,
    is_auto_reply: bool = False,
) -> ResponseCycle | None:
    """The finished measurement of the interaction's wait (unsaved), or None if no clock ran. The caller
    knows the wait was running (it needed a response until now)."""
    if interaction.sla_started_at is None:
        return None
    rule = _rule(interaction, rules)
    responded = outcome == CycleOutcome.RESPONDED
    seconds = None
    if responded:
        working_time = working_time or working_time_for(interaction.seller_id)
        clock_time = rule_time(rule, working_time) if rule is not None else working_time
        seconds = clock_time.seconds_between(interaction.sla_started_at, ended_at)
    due_soon, due = interaction.sla_due_soon_at, interaction.first_response_due_at
    return ResponseCycle(
        seller_id=interaction.seller_id,
        interaction_id=interaction.pk,
        marketplace=interaction.marketplace,
        kind=interaction.kind,
        rule_id=interaction.sla_rule_id,
        started_at=interaction.sla_started_at,
        due_soon_at=due_soon,
        due_at=due,
        ended_at=ended_at,
        outcome=outcome,
        responder_id=responder_id,
        is_auto_reply=is_auto_reply,
        response_seconds=seconds,
        met_target=(ended_at <= due_soon) if responded and due_soon is not None else None,
        met_deadline=(ended_at <= due) if responded and due is not None else None,
    )


def _rule(interaction: Interaction, rules: Iterable[SLARule] | None) -> SLARule | None:
    """The interaction's rule without a query where the caller holds the seller's rules."""
    if interaction.sla_rule_id is None:
        return None
    if "sla_rule" in interaction._state.fields_cache:
        return interaction.sla_rule
    for rule in rules if rules is not None else sla_rules_for_seller(seller_id=interaction.seller_id):
        if rule.pk == interaction.sla_rule_id:
            return rule
    return SLARule.objects.filter(pk=interaction.sla_rule_id).first()
