"""`analyze_offline`: intent, sentiment, priority, summary and whether to reply, with no LLM.

Used when there is no LLM key, the budget is spent or the API is down. The model file is read once per
process, on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from ai.offline import rules
from ai.offline.labels import KINDS
from ai.offline.model import MODEL_PATH, LinearModel
from ai.offline.text import Features, extract


@dataclass(frozen=True)
class OfflineAnalysis:
    intent: str  # one of ai.offline.labels.INTENTS
    sentiment: str  # negative | neutral | positive
    priority: str  # urgent | high | normal | low (interactions.models.Priority values)
    summary: str  # one Russian line, at most 120 characters
    needs_reply: bool
    confidence: float  # 0–1: the model's probability of the intent (1.0 where a rule decided)


@dataclass(frozen=True)
class OfflineItem:
    kind: str
    rating: int | None
    text: str


_model: LinearModel | None = None
_lock = threading.Lock()


def get_model() -> LinearModel:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = LinearModel.load(MODEL_PATH)
    return _model


def analyze_offline(*, kind: str, rating: int | None, text: str) -> OfflineAnalysis:
    return analyze_offline_many([OfflineItem(kind=kind, rating=rating, text=text)])[0]


def analyze_offline_many(
    items: Iterable[OfflineItem | tuple[str, int | None, str]], *, model: LinearModel | None = None
) -> list[OfflineAnalysis]:
    """The same analysis for many items at once (one matrix product for the batch)."""
    batch = [i if isinstance(i, OfflineItem) else OfflineItem(*i) for i in items]
    for item in batch:
        if item.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {item.kind!r}")
        if item.rating is not None and not 1 <= item.rating <= 5:
            raise ValueError(f"rating must be 1-5 or None, got {item.rating!r}")
    model = model or get_model()
    features = [extract(kind=i.kind, rating=i.rating if i.kind == "review" else None, text=i.text or "") for i in batch]
    probs = model.probabilities(features)
    return [_decide(item, f, probs, n, model) for n, (item, f) in enumerate(zip(batch, features, strict=True))]


def _decide(item: OfflineItem, f: Features, probs: dict, n: int, model: LinearModel) -> OfflineAnalysis:
    kind, text = item.kind, item.text or ""
    rating = item.rating if kind == "review" else None
    intents = model.heads["intent"].classes
    p_intent = probs["intent"][n]
    best = int(p_intent.argmax())
    intent, confidence = intents[best], float(p_intent[best])
    p_sent = dict(zip(model.heads["sentiment"].classes, map(float, probs["sentiment"][n]), strict=True))
    sentiment = max(p_sent, key=p_sent.__getitem__)

    spam = rules.is_spam(f)
    if not text.strip():
        intent, confidence = ("gratitude" if rating is not None and rating >= 4 else "other"), 1.0
        sentiment = _stars_sentiment(rating)
    elif spam or rules.is_noise(f):
        intent, confidence = "other", 1.0
        sentiment = _stars_sentiment(rating)
    elif rating is not None:
        sentiment = rules.review_sentiment(rating, p_sent)

    return OfflineAnalysis(
        intent=intent,
        sentiment=sentiment,
        priority=rules.priority(kind=kind, rating=rating, intent=intent, features=f, spam=spam),
        summary=rules.summary(kind=kind, rating=rating, intent=intent, features=f, text=text, spam=spam),
        needs_reply=rules.needs_reply(kind=kind, rating=rating, intent=intent, features=f, spam=spam),
        confidence=round(confidence, 4),
    )


def _stars_sentiment(rating: int | None) -> str:
    if rating is None or rating == 3:
        return "neutral"
    return "negative" if rating <= 2 else "positive"


def reset_model_cache() -> None:
    """Forget the loaded model (tests that retrain)."""
    global _model
    _model = None


__all__ = ["OfflineAnalysis", "OfflineItem", "analyze_offline", "analyze_offline_many", "get_model"]
