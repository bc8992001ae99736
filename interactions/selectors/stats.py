"""Inbox statistics for one shop over a date range, counted in the shop's timezone."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection as db_connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField, Q
from django.db.models.functions import Extract, TruncDate
from django.utils import timezone

from interactions.models import DeliveryState, Direction, Interaction, Kind, Message, Status


class _PercentileCont(Aggregate):
    """PostgreSQL ordered-set aggregate: percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, *, percentile: float, **extra: Any) -> None:
        super().__init__(expression, percentile=float(percentile), **extra)


def _percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def stats_range(*, tz: ZoneInfo, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start of date_from, start of the day after date_to) in the shop's timezone, as aware datetimes."""
    return (
        datetime.combine(date_from, time.min, tzinfo=tz),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
    )


def stats_for(*, seller: Any, date_from: date, date_to: date, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    tz = ZoneInfo(seller.timezone or "Europe/Moscow")
    start, end = stats_range(tz=tz, date_from=date_from, date_to=date_to)
    everything = Interaction.objects.filter(seller=seller)
    in_range = everything.filter(created_at__gte=start, created_at__lt=end)

    # Counting the shop key (always set, and in every index used) keeps these index-only scans.
    current = everything.exclude(status=Status.CLOSED).aggregate(
        open=Count("seller"), needs_response=Count("seller", filter=Q(needs_response=True))
    )

    responded = Q(first_responded_at__isnull=False)
    with_deadline = Q(first_response_due_at__isnull=False)
    met = with_deadline & responded & Q(first_responded_at__lte=F("first_response_due_at"))
    breached = with_deadline & (
        (responded & Q(first_responded_at__gt=F("first_response_due_at")))
        | Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
    )
    # One pass over the shop's range (index-only): the per-day volume, summed here for the totals.
    per_day = list(
        in_range.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "marketplace", "kind")
        .annotate(
            count=Count("seller"),
            sla_met=Count("seller", filter=met),
            sla_breached=Count("seller", filter=breached),
            **{f"rating_{r}": Count("seller", filter=Q(kind=Kind.REVIEW, rating=r)) for r in range(1, 6)},
        )
        .order_by("day", "marketplace", "kind")
    )
    summary = {
        key: sum(row[key] for row in per_day)
        for key in ("count", "sla_met", "sla_breached", *(f"rating_{r}" for r in range(1, 6)))
    }
    volume = [{k: row[k] for k in ("day", "marketplace", "kind", "count")} for row in per_day]

    if db_connection.vendor == "postgresql":
        response_seconds = Extract(
            ExpressionWrapper(F("first_responded_at") - F("created_at"), output_field=DurationField()), "epoch"
        )
        summary.update(
            in_range.filter(responded).aggregate(
                median=_PercentileCont(response_seconds, percentile=0.5),
                p90=_PercentileCont(response_seconds, percentile=0.9),
            )
        )
    else:
        durations = [
            max((answered - created).total_seconds(), 0.0)
            for created, answered in in_range.filter(responded).values_list("created_at", "first_responded_at")
        ]
        summary["median"], summary["p90"] = _percentile(durations, 0.5), _percentile(durations, 0.9)

    judged = summary["sla_met"] + summary["sla_breached"]
    replies = (
        Message.objects.filter(
            seller=seller,
            direction=Direction.OUT,
            delivery_state=DeliveryState.SENT,
            sent_at__gte=start,
            sent_at__lt=end,
        )
        .annotate(day=TruncDate("sent_at", tzinfo=tz))
        .values("day")
        .annotate(count=Count("seller"), from_agentiq=Count("seller", filter=Q(author_user__isnull=False)))
        .order_by("day")
    )

    def seconds(value: float | None) -> float | None:
        return None if value is None else round(max(float(value), 0.0), 1)

    return {
        "date_from": date_from,
        "date_to": date_to,
        "timezone": str(tz),
        "open_count": current["open"],
        "needs_response_count": current["needs_response"],
        "interactions_count": summary["count"],
        "sla": {
            "met": summary["sla_met"],
            "breached": summary["sla_breached"],
            "compliance_pct": round(100 * summary["sla_met"] / judged, 1) if judged else None,
        },
        "first_response": {"median_seconds": seconds(summary["median"]), "p90_seconds": seconds(summary["p90"])},
        "rating_distribution": {str(r): summary[f"rating_{r}"] for r in range(1, 6)},
        "volume_per_day": volume,
        "replies_sent_per_day": list(replies),
    }
