"""Analysis of interactions: pick what needs it, run the analyzer, write through the inbox's one door
(`interactions.services.analysis_apply`).

An interaction needs analysis when it is open and `ai_analyzed_at` is empty: never analyzed, or the sync
cleared it because the buyer wrote again. What is analyzed is the buyer's side of the current wait (their messages after our last answer,
or all of them); its hash with the analyzer's version makes a repeat a no-op, so the task, the beat sweep
and a second worker may all see the same interaction and it is analyzed once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ai.offline.analyzer import OfflineItem, analyze_offline_many, get_model
from interactions.models import AnalysisSource, Direction, Interaction, Message, Status
from interactions.services import AnalysisResult, analysis_apply

TEXT_MAX_CHARS = 2000
BATCH = 200


@dataclass(frozen=True)
class AnalysisInput:
    interaction_id: int
    kind: str
    rating: int | None
    text: str

    def hash(self, version: str) -> str:
        payload = f"{version}\x1f{self.kind}\x1f{self.rating}\x1f{self.text}"
        return hashlib.sha256(payload.encode()).hexdigest()


def offline_version() -> str:
    return "offline:" + str(get_model().info.get("sha256", ""))[:16]


def needing_analysis():
    """Open interactions never analyzed, or whose buyer wrote since (interaction_analysis_due_idx)."""
    return Interaction.objects.exclude(status=Status.CLOSED).filter(ai_analyzed_at__isnull=True)


def pending_ids(*, limit: int = 1000) -> list[int]:
    return list(needing_analysis().order_by("-id").values_list("pk", flat=True)[:limit])


def analysis_inputs(ids: Sequence[int]) -> list[AnalysisInput]:
    """The buyer's side of each interaction's current wait (two queries for the whole batch)."""
    rows = {
        pk: (kind, rating)
        for pk, kind, rating in Interaction.objects.filter(pk__in=list(ids)).values_list("pk", "kind", "rating")
    }
    texts: dict[int, list[str]] = {pk: [] for pk in rows}
    messages = (
        Message.objects.filter(interaction_id__in=list(rows), superseded_at__isnull=True)
        .order_by("interaction_id", "created_at", "id")
        .values_list("interaction_id", "direction", "text")
    )
    for pk, direction, text in messages:
        if direction == Direction.OUT:
            texts[pk] = []  # what the buyer wrote before our answer is answered
        elif text:
            texts[pk].append(text.strip())
    return [
        AnalysisInput(interaction_id=pk, kind=kind, rating=rating, text="\n".join(texts[pk])[-TEXT_MAX_CHARS:])
        for pk, (kind, rating) in rows.items()
    ]


def analyze_interactions(ids: Sequence[int]) -> int:
    """Analyze these interactions (those that still need it); returns how many got a new analysis."""
    applied = 0
    for start in range(0, len(ids), BATCH):
        inputs = analysis_inputs(ids[start : start + BATCH])
        if not inputs:
            continue
        version = offline_version()
        results = analyze_offline_many([OfflineItem(kind=i.kind, rating=i.rating, text=i.text) for i in inputs])
        for item, found in zip(inputs, results, strict=True):
            applied += analysis_apply(
                interaction_id=item.interaction_id,
                result=AnalysisResult(
                    intent=found.intent,
                    sentiment=found.sentiment,
                    priority=found.priority,
                    summary=found.summary,
                    needs_reply=found.needs_reply,
                    confidence=found.confidence,
                    source=AnalysisSource.OFFLINE,
                    input_hash=item.hash(version),
                ),
            )
    return applied


def analyze_pending(*, limit: int = 1000) -> int:
    return analyze_interactions(pending_ids(limit=limit))
