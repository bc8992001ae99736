"""The quality report of `/api/stats` (`quality`): the scores of our replies **sent** in the range, per day, per
member, per marketplace and kind (docs/reports.md, docs/reply-quality.md).

Each block counts `scored` (every scored reply) and `low` (scored under QUALITY_LOW_BELOW), each as
`{"replies", "interactions"}`: replies are the measurements (the base of the averages), interactions the
distinct interactions behind them, and exactly what `GET /api/interactions` lists with the block's `filter` plus
`figure_filters[<figure>]` (`interactions.selectors.quality.interactions_with_scored_reply`: one EXISTS over
the same conditions). Three queries whatever the data: per (day, marketplace, kind), per (marketplace, kind),
per member. A reply's marketplace and kind are its interaction's, so an interaction is in one (marketplace,
kind) group and the groups' distinct counts add up (within a day, and over the range).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from interactions.models import QUALITY_LOW_BELOW, Kind, Marketplace, ReplyQuality
from interactions.selectors.waits import NO_MEMBER, day_bounds

COMPONENTS = ("relevance", "politeness", "compliance", "personal", "timeliness")
FIGURE_FILTERS = {"scored": {}, "low": {"quality_max": str(QUALITY_LOW_BELOW - 1)}}
_LOW = Q(score__lt=QUALITY_LOW_BELOW)

_AGGREGATES = {
    "replies": Count("pk"),
    "interactions": Count("interaction_id", distinct=True),
    "low_replies": Count("pk", filter=_LOW),
    "low_interactions": Count("interaction_id", distinct=True, filter=_LOW),
    "score_sum": Sum("score"),
    **{f"{name}_sum": Sum(name) for name in COMPONENTS},
    "timeliness_n": Count("timeliness"),
}
_ADDITIVE = tuple(_AGGREGATES)


def _empty() -> dict[str, int]:
    return dict.fromkeys(_ADDITIVE, 0)


def _add(into: dict[str, int], row: dict[str, Any]) -> None:
    for key in _ADDITIVE:
        into[key] += row[key] or 0


def _average(total: int, n: int) -> float | None:
    return round(total / n, 1) if n else None


def _block(sums: dict[str, int], filters: dict[str, str]) -> dict[str, Any]:
    n = sums["replies"]
    return {
        "filter": filters,
        "scored": {"replies": n, "interactions": sums["interactions"]},
        "low": {"replies": sums["low_replies"], "interactions": sums["low_interactions"]},
        "average_score": _average(sums["score_sum"], n),
        "components": {
            name: _average(sums[f"{name}_sum"], sums["timeliness_n"] if name == "timeliness" else n)
            for name in COMPONENTS
        },
    }


def quality_report(*, seller: Any, date_from: date, date_to: date, tz: ZoneInfo) -> dict[str, Any]:
    start, end = day_bounds(tz=tz, date_from=date_from, date_to=date_to)
    scored = ReplyQuality.objects.filter(seller=seller, sent_at__gte=start, sent_at__lt=end)
    dates = {"reply_from": date_from.isoformat(), "reply_to": date_to.isoformat()}

    days: dict[date, dict[str, int]] = {}
    for row in (
        scored.annotate(day=TruncDate("sent_at", tzinfo=tz))
        .values("day", "marketplace", "kind")
        .annotate(**_AGGREGATES)
        .order_by()
    ):
        _add(days.setdefault(row["day"], _empty()), row)

    total, marketplaces, kinds = _empty(), {m: _empty() for m in Marketplace.values}, {k: _empty() for k in Kind.values}
    for row in scored.values("marketplace", "kind").annotate(**_AGGREGATES).order_by():
        _add(total, row)
        _add(marketplaces.setdefault(row["marketplace"], _empty()), row)
        _add(kinds.setdefault(row["kind"], _empty()), row)

    by_member = []
    for row in (
        scored.values("author_user_id", "author_user__email", "author_user__full_name")
        .annotate(**_AGGREGATES)
        .order_by()
    ):
        member_id = row["author_user_id"]
        member = None
        if member_id is not None:
            member = {"id": member_id, "email": row["author_user__email"], "full_name": row["author_user__full_name"]}
        sums = _empty()
        _add(sums, row)
        by_member.append(
            {
                "member": member,
                **_block(sums, {**dates, "reply_by": NO_MEMBER if member_id is None else str(member_id)}),
            }
        )
    by_member.sort(key=lambda r: (-r["scored"]["replies"], r["member"] is None, (r["member"] or {}).get("id", 0)))

    return {
        "low_below": QUALITY_LOW_BELOW,
        "figure_filters": FIGURE_FILTERS,
        **_block(total, dates),
        "per_day": [
            {"day": day, **_block(sums, {"reply_from": day.isoformat(), "reply_to": day.isoformat()})}
            for day, sums in sorted(days.items())
        ],
        "by_member": by_member,
        "by_marketplace": [
            {"marketplace": m, **_block(sums, {**dates, "marketplace": m})} for m, sums in marketplaces.items()
        ],
        "by_kind": [{"kind": k, **_block(sums, {**dates, "kind": k})} for k, sums in kinds.items()],
    }
