"""WB API tokens are JWTs: their payload says when they expire, what they may reach and whose they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

# Category bits of the `s` claim (WB docs: bit position 7 = feedbacks and questions, 9 = buyer chat, 30 = read-only).
CATEGORY_BITS = {
    "feedbacks": 1 << 7,
    "chat": 1 << 9,
}
READ_ONLY_BIT = 1 << 30


@dataclass(frozen=True)
class WBTokenInfo:
    expires_at: datetime | None
    categories: frozenset[str]
    read_only: bool
    seller_uuid: str
    token_type: int | None = None  # acc: 1 Base, 2 Test, 3 Personal, 4 Service


def wb_token_info(token: str) -> WBTokenInfo:
    """Read the payload without verifying the signature (we cannot; WB holds the key). Malformed → ValueError."""
    if not token or not isinstance(token, str):
        raise ValueError("empty token")
    raw = token.strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    try:
        payload = jwt.decode(raw, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        raise ValueError("the token is not a readable JWT") from None
    if not isinstance(payload, dict):
        raise ValueError("the token payload is not an object")
    expires_at = None
    exp = payload.get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        expires_at = datetime.fromtimestamp(exp, tz=UTC)
    bits = payload.get("s")
    categories: set[str] = set()
    read_only = False
    if isinstance(bits, int) and not isinstance(bits, bool):
        categories = {name for name, bit in CATEGORY_BITS.items() if bits & bit}
        read_only = bool(bits & READ_ONLY_BIT)
    acc = payload.get("acc")
    return WBTokenInfo(
        expires_at=expires_at,
        categories=frozenset(categories),
        read_only=read_only,
        seller_uuid=str(payload.get("sid") or ""),
        token_type=acc if isinstance(acc, int) and not isinstance(acc, bool) else None,
    )
