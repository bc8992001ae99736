"""Reads of the AI's books: a seller's spending today against the daily budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from agentiq.runtime import runtime_get
from ai.models import LLMCall
from sellers.models import Seller


@dataclass(frozen=True)
class SellerDay:
    """The shop's current calendar day in its own timezone, as a UTC range."""

    day: date
    starts_at: datetime
    ends_at: datetime


def seller_zone(seller: Seller | int) -> ZoneInfo:
    name = seller.timezone if isinstance(seller, Seller) else None
    if name is None:
        name = Seller.objects.filter(pk=seller).values_list("timezone", flat=True).first()
    try:
        return ZoneInfo(name or settings.DEFAULT_SELLER_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.DEFAULT_SELLER_TIMEZONE)


def seller_day(seller: Seller | int, *, now: datetime | None = None) -> SellerDay:
    zone = seller_zone(seller)
    local = (now or timezone.now()).astimezone(zone)
    starts = datetime.combine(local.date(), time.min, tzinfo=zone)
    ends = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=zone)
    return SellerDay(day=local.date(), starts_at=starts.astimezone(UTC), ends_at=ends.astimezone(UTC))


def ai_budget_usd() -> Decimal:
    return Decimal(str(runtime_get("ai_daily_budget_usd")))


def ai_spent_usd(seller_id: int, *, day: SellerDay) -> Decimal:
    total = LLMCall.objects.filter(
        seller_id=seller_id, created_at__gte=day.starts_at, created_at__lt=day.ends_at
    ).aggregate(total=Sum("cost_usd"))["total"]
    return Decimal(total or 0)


def ai_budget_status(seller: Seller | int, *, now: datetime | None = None) -> dict[str, Any]:
    """{spent_usd, budget_usd, exhausted, day, resets_at}: today's AI spending of the shop, the day being the
    shop's calendar day in its timezone (`Seller.timezone`); `resets_at` is its next local midnight (UTC)."""
    seller_id = seller.pk if isinstance(seller, Seller) else seller
    day = seller_day(seller, now=now)
    spent = ai_spent_usd(seller_id, day=day)
    budget = ai_budget_usd()
    return {
        "spent_usd": spent,
        "budget_usd": budget,
        "exhausted": spent >= budget,
        "day": day.day,
        "resets_at": day.ends_at,
    }


def ai_status(seller: Seller) -> dict[str, Any]:
    """ai_budget_status plus who answers now: the LLM, or the offline analyzer and why."""
    from ai.llm.client import is_configured

    status = ai_budget_status(seller)
    reason = ""
    if not runtime_get("ai_enabled"):
        reason = "ИИ выключен сотрудниками AgentIQ: обращения разбираются офлайн-анализатором."
    elif not is_configured():
        reason = "Ключ API ИИ не задан: обращения разбираются офлайн-анализатором, черновики — по шаблонам."
    elif status["exhausted"]:
        reason = "Дневной бюджет ИИ исчерпан: до полуночи по времени магазина — офлайн-анализатор и шаблоны."
    return status | {"answering": "offline" if reason else "llm", "reason": reason, "model": settings.AI_MODEL}
