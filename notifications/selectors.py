"""Reads: a user's own notifications, newest first (the unread count is `services.unread_count`)."""

from __future__ import annotations

from typing import Any

from interactions.selectors.keyset import SortKey, keyset_page
from notifications.models import Notification

ORDERING = "recent"
NOTIFICATION_KEYS = [SortKey("created_at", descending=True), SortKey("id", descending=True)]
LIST_COLUMNS = ("id", "kind", "text", "seller_id", "interaction_id", "connection_id", "read_at", "created_at")


def notification_list(
    *, user: Any, unread: bool | None = None, cursor: str | None = None, limit: int = 50
) -> tuple[list[Notification], str | None]:
    """One page of the user's notifications and the next page's cursor; `unread` True/False filters, None: all."""
    queryset = Notification.objects.filter(recipient_id=user.pk).only(*LIST_COLUMNS)
    if unread is not None:
        queryset = queryset.filter(read_at__isnull=unread)
    return keyset_page(queryset, ordering=ORDERING, keys=NOTIFICATION_KEYS, cursor=cursor, limit=limit)
