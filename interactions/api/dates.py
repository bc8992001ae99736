"""Days in the shop's timezone, as the stats and the inbox's drill-down take them (`from`, `to`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from rest_framework import serializers

from interactions.services.working_time import zone_of

# No shop has data before 2000, and a year ahead is as far as anyone plans; outside it, date arithmetic overflows.
EARLIEST_DAY = date(2000, 1, 1)
DAYS_AHEAD = 365


def shop_today(seller: Any) -> date:
    return datetime.now(zone_of(seller.timezone)).date()


def check_in_window(value: date, *, today: date) -> date:
    latest = today + timedelta(days=DAYS_AHEAD)
    if not EARLIEST_DAY <= value <= latest:
        raise serializers.ValidationError(f"Дата должна быть между {EARLIEST_DAY:%d.%m.%Y} и {latest:%d.%m.%Y}.")
    return value


class DayInWindowField(serializers.DateField):
    """A day between 2000-01-01 and a year after the shop's today (`today` in the serializer's context)."""

    def to_internal_value(self, value: Any) -> date:
        return check_in_window(super().to_internal_value(value), today=self.context["today"])
