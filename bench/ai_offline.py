#!/usr/bin/env python
"""Offline analyzer benchmark: texts per second of `analyze_offline_many` and of one-by-one calls.

The texts are the labelled sets (tests/data/ai_train.jsonl and ai_eval.jsonl) repeated to `--texts`;
every call does the whole job (features, both heads, rules, summary). Stems are cached per process, as
in a worker, so the figures are for a warm process; the model load is timed apart.

    .venv/bin/python bench/ai_offline.py [--texts 20000] [--batch 256]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ai.offline import analyzer, dataset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()

    examples = dataset.load(dataset.TRAIN_PATH) + dataset.load(dataset.EVAL_PATH)
    items = [analyzer.OfflineItem(kind=e.kind, rating=e.rating, text=e.text) for e in examples]
    items = (items * (args.texts // len(items) + 1))[: args.texts]

    started = time.perf_counter()
    analyzer.get_model()
    load_s = time.perf_counter() - started
    analyzer.analyze_offline_many(items[:500])  # warm the stem cache

    started = time.perf_counter()
    for i in range(0, len(items), args.batch):
        analyzer.analyze_offline_many(items[i : i + args.batch])
    batch_s = time.perf_counter() - started

    single = items[: min(len(items), 5_000)]
    started = time.perf_counter()
    for item in single:
        analyzer.analyze_offline(kind=item.kind, rating=item.rating, text=item.text)
    single_s = time.perf_counter() - started

    per_s = len(items) / batch_s
    single_per_s = len(single) / single_s
    print(f"model load: {load_s * 1000:.0f} ms")
    print(f"batches of {args.batch}: {len(items)} texts in {batch_s:.2f} s = {per_s:,.0f} texts/s")
    print(f"one by one: {len(single)} texts in {single_s:.2f} s = {single_per_s:,.0f} texts/s")
    print(
        json.dumps(
            {
                "bench": "ai_offline",
                "texts": len(items),
                "offline_per_s": round(per_s),
                "offline_single_per_s": round(single_per_s),
                "model_load_ms": round(load_s * 1000),
            }
        )
    )


if __name__ == "__main__":
    main()
