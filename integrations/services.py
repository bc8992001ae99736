"""Connections: create, update credentials (write-only), delete, record sync health, request a sync."""

from __future__ import annotations

import logging
import random
import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from agentiq.errors import ApplicationError, Conflict
from integrations.enqueue import enqueue_sync
from integrations.models import Connection
from interactions.models import Marketplace

if TYPE_CHECKING:
    from sellers.models import Seller

logger = logging.getLogger(__name__)

TOKEN_EXPIRY_WARNING = timedelta(days=7)
# Sync history kept for the admin and the seller's "last runs"; older rows are pruned daily.
SYNC_RUNS_KEPT = timedelta(days=30)
FAILURE_BACKOFF_BASE_SECONDS = 30.0
FAILURE_BACKOFF_CAP_SECONDS = 3600.0
WB_TOKEN_MAX_LENGTH = 4096
OZON_CLIENT_ID_RE = re.compile(r"^[1-9][0-9]{0,19}$")

WB_STREAMS_BY_CATEGORY = {"feedbacks": ["wb_feedbacks", "wb_questions"], "chat": ["wb_chats"]}
INTERNAL_ERROR_TEXT = "Внутренняя ошибка синхронизации, мы уже разбираемся. Данные не потеряны."
BROKEN_TEXT = (
    "Подключение «{name}» ({marketplace}) не работает: {reason} Пока ключ не обновят, новые отзывы, вопросы "
    "и сообщения покупателей не приходят в AgentIQ, а ответы не отправляются. Обновить ключ: "
    "Настройки → Подключения."
)


class MarketplaceUnavailable(ApplicationError):
    """The marketplace could not answer a check right now (424: our request was fine, theirs failed)."""

    status_code = 424
    code = "marketplace_unavailable"


# --- backoff -------------------------------------------------------------------------------


def backoff_seconds(*, attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: attempt 1 waits about `base`, each next one about twice as long.

    The jitter (50–100 % of the step) keeps thousands of connections that failed together from
    retrying in the same second.
    """
    step = min(cap, base * (2 ** max(0, attempt - 1)))
    return step * random.uniform(0.5, 1.0)


# --- credentials ---------------------------------------------------------------------------


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _wb_token_details(token: str, *, now: datetime) -> dict[str, Any]:
    """Read what a WB token allows (its JWT payload) and refuse one we cannot work with."""
    from integrations.wildberries.tokens import wb_token_info

    token = (token or "").strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise _field_error("token", "Укажите токен Wildberries.")
    if len(token) > WB_TOKEN_MAX_LENGTH:
        raise _field_error("token", "Токен слишком длинный: скопируйте только сам токен.")
    try:
        info = wb_token_info(token)
    except ValueError:
        raise _field_error(
            "token", "Это не похоже на токен Wildberries. Скопируйте токен целиком: Настройки → Доступ к API."
        ) from None
    if info.expires_at is not None and info.expires_at <= now:
        raise _field_error("token", "Срок действия токена истёк. Создайте новый токен в личном кабинете Wildberries.")
    if info.read_only:
        raise _field_error(
            "token", "Токен только для чтения: ответить покупателям с ним нельзя. Создайте токен с правом записи."
        )
    categories = set(info.categories or ())
    streams = [
        stream for category, names in WB_STREAMS_BY_CATEGORY.items() if category in categories for stream in names
    ]
    if not streams:
        raise _field_error(
            "token", "У токена нет доступа к нужным разделам: включите «Вопросы и отзывы» и «Чат с покупателями»."
        )
    return {
        "wb_token": token,
        "account_id": str(info.seller_uuid or "")[:64],
        "token_expires_at": info.expires_at,
        "streams": streams,
    }


def _ozon_details(client_id: str, api_key: str) -> dict[str, Any]:
    client_id = str(client_id or "").strip()
    api_key = (api_key or "").strip()
    errors: dict[str, list[str]] = {}
    if not OZON_CLIENT_ID_RE.match(client_id):
        errors["client_id"] = ["Client-Id — это число из личного кабинета Ozon (Настройки → Seller API)."]
    try:
        uuid.UUID(api_key)
    except ValueError:
        errors["api_key"] = ["Api-Key выглядит как 8-4-4-4-12 символов; скопируйте его из личного кабинета Ozon."]
    if errors:
        raise ValidationError(errors)
    return {"ozon_client_id": client_id, "ozon_api_key": api_key, "account_id": client_id, "streams": []}


def _credential_fields(
    *, marketplace: str, token: str | None, client_id: str | None, api_key: str | None, now: datetime
) -> dict[str, Any]:
    if marketplace == Marketplace.WILDBERRIES:
        return _wb_token_details(token or "", now=now)
    if marketplace == Marketplace.OZON:
        return _ozon_details(client_id or "", api_key or "")
    raise _field_error("marketplace", "Выберите Wildberries или Ozon.")


def _save_unique(connection: Connection, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            connection.save(**kwargs)
    except IntegrityError:
        raise Conflict("Этот кабинет уже подключён к вашему магазину.", code="already_connected") from None


def connection_create(
    *,
    seller: Seller,
    marketplace: str,
    name: str = "",
    token: str | None = None,
    client_id: str | None = None,
    api_key: str | None = None,
) -> Connection:
    now = timezone.now()
    fields = _credential_fields(marketplace=marketplace, token=token, client_id=client_id, api_key=api_key, now=now)
    connection = Connection(seller=seller, marketplace=marketplace, name=name.strip(), next_sync_at=now, **fields)
    _save_unique(connection)
    transaction.on_commit(lambda: enqueue_sync(connection.pk))
    return connection


def connection_update(*, connection: Connection, name: str | None = None, is_enabled: bool | None = None) -> Connection:
    update_fields = ["updated_at"]
    if name is not None:
        connection.name = name.strip()
        update_fields.append("name")
    if is_enabled is not None and is_enabled != connection.is_enabled:
        connection.is_enabled = is_enabled
        update_fields.append("is_enabled")
        if is_enabled:
            connection.next_sync_at = timezone.now()
            connection.backoff_until = None
            update_fields += ["next_sync_at", "backoff_until"]
    connection.save(update_fields=update_fields)
    return connection


def connection_update_credentials(
    *,
    connection: Connection,
    token: str | None = None,
    client_id: str | None = None,
    api_key: str | None = None,
) -> Connection:
    """Replace the secrets. New credentials get a clean slate: active, no backoff, synced right away."""
    now = timezone.now()
    if connection.marketplace == Marketplace.OZON and not client_id:
        client_id = connection.ozon_client_id
    fields = _credential_fields(
        marketplace=connection.marketplace, token=token, client_id=client_id, api_key=api_key, now=now
    )
    for field, value in fields.items():
        setattr(connection, field, value)
    connection.status = Connection.Status.ACTIVE
    connection.last_error = ""
    connection.last_error_code = ""
    connection.consecutive_failures = 0
    connection.backoff_until = None
    connection.broken_at = None  # a refusal of the new key is a new break, told again
    connection.next_sync_at = now
    connection.token_expiry_notified_at = None
    # A sync still running on the old key must not record its verdict over the new one: taking its
    # lease away makes its final update miss, and the next sync starts at once.
    connection.sync_lock_until = None
    _save_unique(connection)
    transaction.on_commit(lambda: enqueue_sync(connection.pk))
    return connection


def connection_delete(*, connection: Connection) -> None:
    connection.delete()


# --- sync health ---------------------------------------------------------------------------


def failure_fields(*, connection: Connection, error: BaseException, now: datetime) -> dict[str, Any]:
    """Column values after a failed sync or send: status, words for the seller, backoff.

    A rejected key stops syncing altogether (no retry storm) until the credentials change; anything
    else backs off exponentially, with jitter.
    """
    from integrations.errors import AuthFailed, IntegrationError, RateLimited

    message = error.message if isinstance(error, IntegrationError) else INTERNAL_ERROR_TEXT
    code = error.code if isinstance(error, IntegrationError) else "internal_error"
    fields: dict[str, Any] = {"last_error": message, "last_error_code": code, "last_error_at": now}
    if isinstance(error, AuthFailed):
        fields.update(status=Connection.Status.INVALID, backoff_until=None)
        fields["consecutive_failures"] = connection.consecutive_failures + 1
    elif isinstance(error, RateLimited):
        fields["backoff_until"] = now + timedelta(seconds=max(1.0, float(error.retry_after or 0)))
    else:
        failures = connection.consecutive_failures + 1
        delay = backoff_seconds(attempt=failures, base=FAILURE_BACKOFF_BASE_SECONDS, cap=FAILURE_BACKOFF_CAP_SECONDS)
        fields.update(
            status=Connection.Status.ERROR,
            consecutive_failures=failures,
            backoff_until=now + timedelta(seconds=delay),
        )
    return fields


def success_fields(*, now: datetime) -> dict[str, Any]:
    return {
        "status": Connection.Status.ACTIVE,
        "last_error": "",
        "last_error_code": "",
        "consecutive_failures": 0,
        "backoff_until": None,
        "broken_at": None,
        "last_success_at": now,
    }


def connection_record_failure(*, connection: Connection, error: BaseException, now: datetime | None = None) -> None:
    from integrations.errors import AuthFailed

    now = now or timezone.now()
    fields = failure_fields(connection=connection, error=error, now=now)
    Connection.objects.filter(pk=connection.pk).update(**fields)
    for field, value in fields.items():
        setattr(connection, field, value)
    if isinstance(error, AuthFailed):
        connection_mark_broken(connection=connection, reason=error.message, now=now)


def connection_mark_broken(*, connection: Connection, reason: str, now: datetime) -> bool:
    """The key was refused or no longer decrypts: start a break and tell the shop's owners (e-mail too).

    Once per break: the conditional UPDATE lets exactly one caller start it, and the break ends only when
    the connection works again (`success_fields`) or gets new credentials. False: it was broken already.
    """
    from notifications.models import Notification
    from notifications.services import NotificationDraft, notify_many, shop_owner_ids

    with transaction.atomic():
        if not Connection.objects.filter(pk=connection.pk, broken_at__isnull=True).update(broken_at=now):
            return False
        connection.broken_at = now
        text = BROKEN_TEXT.format(
            name=connection.name or connection.get_marketplace_display(),
            marketplace=connection.get_marketplace_display(),
            reason=" ".join(reason.split()),
        )
        notify_many(
            NotificationDraft(
                recipient_id=owner_id,
                kind=Notification.Kind.CONNECTION_BROKEN,
                text=text,
                dedupe_key=f"connection:{connection.pk}:{now.isoformat()}",
                seller_id=connection.seller_id,
                connection_id=connection.pk,
                email=True,
            )
            for owner_id in shop_owner_ids(connection.seller_id)
        )
    return True


def connection_record_success(*, connection: Connection, now: datetime | None = None) -> None:
    fields = success_fields(now=now or timezone.now())
    # A disabled connection stays disabled; a successful check or sync revives an invalid or failing one.
    Connection.objects.filter(pk=connection.pk).exclude(status=Connection.Status.DISABLED).update(**fields)
    if connection.status != Connection.Status.DISABLED:
        for field, value in fields.items():
            setattr(connection, field, value)


def connection_check(*, connection: Connection) -> dict[str, Any]:
    """Prove the credentials against the marketplace; a rejected key marks the connection invalid."""
    from integrations.errors import AuthFailed, IntegrationError, RateLimited
    from integrations.probe import check_connection

    if connection.credentials_unreadable:
        raise ApplicationError("Ключ не удаётся прочитать: обновите ключ подключения.", code="credentials_unreadable")
    try:
        result = check_connection(connection)
    except AuthFailed as exc:
        connection_record_failure(connection=connection, error=exc)
        raise ApplicationError(exc.message, code=exc.code) from None
    except RateLimited as exc:
        raise MarketplaceUnavailable(
            "Маркетплейс просит подождать с запросами. Попробуйте через минуту.", code="rate_limited"
        ) from exc
    except IntegrationError as exc:
        raise MarketplaceUnavailable(exc.message) from exc
    connection_record_success(connection=connection)
    return result


def connection_request_sync(*, connection: Connection) -> None:
    """Queue a sync now (the seller pressed the button); the sync's own lock keeps it single."""
    if not connection.is_enabled or connection.status == Connection.Status.DISABLED:
        raise Conflict("Подключение выключено: включите его, чтобы синхронизировать.", code="connection_disabled")
    if connection.status == Connection.Status.INVALID:
        raise Conflict(
            "Маркетплейс не принял ключ: обновите ключ, и синхронизация возобновится.", code="credentials_invalid"
        )
    Connection.objects.filter(pk=connection.pk).update(next_sync_at=timezone.now(), backoff_until=None)
    transaction.on_commit(lambda: enqueue_sync(connection.pk))


def enqueued_grace() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "SYNC_ENQUEUED_GRACE_SECONDS", 60)))


def connections_claim_due(*, now: datetime, limit: int = 50_000) -> list[int]:
    """Ids of the connections to sync now, each pushed out of the due set for the enqueued grace, so the
    next beat tick does not queue it again while it waits in the queue.

    This is also how the sync recovers from a broker restart or a killed worker, whatever the broker kept:
    a started sync moves `next_sync_at` to its lease's expiry and the finished one to the real next time,
    so a connection still due after the grace was never started (its task was lost with the broker, or is
    reserved by a dead worker) and is queued again; one whose sync died is due when its lease runs out. A
    task that turns up late anyway (Redis returns a dead worker's reserved tasks after an hour) carries its
    queue time and does nothing when a sync finished since (`engine.sync_connection(queued_at=...)`).
    """
    from integrations.selectors import connections_due

    ids = list(connections_due(now=now).order_by("next_sync_at").values_list("id", flat=True)[:limit])
    if ids:
        Connection.objects.filter(pk__in=ids, next_sync_at__lte=now).update(next_sync_at=now + enqueued_grace())
    return ids


def sync_runs_prune(*, now: datetime, keep: timedelta = SYNC_RUNS_KEPT, batch: int = 10_000) -> int:
    """Delete sync runs that finished before `now - keep`, in batches; a connection's last run stays."""
    from integrations.models import SyncRun

    cutoff = now - keep
    last_runs = Connection.objects.filter(last_run__isnull=False).values("last_run_id")
    deleted = 0
    while True:
        ids = list(
            SyncRun.objects.filter(finished_at__lt=cutoff)
            .exclude(pk__in=last_runs)
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += SyncRun.objects.filter(pk__in=ids).delete()[0]


def connections_to_reconcile() -> list[int]:
    """Connections whose answers the daily reconciliation compares: enabled, of an active shop, key not refused."""
    return list(
        Connection.objects.filter(is_enabled=True, seller__is_active=True)
        .exclude(status__in=[Connection.Status.INVALID, Connection.Status.DISABLED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
