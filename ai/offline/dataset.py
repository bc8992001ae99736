"""Labelled buyer texts in JSON Lines: one `{"kind", "rating", "text", "intent", "sentiment"}` per line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ai.offline.labels import INTENTS, KINDS, SENTIMENTS

ROOT = Path(__file__).resolve().parents[2]
TRAIN_PATH = ROOT / "tests" / "data" / "ai_train.jsonl"
EVAL_PATH = ROOT / "tests" / "data" / "ai_eval.jsonl"


class DatasetError(ValueError):
    """A line of a data file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    kind: str
    rating: int | None
    text: str
    intent: str
    sentiment: str
    line: int


def parse_line(raw: str, *, where: str) -> Example | None:
    if not raw.strip():
        return None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(doc, dict):
        raise DatasetError(f"{where}: expected a JSON object")
    missing = [k for k in ("kind", "text", "intent", "sentiment") if k not in doc]
    if missing:
        raise DatasetError(f"{where}: missing {', '.join(missing)}")
    kind, rating, text = doc["kind"], doc.get("rating"), doc["text"]
    intent, sentiment = doc["intent"], doc["sentiment"]
    if kind not in KINDS:
        raise DatasetError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(text, str):
        raise DatasetError(f"{where}: text must be a string")
    if intent not in INTENTS:
        raise DatasetError(f"{where}: intent {intent!r} is not one of {', '.join(INTENTS)}")
    if sentiment not in SENTIMENTS:
        raise DatasetError(f"{where}: sentiment {sentiment!r} is not one of {', '.join(SENTIMENTS)}")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
        raise DatasetError(f"{where}: rating must be 1-5 or null, got {rating!r}")
    if kind != "review" and rating is not None:
        raise DatasetError(f"{where}: only reviews have a rating")
    return Example(kind=kind, rating=rating, text=text, intent=intent, sentiment=sentiment, line=0)


def load(path: Path | str) -> list[Example]:
    """Every example of a file; a bad line raises `DatasetError` naming it (`file:line: why`)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from None
    examples = []
    for number, raw in enumerate(lines, 1):
        example = parse_line(raw, where=f"{path}:{number}")
        if example is not None:
            examples.append(Example(**{**example.__dict__, "line": number}))
    if not examples:
        raise DatasetError(f"{path}: no examples")
    return examples
