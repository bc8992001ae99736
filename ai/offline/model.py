"""The shipped linear model: its JSON file, the TF-IDF weighting and the two softmax heads.

The file (`model.json`) holds the vocabulary, the IDF of each word and character feature and, for each
head (intent, sentiment), one weight per feature and class plus the intercepts. Inference needs numpy
only: no pickle, no scikit-learn. Weights are stored as integers in units of `1 / SCALE` to keep the
file small and its bytes stable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ai.offline.text import Features

FORMAT = "agentiq-offline-linear/1"
SCALE = 10_000  # weights and IDFs are stored as round(x * SCALE)
MODEL_PATH = Path(__file__).with_name("model.json")
PAD = "_pad_"  # feature 0: zero weights, present in every row so no row is empty


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
        self._stacked = np.hstack([h.coef for h in self.heads.values()]).astype(np.float32)
        self._bias = np.concatenate([h.intercept for h in self.heads.values()]).astype(np.float32)
        self._slices: dict[str, slice] = {}
        start = 0
        for name, head in self.heads.items():
            self._slices[name] = slice(start, start + len(head.classes))
            start += len(head.classes)

    # -- vectors ------------------------------------------------------------------------------------------
    def row(self, features: Features) -> tuple[list[int], list[float]]:
        """Feature indices and TF-IDF values of one text (known features only)."""
        index, idf = self.index, self.idf
        indices: list[int] = [0]
        values: list[float] = [0.0]
        for counts, group_scale in ((features.words, self.scale.words), (features.chars, self.scale.chars)):
            part_i: list[int] = []
            part_v: list[float] = []
            for feature, count in counts.items():
                i = index.get(feature)
                if i is not None:
                    part_i.append(i)
                    part_v.append((1.0 + math.log(count)) * idf[i])
            if part_v:
                norm = math.sqrt(sum(v * v for v in part_v))
                indices.extend(part_i)
                values.extend(v * group_scale / norm for v in part_v)
        for feature, value in features.meta.items():
            i = index.get(feature)
            if i is not None:
                indices.append(i)
                values.append(value * self.scale.meta)
        return indices, values

    def rows(self, batch: Sequence[Features]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR arrays (indptr, indices, values) of a batch."""
        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        for features in batch:
            i, v = self.row(features)
            indices.extend(i)
            values.extend(v)
            indptr.append(len(indices))
        return np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64), np.asarray(values)

    # -- prediction ---------------------------------------------------------------------------------------
    def probabilities(self, batch: Sequence[Features]) -> dict[str, np.ndarray]:
        """Per head, a (len(batch), classes) array of softmax probabilities."""
        if not batch:
            return {name: np.zeros((0, len(h.classes))) for name, h in self.heads.items()}
        indptr, indices, values = self.rows(batch)
        contributions = self._stacked[indices] * values[:, None].astype(np.float32)
        scores = np.add.reduceat(contributions, indptr[:-1], axis=0) + self._bias
        out = {}
        for name, part in self._slices.items():
            s = scores[:, part].astype(np.float64)
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
                # Sparse by feature: {feature index: [weight per class]}, features whose weights all round
                # to zero are left out.
                "coef": {
                    str(i): [_q(x) for x in row] for i, row in enumerate(head.coef) if i and any(_q(x) for x in row)
                },
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
            coef = np.zeros((len(vocabulary), len(h["classes"])))
            for i, row in h["coef"].items():
                coef[int(i)] = np.asarray(row, dtype=np.float64) / scale
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
