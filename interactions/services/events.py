"""The single writer of the interaction history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from interactions.models import Interaction, InteractionEvent


def event_build(
    *,
    interaction_id: int,
    kind: str,
    actor_id: int | None = None,
    data: dict[str, Any] | None = None,
    created_at: datetime | None = None,
) -> InteractionEvent:
    """An unsaved event, for writers that bulk_create many at once."""
    return InteractionEvent(
        interaction_id=interaction_id,
        kind=kind,
        actor_id=actor_id,
        data=data or {},
        created_at=created_at or timezone.now(),
    )


def event_record(
    *,
    interaction: Interaction,
    kind: str,
    actor: Any = None,
    data: dict[str, Any] | None = None,
    created_at: datetime | None = None,
) -> InteractionEvent:
    event = event_build(
        interaction_id=interaction.pk,
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        data=data,
        created_at=created_at,
    )
    event.save()
    return event


def events_record_bulk(events: list[InteractionEvent]) -> None:
    if events:
        InteractionEvent.objects.bulk_create(events)
