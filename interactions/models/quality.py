"""The quality score of each of our sent replies (docs/reply-quality.md): one row per delivered outgoing
message, written once by the AI step (`ai.quality`) through `interactions.services.quality`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from interactions.models.core import Author, Interaction, Kind, Marketplace, Message

QUALITY_LOW_BELOW = 60  # a score under this is «низкая оценка»: the report's `low` figure


class QualitySource(models.TextChoices):
    LLM = "llm", "языковая модель"
    RULES = "rules", "правила"


class ReplyQuality(models.Model):
    """How good one sent reply was: 0–100 with its parts and a short Russian note.

    The reply's shop, interaction, author, marketplace, kind and sending time are copied here so the report
    (`/api/stats` → `quality`) and its drill-down read this table alone."""

    message = models.OneToOneField(
        Message, primary_key=True, on_delete=models.CASCADE, related_name="quality", verbose_name="ответ"
    )
    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+", verbose_name="продавец")
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="+", verbose_name="обращение")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кто ответил",
        help_text="Пусто — ответ из кабинета маркетплейса, автоответ или сотрудник удалён.",
    )
    author = models.CharField("автор", max_length=16, choices=Author.choices)
    marketplace = models.CharField("маркетплейс", max_length=8, choices=Marketplace.choices)
    kind = models.CharField("тип", max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField("отправлен")

    score = models.PositiveSmallIntegerField("оценка", help_text="0–100: взвешенная сумма частей.")
    relevance = models.PositiveSmallIntegerField("по существу", help_text="Отвечает на то, что написал покупатель.")
    politeness = models.PositiveSmallIntegerField("вежливость")
    compliance = models.PositiveSmallIntegerField("без запретного", help_text="Вердикт проверки ответа.")
    personal = models.PositiveSmallIntegerField(
        "не шаблонный", help_text="Насколько ответ не похож на другие ответы магазина."
    )
    timeliness = models.PositiveSmallIntegerField(
        "скорость", null=True, blank=True, help_text="Время ответа против цели SLA; пусто — срок не считался."
    )
    note = models.CharField("пояснение", max_length=300)
    source = models.CharField("кто оценил", max_length=8, choices=QualitySource.choices)
    model = models.CharField("модель", max_length=100, blank=True)
    prompt_version = models.CharField("версия промпта", max_length=16, blank=True)
    # What was measured: the guardrail status and categories, the most similar earlier reply and its score,
    # the response's working seconds against the target and deadline.
    facts = models.JSONField("замеры", default=dict, blank=True)
    scored_at = models.DateTimeField("оценён", default=timezone.now)

    class Meta:
        verbose_name = "оценка ответа"
        verbose_name_plural = "оценки ответов"
        indexes = [
            models.Index(fields=["seller", "sent_at"], name="quality_seller_sent_idx"),
            models.Index(fields=["interaction", "sent_at"], name="quality_interaction_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="quality_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.score}"
