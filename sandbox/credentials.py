"""Offline credentials for sandbox shops: anyone who knows the sandbox secret mints them, the server verifies them.

A WB token is a real JWT (HS256 signed with the secret) carrying WB's claims, so the clients' token parsing
(expiry, categories, read-only bit, seller uuid) runs on it unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import jwt

DEFAULT_SECRET = "agentiq-sandbox-dev-secret"  # noqa: S105 - a public dev default, like settings.SANDBOX_SECRET
TOKEN_LIFETIME_SECONDS = 180 * 24 * 3600

CATEGORY_BITS = {"feedbacks": 1 << 7, "chat": 1 << 9}
# WB's `acc` claim per token type; a Base token (no secret) gets WB's hourly limits.
ACCESS_TYPES = {"base": 1, "personal": 3, "service": 4}
READ_ONLY_BIT = 1 << 30

_NAMESPACE = uuid.UUID("6f1c2b7e-1d7a-4c1e-9a55-5a2d0f3b9c11")


class TokenError(Exception):
    """The token cannot be used; the message is the `detail` of WB's 401 body (never contains the token)."""


@dataclass(frozen=True)
class WBTokenClaims:
    shop_no: int
    seller_uuid: str
    categories: frozenset[str]
    read_only: bool
    expires_at: int
    access: str = "personal"


def _jwt_key(secret: str) -> bytes:
    # HS256 over SHA-256(secret): a full-length HMAC key whatever the secret's length.
    return hashlib.sha256(secret.encode()).digest()


def wb_seller_uuid(*, shop_no: int) -> str:
    """The `sid` claim of every token of this shop (stable: WB uses it to tie tokens to one seller)."""
    return str(uuid.uuid5(_NAMESPACE, f"shop:{shop_no}"))


def _expiry(expires_at: datetime | int | float | None) -> int:
    if expires_at is None:
        return int(time.time()) + TOKEN_LIFETIME_SECONDS
    if isinstance(expires_at, datetime):
        return int(expires_at.timestamp())
    return int(expires_at)


def mint_wb_token(
    *,
    shop_no: int,
    secret: str = DEFAULT_SECRET,
    categories: Iterable[str] = ("feedbacks", "chat"),
    read_only: bool = False,
    expires_at: datetime | int | float | None = None,
    access: str = "personal",
) -> str:
    if shop_no <= 0:
        raise ValueError("shop_no must be a positive integer")
    mask = 0
    for category in categories:
        mask |= CATEGORY_BITS[category]
    if read_only:
        mask |= READ_ONLY_BIT
    now = int(time.time())
    claims = {
        "acc": ACCESS_TYPES[access],
        "ent": 1,
        "exp": _expiry(expires_at),
        "for": "asid:sandbox-service" if access == "service" else "self",
        "iat": now,
        "id": str(uuid.uuid4()),
        "oid": shop_no,
        "s": mask,
        "sid": wb_seller_uuid(shop_no=shop_no),
        "t": False,
        "uid": 10_000_000 + shop_no,
    }
    return jwt.encode(claims, _jwt_key(secret), algorithm="HS256")


def verify_wb_token(token: str, *, secret: str, now: float | None = None) -> WBTokenClaims:
    """Return the claims of a token signed with `secret`, or raise TokenError with WB's wording."""
    token = (token or "").strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise TokenError("empty Authorization header")
    claims = _verified_claims(token, secret)
    if claims.expires_at <= (time.time() if now is None else now):
        raise TokenError("token problem; token is expired")
    return claims


@functools.lru_cache(maxsize=32768)
def _verified_claims(token: str, secret: str) -> WBTokenClaims:
    # Cached: the signature check is the costliest step of a sandbox request, and a token never changes.
    try:
        claims = jwt.decode(token, _jwt_key(secret), algorithms=["HS256"], options={"verify_exp": False})
    except jwt.InvalidSignatureError:
        raise TokenError("token problem; token signature is invalid") from None
    except jwt.PyJWTError:
        raise TokenError("token problem; token is malformed: could not parse token") from None
    try:
        shop_no = int(claims["oid"])
        mask = int(claims["s"])
        exp = int(claims["exp"])
        sid = str(claims["sid"])
        acc = int(claims.get("acc", 3))
    except (KeyError, TypeError, ValueError):
        raise TokenError("token problem; token is malformed: missing claims") from None
    if shop_no <= 0 or sid != wb_seller_uuid(shop_no=shop_no):
        raise TokenError("token problem; unknown seller")
    return WBTokenClaims(
        shop_no=shop_no,
        seller_uuid=sid,
        categories=frozenset(name for name, bit in CATEGORY_BITS.items() if mask & bit),
        read_only=bool(mask & READ_ONLY_BIT),
        expires_at=exp,
        access=next((name for name, value in ACCESS_TYPES.items() if value == acc), "personal"),
    )


@functools.lru_cache(maxsize=32768)
def _ozon_api_key(shop_no: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"ozon:{shop_no}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def ozon_api_key(*, shop_no: int, secret: str = DEFAULT_SECRET) -> str:
    return _ozon_api_key(shop_no, secret)


def ozon_credentials(*, shop_no: int, secret: str = DEFAULT_SECRET) -> tuple[str, str]:
    """(Client-Id, Api-Key) of a sandbox shop."""
    if shop_no <= 0:
        raise ValueError("shop_no must be a positive integer")
    return str(shop_no), ozon_api_key(shop_no=shop_no, secret=secret)


def verify_ozon_key(*, shop_no: int, api_key: str, secret: str) -> bool:
    return hmac.compare_digest(ozon_api_key(shop_no=shop_no, secret=secret), (api_key or "").strip())


def reply_sign(*, chat_id: str, shop_no: int, secret: str) -> str:
    """WB's `replySign` shape: `1:<chat uuid>:<digits>:<hex signature>`, here signed with the sandbox secret."""
    signature = hmac.new(secret.encode(), f"{chat_id}:{shop_no}".encode(), hashlib.sha256).hexdigest()[:64]
    chat_uuid = chat_id.split(":", 1)[-1]
    return f"1:{chat_uuid}:{shop_no}:{signature}"


def parse_reply_sign(sign: str, *, secret: str) -> tuple[str, int] | None:
    """(chatID, shop_no) of a genuine replySign, or None."""
    parts = (sign or "").split(":")
    if len(parts) != 4 or parts[0] != "1" or not parts[2].isdigit():
        return None
    chat_id, shop_no = f"1:{parts[1]}", int(parts[2])
    if not hmac.compare_digest(reply_sign(chat_id=chat_id, shop_no=shop_no, secret=secret), sign):
        return None
    return chat_id, shop_no
