"""The reply quality scores written into the inbox: the one door the `ai` app uses for them.

One row per sent reply, written once: a second score of the same reply (the task and the beat sweep racing,
a task run twice) changes nothing (`INSERT … ON CONFLICT DO NOTHING` on the message's primary key)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from interactions.models import QualitySource, ReplyQuality
from interactions.selectors.quality import ReplyForQuality

COMPONENTS = ("relevance", "politeness", "compliance", "personal", "timeliness")
NOTE_MAX_CHARS = 300


@dataclass(frozen=True)
class QualityResult:
    reply: ReplyForQuality
    score: int
    components: dict[str, int | None]  # COMPONENTS, each 0–100; timeliness None when no deadline ran
    note: str
    source: str  # QualitySource
    model: str = ""
    prompt_version: str = ""
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        errors = {}
        if not 0 <= self.score <= 100:
            errors["score"] = ["Оценка — целое от 0 до 100."]
        for name in COMPONENTS:
            value = self.components.get(name)
            if value is None and name == "timeliness":
                continue
            if not isinstance(value, int) or not 0 <= value <= 100:
                errors[name] = ["Часть оценки — целое от 0 до 100."]
        if self.source not in QualitySource.values:
            errors["source"] = [f"Недопустимое значение «{self.source}»."]
        if not self.note.strip():
            errors["note"] = ["Нужно пояснение."]
        if errors:
            raise ValidationError(errors)


def reply_qualities_save(results: Sequence[QualityResult], *, now: datetime | None = None) -> int:
    """Store the scores; a reply scored already keeps its first score. Returns how many rows were new."""
    now = now or timezone.now()
    rows = [
        ReplyQuality(
            message_id=result.reply.message_id,
            seller_id=result.reply.seller_id,
            interaction_id=result.reply.interaction_id,
            author_user_id=result.reply.author_user_id,
            author=result.reply.author,
            marketplace=result.reply.marketplace,
            kind=result.reply.kind,
            sent_at=result.reply.sent_at,
            score=result.score,
            note=result.note.strip()[:NOTE_MAX_CHARS],
            source=result.source,
            model=result.model[:100],
            prompt_version=result.prompt_version[:16],
            facts=result.facts,
            scored_at=now,
            **{name: result.components.get(name) for name in COMPONENTS},
        )
        for result in results
    ]
    if not rows:
        return 0
    before = ReplyQuality.objects.filter(message_id__in=[row.message_id for row in rows]).count()
    ReplyQuality.objects.bulk_create(rows, ignore_conflicts=True)
    after = ReplyQuality.objects.filter(message_id__in=[row.message_id for row in rows]).count()
    return after - before
