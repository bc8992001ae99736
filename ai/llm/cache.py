"""The answer cache: a validated LLM answer kept under a hash of what produced it, so the same input costs one
call («Всё отлично, спасибо!» under a thousand 5★ reviews of a shop).

The key is the purpose, `PROMPT_VERSION`, the model, the seller (a cached answer never crosses shops) and the
normalized input: buyer text with personal data masked, case, ё, spacing and trailing punctuation folded,
plus every other input the prompt carries (rating, product facts, history, tone, signature, instruction).
The prompt itself is not the key: its fence token is random per call. Django's cache holds it (Redis in
production, the process's memory in `make run`); a cache that is away is a miss, never an error. Within a
process, calls for one key at once are made once (`single_flight`): the others wait for the first answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache

from ai.llm.masking import mask_personal_data, normalize

logger = logging.getLogger(__name__)

ANSWER_TTL_SECONDS = 7 * 86400
_SPACES = re.compile(r"\s+")
# Punctuation folds to a space (emoji stay: they carry sentiment).
_PUNCTUATION = re.compile(r"[.,!?;:…\"'«»()\[\]\-–—]+")


def normalize_text(text: str) -> str:
    text = normalize(mask_personal_data(text or "")).lower().replace("ё", "е")
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()


def answer_key(*, purpose: str, prompt_version: str, model: str, seller_id: int | None, inputs: dict[str, Any]) -> str:
    normalized = {key: normalize_text(value) if isinstance(value, str) else value for key, value in inputs.items()}
    payload = json.dumps(
        [purpose, prompt_version, model, seller_id, normalized], ensure_ascii=False, sort_keys=True, default=str
    )
    return "ai:answer:" + hashlib.sha256(payload.encode()).hexdigest()


def answer_get(key: str) -> dict[str, Any] | None:
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("ai answer cache unavailable on read")
        return None
    return value if isinstance(value, dict) else None


def answer_set(key: str, data: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):
        cache.set(key, data, ANSWER_TTL_SECONDS)


SINGLE_FLIGHT_WAIT_SECONDS = 60.0
_in_flight: dict[str, threading.Event] = {}
_in_flight_lock = threading.Lock()


@contextlib.contextmanager
def single_flight(key: str) -> Iterator[bool]:
    """True for the first caller of `key` (it makes the call); the others wait until it is done (or gave up)
    and get False: they read the cache again, and call only if there is still nothing."""
    with _in_flight_lock:
        event = _in_flight.get(key)
        leader = event is None
        if leader:
            event = _in_flight[key] = threading.Event()
    if not leader:
        event.wait(SINGLE_FLIGHT_WAIT_SECONDS)
        yield False
        return
    try:
        yield True
    finally:
        with _in_flight_lock:
            _in_flight.pop(key, None)
        event.set()
