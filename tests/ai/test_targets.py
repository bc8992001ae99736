"""The offline analyzer meets its targets on the evaluation set (written apart from the training set)."""

from __future__ import annotations

from ai.evaluation import analyzers, evaluate
from ai.offline import dataset

INTENT_TARGET = 0.85
SENTIMENT_TARGET = 0.85


def test_offline_analyzer_meets_the_targets_on_the_eval_set():
    offline = next(a for a in analyzers() if a.name == "offline")
    report = evaluate(offline, dataset.load(dataset.EVAL_PATH))
    assert report.n >= 300
    assert report.intent_accuracy >= INTENT_TARGET, f"intent accuracy {report.intent_accuracy:.1%}"
    assert report.sentiment_accuracy >= SENTIMENT_TARGET, f"sentiment accuracy {report.sentiment_accuracy:.1%}"


def test_eval_and_train_sets_share_no_text_and_cover_every_intent():
    train = dataset.load(dataset.TRAIN_PATH)
    held_out = dataset.load(dataset.EVAL_PATH)
    assert len(train) >= 600
    seen = {" ".join(e.text.lower().split()) for e in train}
    assert not [e.line for e in held_out if " ".join(e.text.lower().split()) in seen]
    for intent in {e.intent for e in train} | {e.intent for e in held_out}:
        assert sum(e.intent == intent for e in train) >= 40, intent
        assert sum(e.intent == intent for e in held_out) >= 20, intent
