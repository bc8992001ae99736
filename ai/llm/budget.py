"""The daily budget: before a call, a seller whose spending today (the shop's day, `ai.selectors`) reached
`ai_daily_budget_usd` gets `BudgetExhausted` instead, and the shop's owners are told once that day.

A soft cap: calls already in flight when the budget is reached still finish and are booked, so a day may end
slightly over (by at most the threads calling at once × one call's cost).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date
from decimal import Decimal

from django.core.cache import cache

from ai.llm.errors import BudgetExhausted
from ai.selectors import ai_budget_usd, ai_spent_usd, seller_day
from notifications.models import Notification
from notifications.services import NotificationDraft, notify_many, shop_owner_ids

logger = logging.getLogger(__name__)

NOTIFIED_CACHE_SECONDS = 2 * 86400


def usd(amount: Decimal) -> str:
    """$1.25; small sums keep their cents' fractions ($0.0038), so a tiny budget does not read as $0.00."""
    if amount == 0 or abs(amount) >= 1:
        return f"${amount:.2f}"
    whole, _, fraction = f"{amount:.5f}".partition(".")
    return f"${whole}.{fraction.rstrip('0').ljust(2, '0')}"


def budget_notification_text(*, spent_usd: Decimal, budget_usd: Decimal) -> str:
    return (
        f"Дневной бюджет ИИ исчерпан: сегодня потрачено {usd(spent_usd)} из {usd(budget_usd)}. До полуночи по "
        "времени магазина обращения разбираются и черновики ответов готовятся без ИИ, упрощённо. "
        "Лимит устанавливает поддержка AgentIQ."
    )


def budget_dedupe_key(seller_id: int, day: date) -> str:
    return f"ai_budget:{seller_id}:{day.isoformat()}"


def budget_check(seller_id: int | None) -> None:
    """Raise BudgetExhausted when the seller may not call the LLM now. No seller (staff checks): no budget."""
    if seller_id is None:
        return
    day = seller_day(seller_id)
    budget = ai_budget_usd()
    spent = ai_spent_usd(seller_id, day=day)
    if spent < budget:
        return
    notify_budget_exhausted(seller_id, day=day.day, spent_usd=spent, budget_usd=budget)
    raise BudgetExhausted(spent_usd=spent, budget_usd=budget)


def notify_budget_exhausted(seller_id: int, *, day: date, spent_usd: Decimal, budget_usd: Decimal) -> int:
    """Tell the shop's owners, once per shop and day (the dedupe key; the cache only saves the INSERT)."""
    key = budget_dedupe_key(seller_id, day)
    with contextlib.suppress(Exception):  # the cache is away: the dedupe key still holds
        if cache.get(key):
            return 0
    text = budget_notification_text(spent_usd=spent_usd, budget_usd=budget_usd)
    drafts = [
        NotificationDraft(
            recipient_id=owner_id,
            kind=Notification.Kind.AI_BUDGET_EXHAUSTED,
            text=text,
            dedupe_key=key,
            seller_id=seller_id,
        )
        for owner_id in shop_owner_ids(seller_id)
    ]
    created = notify_many(drafts)
    if created:
        logger.info("ai budget exhausted for seller %s on %s", seller_id, day)
    with contextlib.suppress(Exception):
        cache.set(key, True, NOTIFIED_CACHE_SECONDS)
    return created
