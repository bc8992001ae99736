"""E-mails to invited addresses. Sent after the transaction commits, so a rolled-back invite mails nobody."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .models import Seller

logger = logging.getLogger(__name__)

INVITE_SUBJECT = "AgentIQ: приглашение в команду магазина «{shop}»"
NEW_MEMBER_BODY = (
    "Здравствуйте!\n\n"
    "Вас добавили в команду магазина «{shop}» в AgentIQ — едином окне для отзывов, вопросов и чатов "
    "покупателей Wildberries и Ozon.\n\n"
    "Логин — этот адрес, пароль вам передаст владелец магазина. После входа пароль можно сменить.\n\n"
    "Команда AgentIQ"
)
TAKEN_ADDRESS_BODY = (
    "Здравствуйте!\n\n"
    "Магазин «{shop}» пригласил этот адрес в свою команду в AgentIQ. Адрес уже используется вашей учётной "
    "записью, поэтому приглашение не принято, а в вашей учётной записи ничего не изменилось. Магазину мы об "
    "этом не сообщали.\n\n"
    "Если хотите работать и в этом магазине, попросите его владельца пригласить другой адрес. Если вы не "
    "ждали приглашения, просто не отвечайте на это письмо.\n\n"
    "Команда AgentIQ"
)


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    to: str


def invite_to_new_member(*, seller: Seller, email: str) -> Mail:
    return Mail(INVITE_SUBJECT.format(shop=seller.name), NEW_MEMBER_BODY.format(shop=seller.name), email)


def invite_to_taken_address(*, seller: Seller, email: str) -> Mail:
    return Mail(INVITE_SUBJECT.format(shop=seller.name), TAKEN_ADDRESS_BODY.format(shop=seller.name), email)


def send_after_commit(mail: Mail) -> None:
    transaction.on_commit(lambda: _send(mail))


def _send(mail: Mail) -> None:
    try:
        send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to])
    except Exception:
        # The member exists either way; a lost notice must not turn a done invite into an error.
        logger.exception("invite e-mail could not be sent")
