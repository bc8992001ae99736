"""Notices to shop owners about their connections: a WB token about to expire.

Written as notifications (`notifications.services.notify_many`), which e-mail each owner once; the claim
on `token_expiry_notified_at` keeps the daily run from looking at a token it has already told about.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import Connection
from integrations.selectors import connections_with_expiring_token
from integrations.services import TOKEN_EXPIRY_WARNING
from notifications.models import Notification
from notifications.services import NotificationDraft, notify_many, shop_owner_ids

TEXT = (
    "Токен Wildberries подключения «{name}» перестанет работать {expires}. После этого новые отзывы, "
    "вопросы и сообщения покупателей перестанут приходить в AgentIQ, а ответы не будут отправляться. "
    "Создайте новый токен в личном кабинете Wildberries (Настройки → Доступ к API, категории "
    "«Вопросы и отзывы» и «Чат с покупателями») и вставьте его в AgentIQ: Настройки → Подключения."
)


def notify_expiring_tokens(*, now: datetime) -> int:
    """Tell the owners of every WB token expiring within a week; returns how many tokens were told about."""
    told = 0
    for connection in connections_with_expiring_token(now=now, within=TOKEN_EXPIRY_WARNING):
        with transaction.atomic():
            # Claim first, so two overlapping runs never tell about the same token twice; the claim and the
            # notifications commit together, so a crash between them loses neither.
            claimed = Connection.objects.filter(pk=connection.pk, token_expiry_notified_at__isnull=True).update(
                token_expiry_notified_at=now
            )
            if not claimed:
                continue
            notify_many(token_expiring_drafts(connection=connection))
        told += 1
    return told


def token_expiring_drafts(*, connection: Connection) -> list[NotificationDraft]:
    expires = timezone.localtime(connection.token_expires_at, _seller_zone(connection)).strftime("%d.%m.%Y в %H:%M")
    text = TEXT.format(name=connection.name or connection.get_marketplace_display(), expires=expires)
    # Per token: a new token (another expiry) is told about again, the same one never.
    key = f"token:{connection.pk}:{connection.token_expires_at.isoformat()}"
    return [
        NotificationDraft(
            recipient_id=owner_id,
            kind=Notification.Kind.TOKEN_EXPIRING,
            text=text,
            dedupe_key=key,
            seller_id=connection.seller_id,
            connection_id=connection.pk,
            email=True,
        )
        for owner_id in shop_owner_ids(connection.seller_id)
    ]


def _seller_zone(connection: Connection) -> ZoneInfo:
    try:
        return ZoneInfo(connection.seller.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.DEFAULT_SELLER_TIMEZONE)
