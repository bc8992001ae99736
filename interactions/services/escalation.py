"""The SLA sweep (`check_sla_escalation`, every 5 minutes): due soon, breached, and each escalation step
of a rule fired once per deadline.

Every move is one `UPDATE … WHERE <still due> RETURNING id`, so the database decides who moves a row:
two sweeps at once (or two runs) move each row once, and a sync that gives the row a fresh deadline while
the sweep runs wins. PostgreSQL re-checks the WHERE against the row version the sync committed, so the
row is not marked breached against its stale deadline. Only the moved rows are read back; the partial
indexes on the three due times keep the cost flat in the number of open interactions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from agentiq.db import bulk_update_rows
from interactions.models import EscalationAction, Interaction, InteractionEvent, Priority, SLARule
from interactions.services.events import event_build, events_record_bulk
from interactions.services.sla import escalation_at
from interactions.services.working_time import working_times_for, zone_of
from notifications.models import Notification
from notifications.services import (
    NotificationDraft,
    assignee_or_owner_ids,
    notify_many,
    shop_owner_ids,
    staff_ids,
)

Event = InteractionEvent.Kind
TABLE = Interaction._meta.db_table
# A sweep that was off for a while may owe one row several steps; each round fires at most one per row.
MAX_STEP_ROUNDS = 8
RAISED = {Priority.LOW: Priority.NORMAL, Priority.NORMAL: Priority.HIGH, Priority.HIGH: Priority.URGENT}

DUE_SOON_WHERE = "needs_response AND sla_state = 'ok' AND sla_due_soon_at <= %s AND first_response_due_at > %s"
BREACHED_WHERE = "needs_response AND sla_state IN ('ok', 'due_soon') AND first_response_due_at <= %s"
STEP_WHERE = "needs_response AND sla_next_escalation_at IS NOT NULL AND sla_next_escalation_at <= %s"


@dataclass
class SweepResult:
    due_soon: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    # (interaction id, step number from 1, action)
    steps: list[tuple[int, int, str]] = field(default_factory=list)
    notifications: int = 0

    def summary(self) -> dict[str, int]:
        return {
            "due_soon": len(self.due_soon),
            "breached": len(self.breached),
            "escalation_steps": len(self.steps),
            "notifications": self.notifications,
        }


def _db(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _update_returning(set_sql: str, where: str, params: list[Any]) -> list[int]:
    # PostgreSQL and SQLite ≥ 3.35 both return the ids of the rows this statement moved.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {set_sql} WHERE {where} RETURNING id", params)  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _count(where: str, params: list[Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {TABLE} WHERE {where}", params)  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _label(row: dict[str, Any]) -> str:
    kind = {"chat": "Чат", "question": "Вопрос", "review": "Отзыв"}.get(row["kind"], "Обращение")
    product = f" о товаре «{row['product_name']}»" if row["product_name"] else ""
    return f"{kind}{product}"


def _deadline_key(row: dict[str, Any]) -> str:
    started = row["sla_started_at"]
    return f"interaction:{row['id']}:{started.isoformat() if started else ''}"


ROW_FIELDS = (
    "id",
    "seller_id",
    "kind",
    "product_name",
    "assigned_to_id",
    "priority",
    "sla_rule_id",
    "sla_started_at",
    "sla_escalation_step",
    "first_response_due_at",
)


def check_sla_escalation(*, now: datetime | None = None, dry_run: bool = False) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    if dry_run:
        result.due_soon = _count(DUE_SOON_WHERE, [_db(now), _db(now)])
        result.breached = _count(BREACHED_WHERE, [_db(now)])
        result.steps = [(pk, 0, "") for pk in _count(STEP_WHERE, [_db(now)])]
        return result
    with transaction.atomic():
        result.due_soon = _update_returning(
            "sla_state = 'due_soon', updated_at = %s", DUE_SOON_WHERE, [_db(now), _db(now), _db(now)]
        )
        result.breached = _update_returning(
            "sla_state = 'breached', updated_at = %s", BREACHED_WHERE, [_db(now), _db(now)]
        )
        rows = {
            row["id"]: row
            for row in Interaction.objects.filter(pk__in=result.due_soon + result.breached).values(
                *ROW_FIELDS, "seller__timezone"
            )
        }
        events, drafts = [], []
        for kind, ids, notice in (
            (Event.SLA_DUE_SOON, result.due_soon, Notification.Kind.SLA_DUE_SOON),
            (Event.SLA_BREACHED, result.breached, Notification.Kind.SLA_BREACHED),
        ):
            for pk in ids:
                row = rows[pk]
                events.append(
                    event_build(
                        interaction_id=pk,
                        kind=kind,
                        data={"due_at": row["first_response_due_at"].isoformat()},
                        created_at=now,
                    )
                )
                drafts += _state_notices(row, kind=notice)
        events_record_bulk(events)
        result.notifications += notify_many(drafts)
    for _ in range(MAX_STEP_ROUNDS):
        fired = _escalation_round(now=now)
        if not fired:
            break
        result.steps += fired[0]
        result.notifications += fired[1]
    return result


def _state_notices(row: dict[str, Any], *, kind: str) -> list[NotificationDraft]:
    due = row["first_response_due_at"].astimezone(zone_of(row["seller__timezone"])).strftime("%d.%m в %H:%M")
    text = (
        f"{_label(row)}: скоро срок ответа ({due})."
        if kind == Notification.Kind.SLA_DUE_SOON
        else f"{_label(row)}: срок ответа прошёл ({due}), покупатель ждёт."
    )
    return [
        NotificationDraft(
            recipient_id=user_id,
            kind=kind,
            text=text,
            dedupe_key=_deadline_key(row),
            seller_id=row["seller_id"],
            interaction_id=row["id"],
        )
        for user_id in assignee_or_owner_ids(row["seller_id"], row["assigned_to_id"])
    ]


def _escalation_round(*, now: datetime) -> tuple[list[tuple[int, int, str]], int] | None:
    """Take one step on every row that owes one; None when none does."""
    with transaction.atomic():
        ids = _update_returning(
            "sla_escalation_step = sla_escalation_step + 1, escalated_at = %s, updated_at = %s",
            STEP_WHERE,
            [_db(now), _db(now), _db(now)],
        )
        if not ids:
            return None
        interactions = list(Interaction.objects.filter(pk__in=ids).select_related("sla_rule"))
        times = working_times_for(sorted({i.seller_id for i in interactions}))
        owners: dict[int, list[int]] = defaultdict(list)
        for seller_id in {i.seller_id for i in interactions}:
            owners[seller_id] = shop_owner_ids(seller_id)
        fired, events, drafts, changed = [], [], [], []
        for interaction in interactions:
            rule = interaction.sla_rule
            number = interaction.sla_escalation_step
            steps = (rule.escalation_steps if rule is not None else None) or []
            action = steps[number - 1]["action"] if number <= len(steps) else ""
            interaction.sla_next_escalation_at = (
                escalation_at(
                    rule=rule,
                    working_time=times[interaction.seller_id],
                    started_at=interaction.sla_started_at,
                    step=number,
                )
                if rule is not None and interaction.sla_started_at is not None
                else None
            )
            changed.append(interaction)
            if not action:
                continue
            fired.append((interaction.pk, number, action))
            data = {"step": number, "action": action, "rule": rule.pk, "rule_name": rule.name}
            drafts += _take_step(
                interaction,
                rule=rule,
                action=action,
                owners=owners[interaction.seller_id],
                data=data,
                events=events,
                now=now,
            )
            events.append(event_build(interaction_id=interaction.pk, kind=Event.ESCALATED, data=data, created_at=now))
        bulk_update_rows(Interaction, changed, ["sla_next_escalation_at", "assigned_to", "priority"])
        events_record_bulk(events)
        return fired, notify_many(drafts)


def _take_step(
    interaction: Interaction,
    *,
    rule: SLARule,
    action: str,
    owners: list[int],
    data: dict[str, Any],
    events: list[InteractionEvent],
    now: datetime,
) -> list[NotificationDraft]:
    row = {f: getattr(interaction, f) for f in ROW_FIELDS}
    label = _label(row)
    late = (
        "срок ответа прошёл"
        if interaction.first_response_due_at and interaction.first_response_due_at <= now
        else "ответа всё ещё нет"
    )
    recipients: list[int]
    if action == EscalationAction.NOTIFY_ASSIGNEE:
        recipients = [interaction.assigned_to_id] if interaction.assigned_to_id else owners
        text = f"Эскалация: {label}, {late}. Ответьте покупателю."
    elif action == EscalationAction.NOTIFY_OWNER:
        recipients = owners
        text = f"Эскалация владельцу: {label}, {late}."
    elif action == EscalationAction.REASSIGN:
        target = _fallback(rule, owners, seller_id=interaction.seller_id)
        if target is not None and target != interaction.assigned_to_id:
            events.append(
                event_build(
                    interaction_id=interaction.pk,
                    kind=Event.ASSIGNED,
                    data={"from": interaction.assigned_to_id, "to": target, "escalation": True},
                    created_at=now,
                )
            )
            data["reassigned_to"] = target
            interaction.assigned_to_id = target
        raised = RAISED.get(interaction.priority)
        if raised is not None:
            events.append(
                event_build(
                    interaction_id=interaction.pk,
                    kind=Event.PRIORITY_CHANGED,
                    data={"from": interaction.priority, "to": raised, "escalation": True},
                    created_at=now,
                )
            )
            data["priority"] = raised
            # The clock stays as it is: the steps left are this deadline's.
            interaction.priority = raised
        recipients = [target] if target is not None else owners
        text = f"Вам передано по эскалации: {label}, {late}."
    else:
        recipients = staff_ids()
        text = f"Эскалация операторам AgentIQ: магазин {interaction.seller_id}, {label}, {late}."
    return [
        NotificationDraft(
            recipient_id=user_id,
            kind=Notification.Kind.ESCALATION,
            text=text,
            dedupe_key=f"{_deadline_key(row)}:step:{data['step']}",
            seller_id=interaction.seller_id,
            interaction_id=interaction.pk,
            email=True,
        )
        for user_id in dict.fromkeys(recipients)
    ]


def _fallback(rule: SLARule, owners: list[int], *, seller_id: int) -> int | None:
    """The rule's named member if still active in the shop, else the first owner."""
    member = rule.escalate_to
    if member is not None and member.is_active and member.seller_id == seller_id:
        return member.pk
    return owners[0] if owners else None
