"""The SLA sweep (`check_sla_escalation`, every 5 minutes): due soon, breached, and each escalation step
of a rule fired once per deadline.

The database decides who moves a row: the sweep locks every row that is due for something (`SELECT … FOR
UPDATE`, in id order, re-checked by PostgreSQL against the latest committed version), works out in Python
what each one owes (its new state, every escalation step due, with what each step does) and writes each
row once. Two sweeps at once (or two runs) move each row once: the second waits for the first's locks and
then finds nothing due. A sync that gives the row a fresh deadline while the sweep runs wins: the locked
read sees the version the sync committed, so the row is not marked breached against its stale deadline.

Only the rows that are due are read: the candidates come from the partial indexes on the three due times
(one UNION, each arm one index), so the cost is flat in the number of open interactions; everything a row
needs (its rule, the shop's calendar, owners, the assignee's membership, staff) is read once per sweep,
not once per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from agentiq.db import bulk_update_values
from interactions.models import EscalationAction, Interaction, InteractionEvent, Priority, SLARule
from interactions.services.events import system_events_record
from interactions.services.sla import escalation_at
from interactions.services.working_time import WorkingTime, working_times_for
from notifications.models import Notification
from notifications.services import NotificationDraft, notify_many
from sellers.models import User

Event = InteractionEvent.Kind
# (interaction id, kind, data, created_at): what system_events_record writes.
EventRow = tuple[int, str, dict[str, Any], datetime]
TABLE = Interaction._meta.db_table
# A sweep that was off for a while may owe one row several steps; one sweep takes at most this many per row.
MAX_STEP_ROUNDS = 8
RAISED = {Priority.LOW: Priority.NORMAL, Priority.NORMAL: Priority.HIGH, Priority.HIGH: Priority.URGENT}

DUE_SOON_WHERE = "needs_response AND sla_state = 'ok' AND sla_due_soon_at <= %s AND first_response_due_at > %s"
BREACHED_WHERE = "needs_response AND sla_state IN ('ok', 'due_soon') AND first_response_due_at <= %s"
STEP_WHERE = "needs_response AND sla_next_escalation_at IS NOT NULL AND sla_next_escalation_at <= %s"
# Due soon or already past the deadline: the due-soon index's range alone (which of the two is decided per row).
# Written with the deadline test the planner would walk the breach index instead and filter ~100 k rows.
SOON_OR_LATE_WHERE = "needs_response AND sla_state = 'ok' AND sla_due_soon_at <= %s"
DUE_WHERE = f"(({SOON_OR_LATE_WHERE}) OR ({BREACHED_WHERE}) OR ({STEP_WHERE}))"
# Built from our own constants only; the run's values go in as parameters.
CANDIDATES_SQL = (
    f"SELECT id FROM {TABLE} WHERE {SOON_OR_LATE_WHERE} UNION "  # noqa: S608
    f"SELECT id FROM {TABLE} WHERE {BREACHED_WHERE} UNION "
    f"SELECT id FROM {TABLE} WHERE {STEP_WHERE}"
)
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
    "sla_due_soon_at",
    "sla_next_escalation_at",
    "sla_state",
    "escalated_at",
)
# What the sweep writes back, once per moved row.
WRITTEN = (
    "sla_state",
    "sla_escalation_step",
    "sla_next_escalation_at",
    "escalated_at",
    "assigned_to",
    "priority",
    "updated_at",
)
# The row's keys written back, in WRITTEN's order (updated_at is the run's time).
ROW_NAMES = ("sla_state", "sla_escalation_step", "sla_next_escalation_at", "escalated_at", "assigned_to_id", "priority")
_COLUMNS = ", ".join(ROW_FIELDS)


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


def _lock_due(now: datetime) -> list[dict[str, Any]]:
    """Every row due for a state move or a step, locked, in id order (one lock order for every sweep)."""
    stamp = _db(now)
    due_params = [stamp, stamp, stamp]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(CANDIDATES_SQL, due_params)
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return []
            cursor.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE id = ANY(%s) AND {DUE_WHERE} ORDER BY id FOR UPDATE",  # noqa: S608
                [ids, *due_params],
            )
            return [dict(zip(ROW_FIELDS, values, strict=True)) for values in cursor.fetchall()]
    # SQLite: the transaction holds the database's write lock (IMMEDIATE), nobody writes meanwhile.
    due = RawSQL(f"SELECT id FROM {TABLE} WHERE {DUE_WHERE}", due_params)  # noqa: S608, S611 (our constants)
    return list(Interaction.objects.filter(pk__in=due).order_by("pk").values(*ROW_FIELDS))


class _Shops:
    """What the sweep's notices and steps need of the shops involved, read once per sweep: the rules, the
    calendars, the active owners, which assignees are still active members, the staff."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        sellers = sorted({row["seller_id"] for row in rows})
        rule_ids = {row["sla_rule_id"] for row in rows} - {None}
        self.rules = {rule.pk: rule for rule in SLARule.objects.filter(pk__in=rule_ids).select_related("escalate_to")}
        self.times: dict[int, WorkingTime] = working_times_for(sellers)
        self.owners: dict[int, list[int]] = {seller_id: [] for seller_id in sellers}
        for seller_id, user_id in (
            User.objects.filter(seller_id__in=sellers, role=User.Role.OWNER, is_active=True)
            .order_by("id")
            .values_list("seller_id", "id")
        ):
            self.owners[seller_id].append(user_id)
        assignees = {row["assigned_to_id"] for row in rows} - {None}
        self.members = set(
            User.objects.filter(pk__in=assignees, is_active=True, seller__isnull=False).values_list("pk", "seller_id")
        )
        self._staff: list[int] | None = None

    def assignee_or_owners(self, seller_id: int, assignee_id: int | None) -> list[int]:
        """notifications.services.assignee_or_owner_ids, for many rows at once."""
        if assignee_id is not None and (assignee_id, seller_id) in self.members:
            return [assignee_id]
        return self.owners.get(seller_id, [])

    def staff(self) -> list[int]:
        if self._staff is None:
            self._staff = list(
                User.objects.filter(is_staff=True, is_active=True, seller__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)
            )
        return self._staff


def check_sla_escalation(*, now: datetime | None = None, dry_run: bool = False) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    if dry_run:
        result.due_soon = _count(DUE_SOON_WHERE, [_db(now), _db(now)])
        result.breached = _count(BREACHED_WHERE, [_db(now)])
        result.steps = [(pk, 0, "") for pk in _count(STEP_WHERE, [_db(now)])]
        return result
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The partial indexes' ranges are estimated from the whole table (most deadlines are long past), so
            # the planner costs these small statements as big ones and would JIT-compile them: ~30 ms for nothing.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        rows = _lock_due(now)
        if not rows:
            return result
        shops = _Shops(rows)
        events: list[EventRow] = []
        drafts: list[NotificationDraft] = []
        written: list[tuple[Any, ...]] = []
        for row in rows:
            moved = _move_state(row, now=now, result=result, shops=shops, events=events, drafts=drafts)
            stepped = _take_due_steps(row, now=now, result=result, shops=shops, events=events, drafts=drafts)
            if moved or stepped:
                written.append((row["id"], *(row[name] for name in ROW_NAMES), now))
        bulk_update_values(Interaction, WRITTEN, written)
        system_events_record(events)
        result.notifications += notify_many(drafts)
    return result


def _move_state(
    row: dict[str, Any],
    *,
    now: datetime,
    result: SweepResult,
    shops: _Shops,
    events: list[EventRow],
    drafts: list[NotificationDraft],
) -> bool:
    """ok → due soon (DUE_SOON_WHERE), ok or due soon → breached (BREACHED_WHERE); one event and notice each."""
    due, due_soon, state = row["first_response_due_at"], row["sla_due_soon_at"], row["sla_state"]
    if due is None:
        return False
    if state in ("ok", "due_soon") and due <= now:
        row["sla_state"], kind, notice, ids = (
            "breached",
            Event.SLA_BREACHED,
            Notification.Kind.SLA_BREACHED,
            result.breached,
        )
    elif state == "ok" and due_soon is not None and due_soon <= now:
        row["sla_state"], kind, notice, ids = (
            "due_soon",
            Event.SLA_DUE_SOON,
            Notification.Kind.SLA_DUE_SOON,
            result.due_soon,
        )
    else:
        return False
    ids.append(row["id"])
    events.append((row["id"], kind, {"due_at": due.isoformat()}, now))
    drafts += _state_notices(row, kind=notice, shops=shops)
    return True


def _state_notices(row: dict[str, Any], *, kind: str, shops: _Shops) -> list[NotificationDraft]:
    # In the shop's own timezone (its working time carries it), not the server's.
    due = row["first_response_due_at"].astimezone(shops.times[row["seller_id"]].tz).strftime("%d.%m в %H:%M")
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
        for user_id in shops.assignee_or_owners(row["seller_id"], row["assigned_to_id"])
    ]


def _take_due_steps(
    row: dict[str, Any],
    *,
    now: datetime,
    result: SweepResult,
    shops: _Shops,
    events: list[EventRow],
    drafts: list[NotificationDraft],
) -> bool:
    """Every escalation step the row owes (at most MAX_STEP_ROUNDS), in order: the step count moves on, the
    next step's time is the rule's, and a step with an action takes it."""
    rule = shops.rules.get(row["sla_rule_id"])
    taken = 0
    while (
        taken < MAX_STEP_ROUNDS and row["sla_next_escalation_at"] is not None and row["sla_next_escalation_at"] <= now
    ):
        taken += 1
        row["sla_escalation_step"] += 1
        row["escalated_at"] = now
        number = row["sla_escalation_step"]
        steps = (rule.escalation_steps if rule is not None else None) or []
        action = steps[number - 1]["action"] if number <= len(steps) else ""
        row["sla_next_escalation_at"] = (
            escalation_at(
                rule=rule, working_time=shops.times[row["seller_id"]], started_at=row["sla_started_at"], step=number
            )
            if rule is not None and row["sla_started_at"] is not None
            else None
        )
        if not action:
            continue
        result.steps.append((row["id"], number, action))
        data = {"step": number, "action": action, "rule": rule.pk, "rule_name": rule.name}
        drafts += _take_step(
            row,
            rule=rule,
            action=action,
            owners=shops.owners.get(row["seller_id"], []),
            shops=shops,
            data=data,
            events=events,
            now=now,
        )
        events.append((row["id"], Event.ESCALATED, data, now))
    return taken > 0


def _take_step(
    row: dict[str, Any],
    *,
    rule: SLARule,
    action: str,
    owners: list[int],
    shops: _Shops,
    data: dict[str, Any],
    events: list[EventRow],
    now: datetime,
) -> list[NotificationDraft]:
    label = _label(row)
    late = (
        "срок ответа прошёл"
        if row["first_response_due_at"] and row["first_response_due_at"] <= now
        else "ответа всё ещё нет"
    )
    recipients: list[int]
    if action == EscalationAction.NOTIFY_ASSIGNEE:
        recipients = [row["assigned_to_id"]] if row["assigned_to_id"] else owners
        text = f"Эскалация: {label}, {late}. Ответьте покупателю."
    elif action == EscalationAction.NOTIFY_OWNER:
        recipients = owners
        text = f"Эскалация владельцу: {label}, {late}."
    elif action == EscalationAction.REASSIGN:
        target = _fallback(rule, owners, seller_id=row["seller_id"])
        if target is not None and target != row["assigned_to_id"]:
            events.append(
                (row["id"], Event.ASSIGNED, {"from": row["assigned_to_id"], "to": target, "escalation": True}, now)
            )
            data["reassigned_to"] = target
            row["assigned_to_id"] = target
        raised = RAISED.get(row["priority"])
        if raised is not None:
            events.append(
                (row["id"], Event.PRIORITY_CHANGED, {"from": row["priority"], "to": raised, "escalation": True}, now)
            )
            data["priority"] = raised
            # The clock stays as it is: the steps left are this deadline's.
            row["priority"] = raised
        recipients = [target] if target is not None else owners
        text = f"Вам передано по эскалации: {label}, {late}."
    else:
        recipients = shops.staff()
        text = f"Эскалация операторам AgentIQ: магазин {row['seller_id']}, {label}, {late}."
    return [
        NotificationDraft(
            recipient_id=user_id,
            kind=Notification.Kind.ESCALATION,
            text=text,
            dedupe_key=f"{_deadline_key(row)}:step:{data['step']}",
            seller_id=row["seller_id"],
            interaction_id=row["id"],
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
