"""Which buyer waits a report figure counts, as query conditions: the one definition that both the SLA
report (`/api/stats`) and its drill-down (`/api/interactions?sla_met=false&from=…`) read, so that a list
is exactly the interactions behind a number.

A **wait** is one buyer waiting for an answer: a finished one is a `ResponseCycle`, the running one lives on
the interaction (`needs_response` with `sla_started_at`). A reopened interaction has several.

- A wait belongs to the range when it **started** in it (`started_at`, `sla_started_at`), days in the shop's
  timezone.
- **judged**: a responded cycle with a deadline (`met_deadline` set), a cycle closed without an answer after
  its deadline (`ended_at > due_at`), a running wait past its deadline (`first_response_due_at < now`).
- **met deadline**: a responded cycle with `met_deadline`; **missed deadline**: every other judged wait.
- **met target**: a judged, responded cycle with `met_target`; **missed target**: every other judged wait. Both
  percentages share the judged waits as their base, so a wait that is late for the target but not yet for the
  deadline is still pending.
- **pending**: a running wait whose deadline has not come (`first_response_due_at >= now`).
- Not judged and not pending: a cycle closed before its deadline, one answered in the marketplace at an
  unknown time (`answered_elsewhere`), and any wait without a deadline (no rule applied).
- **responded**: a cycle that ended with an answer (`outcome=responded`), the population of the response times
  (`response_seconds`, working seconds in the rule's time).
- **auto-reply**: a responded cycle whose answer was the marketplace's auto-reply; every other wait (running,
  closed, answered by a person) is "not an auto-reply".
- **responded by** a member: a responded cycle with that `responder`; `none`, one without (answered in the
  marketplace's cabinet, or the member was deleted).

Every condition given is one wait's: `responded_by=7&sla_met=false` lists an interaction only if one and the
same wait of it was answered by 7 and late.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q

from interactions.models import CycleOutcome, ResponseCycle

# `responded_by=none`: answered, but by no member of the shop.
NO_MEMBER = "none"

_RESPONDED = Q(outcome=CycleOutcome.RESPONDED)
_CLOSED_LATE = Q(outcome=CycleOutcome.CLOSED, due_at__isnull=False, ended_at__gt=F("due_at"))
_JUDGED = (_RESPONDED & Q(met_deadline__isnull=False)) | _CLOSED_LATE
_MET = _RESPONDED & Q(met_deadline=True)
_MISSED = (_RESPONDED & Q(met_deadline=False)) | _CLOSED_LATE
_TARGET_MET = _RESPONDED & Q(met_deadline__isnull=False, met_target=True)
_TARGET_MISSED = _JUDGED & (Q(met_target=False) | Q(met_target__isnull=True))

_RUNNING = Q(needs_response=True, sla_started_at__isnull=False)

# The inbox list's query parameter of each condition (`from`/`to` give start and end as days).
PARAMS = {
    "sla_met": "met",
    "sla_target_met": "target_met",
    "sla_pending": "pending",
    "responded": "responded",
    "responded_by": "responded_by",
    "auto_reply": "auto_reply",
}


@dataclass(frozen=True)
class WaitFilter:
    """Conditions on one wait; None means "any"."""

    start: datetime | None = None  # started at or after
    end: datetime | None = None  # started before
    met: bool | None = None  # sla_met
    target_met: bool | None = None  # sla_target_met
    pending: bool | None = None  # sla_pending: true pending, false judged
    responded: bool | None = None
    responded_by: int | str | None = None  # a member id or NO_MEMBER
    auto_reply: bool | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def merged(self, other: WaitFilter) -> WaitFilter:
        """Both filters' conditions (the figure's and the slice's never name the same one)."""
        return replace(
            self, **{f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name) is not None}
        )


def as_params(wait: WaitFilter) -> dict[str, str]:
    """The inbox list's query parameters for the wait's conditions (not its range)."""
    params = {}
    for param, attr in PARAMS.items():
        value = getattr(wait, attr)
        if value is not None:
            params[param] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return params


def day_bounds(
    *, tz: ZoneInfo, date_from: date | None, date_to: date | None
) -> tuple[datetime | None, datetime | None]:
    """[start of date_from, start of the day after date_to) in the shop's timezone; None where open."""
    start = datetime.combine(date_from, time.min, tzinfo=tz) if date_from is not None else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz) if date_to is not None else None
    return start, end


def cycle_condition(wait: WaitFilter) -> Q | None:
    """On ResponseCycle: the finished waits that match (None: none can)."""
    condition = Q()
    if wait.start is not None:
        condition &= Q(started_at__gte=wait.start)
    if wait.end is not None:
        condition &= Q(started_at__lt=wait.end)
    if wait.met is not None:
        condition &= _MET if wait.met else _MISSED
    if wait.target_met is not None:
        condition &= _TARGET_MET if wait.target_met else _TARGET_MISSED
    if wait.pending is True:
        return None  # a finished wait is never pending
    if wait.pending is False:
        condition &= _JUDGED
    if wait.responded is not None:
        condition &= _RESPONDED if wait.responded else ~_RESPONDED
    if wait.responded_by == NO_MEMBER:
        condition &= _RESPONDED & Q(responder__isnull=True)
    elif wait.responded_by is not None:
        condition &= _RESPONDED & Q(responder_id=int(wait.responded_by))
    if wait.auto_reply is not None:
        condition &= (_RESPONDED & Q(is_auto_reply=True)) if wait.auto_reply else Q(is_auto_reply=False)
    return condition


def running_condition(wait: WaitFilter, *, now: datetime) -> Q | None:
    """On Interaction: whether its running wait matches (None: no running wait can)."""
    if wait.met or wait.target_met or wait.responded or wait.responded_by is not None or wait.auto_reply:
        return None  # nothing is met or answered while the buyer still waits
    condition = _RUNNING
    if wait.start is not None:
        condition &= Q(sla_started_at__gte=wait.start)
    if wait.end is not None:
        condition &= Q(sla_started_at__lt=wait.end)
    late = Q(first_response_due_at__lt=now)
    if wait.met is False or wait.target_met is False or wait.pending is False:
        condition &= late
    if wait.pending:
        condition &= Q(first_response_due_at__gte=now)
    return condition


def matching_cycles(wait: WaitFilter) -> Any:
    """The outer interaction's finished waits that match, for Exists() (the caller checked that some can)."""
    return ResponseCycle.objects.filter(
        cycle_condition(wait), interaction_id=OuterRef("pk"), seller_id=OuterRef("seller_id")
    )


def interactions_with_wait(wait: WaitFilter, *, now: datetime) -> Q | None:
    """On Interaction: one of its waits matches (a finished one, or the running one). None: nothing can."""
    cycles, running = cycle_condition(wait), running_condition(wait, now=now)
    parts = []
    if cycles is not None:
        parts.append(Q(Exists(matching_cycles(wait))))
    if running is not None:
        parts.append(running)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else parts[0] | parts[1]
