"""What every Ozon call needs from a connection: Client-Id, Api-Key, the per-Client-Id bucket."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations import http
from integrations.errors import AuthFailed, BadResponse
from integrations.ratelimit import Bucket, credential_key, ozon_bucket

FERNET_PREFIX = "gAAAAA"


@dataclass(frozen=True)
class OzonAuth:
    client_id: str
    api_key: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Client-Id": self.client_id, "Api-Key": self.api_key, "Content-Type": "application/json"}

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.api_key,)

    @property
    def bucket(self) -> Bucket:
        return ozon_bucket(credential_key("ozon-client", self.client_id))


def ozon_auth(connection: Any) -> OzonAuth:
    client_id = str(getattr(connection, "ozon_client_id", "") or "").strip()
    api_key = str(getattr(connection, "ozon_api_key", "") or "").strip()
    if not client_id or not api_key:
        raise AuthFailed("Client-Id или Api-Key Ozon не заданы.", code="no_credentials")
    if api_key.startswith(FERNET_PREFIX):
        raise AuthFailed("Api-Key Ozon не читается: введите его заново.", code="credentials_unreadable")
    return OzonAuth(client_id=client_id, api_key=api_key)


def call(auth: OzonAuth, path: str, body: dict[str, Any], *, idempotent: bool = True) -> dict[str, Any]:
    """Every Ozon method is a POST with a JSON body; reads are safe to repeat, writes pass idempotent=False."""
    response = http.request(
        "POST",
        http.base_url("OZON_BASE_URL") + path,
        marketplace=http.OZON,
        headers=auth.headers,
        json_body=body,
        bucket=auth.bucket,
        secrets=auth.secrets,
        idempotent=idempotent,
    )
    if not isinstance(response.data, dict):
        if not idempotent:
            return {}  # the write succeeded (2xx); only its receipt is unreadable
        raise BadResponse("Ozon вернул ответ неизвестного формата.", status=response.status)
    return response.data


def as_id(value: Any) -> str:
    """Ozon ids (uint64 message ids included) as exact strings: never through a float."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    raise ValueError(f"not an id: {type(value).__name__}")
