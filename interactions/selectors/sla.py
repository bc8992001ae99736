"""Reads of the SLA settings: the rules a shop sees, how many waits each one governs or would match, and the
shop's calendar with its special days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Count, Q

from agentiq.errors import NotFound
from interactions.models import CalendarDay, ChatPhase, Interaction, Kind, Marketplace, SLARule, Status, WorkingCalendar
from interactions.services.sla import ORDERED_CARD_STATUSES, specificity

# A wait that is still running: the buyer waits for an answer (a closed item never does; saying so lets
# PostgreSQL count from the partial open-rows index).
WAITING = Q(needs_response=True) & ~Q(status=Status.CLOSED)


def sla_rules_visible(*, seller: Any, include_inactive: bool = False) -> list[SLARule]:
    """The shop's own rules and the active global ones, in the order the matcher prefers them (the
    first that matches an interaction is the one that applies)."""
    own = Q(seller=seller) if include_inactive else Q(seller=seller, is_active=True)
    rules = list(SLARule.objects.filter(own | Q(seller__isnull=True, is_active=True)))
    rules.sort(key=specificity, reverse=True)
    return rules


def sla_rule_visible_get(*, seller: Any, rule_id: int) -> SLARule:
    """One of the shop's rules (active or not) or an active global one; anything else is a 404."""
    rule = SLARule.objects.filter(Q(seller=seller) | Q(seller__isnull=True, is_active=True), pk=rule_id).first()
    if rule is None:
        raise NotFound("Правило не найдено.")
    return rule


def governed_counts(*, seller: Any, rule_ids: Iterable[int]) -> dict[int, int]:
    """How many of the shop's waiting interactions each rule set the clock of (Interaction.sla_rule): one query."""
    rows = (
        Interaction.objects.filter(WAITING, seller=seller, sla_rule_id__in=list(rule_ids))
        .order_by()
        .values_list("sla_rule_id")
        .annotate(count=Count("id"))
    )
    return dict(rows)


def rule_match_q(rule: SLARule) -> Q:
    """The rule's match fields as a filter on Interaction (interactions.services.sla.rule_matches in SQL).

    The chat phase is read from the WB goodCard's statusID as the import stores it."""
    condition = Q(seller_id=rule.seller_id) if rule.seller_id is not None else Q()
    for field in ("marketplace", "kind", "priority"):
        if getattr(rule, field):
            condition &= Q(**{field: getattr(rule, field)})
    if rule.rating_min is not None:
        condition &= Q(rating__gte=rule.rating_min)
    if rule.rating_max is not None:
        condition &= Q(rating__lte=rule.rating_max)
    if rule.chat_phase:
        ordered = Q(reply_context__good_card__statusID__in=sorted(ORDERED_CARD_STATUSES))
        condition &= Q(kind=Kind.CHAT, marketplace=Marketplace.WILDBERRIES)
        if rule.chat_phase == ChatPhase.POST_PURCHASE:
            condition &= ordered
        else:
            condition &= Q(reply_context__good_card__statusID__isnull=False) & ~ordered
    return condition


def rule_counts(rules: Iterable[SLARule]) -> dict[int, tuple[int, int]]:
    """For each rule: (waiting interactions its fields match now, whichever rule won them; those whose clock
    it set). One aggregate query over the waiting interactions, whatever the number of rules."""
    rules = [rule for rule in rules if rule.pk is not None]
    if not rules:
        return {}
    waiting = Interaction.objects.filter(WAITING)
    if all(rule.seller_id is not None for rule in rules):
        waiting = waiting.filter(seller_id__in={rule.seller_id for rule in rules})
    aggregates: dict[str, Any] = {}
    for rule in rules:
        aggregates[f"match_{rule.pk}"] = Count("id", filter=rule_match_q(rule))
        aggregates[f"governs_{rule.pk}"] = Count("id", filter=Q(sla_rule_id=rule.pk))
    counts = waiting.aggregate(**aggregates)
    return {rule.pk: (counts[f"match_{rule.pk}"], counts[f"governs_{rule.pk}"]) for rule in rules}


def calendar_of(*, seller: Any) -> WorkingCalendar | None:
    return WorkingCalendar.objects.filter(seller=seller).first()


def calendar_days(*, seller: Any, date_from: date | None = None, date_to: date | None = None) -> list[CalendarDay]:
    days = CalendarDay.objects.filter(calendar__seller=seller)
    if date_from is not None:
        days = days.filter(date__gte=date_from)
    if date_to is not None:
        days = days.filter(date__lte=date_to)
    return list(days.order_by("date"))


def calendar_day_get(*, seller: Any, day_id: int) -> CalendarDay:
    day = CalendarDay.objects.filter(calendar__seller=seller, pk=day_id).select_related("calendar").first()
    if day is None:
        raise NotFound("Особый день не найден.")
    return day
