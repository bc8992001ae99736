"""The AI's results written into the inbox: the one door the `ai` app uses (it never saves an
Interaction itself).

An analysis is applied once per content: its `input_hash` (analyzer version + what the buyer wrote)
is stored, and the same hash again changes nothing. A seller's own priority or intent stands
(`priority_by_seller`, `intent_by_seller`); everything else follows the newest analysis. A priority the
analysis changes re-picks the SLA rule of the running wait (same start, steps taken stay taken).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agentiq.db import bulk_update_rows
from interactions.models import AnalysisSource, DraftSource, Intent, Interaction, InteractionEvent, Priority, Sentiment
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
    return analyses_apply([(interaction_id, result)], now=now) == 1


def analyses_apply(results: Sequence[tuple[int, AnalysisResult]], *, now: datetime | None = None) -> int:
    """Write many analyses in one transaction: the rows locked in one query (id order, as every writer locks),
    one UPDATE per set of changed columns, one INSERT of events. Returns how many got a new analysis."""
    now = now or timezone.now()
    by_id = dict(results)
    if not by_id:
        return 0
    with transaction.atomic():
        rows = (
            Interaction.objects.select_for_update(of=("self",))
            .select_related("sla_rule")
            .filter(pk__in=list(by_id))
            .order_by("pk")
        )
        plain: list[Interaction] = []
        clocked: list[Interaction] = []
        seen: list[int] = []
        events: list[InteractionEvent] = []
        for interaction in rows:
            result = by_id[interaction.pk]
            if interaction.ai_input_hash == result.input_hash:
                # Nothing new to read (a photo without words, a repeat): seen, so no sweep picks it up again.
                if interaction.ai_analyzed_at is None:
                    seen.append(interaction.pk)
                continue
            moved = _apply(interaction, result, now=now, events=events)
            (clocked if moved else plain).append(interaction)
        if seen:
            Interaction.objects.filter(pk__in=seen).update(ai_analyzed_at=now)
        bulk_update_rows(Interaction, plain, [*APPLIED_FIELDS, "updated_at"])
        bulk_update_rows(Interaction, clocked, list(dict.fromkeys([*APPLIED_FIELDS, *CLOCK_FIELDS, "updated_at"])))
        events_record_bulk(events)
    return len(plain) + len(clocked)


def _apply(interaction: Interaction, result: AnalysisResult, *, now: datetime, events: list) -> bool:
    """Set one analysis on the locked row; True when the SLA clock moved with its priority."""
    kept = []
    moved = False
    if interaction.intent_by_seller:
        kept.append("intent")
    else:
        interaction.intent = result.intent
    priority_event = None
    if interaction.priority_by_seller:
        kept.append("priority")
    elif result.priority != interaction.priority:
        priority_event = event_build(
            interaction_id=interaction.pk,
            kind=Event.PRIORITY_CHANGED,
            data={"from": interaction.priority, "to": result.priority, "by": "ai"},
            created_at=now,
        )
        interaction.priority = result.priority
        moved = clock_repick(interaction, now=now)
    interaction.sentiment = result.sentiment
    interaction.ai_summary = result.summary[:SUMMARY_MAX_CHARS]
    interaction.ai_analyzed_at = now
    interaction.ai_source = result.source
    interaction.ai_confidence = round(float(result.confidence), 3)
    interaction.ai_needs_reply = result.needs_reply
    interaction.ai_input_hash = result.input_hash
    interaction.updated_at = now
    data: dict[str, Any] = {k: v for k, v in asdict(result).items() if k not in ("summary", "input_hash")}
    if kept:
        data["kept_sellers"] = kept
    events.append(event_build(interaction_id=interaction.pk, kind=Event.AI_ANALYZED, data=data, created_at=now))
    if priority_event is not None:
        events.append(priority_event)
    return moved


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


@dataclass(frozen=True)
class DraftResult:
    interaction_id: int
    text: str
    source: str  # DraftSource.LLM or DraftSource.OFFLINE
    for_hash: str  # the ai_input_hash the draft answers
    reason: str = ""  # why the template wrote it (empty for the model's own draft)

    def __post_init__(self) -> None:
        if self.source not in (DraftSource.LLM, DraftSource.OFFLINE):
            raise ValidationError({"source": [f"Недопустимый автор черновика «{self.source}»."]})
        if not self.text.strip():
            raise ValidationError({"text": ["Пустой черновик."]})


DRAFT_REASON_MAX_CHARS = 200


def drafts_apply(results: Sequence[DraftResult], *, replace_seller: bool = False, now: datetime | None = None) -> int:
    """Write the AI's drafts; returns how many were written. A seller's own draft stands unless they asked for a
    new one (`replace_seller`); a draft for content the interaction has moved past (the buyer wrote again
    meanwhile) is dropped, the next analysis asks for a fresh one."""
    now = now or timezone.now()
    written = 0
    with transaction.atomic():
        for result in results:
            rows = Interaction.objects.filter(pk=result.interaction_id)
            if not replace_seller:
                rows = rows.exclude(draft_source=DraftSource.SELLER).filter(ai_input_hash=result.for_hash)
            written += rows.update(
                draft_text=result.text.strip(),
                draft_source=result.source,
                draft_for_hash=result.for_hash,
                draft_reason=result.reason[:DRAFT_REASON_MAX_CHARS],
                drafted_at=now,
                updated_at=now,
            )
    return written
