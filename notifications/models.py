from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """Something a user must hear about (a missed deadline, a reply that did not go out, a broken key).

    Written only by `notifications.services.notify_many`; the unique key makes a repeated write a no-op.
    """

    class Kind(models.TextChoices):
        SLA_DUE_SOON = "sla_due_soon", "скоро срок ответа"
        SLA_BREACHED = "sla_breached", "срок ответа нарушен"
        ESCALATION = "escalation", "эскалация"
        REPLY_FAILED = "reply_failed", "ответ не отправлен"
        ANSWER_REJECTED = "answer_rejected", "ответ отклонён маркетплейсом"
        CONNECTION_BROKEN = "connection_broken", "подключение не работает"
        TOKEN_EXPIRING = "token_expiring", "токен скоро истечёт"
        AI_BUDGET_EXHAUSTED = "ai_budget_exhausted", "бюджет ИИ исчерпан"

    seller = models.ForeignKey(
        "sellers.Seller",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="продавец",
        help_text="Пусто — заметка для сотрудников сервиса.",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="получатель"
    )
    kind = models.CharField("тип", max_length=32, choices=Kind.choices)
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="обращение",
    )
    connection = models.ForeignKey(
        "integrations.Connection",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="подключение",
    )
    text = models.TextField("текст", help_text="Что видит получатель.")
    dedupe_key = models.CharField(
        "ключ повтора",
        max_length=200,
        help_text="Уведомление того же типа с тем же ключом получатель получает один раз.",
    )
    wants_email = models.BooleanField("отправить письмо", default=False)
    emailed_at = models.DateTimeField("письмо отправлено", null=True, blank=True)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    created_at = models.DateTimeField("создано", default=timezone.now)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "dedupe_key"], name="notification_unique_dedupe"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_idx"),
            # The unread list and its count, asked for on every page the user opens.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The e-mail sweep runs every minute: it must not scan every notification ever written.
            models.Index(
                fields=["id"], condition=Q(wants_email=True, emailed_at__isnull=True), name="notification_email_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {timezone.localtime(self.created_at):%d.%m.%Y %H:%M}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
