"""How alike a reply is to earlier ones (the repeated-answer guard): rapidfuzz over normalized text.

Ozon may limit sellers whose public answers repeat each other; a reply that is nearly an earlier one with
the buyer's name swapped counts as a repeat. Scores are 0–100 (`fuzz.ratio`, the normalized Indel
similarity): one changed word in a two-line answer still scores above 90, two different answers of the same
length around 40–60.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process, utils

TOP = 3


def similarity_key(text: str) -> str:
    """What is compared: lower case, ё as е, only letters and digits separated by single spaces."""
    return _key(text or "")


# The same earlier answers are compared again and again (each reply of a shop reads its last 500): their
# keys are kept per process, bounded.
@lru_cache(maxsize=100_000)
def _key(text: str) -> str:
    return " ".join(utils.default_process(text.replace("ё", "е").replace("Ё", "Е")).split())


def most_similar(
    text: str,
    candidates: Iterable[tuple[Hashable, str]],
    *,
    limit: int = TOP,
    score_cutoff: float = 0.0,
    prepared: bool = False,
) -> list[tuple[float, Hashable]]:
    """The `limit` candidates (id, text) most like `text`, best first, as (score, id).

    `prepared`: the candidates' texts are already `similarity_key`s (the caller keeps them so)."""
    query = similarity_key(text)
    if not query:
        return []
    ids: list[Hashable] = []
    texts: list[str] = []
    for candidate_id, candidate_text in candidates:
        ids.append(candidate_id)
        texts.append(candidate_text if prepared else similarity_key(candidate_text))
    if not texts:
        return []
    found = process.extract(
        query, texts, scorer=fuzz.ratio, processor=None, limit=limit, score_cutoff=score_cutoff or None
    )
    return [(round(float(score), 1), ids[index]) for _, score, index in found]
