"""Reads: a shop's connections, which connections are due for a sync, which tokens expire soon."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from integrations.models import Connection, SyncCursor
from sellers.access import get_for_seller

if TYPE_CHECKING:
    from sellers.models import Seller


def connection_list(*, seller: Seller) -> QuerySet[Connection]:
    return Connection.objects.filter(seller=seller).select_related("last_run").order_by("created_at", "id")


def connection_get(*, seller: Seller, connection_id: int) -> Connection:
    """Another shop's connection is a 404, exactly like a missing one."""
    return get_for_seller(Connection.objects.select_related("last_run"), seller=seller, pk=connection_id)


def syncable_connections() -> QuerySet[Connection]:
    return Connection.objects.filter(is_enabled=True, seller__is_active=True).exclude(
        status__in=[Connection.Status.INVALID, Connection.Status.DISABLED]
    )


def connections_due(*, now: datetime) -> QuerySet[Connection]:
    """Connections whose next sync time has come, not backing off and not being synced right now."""
    return syncable_connections().filter(
        Q(next_sync_at__lte=now),
        Q(backoff_until__isnull=True) | Q(backoff_until__lte=now),
        Q(sync_lock_until__isnull=True) | Q(sync_lock_until__lte=now),
    )


def connections_with_expiring_token(*, now: datetime, within: timedelta) -> QuerySet[Connection]:
    """WB tokens that expire within `within` and whose owners were not told yet."""
    return Connection.objects.filter(
        is_enabled=True,
        token_expires_at__isnull=False,
        token_expires_at__gt=now,
        token_expires_at__lte=now + within,
        token_expiry_notified_at__isnull=True,
    ).select_related("seller")


def cursors_for(*, connection_id: int) -> dict[str, dict]:
    return {
        cursor.stream: cursor.value
        for cursor in SyncCursor.objects.filter(connection_id=connection_id).only("stream", "value")
    }
