"""Training of the offline model (needs scikit-learn and scipy, from requirements-dev.txt).

Deterministic: the vocabulary is sorted, the solver (Newton-CG, multinomial logistic regression) has no
random step, and the weights are rounded before they are written, so retraining on the same data with
the same library versions gives the same file.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ai.offline.dataset import Example
from ai.offline.labels import INTENTS, SENTIMENTS
from ai.offline.model import PAD, SCALE, GroupScale, Head, LinearModel
from ai.offline.text import CHAR_NGRAMS, Features, extract


@dataclass(frozen=True)
class Params:
    # Chosen by 5-fold cross-validation on the training set only (docs/ai.md); the eval set is never used.
    min_df_words: int = 1
    min_df_chars: int = 2
    c_intent: float = 20.0
    c_sentiment: float = 20.0
    scale: GroupScale = field(default_factory=lambda: GroupScale(words=1.0, chars=1.0, meta=0.3))


def features_of(examples: Sequence[Example]) -> list[Features]:
    return [extract(kind=e.kind, rating=e.rating, text=e.text) for e in examples]


def fit(examples: Sequence[Example], params: Params = Params(), *, info: dict | None = None) -> LinearModel:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    feats = features_of(examples)
    n = len(feats)
    df_words: dict[str, int] = {}
    df_chars: dict[str, int] = {}
    meta: set[str] = set()
    for f in feats:
        for k in f.words:
            df_words[k] = df_words.get(k, 0) + 1
        for k in f.chars:
            df_chars[k] = df_chars.get(k, 0) + 1
        meta.update(f.meta)
    words = sorted(k for k, d in df_words.items() if d >= params.min_df_words)
    chars = sorted(k for k, d in df_chars.items() if d >= params.min_df_chars)
    vocabulary = [PAD, *words, *chars, *sorted(meta)]
    df = [0, *(df_words[k] for k in words), *(df_chars[k] for k in chars)]
    idf = np.ones(len(vocabulary))  # meta features: 1
    idf[0] = 0.0
    for i, d in enumerate(df[1:], 1):
        idf[i] = round((math.log((1 + n) / (1 + d)) + 1.0) * SCALE) / SCALE  # as the file stores it

    # A placeholder model maps texts to rows; its heads are fitted next.
    empty = {
        name: Head(
            name=name, classes=classes, intercept=np.zeros(len(classes)), coef=np.zeros((len(vocabulary), len(classes)))
        )
        for name, classes in (("intent", INTENTS), ("sentiment", SENTIMENTS))
    }
    shell = LinearModel(vocabulary=vocabulary, idf=idf, scale=params.scale, heads=empty, info={})
    rows, ids, vals = shell.coo(feats)
    x = csr_matrix((vals, (rows, ids)), shape=(n, len(vocabulary)))

    heads = {}
    for name, classes, c, y in (
        ("intent", INTENTS, params.c_intent, [e.intent for e in examples]),
        ("sentiment", SENTIMENTS, params.c_sentiment, [e.sentiment for e in examples]),
    ):
        clf = LogisticRegression(C=c, solver="newton-cg", max_iter=200)
        clf.fit(x, y)
        order = [list(clf.classes_).index(k) for k in classes if k in clf.classes_]
        if len(order) != len(classes):
            raise ValueError(f"the {name} training data lacks some classes: {set(classes) - set(clf.classes_)}")
        coef = clf.coef_[order].T.copy()
        coef[0] = 0.0
        heads[name] = Head(name=name, classes=classes, intercept=clf.intercept_[order], coef=coef)
    model = LinearModel(vocabulary=vocabulary, idf=idf, scale=params.scale, heads=heads, info=info or {})
    return model.quantized()


def train_file(path: Path, examples: Sequence[Example], params: Params = Params()) -> LinearModel:
    import sklearn

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    info = {
        "trained_on": path.name,
        "examples": len(examples),
        "sha256": digest,
        "sklearn": sklearn.__version__,
        "char_ngrams": list(CHAR_NGRAMS),
        "params": {
            "min_df_words": params.min_df_words,
            "min_df_chars": params.min_df_chars,
            "c_intent": params.c_intent,
            "c_sentiment": params.c_sentiment,
        },
    }
    return fit(examples, params, info=info)
