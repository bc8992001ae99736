"""Re-pick the rule and the due times of every running wait after a rule or a calendar changed
(`manage.py recompute_sla`, the admin action, and a task queued when a rule or calendar is saved).

Set-based: waits are read in id order, a chunk at a time (memory flat in the row count), computed in
Python (working time is calendar arithmetic, not SQL) and only the rows whose clock moved are written,
one statement per chunk. A wait keeps its start and the escalation steps already taken; a wait that a
buyer's message or an answer restarted (or ended) since it was read keeps the writer's clock: the write
re-checks the start and the step count it read.

The rule for a wait depends only on its shop and a handful of facts, and its clock on the shop's working
time and the rule: both are worked out once per combination, not once per row.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone

from agentiq.db import bulk_update_values
from interactions.models import Interaction, SLARule, WorkingCalendar
from interactions.services.sla import SLAFacts, chat_phase_of, rule_time, sla_rule_for, sla_state_at
from interactions.services.working_time import WorkingTime, working_times_for

logger = logging.getLogger(__name__)

CHUNK = 5_000
TABLE = Interaction._meta.db_table
WRITTEN = ["sla_rule", "sla_due_soon_at", "first_response_due_at", "sla_next_escalation_at", "sla_state"]
READ = (
    "pk",
    "seller_id",
    "marketplace",
    "kind",
    "priority",
    "rating",
    "card_status",
    "sla_started_at",
    "sla_escalation_step",
    "sla_rule_id",
    "sla_due_soon_at",
    "first_response_due_at",
    "sla_next_escalation_at",
    "sla_state",
)
# The same columns for PostgreSQL's raw read (the ORM's per-row work was a fifth of a recompute).
_READ_SQL = (
    "SELECT id, seller_id, marketplace, kind, priority, rating, reply_context #>> '{good_card,statusID}', "  # noqa: S608
    "sla_started_at, sla_escalation_step, sla_rule_id, sla_due_soon_at, first_response_due_at, "
    f"sla_next_escalation_at, sla_state FROM {TABLE} "
    "WHERE needs_response AND sla_started_at IS NOT NULL AND id > %s"
)
# A moved wait is written only while it is the wait that was read: same start, same steps taken. The
# chunk's rows come as one JSON document of [id, start, steps, rule, due soon, due, next step, state] lists:
# a third of the client's cost of the same values as arrays (psycopg quotes every array element in Python).
_WRITE_SQL = (
    f"UPDATE {TABLE} AS t SET sla_rule_id = (v.row->>3)::bigint, "  # noqa: S608 (our constants)
    "sla_due_soon_at = (v.row->>4)::timestamptz, first_response_due_at = (v.row->>5)::timestamptz, "
    "sla_next_escalation_at = (v.row->>6)::timestamptz, sla_state = v.row->>7 "
    "FROM jsonb_array_elements(%s::jsonb) AS v(row) "
    "WHERE t.id = (v.row->>0)::bigint AND t.needs_response "
    "AND t.sla_started_at = (v.row->>1)::timestamptz AND t.sla_escalation_step = (v.row->>2)::smallint"
)


@dataclass
class RecomputeResult:
    checked: int = 0
    changed: int = 0


def running_waits(*, seller_id: int | None = None):
    waits = Interaction.objects.filter(needs_response=True, sla_started_at__isnull=False)
    return waits if seller_id is None else waits.filter(seller_id=seller_id)


class _Plan(NamedTuple):
    """How a wait with given facts is clocked: its rule's id and minutes, on the shop's clock for that rule."""

    rule_id: int
    target_minutes: int
    deadline_minutes: int
    step_minutes: tuple[int, ...]  # each escalation step's after_minutes (escalation_at)
    clock: WorkingTime


class _Clocks:
    """The plan for a wait's facts in its shop, worked out once a run (a shop has a few dozen combinations)."""

    def __init__(self, rules: list[SLARule]) -> None:
        self.global_rules = [r for r in rules if r.seller_id is None]
        self.by_seller: dict[int, list[SLARule]] = {}
        for rule in rules:
            if rule.seller_id is not None:
                self.by_seller.setdefault(rule.seller_id, []).append(rule)
        self.times: dict[int, WorkingTime] = {}
        self._plans: dict[tuple[Any, ...], _Plan | None] = {}
        self._clocks: dict[tuple[int, bool], WorkingTime] = {}

    def read_times(self, seller_ids: set[int]) -> None:
        new = sorted(seller_ids - self.times.keys())
        if new:
            # Fresh, not this process's cached copy: a recompute right after a change must see it.
            self.times.update(working_times_for(new, cached=False))

    def plan(self, key: tuple[Any, ...]) -> _Plan | None:
        """key: (seller, marketplace, kind, priority, rating, card status as read)."""
        try:
            return self._plans[key]
        except KeyError:
            pass
        seller, marketplace, kind, priority, rating, card_status = key
        status = int(card_status) if isinstance(card_status, str) and card_status.isdigit() else card_status
        facts = SLAFacts(
            seller_id=seller,
            marketplace=marketplace,
            kind=kind,
            priority=priority,
            rating=rating,
            chat_phase=chat_phase_of(
                kind=kind, marketplace=marketplace, reply_context={"good_card": {"statusID": status}}
            ),
        )
        rule = sla_rule_for(rules=self.by_seller.get(seller, []) + self.global_rules, facts=facts)
        plan = None
        if rule is not None:
            clock = self._clocks.get((seller, rule.follows_calendar))
            if clock is None:
                clock = self._clocks[seller, rule.follows_calendar] = rule_time(rule, self.times[seller])
            steps = tuple(step["after_minutes"] for step in rule.escalation_steps or [])
            plan = _Plan(rule.pk, rule.target_minutes, rule.deadline_minutes, steps, clock)
        self._plans[key] = plan
        return plan


def recompute_sla(
    *,
    seller_id: int | None = None,
    now: datetime | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> RecomputeResult:
    now = now or timezone.now()
    scope = Q(seller__isnull=True) | Q(seller_id=seller_id) if seller_id is not None else Q()
    clocks = _Clocks(list(SLARule.objects.filter(scope, is_active=True)))
    result = RecomputeResult()
    last_id = 0
    while True:
        rows = _read(seller_id=seller_id, after_id=last_id, chunk=chunk)
        if not rows:
            break
        last_id = rows[-1][0]
        clocks.read_times({row[1] for row in rows})
        moved = []
        for pk, *facts, started, step, rule_id, due_soon_at, due_at, next_at, state in rows:
            plan = clocks.plan(tuple(facts))
            if plan is None:
                after = (None, None, None, None, sla_state_at(due_soon_at=None, due_at=None, now=now))
            else:
                add = plan.clock.add
                due_soon, due = add(started, plan.target_minutes), add(started, plan.deadline_minutes)
                next_step = add(started, plan.step_minutes[step]) if step < len(plan.step_minutes) else None
                after = (
                    plan.rule_id,
                    due_soon,
                    due,
                    next_step,
                    sla_state_at(due_soon_at=due_soon, due_at=due, now=now),
                )
            before = (rule_id, due_soon_at, due_at, next_at, state)
            if after != before:
                moved.append((pk, started, step, *after))
        result.checked += len(rows)
        result.changed += _write(moved)
        if progress is not None:
            progress(len(rows))
    return result


def _read(*, seller_id: int | None, after_id: int, chunk: int) -> list[tuple[Any, ...]]:
    if connection.vendor == "postgresql":
        shop = "" if seller_id is None else " AND seller_id = %s"
        sql = f"{_READ_SQL}{shop} ORDER BY id LIMIT %s"
        params = [after_id] + ([] if seller_id is None else [seller_id]) + [chunk]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    waits = running_waits(seller_id=seller_id).annotate(card_status=KT("reply_context__good_card__statusID"))
    return list(waits.filter(pk__gt=after_id).order_by("pk").values_list(*READ)[:chunk])


def _write(moved: list[tuple[Any, ...]]) -> int:
    """Write the moved clocks, (pk, start read, steps read, rule, due soon, due, next step, state) each, of
    the waits still as read; returns how many were written."""
    if not moved:
        return 0
    if connection.vendor == "postgresql":
        # One statement: PostgreSQL re-checks its WHERE against a row a writer changed meanwhile.
        document = json.dumps(
            [[value.isoformat() if isinstance(value, datetime) else value for value in row] for row in moved]
        )
        with connection.cursor() as cursor:
            cursor.execute(_WRITE_SQL, [document])
            return cursor.rowcount
    with transaction.atomic():  # SQLite: the database's write lock is held until the end
        still = set(
            running_waits()
            .filter(pk__in=[row[0] for row in moved])
            .values_list("pk", "sla_started_at", "sla_escalation_step")
        )
        rows = [(pk, *after) for pk, started, step, *after in moved if (pk, started, step) in still]
        bulk_update_values(Interaction, WRITTEN, rows)
        return len(rows)


RECOMPUTE_TASK = "interactions.tasks.recompute_sla"


def recompute_soon(*, seller_id: int | None) -> None:
    """After the change commits, queue a recompute of that shop's waits (every shop's for None)."""

    def enqueue() -> None:
        from agentiq.celery import app as celery_app

        try:
            celery_app.send_task(RECOMPUTE_TASK, kwargs={"seller_id": seller_id})
        except Exception:
            # The change itself stands; the operator's `recompute_sla` (or the next save) moves the clocks.
            logger.warning("could not queue the SLA recompute for %s", seller_id or "all shops", exc_info=True)

    transaction.on_commit(enqueue)


def rules_or_calendar_changed(sender: type, instance: object, **kwargs: object) -> None:
    """Signal receiver: SLARule, WorkingCalendar or CalendarDay saved or deleted."""
    if kwargs.get("raw"):
        return  # loaddata
    if isinstance(instance, SLARule):
        seller_id = instance.seller_id
    elif hasattr(instance, "calendar_id"):
        seller_id = WorkingCalendar.objects.filter(pk=instance.calendar_id).values_list("seller_id", flat=True).first()
        if seller_id is None:
            return
    else:
        seller_id = instance.seller_id
    recompute_soon(seller_id=seller_id)
