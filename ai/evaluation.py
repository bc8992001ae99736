"""Scoring analyzers on a labelled file: accuracy, the intent confusion table, recall per intent.

An analyzer is a function from a batch of examples to one (intent, sentiment) per example. The offline
analyzer and the LLM (available when a key is set and AI is on) are registered here, and `ai_eval` runs
every available one, offline first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ai.offline.dataset import Example
from ai.offline.labels import INTENTS, SENTIMENTS


@dataclass(frozen=True)
class Prediction:
    intent: str
    sentiment: str


AnalyzeBatch = Callable[[Sequence[Example]], list[Prediction]]


@dataclass(frozen=True)
class Analyzer:
    name: str
    analyze: AnalyzeBatch
    available: Callable[[], bool] = lambda: True
    why_unavailable: str = ""


_ANALYZERS: dict[str, Analyzer] = {}


def register_analyzer(
    name: str, analyze: AnalyzeBatch, *, available: Callable[[], bool] = lambda: True, why_unavailable: str = ""
) -> None:
    _ANALYZERS[name] = Analyzer(name=name, analyze=analyze, available=available, why_unavailable=why_unavailable)


def analyzers() -> list[Analyzer]:
    """Every registered analyzer, in registration order (offline first)."""
    return list(_ANALYZERS.values())


def _offline(batch: Sequence[Example]) -> list[Prediction]:
    from ai.offline.analyzer import OfflineItem, analyze_offline_many

    results = analyze_offline_many([OfflineItem(kind=e.kind, rating=e.rating, text=e.text) for e in batch])
    return [Prediction(intent=r.intent, sentiment=r.sentiment) for r in results]


register_analyzer("offline", _offline)

LLM_FAILED = "error"  # an example the LLM could not answer counts as a miss, never as the offline answer


def _llm(batch: Sequence[Example]) -> list[Prediction]:
    """The LLM on every example, AI_CONCURRENCY at once; booked as staff checks (no shop, no budget)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings

    from ai.llm.errors import LLMError
    from ai.llm.ledger import BatchLedger
    from ai.llm.service import llm_analyze

    ledger = BatchLedger()
    ledger.prepare(set())

    def one(example: Example) -> Prediction:
        try:
            found = llm_analyze(
                seller_id=None, kind=example.kind, rating=example.rating, text=example.text, ledger=ledger
            )
        except LLMError:
            return Prediction(intent=LLM_FAILED, sentiment=LLM_FAILED)
        return Prediction(intent=found.intent, sentiment=found.sentiment)

    try:
        with ThreadPoolExecutor(max_workers=max(1, int(settings.AI_CONCURRENCY))) as pool:
            return list(pool.map(one, batch))
    finally:
        ledger.flush()


def _llm_available() -> bool:
    from ai.llm.service import llm_available

    return llm_available()


register_analyzer(
    "llm",
    _llm,
    available=_llm_available,
    why_unavailable="no DEEPSEEK_API_KEY set, or AI is off in the runtime settings",
)


@dataclass
class Report:
    analyzer: str
    n: int
    intent_correct: int
    sentiment_correct: int
    seconds: float
    # confusion[expected][predicted] = count
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    sentiment_confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.n if self.n else 0.0

    @property
    def sentiment_accuracy(self) -> float:
        return self.sentiment_correct / self.n if self.n else 0.0

    def recall(self, intent: str) -> tuple[int, int]:
        row = self.confusion.get(intent, {})
        return row.get(intent, 0), sum(row.values())

    def summary_json(self) -> str:
        return json.dumps(
            {
                "analyzer": self.analyzer,
                "n": self.n,
                "intent_accuracy": round(self.intent_accuracy, 4),
                "sentiment_accuracy": round(self.sentiment_accuracy, 4),
            },
            ensure_ascii=False,
        )


def evaluate(analyzer: Analyzer, examples: Sequence[Example]) -> Report:
    started = time.perf_counter()
    predictions = analyzer.analyze(examples)
    seconds = time.perf_counter() - started
    if len(predictions) != len(examples):
        raise ValueError(f"analyzer {analyzer.name} returned {len(predictions)} predictions for {len(examples)} texts")
    confusion = {i: dict.fromkeys(INTENTS, 0) for i in INTENTS}
    sentiment_confusion = {s: dict.fromkeys(SENTIMENTS, 0) for s in SENTIMENTS}
    for example, p in zip(examples, predictions, strict=True):
        confusion[example.intent][p.intent] = confusion[example.intent].get(p.intent, 0) + 1
        sentiment_confusion[example.sentiment][p.sentiment] = (
            sentiment_confusion[example.sentiment].get(p.sentiment, 0) + 1
        )
    return Report(
        analyzer=analyzer.name,
        n=len(examples),
        intent_correct=sum(e.intent == p.intent for e, p in zip(examples, predictions, strict=True)),
        sentiment_correct=sum(e.sentiment == p.sentiment for e, p in zip(examples, predictions, strict=True)),
        seconds=seconds,
        confusion=confusion,
        sentiment_confusion=sentiment_confusion,
    )


_SHORT = {
    "delivery": "deliv",
    "order_status": "order",
    "return_refund": "retrn",
    "defect_quality": "defct",
    "size_fit": "size",
    "product_question": "prodq",
    "complaint": "compl",
    "gratitude": "thank",
    "other": "other",
}


def format_report(report: Report) -> str:
    lines = [
        f"analyzer {report.analyzer}: {report.n} texts in {report.seconds:.2f} s",
        f"intent accuracy    {report.intent_accuracy:6.1%}  ({report.intent_correct}/{report.n})",
        f"sentiment accuracy {report.sentiment_accuracy:6.1%}  ({report.sentiment_correct}/{report.n})",
        "",
        "intent confusion (rows: expected, columns: predicted)",
        " " * 17 + "".join(f"{_SHORT[i]:>6}" for i in INTENTS),
    ]
    for expected in INTENTS:
        row = report.confusion[expected]
        lines.append(f"{expected:<17}" + "".join(f"{row.get(p, 0):>6}" for p in INTENTS))
    lines += ["", "recall per intent"]
    for intent in INTENTS:
        hit, total = report.recall(intent)
        share = f"{hit / total:6.1%}" if total else "     –"
        lines.append(f"  {intent:<17}{share}  ({hit}/{total})")
    lines += [
        "",
        "sentiment confusion (rows: expected, columns: predicted)",
        " " * 17 + "".join(f"{s[:5]:>6}" for s in SENTIMENTS),
    ]
    for expected in SENTIMENTS:
        row = report.sentiment_confusion[expected]
        lines.append(f"{expected:<17}" + "".join(f"{row.get(p, 0):>6}" for p in SENTIMENTS))
    return "\n".join(lines)
