"""What every WB client call needs from a connection: the token, the headers, the shared buckets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations import http
from integrations.errors import AuthFailed, BadResponse, PermanentError
from integrations.ratelimit import Bucket, credential_key, wb_chat_bucket, wb_feedbacks_bucket
from integrations.wildberries.tokens import wb_token_info

# django-fernet-encrypted-fields hands back the ciphertext itself when no key fits.
FERNET_PREFIX = "gAAAAA"
BASE_TOKEN_TYPE = 1


@dataclass(frozen=True)
class WBAuth:
    token: str = field(repr=False)  # never in a repr, a log line or a traceback's locals summary
    account_key: str  # hash of the seller uuid (or of the token when it is not a JWT)
    base_token: bool = False  # WB's "Base" token (acc=1): 5 feedbacks requests and 1 chat request per hour

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.token}

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.token,)

    @property
    def feedbacks_bucket(self) -> Bucket:
        return wb_feedbacks_bucket(self.account_key, base_token=self.base_token)

    @property
    def chat_bucket(self) -> Bucket:
        return wb_chat_bucket(self.account_key, base_token=self.base_token)


def wb_auth(connection: Any) -> WBAuth:
    """Accepts a Connection (or anything with `wb_token`), or a raw token string."""
    token = connection if isinstance(connection, str) else (getattr(connection, "wb_token", None) or "")
    token = token.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise AuthFailed("Токен Wildberries не задан.", code="no_credentials")
    if token.startswith(FERNET_PREFIX):
        raise AuthFailed("Токен Wildberries не читается: введите его заново.", code="credentials_unreadable")
    try:
        info = wb_token_info(token)
        seller_uuid, base_token = info.seller_uuid, info.token_type == BASE_TOKEN_TYPE
    except ValueError:
        seller_uuid, base_token = "", False
    # One bucket per seller account: two tokens of the same seller share WB's limit.
    account_key = credential_key("wb-seller", seller_uuid) if seller_uuid else credential_key("wb-token", token)
    return WBAuth(token=token, account_key=account_key, base_token=base_token)


def feedbacks_call(auth: WBAuth, method: str, path: str, **kwargs: Any) -> http.HttpResponse:
    return http.request(
        method,
        http.base_url("WB_FEEDBACKS_BASE_URL") + path,
        marketplace=http.WB,
        headers=auth.headers,
        bucket=auth.feedbacks_bucket,
        secrets=auth.secrets,
        **kwargs,
    )


def chat_call(auth: WBAuth, method: str, path: str, **kwargs: Any) -> http.HttpResponse:
    return http.request(
        method,
        http.base_url("WB_CHAT_BASE_URL") + path,
        marketplace=http.WB,
        headers=auth.headers,
        bucket=auth.chat_bucket,
        secrets=auth.secrets,
        **kwargs,
    )


def envelope_data(response: http.HttpResponse) -> Any:
    """feedbacks-api wraps every answer in {data, error, errorText, additionalErrors}."""
    body = response.data
    if not isinstance(body, dict) or "data" not in body:
        raise BadResponse("Wildberries вернул ответ неизвестного формата.", status=response.status)
    if body.get("error"):
        raise PermanentError(
            f"Wildberries: {body.get('errorText') or 'ошибка'}", code="rejected", status=response.status
        )
    return body["data"]


def as_int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def list_params(
    *,
    is_answered: bool,
    take: int | None = None,
    skip: int | None = None,
    order: str = "",
    date_from: int | None = None,
    date_to: int | None = None,
    nm_id: int | None = None,
) -> dict[str, Any]:
    """Query of the feedbacks and questions lists and counts (the two APIs take the same parameters)."""
    params: dict[str, Any] = {"isAnswered": "true" if is_answered else "false"}
    optional = {"take": take, "skip": skip, "order": order or None, "nmId": nm_id}
    optional["dateFrom"] = int(date_from) if date_from is not None else None
    optional["dateTo"] = int(date_to) if date_to is not None else None
    params.update({name: value for name, value in optional.items() if value is not None})
    return params


def list_page(auth: WBAuth, path: str, *, key: str, params: dict[str, Any], what: str) -> tuple[list[Any], int, int]:
    """One page of feedbacks or questions: (items, countUnanswered, countArchive)."""
    data = envelope_data(feedbacks_call(auth, "GET", path, params=params))
    if not isinstance(data, dict) or not isinstance(data.get(key) or [], list):
        raise BadResponse(f"Wildberries вернул список {what} неизвестного формата.")
    return list(data.get(key) or []), as_int(data.get("countUnanswered")), as_int(data.get("countArchive"))


def unanswered_counts(auth: WBAuth, path: str) -> dict[str, int]:
    data = envelope_data(feedbacks_call(auth, "GET", path))
    data = data if isinstance(data, dict) else {}
    return {"count_unanswered": as_int(data.get("countUnanswered")), "today": as_int(data.get("countUnansweredToday"))}


def chat_result(response: http.HttpResponse) -> Any:
    body = response.data
    if not isinstance(body, dict) or "result" not in body:
        raise BadResponse("Wildberries вернул ответ чата неизвестного формата.", status=response.status)
    return body["result"]
