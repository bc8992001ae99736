"""What a stream reader returns for one page: normalized records, quarantined raw items and the next cursor.

Readers (`wildberries/streams.py`, `ozon/streams.py`) build these; the sync engine consumes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from interactions.records import InteractionRecord

MAX_RAW_CHARS = 50_000


@dataclass
class QuarantineEntry:
    external_id: str
    raw: str
    error: str


@dataclass
class StreamPage:
    records: list[InteractionRecord] = field(default_factory=list)
    quarantined: list[QuarantineEntry] = field(default_factory=list)
    cursor: dict = field(default_factory=dict)
    done: bool = False
    requests: int = 0
    product_ids: list[int] = field(default_factory=list)


def quarantine_entry(raw: Any, error: BaseException | str, *, id_keys: tuple[str, ...] = ("id",)) -> QuarantineEntry:
    external_id = ""
    if isinstance(raw, dict):
        for key in id_keys:
            value = raw.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                external_id = str(value)[:128]
                break
    try:
        text = json.dumps(raw, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(raw)
    message = error if isinstance(error, str) else (str(error) or type(error).__name__)
    return QuarantineEntry(external_id=external_id, raw=text[:MAX_RAW_CHARS], error=message[:500])
