"""The shipped linear model: its JSON file, the TF-IDF weighting and the two softmax heads.

The file (`model.json`) holds the vocabulary, the IDF of each word and character feature and, for each
head (intent, sentiment), one weight per feature and class plus the intercepts. Inference needs numpy
only: no pickle, no scikit-learn. Weights are stored as integers in units of `1 / SCALE` to keep the
file small and its bytes stable.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ai.offline.text import Features

FORMAT = "agentiq-offline-linear/1"
SCALE = 10_000  # weights and IDFs are stored as round(x * SCALE)
MODEL_PATH = Path(__file__).with_name("model.json")
PAD = "_pad_"  # feature 0: zero weights and zero IDF, where unknown features land


@dataclass(frozen=True)
class Head:
    name: str
    classes: tuple[str, ...]
    intercept: np.ndarray  # (classes,)
    coef: np.ndarray  # (features, classes)


@dataclass(frozen=True)
class GroupScale:
    words: float
    chars: float
    meta: float


@dataclass
class LinearModel:
    vocabulary: list[str]
    idf: np.ndarray  # (features,); 1 for meta features
    scale: GroupScale
    heads: dict[str, Head]
    info: dict

    def __post_init__(self) -> None:
        self.index = {f: i for i, f in enumerate(self.vocabulary)}
        # One matrix for all heads: a single gather per batch.
        self._stacked = np.hstack([h.coef for h in self.heads.values()])
        self._bias = np.concatenate([h.intercept for h in self.heads.values()])
        self._slices: dict[str, slice] = {}
        start = 0
        for name, head in self.heads.items():
            self._slices[name] = slice(start, start + len(head.classes))
            start += len(head.classes)

    # -- vectors ------------------------------------------------------------------------------------------
    def coo(self, batch: Sequence[Features]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, feature index, TF-IDF value) triples of a batch; each group L2-normalized per text.

        Unknown features map to PAD, whose IDF is 0, so they add nothing to a vector or to its norm.
        """
        n = len(batch)
        get = self.index.get
        rows, ids, vals = [], [], []
        for group, scale in (("words", self.scale.words), ("chars", self.scale.chars)):
            dicts = [getattr(f, group) for f in batch]
            lengths = np.fromiter(map(len, dicts), dtype=np.int64, count=n)
            total = int(lengths.sum())
            keys = itertools.chain.from_iterable(dicts)
            idx = np.fromiter(map(get, keys, itertools.repeat(0)), dtype=np.int64, count=total)
            counts = np.fromiter(
                itertools.chain.from_iterable(d.values() for d in dicts), dtype=np.float64, count=total
            )
            row = np.repeat(np.arange(n), lengths)
            v = (1.0 + np.log(counts)) * self.idf[idx]
            norm = np.sqrt(np.bincount(row, weights=v * v, minlength=n))
            norm[norm == 0] = 1.0
            rows.append(row)
            ids.append(idx)
            vals.append(v * (scale / norm[row]))
        meta = [(r, get(k, 0), x) for r, f in enumerate(batch) for k, x in f.meta.items()]
        if meta:
            r, i, x = zip(*meta, strict=True)
            rows.append(np.asarray(r, dtype=np.int64))
            ids.append(np.asarray(i, dtype=np.int64))
            vals.append(np.asarray(x, dtype=np.float64) * self.scale.meta)
        return np.concatenate(rows), np.concatenate(ids), np.concatenate(vals)

    # -- prediction ---------------------------------------------------------------------------------------
    def probabilities(self, batch: Sequence[Features]) -> dict[str, np.ndarray]:
        """Per head, a (len(batch), classes) array of softmax probabilities."""
        n = len(batch)
        if not n:
            return {name: np.zeros((0, len(h.classes))) for name, h in self.heads.items()}
        rows, ids, vals = self.coo(batch)
        if n == 1:
            scores = (vals @ self._stacked[ids])[None, :]
        else:
            contributions = self._stacked[ids] * vals[:, None]
            scores = np.empty((n, contributions.shape[1]))
            for k in range(contributions.shape[1]):
                scores[:, k] = np.bincount(rows, weights=contributions[:, k], minlength=n)
        scores = scores + self._bias
        out = {}
        for name, part in self._slices.items():
            s = scores[:, part]
            s -= s.max(axis=1, keepdims=True)
            e = np.exp(s)
            out[name] = e / e.sum(axis=1, keepdims=True)
        return out

    # -- file ---------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        heads = {}
        for name, head in self.heads.items():
            heads[name] = {
                "classes": list(head.classes),
                "intercept": [_q(x) for x in head.intercept],
                # One row per feature (the vocabulary's order), one integer per class.
                "coef": [[_q(x) for x in row] for row in head.coef],
            }
        doc = {
            "format": FORMAT,
            "scale": SCALE,
            "info": self.info,
            "group_scale": {"words": self.scale.words, "chars": self.scale.chars, "meta": self.scale.meta},
            "vocabulary": self.vocabulary,
            "idf": [_q(x) for x in self.idf],
            "heads": heads,
        }
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, raw: str) -> LinearModel:
        doc = json.loads(raw)
        if doc.get("format") != FORMAT:
            raise ValueError(f"unknown model format {doc.get('format')!r}, expected {FORMAT!r}")
        scale = doc["scale"]
        vocabulary = doc["vocabulary"]
        heads = {}
        for name, h in doc["heads"].items():
            coef = np.asarray(h["coef"], dtype=np.float64).reshape(len(vocabulary), len(h["classes"])) / scale
            heads[name] = Head(
                name=name,
                classes=tuple(h["classes"]),
                intercept=np.asarray(h["intercept"], dtype=np.float64) / scale,
                coef=coef,
            )
        gs = doc["group_scale"]
        return cls(
            vocabulary=vocabulary,
            idf=np.asarray(doc["idf"], dtype=np.float64) / scale,
            scale=GroupScale(words=gs["words"], chars=gs["chars"], meta=gs["meta"]),
            heads=heads,
            info=doc["info"],
        )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearModel:
        return cls.from_json(path.read_text(encoding="utf-8"))

    def quantized(self) -> LinearModel:
        """The model as it reads back from its file (weights rounded to 1 / SCALE)."""
        return LinearModel.from_json(self.to_json())


def _q(x: float) -> int:
    return round(float(x) * SCALE)
