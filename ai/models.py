from __future__ import annotations

from django.db import models
from django.utils import timezone


class LLMCall(models.Model):
    """One call to the LLM API (or one answer served from our cache): what it was for, its tokens, cost and
    outcome. Written by `ai.llm.accounting.llm_call_record`; the day's sum per seller is the budget's
    spending. Holds no prompt, no answer and no secret: `error` is a short code."""

    class Purpose(models.TextChoices):
        ANALYSIS = "analysis", "анализ"
        DRAFT = "draft", "черновик"
        REPAIR = "repair", "исправление ответа"
        QUALITY = "quality", "проверка качества"

    seller = models.ForeignKey(
        "sellers.Seller",
        null=True,
        blank=True,
        # The cost stays in the service's books after a shop is deleted.
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="продавец",
        help_text="Пусто — вызов не от имени магазина (проверки сотрудников) или магазин удалён.",
    )
    purpose = models.CharField("назначение", max_length=16, choices=Purpose.choices)
    model = models.CharField("модель", max_length=100)
    prompt_version = models.CharField("версия промпта", max_length=16, blank=True)
    prompt_tokens = models.PositiveIntegerField("токены запроса", default=0)
    cached_prompt_tokens = models.PositiveIntegerField(
        "из них из кэша API", default=0, help_text="Токены запроса, которые API взял из своего кэша (дешевле)."
    )
    completion_tokens = models.PositiveIntegerField("токены ответа", default=0)
    cost_usd = models.DecimalField("стоимость, USD", max_digits=14, decimal_places=8, default=0)
    latency_ms = models.PositiveIntegerField("длительность, мс", default=0)
    attempts = models.PositiveSmallIntegerField(
        "попыток", default=1, help_text="HTTP-запросов за вызов (повторы после 429, 5xx, таймаутов)."
    )
    cache_hit = models.BooleanField("из нашего кэша", default=False, help_text="Ответ взят из кэша, API не вызывался.")
    error = models.CharField(
        "ошибка",
        max_length=32,
        blank=True,
        help_text="Короткий код (timeout, rate_limited, server_error, invalid_json, schema…); пусто — успех.",
    )
    created_at = models.DateTimeField("создано", default=timezone.now)

    class Meta:
        verbose_name = "вызов LLM"
        verbose_name_plural = "вызовы LLM"
        indexes = [
            # The budget asks for a seller's spending since the start of their day before every call.
            models.Index(fields=["seller", "created_at"], name="llmcall_seller_created_idx"),
            models.Index(fields=["-created_at", "-id"], name="llmcall_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}, {self.model}, {timezone.localtime(self.created_at):%d.%m.%Y %H:%M}"
