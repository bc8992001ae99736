"""What staff see first on the admin index: what is broken or late right now, each with a link to the
filtered admin list. Four queries, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection, QuarantinedItem
from interactions.models import BreachedInteraction, DeliveryState, Interaction, Marketplace, Message, SLAState, Status

# A connection whose last successful sync is older than this is behind (the sync runs every 30 s by default).
SYNC_LAG_WARNING = timedelta(minutes=15)


@dataclass(frozen=True)
class OverviewItem:
    label: str
    count: int
    url: str
    permission: str  # the admin list behind the link, as a view permission
    hint: str = ""


@dataclass(frozen=True)
class MarketplaceSyncLag:
    marketplace: str
    label: str
    connections: int  # enabled ones
    newest_success_at: datetime | None
    oldest_success_at: datetime | None
    never_synced: int
    behind: int  # enabled connections without a successful sync within SYNC_LAG_WARNING
    url: str


@dataclass(frozen=True)
class Overview:
    items: list[OverviewItem]
    sync_lag: list[MarketplaceSyncLag]
    lag_warning_minutes: int
    generated_at: datetime


def _changelist(model: type, **params: str) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _permission(model: type) -> str:
    return f"{model._meta.app_label}.view_{model._meta.model_name}"


def admin_overview(*, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    behind_since = now - SYNC_LAG_WARNING
    enabled = Q(is_enabled=True)

    per_marketplace = {
        row["marketplace"]: row
        for row in Connection.objects.order_by()
        .values("marketplace")
        .annotate(
            enabled=Count("id", filter=enabled),
            in_error=Count("id", filter=enabled & Q(status=Connection.Status.ERROR)),
            invalid=Count("id", filter=enabled & Q(status=Connection.Status.INVALID)),
            in_backoff=Count("id", filter=enabled & Q(backoff_until__gt=now)),
            newest_success_at=Max("last_success_at", filter=enabled),
            oldest_success_at=Min("last_success_at", filter=enabled),
            never_synced=Count("id", filter=enabled & Q(last_success_at__isnull=True)),
            behind=Count(
                "id", filter=enabled & (Q(last_success_at__lt=behind_since) | Q(last_success_at__isnull=True))
            ),
        )
    }
    # A closed interaction never needs a response; saying so lets PostgreSQL count from the open-rows index.
    late = (
        Interaction.objects.filter(needs_response=True)
        .exclude(status=Status.CLOSED)
        .aggregate(
            breached=Count("id", filter=Q(sla_state=SLAState.BREACHED)),
            due_soon=Count("id", filter=Q(sla_state=SLAState.DUE_SOON)),
        )
    )
    failed_replies = Message.objects.filter(delivery_state=DeliveryState.FAILED).count()
    quarantined = QuarantinedItem.objects.filter(resolved_at__isnull=True).count()

    def connections_total(key: str) -> int:
        return sum(row[key] for row in per_marketplace.values())

    items = [
        OverviewItem(
            "Подключения с ошибкой синхронизации",
            connections_total("in_error"),
            _changelist(Connection, status__exact=Connection.Status.ERROR, is_enabled__exact="1"),
            _permission(Connection),
        ),
        OverviewItem(
            "Подключения, ключ которых не принят",
            connections_total("invalid"),
            _changelist(Connection, status__exact=Connection.Status.INVALID, is_enabled__exact="1"),
            _permission(Connection),
            "не синхронизируются, пока продавец не сменит ключ",
        ),
        OverviewItem(
            "Подключения на паузе после ошибок",
            connections_total("in_backoff"),
            _changelist(Connection, backoff="active", is_enabled__exact="1"),
            _permission(Connection),
        ),
        OverviewItem(
            "Обращения с нарушенным сроком ответа",
            late["breached"],
            # «Просроченные обращения»: the same rows, with the deadline, the delay and the escalation.
            _changelist(BreachedInteraction),
            _permission(BreachedInteraction),
        ),
        OverviewItem(
            "Обращения, у которых скоро срок ответа",
            late["due_soon"],
            _changelist(Interaction, needs_response__exact="1", sla_state__exact=SLAState.DUE_SOON),
            _permission(Interaction),
        ),
        OverviewItem(
            "Недоставленные ответы",
            failed_replies,
            _changelist(Message, delivery_state__exact=DeliveryState.FAILED),
            _permission(Message),
            "маркетплейс отклонил ответ или попытки отправки закончились",
        ),
        OverviewItem(
            "Нераспознанные записи",
            quarantined,
            _changelist(QuarantinedItem, resolved="no"),
            _permission(QuarantinedItem),
            "синхронизация пропустила их и пошла дальше",
        ),
    ]
    empty = {"enabled": 0, "newest_success_at": None, "oldest_success_at": None, "never_synced": 0, "behind": 0}
    sync_lag = [
        MarketplaceSyncLag(
            marketplace=marketplace.value,
            label=marketplace.label,
            connections=row["enabled"],
            newest_success_at=row["newest_success_at"],
            oldest_success_at=row["oldest_success_at"],
            never_synced=row["never_synced"],
            behind=row["behind"],
            url=_changelist(Connection, marketplace__exact=marketplace.value, is_enabled__exact="1", lag="behind"),
        )
        for marketplace in Marketplace
        for row in [per_marketplace.get(marketplace.value, empty)]
    ]
    return Overview(
        items=items,
        sync_lag=sync_lag,
        lag_warning_minutes=int(SYNC_LAG_WARNING.total_seconds() // 60),
        generated_at=now,
    )
