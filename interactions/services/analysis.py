"""The AI's results written into the inbox: the one door the `ai` app uses (it never saves an
Interaction itself).

An analysis is applied once per content: its `input_hash` (analyzer version + what the buyer wrote)
is stored, and the same hash again changes nothing. A seller's own priority or intent stands
(`priority_by_seller`, `intent_by_seller`); everything else follows the newest analysis. A priority the
analysis changes re-picks the SLA rule of the running wait (same start, steps taken stay taken).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from interactions.models import AnalysisSource, Intent, Interaction, InteractionEvent, Priority, Sentiment
from interactions.services.cycles import clock_repick
from interactions.services.events import event_build, events_record_bulk
from interactions.services.sla import CLOCK_FIELDS

Event = InteractionEvent.Kind
SUMMARY_MAX_CHARS = 300


@dataclass(frozen=True)
class AnalysisResult:
    intent: str
    sentiment: str
    priority: str
    summary: str
    needs_reply: bool
    confidence: float
    source: str  # AnalysisSource
    input_hash: str

    def __post_init__(self) -> None:
        errors = {}
        for name, allowed in (
            ("intent", Intent.values),
            ("sentiment", Sentiment.values),
            ("priority", Priority.values),
            ("source", AnalysisSource.values),
        ):
            if getattr(self, name) not in allowed:
                errors[name] = [f"Недопустимое значение «{getattr(self, name)}»."]
        if not 0.0 <= float(self.confidence) <= 1.0:
            errors["confidence"] = ["Уверенность — число от 0 до 1."]
        if not self.input_hash or len(self.input_hash) > 64:
            errors["input_hash"] = ["Нужен отпечаток входных данных (до 64 символов)."]
        if errors:
            raise ValidationError(errors)


APPLIED_FIELDS = [
    "intent",
    "sentiment",
    "priority",
    "ai_summary",
    "ai_analyzed_at",
    "ai_source",
    "ai_confidence",
    "ai_needs_reply",
    "ai_input_hash",
]


def analysis_apply(*, interaction_id: int, result: AnalysisResult, now: datetime | None = None) -> bool:
    """Write one analysis; False when this content was already analyzed (or the interaction is gone)."""
    now = now or timezone.now()
    with transaction.atomic():
        interaction = (
            Interaction.objects.select_for_update(of=("self",))
            .select_related("sla_rule")
            .filter(pk=interaction_id)
            .first()
        )
        if interaction is None:
            return False
        if interaction.ai_input_hash == result.input_hash:
            # Nothing new to read (a photo without words, a repeat): seen, so no sweep picks it up again.
            if interaction.ai_analyzed_at is None:
                Interaction.objects.filter(pk=interaction.pk).update(ai_analyzed_at=now)
            return False
        kept = []
        events = []
        if interaction.intent_by_seller:
            kept.append("intent")
        else:
            interaction.intent = result.intent
        fields = list(APPLIED_FIELDS)
        if interaction.priority_by_seller:
            kept.append("priority")
        elif result.priority != interaction.priority:
            events.append(
                event_build(
                    interaction_id=interaction.pk,
                    kind=Event.PRIORITY_CHANGED,
                    data={"from": interaction.priority, "to": result.priority, "by": "ai"},
                    created_at=now,
                )
            )
            interaction.priority = result.priority
            if clock_repick(interaction, now=now):
                fields += list(CLOCK_FIELDS)
        interaction.sentiment = result.sentiment
        interaction.ai_summary = result.summary[:SUMMARY_MAX_CHARS]
        interaction.ai_analyzed_at = now
        interaction.ai_source = result.source
        interaction.ai_confidence = round(float(result.confidence), 3)
        interaction.ai_needs_reply = result.needs_reply
        interaction.ai_input_hash = result.input_hash
        interaction.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        data: dict[str, Any] = {k: v for k, v in asdict(result).items() if k not in ("summary", "input_hash")}
        if kept:
            data["kept_sellers"] = kept
        events.insert(0, event_build(interaction_id=interaction.pk, kind=Event.AI_ANALYZED, data=data, created_at=now))
        events_record_bulk(events)
    return True


def set_intent(*, interaction: Interaction, intent: str, actor: Any = None) -> Interaction:
    """The seller's own intent: kept from now on, whatever a later analysis says."""
    if intent not in Intent.values:
        raise ValidationError({"intent": ["Неизвестное намерение."]})
    if intent == interaction.intent and interaction.intent_by_seller:
        return interaction
    with transaction.atomic():
        previous = interaction.intent
        interaction.intent = intent
        interaction.intent_by_seller = True
        interaction.save(update_fields=["intent", "intent_by_seller", "updated_at"])
        events_record_bulk(
            [
                event_build(
                    interaction_id=interaction.pk,
                    kind=Event.INTENT_CHANGED,
                    actor_id=getattr(actor, "pk", None),
                    data={"from": previous, "to": intent},
                    created_at=timezone.now(),
                )
            ]
        )
    return interaction
