"""E-mails to shop owners about their connections (a WB token about to expire)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from integrations.models import Connection
from integrations.selectors import connections_with_expiring_token
from integrations.services import TOKEN_EXPIRY_WARNING

logger = logging.getLogger(__name__)

SUBJECT = "AgentIQ: токен Wildberries скоро истечёт"
BODY = (
    "Здравствуйте!\n\n"
    "Токен Wildberries подключения «{name}» перестанет работать {expires}. После этого новые отзывы, "
    "вопросы и сообщения покупателей перестанут приходить в AgentIQ, а ответы не будут отправляться.\n\n"
    "Создайте новый токен в личном кабинете Wildberries (Настройки → Доступ к API, категории "
    "«Вопросы и отзывы» и «Чат с покупателями») и вставьте его в AgentIQ: Настройки → Подключения.\n\n"
    "Команда AgentIQ"
)


def notify_expiring_tokens(*, now: datetime) -> int:
    sent = 0
    for connection in connections_with_expiring_token(now=now, within=TOKEN_EXPIRY_WARNING):
        # Claim first, so two overlapping runs never mail the same owner twice.
        claimed = Connection.objects.filter(pk=connection.pk, token_expiry_notified_at__isnull=True).update(
            token_expiry_notified_at=now
        )
        if not claimed:
            continue
        if notify_token_expiring(connection=connection):
            sent += 1
        else:
            Connection.objects.filter(pk=connection.pk).update(token_expiry_notified_at=None)
    return sent


def notify_token_expiring(*, connection: Connection) -> bool:
    owners = list(
        connection.seller.users.filter(role="owner", is_active=True).order_by("id").values_list("email", flat=True)
    )
    if not owners:
        return True
    expires = timezone.localtime(connection.token_expires_at, _seller_zone(connection)).strftime("%d.%m.%Y в %H:%M")
    try:
        send_mail(
            SUBJECT,
            BODY.format(name=connection.name or connection.get_marketplace_display(), expires=expires),
            settings.DEFAULT_FROM_EMAIL,
            owners,
        )
    except Exception:
        logger.exception("could not e-mail the token expiry notice for connection %s", connection.pk)
        return False
    return True


def _seller_zone(connection: Connection) -> ZoneInfo:
    try:
        return ZoneInfo(connection.seller.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.DEFAULT_SELLER_TIMEZONE)
