"""Re-pick the rule and the due times of every running wait after a rule or a calendar changed
(`manage.py recompute_sla`, the admin action, and a task queued when a rule or calendar is saved).

Set-based: waits are read in id order, a chunk at a time (memory flat in the row count), computed in
Python (working time is calendar arithmetic, not SQL) and only the rows whose clock moved are written,
one UPDATE … FROM (VALUES …) per chunk. A wait keeps its start and the escalation steps already taken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone

from agentiq.db import bulk_update_rows
from interactions.models import Interaction, SLARule, WorkingCalendar
from interactions.services.sla import SLAFacts, chat_phase_of, escalation_at, rule_time, sla_rule_for, sla_state_at
from interactions.services.working_time import WorkingTime, working_times_for

logger = logging.getLogger(__name__)

CHUNK = 5_000
WRITTEN = ["sla_rule", "sla_due_soon_at", "first_response_due_at", "sla_next_escalation_at", "sla_state"]


@dataclass
class RecomputeResult:
    checked: int = 0
    changed: int = 0


def running_waits(*, seller_id: int | None = None):
    waits = Interaction.objects.filter(needs_response=True, sla_started_at__isnull=False)
    return waits if seller_id is None else waits.filter(seller_id=seller_id)


def recompute_sla(
    *,
    seller_id: int | None = None,
    now: datetime | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> RecomputeResult:
    now = now or timezone.now()
    scope = Q(seller__isnull=True) | Q(seller_id=seller_id) if seller_id is not None else Q()
    rules = list(SLARule.objects.filter(scope, is_active=True))
    global_rules = [r for r in rules if r.seller_id is None]
    by_seller: dict[int, list[SLARule]] = {}
    for rule in rules:
        if rule.seller_id is not None:
            by_seller.setdefault(rule.seller_id, []).append(rule)
    result = RecomputeResult()
    times: dict[int, WorkingTime] = {}
    last_id = 0
    waits = running_waits(seller_id=seller_id).annotate(card_status=KT("reply_context__good_card__statusID"))
    while True:
        rows = list(
            waits.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list(
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
            )[:chunk]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        new_sellers = sorted({row[1] for row in rows} - times.keys())
        if new_sellers:
            times.update(working_times_for(new_sellers, cached=False))
        changed, read_as = [], {}
        for pk, seller, marketplace, kind, priority, rating, card_status, started, step, *before in rows:
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
            rule = sla_rule_for(rules=by_seller.get(seller, []) + global_rules, facts=facts)
            if rule is None:
                after = [None, None, None, None, sla_state_at(due_soon_at=None, due_at=None, now=now)]
            else:
                clock = rule_time(rule, times[seller])
                due_soon, due = clock.add(started, rule.target_minutes), clock.add(started, rule.deadline_minutes)
                after = [
                    rule.pk,
                    due_soon,
                    due,
                    escalation_at(rule=rule, working_time=times[seller], started_at=started, step=step),
                    sla_state_at(due_soon_at=due_soon, due_at=due, now=now),
                ]
            if after != list(before):
                read_as[pk] = (started, step)
                changed.append(
                    Interaction(
                        pk=pk,
                        sla_rule_id=after[0],
                        sla_due_soon_at=after[1],
                        first_response_due_at=after[2],
                        sla_next_escalation_at=after[3],
                        sla_state=after[4],
                    )
                )
        with transaction.atomic():
            # A buyer message or an answer since the read started another wait (or ended this one):
            # that row's clock is the writer's, not ours.
            still = {
                pk: (started, step)
                for pk, started, step in running_waits()
                .filter(pk__in=list(read_as))
                .select_for_update()
                .values_list("pk", "sla_started_at", "sla_escalation_step")
            }
            changed = [row for row in changed if still.get(row.pk) == read_as[row.pk]]
            bulk_update_rows(Interaction, changed, WRITTEN)
        result.checked += len(rows)
        result.changed += len(changed)
        if progress is not None:
            progress(len(rows))
    return result


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
