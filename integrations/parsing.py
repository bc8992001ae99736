"""Reading marketplace payloads: helpers shared by the WB and Ozon normalizers. Pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_datetime(value: Any) -> datetime:
    """ISO strings with `Z`, offsets or nanoseconds; Unix seconds or milliseconds. Always aware (UTC if naive)."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError("missing date")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Trim a fraction longer than microseconds (WB questions carry nanoseconds).
    if "." in text:
        head, _, rest = text.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest}" if digits else head + rest
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def clean_text(value: Any) -> str:
    """A string field, stripped; anything else (missing, null, a number) reads as empty."""
    return value.strip() if isinstance(value, str) else ""
