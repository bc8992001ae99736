"""Inbox statistics for one shop over a date range, counted in the shop's timezone.

Volume (`interactions_count`, `volume_per_day`, `rating_distribution`) counts interactions **created** in the
range; `replies_sent_per_day` counts our answers **sent** in it; `open_count` and `needs_response_count` are
now, whatever the range; `quality` scores our replies sent in it (`interactions.selectors.quality_report`).

The SLA report (`sla_report`) counts buyer **waits** that **started** in the range: a reopened interaction
waits, and counts, once per time the buyer wrote after an answer. Which waits each figure counts is defined in
`interactions.selectors.waits` (judged, met or missed deadline and target, pending, responded, auto-replies,
responded by a member); the inbox list applies the very same conditions, so every count's `interactions` is
the length of its drill-down list (`GET /api/interactions` with the slice's `filter` and the figure's
`figure_filters`). Each count gives `waits` (measurements: the base of the percentages) and `interactions`
(distinct interactions behind them: an interaction with two missed waits is two waits and one interaction).

- `team`: every wait not answered by an auto-reply (answered by a person, closed, still running);
  `auto_replies`: the waits an auto-reply answered. Response times are `ResponseCycle.response_seconds`,
  working seconds in the rule's time (the shop's calendar, or round the clock), over the slice's responded
  waits: median and p90 by linear interpolation (PostgreSQL's percentile_cont; computed in Python on SQLite).
- `deadline_pct` = met deadline / judged, `target_pct` = met target / judged, in %; null when nothing is judged.
- `by_marketplace`, `by_kind`: both slices per marketplace and kind (every one, zeros included);
  `by_member`: the team's responded waits per responder (a member, or null: answered in the marketplace's
  cabinet), so a member's figures judge only the waits they answered.
- The legacy `sla` (`met`, `breached`, `compliance_pct`) and `first_response` (`median_seconds`,
  `p90_seconds`) are the team's met deadline, missed deadline, `deadline_pct`, median and p90.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection as db_connection
from django.db.models import Aggregate, Count, Exists, FloatField, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from interactions.models import DeliveryState, Direction, Interaction, Kind, Marketplace, Message, ResponseCycle, Status
from interactions.selectors.quality_report import quality_report
from interactions.selectors.waits import (
    NO_MEMBER,
    WaitFilter,
    as_params,
    cycle_condition,
    day_bounds,
    matching_cycles,
    running_condition,
)
from interactions.services.working_time import zone_of


class _PercentileCont(Aggregate):
    """PostgreSQL ordered-set aggregate: percentile_cont(p) WITHIN GROUP (ORDER BY expr) [FILTER (WHERE …)]."""

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
    start, end = day_bounds(tz=tz, date_from=date_from, date_to=date_to)
    assert start is not None and end is not None
    return start, end


# Each figure: the wait conditions it adds (and, in `FIGURE_FILTERS`, the inbox list's parameters for them).
FIGURES: dict[str, WaitFilter] = {
    "started": WaitFilter(),
    "judged": WaitFilter(pending=False),
    "met_deadline": WaitFilter(met=True),
    "missed_deadline": WaitFilter(met=False),
    "met_target": WaitFilter(target_met=True),
    "missed_target": WaitFilter(target_met=False),
    "pending": WaitFilter(pending=True),
    "responded": WaitFilter(responded=True),
}
FIGURE_FILTERS = {name: as_params(figure) for name, figure in FIGURES.items()}
SLICES: dict[str, WaitFilter] = {"team": WaitFilter(auto_reply=False), "auto_replies": WaitFilter(auto_reply=True)}
MEMBER_SLICE = WaitFilter(responded=True, auto_reply=False)

Counts = dict[str, list[int]]  # figure → [waits, interactions]
Key = tuple[str, Any]  # ("total", None), ("marketplace", "wb"), ("kind", "chat")
KEYS: list[Key] = [
    ("total", None),
    *(("marketplace", m) for m in Marketplace.values),
    *(("kind", k) for k in Kind.values),
]


def _zero() -> Counts:
    return {name: [0, 0] for name in FIGURES}


def _keys_of(marketplace: str, kind: str) -> list[Key]:
    return [("total", None), ("marketplace", marketplace), ("kind", kind)]


def _key_condition(key: Key) -> Q:
    return Q() if key[0] == "total" else Q(**{key[0]: key[1]})


class _Aliased:
    """Many aggregates in one query under short aliases, each remembered by what it computes."""

    def __init__(self) -> None:
        self.expressions: dict[str, Aggregate] = {}
        self.meaning: dict[str, tuple[Any, ...]] = {}

    def add(self, expression: Aggregate, *meaning: Any) -> None:
        alias = f"a{len(self.expressions)}"
        self.expressions[alias], self.meaning[alias] = expression, meaning


def _cycle_counts(slices: dict[str, WaitFilter]) -> _Aliased:
    """Per slice and figure: the matching cycles and their distinct interactions."""
    aliased = _Aliased()
    for slice_name, slice_filter in slices.items():
        for name, figure in FIGURES.items():
            condition = cycle_condition(figure.merged(slice_filter))
            if condition is not None:
                aliased.add(Count("pk", filter=condition or None), slice_name, name, 0)
                aliased.add(Count("interaction_id", distinct=True, filter=condition or None), slice_name, name, 1)
    return aliased


def _percentiles(aliased: _Aliased, condition: Q, *meaning: Any) -> None:
    for index, p in enumerate((0.5, 0.9)):
        aliased.add(_PercentileCont("response_seconds", percentile=p, filter=condition), *meaning, index)


def _running_counts(*, seller: Any, start: datetime, end: datetime, now: datetime) -> dict[tuple[str, str], Counts]:
    """The team's running waits per (marketplace, kind): [waits, interactions whose finished waits do not
    already count for the figure]. One wait per interaction, so the groups add up."""
    team = SLICES["team"].merged(WaitFilter(start=start, end=end))
    aliased = _Aliased()
    for name, figure in FIGURES.items():
        wait = figure.merged(team)
        condition = running_condition(wait, now=now)
        if condition is None:
            continue
        alone = condition
        if cycle_condition(wait) is not None:
            alone = condition & ~Q(Exists(matching_cycles(wait)))
        aliased.add(Count("pk", filter=condition), name, 0)
        aliased.add(Count("pk", filter=alone), name, 1)
    rows = (
        Interaction.objects.filter(running_condition(team, now=now), seller=seller)
        .values("marketplace", "kind")
        .annotate(**aliased.expressions)
        .order_by()
    )
    result: dict[tuple[str, str], Counts] = {}
    for row in rows:
        counts = result.setdefault((row["marketplace"], row["kind"]), _zero())
        for alias, (name, index) in aliased.meaning.items():
            counts[name][index] += row[alias]
    return result


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(max(float(value), 0.0), 1)


def _figures(counts: Counts, percentiles: list[float | None], filters: dict[str, str]) -> dict[str, Any]:
    judged = counts["judged"][0]

    def pct(name: str) -> float | None:
        return round(100 * counts[name][0] / judged, 1) if judged else None

    return {
        "filter": filters,
        **{name: {"waits": waits, "interactions": interactions} for name, (waits, interactions) in counts.items()},
        "deadline_pct": pct("met_deadline"),
        "target_pct": pct("met_target"),
        "median_seconds": _seconds(percentiles[0]),
        "p90_seconds": _seconds(percentiles[1]),
    }


def _add_counts(into: Counts, other: Counts) -> None:
    for name, (waits, interactions) in other.items():
        into[name][0] += waits
        into[name][1] += interactions


def sla_report(
    *,
    seller: Any,
    date_from: date,
    date_to: date,
    tz: ZoneInfo,
    now: datetime,
    percentiles_in_database: bool | None = None,
) -> dict[str, Any]:
    """The SLA figures of the waits started in the range (definitions: the module docstring).

    Four queries whatever the data: the cycles per (marketplace, kind), the running waits per (marketplace,
    kind), the response times (percentile_cont on PostgreSQL, the rows on SQLite), the members. Marketplace and
    kind are the interaction's (copied onto its cycles), so an interaction is in one (marketplace, kind) group
    and the groups' distinct counts add up to the marketplace, kind and total ones; percentiles do not add up,
    so each is computed over its own rows."""
    if percentiles_in_database is None:
        percentiles_in_database = db_connection.vendor == "postgresql"
    start, end = stats_range(tz=tz, date_from=date_from, date_to=date_to)
    cycles = ResponseCycle.objects.filter(seller=seller, started_at__gte=start, started_at__lt=end)
    counts: dict[Key, dict[str, Counts]] = {key: {name: _zero() for name in SLICES} for key in KEYS}
    times: dict[Key | tuple[str, int | None], list[float | None]] = {}

    aliased = _cycle_counts(SLICES)
    for row in cycles.values("marketplace", "kind").annotate(**aliased.expressions).order_by():
        for key in _keys_of(row["marketplace"], row["kind"]):
            for alias, (slice_name, name, index) in aliased.meaning.items():
                counts[key][slice_name][name][index] += row[alias]
    for (marketplace, kind), extra in _running_counts(seller=seller, start=start, end=end, now=now).items():
        for key in _keys_of(marketplace, kind):
            _add_counts(counts[key]["team"], extra)

    member_aliased = _cycle_counts({"member": MEMBER_SLICE})
    responded = {name: cycle_condition(FIGURES["responded"].merged(f)) for name, f in SLICES.items()}
    if percentiles_in_database:
        timed = _Aliased()
        for key in KEYS:
            for slice_name, condition in responded.items():
                _percentiles(timed, condition & _key_condition(key), key, slice_name)
        row = cycles.aggregate(**timed.expressions)
        for alias, (key, slice_name, index) in timed.meaning.items():
            times.setdefault((key, slice_name), [None, None])[index] = row[alias]
        _percentiles(member_aliased, cycle_condition(MEMBER_SLICE), "percentile")
    else:
        seconds: dict[Any, list[int]] = defaultdict(list)
        rows = cycles.filter(cycle_condition(FIGURES["responded"]), response_seconds__isnull=False).values_list(
            "marketplace", "kind", "is_auto_reply", "responder_id", "response_seconds"
        )
        for marketplace, kind, auto, responder_id, value in rows:
            slice_name = "auto_replies" if auto else "team"
            for key in _keys_of(marketplace, kind):
                seconds[(key, slice_name)].append(value)
            if not auto:
                seconds[("member", responder_id)].append(value)
        for group, values in seconds.items():
            times[group] = [_percentile(values, 0.5), _percentile(values, 0.9)]

    dates = {"from": date_from.isoformat(), "to": date_to.isoformat()}

    def both(key: Key) -> dict[str, Any]:
        filters = {} if key[0] == "total" else {key[0]: key[1]}
        return {
            slice_name: _figures(
                counts[key][slice_name],
                times.get((key, slice_name), [None, None]),
                {**dates, **as_params(SLICES[slice_name]), **filters},
            )
            for slice_name in SLICES
        }

    by_member = []
    member_rows = (
        cycles.filter(cycle_condition(MEMBER_SLICE))
        .values("responder_id", "responder__email", "responder__full_name")
        .annotate(**member_aliased.expressions)
        .order_by()
    )
    for row in member_rows:
        responder_id = row["responder_id"]
        member_counts, percentiles = _zero(), times.get(("member", responder_id), [None, None])
        for alias, meaning in member_aliased.meaning.items():
            if meaning[0] == "percentile":
                percentiles[meaning[1]] = row[alias]
            else:
                member_counts[meaning[1]][meaning[2]] += row[alias]
        member = None
        if responder_id is not None:
            member = {"id": responder_id, "email": row["responder__email"], "full_name": row["responder__full_name"]}
        responded_by = NO_MEMBER if responder_id is None else responder_id
        filters = {**dates, **as_params(MEMBER_SLICE.merged(WaitFilter(responded_by=responded_by)))}
        by_member.append({"member": member, **_figures(member_counts, percentiles, filters)})
    by_member.sort(key=lambda r: (-r["responded"]["waits"], r["member"] is None, (r["member"] or {}).get("id", 0)))

    return {
        "as_of": now,
        "figure_filters": FIGURE_FILTERS,
        **both(("total", None)),
        "by_marketplace": [{"marketplace": m, **both(("marketplace", m))} for m in Marketplace.values],
        "by_kind": [{"kind": k, **both(("kind", k))} for k in Kind.values],
        "by_member": by_member,
    }


def stats_for(
    *,
    seller: Any,
    date_from: date,
    date_to: date,
    now: datetime | None = None,
    percentiles_in_database: bool | None = None,
) -> dict[str, Any]:
    now = now or timezone.now()
    tz = zone_of(seller.timezone)
    start, end = stats_range(tz=tz, date_from=date_from, date_to=date_to)
    everything = Interaction.objects.filter(seller=seller)
    in_range = everything.filter(created_at__gte=start, created_at__lt=end)

    # Counting the shop key (always set, and in every index used) keeps these index-only scans.
    current = everything.exclude(status=Status.CLOSED).aggregate(
        open=Count("seller"), needs_response=Count("seller", filter=Q(needs_response=True))
    )
    # One pass over the shop's range (index-only): the per-day volume, summed here for the totals.
    per_day = list(
        in_range.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "marketplace", "kind")
        .annotate(
            count=Count("seller"),
            **{f"rating_{r}": Count("seller", filter=Q(kind=Kind.REVIEW, rating=r)) for r in range(1, 6)},
        )
        .order_by("day", "marketplace", "kind")
    )
    summary = {key: sum(row[key] for row in per_day) for key in ("count", *(f"rating_{r}" for r in range(1, 6)))}
    volume = [{k: row[k] for k in ("day", "marketplace", "kind", "count")} for row in per_day]
    report = sla_report(
        seller=seller,
        date_from=date_from,
        date_to=date_to,
        tz=tz,
        now=now,
        percentiles_in_database=percentiles_in_database,
    )
    team = report["team"]
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
    return {
        "date_from": date_from,
        "date_to": date_to,
        "timezone": str(tz),
        "open_count": current["open"],
        "needs_response_count": current["needs_response"],
        "interactions_count": summary["count"],
        "sla": {
            "met": team["met_deadline"]["waits"],
            "breached": team["missed_deadline"]["waits"],
            "compliance_pct": team["deadline_pct"],
        },
        "first_response": {"median_seconds": team["median_seconds"], "p90_seconds": team["p90_seconds"]},
        "rating_distribution": {str(r): summary[f"rating_{r}"] for r in range(1, 6)},
        "volume_per_day": volume,
        "replies_sent_per_day": list(replies),
        "sla_report": report,
        "quality": quality_report(seller=seller, date_from=date_from, date_to=date_to, tz=tz),
    }
