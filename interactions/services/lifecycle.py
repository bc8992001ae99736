"""Seller actions on interactions: status, assignee, priority, read, close/reopen; one event each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from interactions.models import (
    CycleOutcome,
    DraftSource,
    Interaction,
    InteractionEvent,
    Priority,
    ResponseCycle,
    SLAState,
    Status,
)
from interactions.services.cycles import clock_repick, cycle_build
from interactions.services.events import event_build, event_record, events_record_bulk
from interactions.services.sla import CLOCK_FIELDS, clock_stop

Event = InteractionEvent.Kind


def _save(interaction: Interaction, fields: list[str]) -> None:
    interaction.save(update_fields=[*fields, "updated_at"])


def set_status(*, interaction: Interaction, status: str, actor: Any = None) -> Interaction:
    if status not in Status.values:
        raise ValidationError({"status": ["Неизвестный статус."]})
    if status == interaction.status:
        return interaction
    if status == Status.CLOSED:
        return close(interaction=interaction, actor=actor)
    previous = interaction.status
    with transaction.atomic():
        interaction.status = status
        fields = ["status"]
        if previous == Status.CLOSED:
            interaction.closed_at = None
            fields.append("closed_at")
        _save(interaction, fields)
        event_record(
            interaction=interaction,
            kind=Event.REOPENED if previous == Status.CLOSED else Event.STATUS_CHANGED,
            actor=actor,
            data={"from": previous, "to": status},
        )
    return interaction


def close(*, interaction: Interaction, actor: Any = None, auto: bool = False) -> Interaction:
    if interaction.status == Status.CLOSED:
        return interaction
    now = timezone.now()
    with transaction.atomic():
        previous = interaction.status
        if interaction.needs_response:
            cycle = cycle_build(interaction, ended_at=now, outcome=CycleOutcome.CLOSED)
            if cycle is not None:
                cycle.save()
        interaction.status = Status.CLOSED
        interaction.closed_at = now
        interaction.needs_response = False
        clock_stop(interaction)
        _save(interaction, ["status", "closed_at", "needs_response", "sla_state", "sla_next_escalation_at"])
        event_record(
            interaction=interaction,
            kind=Event.AUTO_CLOSED if auto else Event.CLOSED,
            actor=actor,
            data={"from": previous},
        )
    return interaction


def reopen(*, interaction: Interaction, actor: Any = None) -> Interaction:
    if interaction.status != Status.CLOSED:
        return interaction
    with transaction.atomic():
        interaction.status = Status.OPEN
        interaction.closed_at = None
        _save(interaction, ["status", "closed_at"])
        event_record(interaction=interaction, kind=Event.REOPENED, actor=actor, data={"from": Status.CLOSED})
    return interaction


def assign(*, interaction: Interaction, user: Any, actor: Any = None) -> Interaction:
    """Assign to a member of the same shop, or unassign with user=None."""
    if user is not None and (user.seller_id != interaction.seller_id or not user.is_active):
        raise ValidationError({"assigned_to": ["Можно назначить только сотрудника вашего магазина."]})
    new_id = user.pk if user is not None else None
    if new_id == interaction.assigned_to_id:
        return interaction
    with transaction.atomic():
        previous = interaction.assigned_to_id
        interaction.assigned_to = user
        _save(interaction, ["assigned_to"])
        event_record(interaction=interaction, kind=Event.ASSIGNED, actor=actor, data={"from": previous, "to": new_id})
    return interaction


def set_priority(*, interaction: Interaction, priority: str, actor: Any = None) -> Interaction:
    if priority not in Priority.values:
        raise ValidationError({"priority": ["Неизвестный приоритет."]})
    if priority == interaction.priority and (actor is None or interaction.priority_by_seller):
        return interaction
    with transaction.atomic():
        previous = interaction.priority
        interaction.priority = priority
        fields = ["priority"]
        if actor is not None:
            # A person chose it: later analyses keep it (interactions.services.analysis).
            interaction.priority_by_seller = True
            fields.append("priority_by_seller")
        # A running wait follows the new tier: same start, the rule re-picked.
        if clock_repick(interaction, now=timezone.now()):
            fields += list(CLOCK_FIELDS)
        _save(interaction, fields)
        event_record(
            interaction=interaction, kind=Event.PRIORITY_CHANGED, actor=actor, data={"from": previous, "to": priority}
        )
    return interaction


def mark_read(*, interaction: Interaction, actor: Any = None) -> Interaction:
    """The seller opened it: `new` becomes `open`."""
    if interaction.is_read and interaction.status != Status.NEW:
        return interaction
    with transaction.atomic():
        interaction.is_read = True
        fields = ["is_read"]
        if interaction.status == Status.NEW:
            interaction.status = Status.OPEN
            fields.append("status")
        _save(interaction, fields)
        event_record(interaction=interaction, kind=Event.READ, actor=actor)
    return interaction


def set_draft(*, interaction: Interaction, text: str, actor: Any = None) -> Interaction:
    """The seller's edit of the reply draft: theirs from now on, so the AI never replaces it on its own
    (`interactions.services.analysis.drafts_apply`)."""
    if text != interaction.draft_text:
        interaction.draft_text = text
        interaction.draft_source = DraftSource.SELLER if text.strip() else ""
        _save(interaction, ["draft_text", "draft_source"])
    return interaction


BULK_ACTIONS = ("close", "reopen", "assign", "mark_read")


def bulk_apply(
    *, seller: Any, interaction_ids: Sequence[int], action: str, actor: Any = None, assignee: Any = None
) -> int:
    """One transaction, set-based: a few queries whatever the number of ids. Returns rows changed.

    The caller has checked that every id belongs to `seller`; the seller filter here is a second lock.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": ["Неизвестное действие."]})
    if action == "assign" and assignee is not None and assignee.seller_id != seller.pk:
        raise ValidationError({"assigned_to": ["Можно назначить только сотрудника вашего магазина."]})
    now = timezone.now()
    rows = Interaction.objects.filter(seller=seller, pk__in=list(interaction_ids))
    assignee_id = assignee.pk if assignee is not None else None
    with transaction.atomic():
        if action == "close":
            targets = rows.exclude(status=Status.CLOSED)
            update = {
                "status": Status.CLOSED,
                "closed_at": now,
                "needs_response": False,
                "sla_state": SLAState.OK,
                "sla_next_escalation_at": None,
            }
            kind, data = Event.CLOSED, {"bulk": True}
        elif action == "reopen":
            targets = rows.filter(status=Status.CLOSED)
            update = {"status": Status.OPEN, "closed_at": None}
            kind, data = Event.REOPENED, {"bulk": True}
        elif action == "assign":
            targets = (
                rows.exclude(assigned_to_id=assignee_id) if assignee_id else rows.exclude(assigned_to__isnull=True)
            )
            update = {"assigned_to_id": assignee_id}
            kind, data = Event.ASSIGNED, {"bulk": True, "to": assignee_id}
        else:
            targets = rows.filter(is_read=False) | rows.filter(status=Status.NEW)
            update = {"is_read": True}
            kind, data = Event.READ, {"bulk": True}
        ids = list(targets.select_for_update().values_list("pk", flat=True))
        if not ids:
            return 0
        if action == "mark_read":
            Interaction.objects.filter(pk__in=ids, status=Status.NEW).update(status=Status.OPEN, updated_at=now)
        if action == "close":
            waiting = Interaction.objects.filter(pk__in=ids, needs_response=True, sla_started_at__isnull=False)
            cycles = [cycle_build(i, ended_at=now, outcome=CycleOutcome.CLOSED) for i in waiting]
            ResponseCycle.objects.bulk_create([c for c in cycles if c is not None])
        Interaction.objects.filter(pk__in=ids).update(**update, updated_at=now)
        events_record_bulk(
            [
                event_build(
                    interaction_id=pk, kind=kind, actor_id=getattr(actor, "pk", None), data=data, created_at=now
                )
                for pk in ids
            ]
        )
    return len(ids)
