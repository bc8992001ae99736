"""Auto-replies (docs/auto-replies.md): a shop's rules, its switch and daily cap, what each interaction got
(sent, or a draft waiting for one-click approval) and the day's counters that keep the caps exact."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from interactions.models import Intent, Kind

MAX_DAILY_CAP = 10_000
DEFAULT_SHOP_DAILY_CAP = 100
DEFAULT_RULE_DAILY_CAP = 50


class Action(models.TextChoices):
    QUEUE = "queue", "в очередь на одобрение"
    SEND = "send", "отправить сразу"


class ReplySource(models.TextChoices):
    AI_DRAFT = "ai_draft", "черновик ИИ"
    TEMPLATE = "template", "шаблон ответа"


class AutoReplySettings(models.Model):
    """A shop's own switch (off until the owner turns it on; off again stops every rule at once) and how many
    auto-replies it may send in a day, whatever its rules say."""

    seller = models.OneToOneField(
        "sellers.Seller", on_delete=models.CASCADE, related_name="auto_reply_settings", verbose_name="продавец"
    )
    enabled = models.BooleanField(
        "автоответы включены", default=False, help_text="Выключите, чтобы сразу остановить все правила магазина."
    )
    daily_cap = models.PositiveIntegerField(
        "автоответов в день на магазин", default=DEFAULT_SHOP_DAILY_CAP, help_text="Считается по дням магазина."
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "режим автоответов магазина"
        verbose_name_plural = "режимы автоответов магазинов"

    def __str__(self) -> str:
        return f"{self.seller}: {'включены' if self.enabled else 'выключены'}"

    def clean(self) -> None:
        if self.daily_cap > MAX_DAILY_CAP:
            raise ValidationError({"daily_cap": [f"Не больше {MAX_DAILY_CAP} в день."]})


class AutoReplyRule(models.Model):
    """What a shop answers automatically: an empty condition is «any». Of the enabled rules that match, the most
    specific acts (autoreplies.matching); the never-automatic list stops it whatever it says."""

    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.CASCADE, related_name="auto_reply_rules", verbose_name="продавец"
    )
    name = models.CharField("название", max_length=200)
    is_enabled = models.BooleanField("включено", default=False)
    kind = models.CharField("тип", max_length=16, choices=Kind.choices, blank=True, help_text="Пусто — любой.")
    rating_min = models.PositiveSmallIntegerField("оценка от", null=True, blank=True)
    rating_max = models.PositiveSmallIntegerField("оценка до", null=True, blank=True)
    intents = models.JSONField(
        "намерения", default=list, blank=True, help_text="Коды намерений (gratitude, product_question…); пусто — любые."
    )
    has_text = models.BooleanField(
        "есть текст", null=True, blank=True, help_text="Да — только с текстом; нет — только без; пусто — любые."
    )
    product_id = models.CharField("артикул", max_length=64, blank=True, help_text="Пусто — любой товар.")
    action = models.CharField("действие", max_length=8, choices=Action.choices, default=Action.QUEUE)
    source = models.CharField("текст ответа", max_length=16, choices=ReplySource.choices, default=ReplySource.AI_DRAFT)
    template = models.ForeignKey(
        "interactions.ReplyTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="шаблон ответа",
    )
    daily_cap = models.PositiveIntegerField("отправок в день", default=DEFAULT_RULE_DAILY_CAP)
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "правило автоответа"
        verbose_name_plural = "правила автоответов"
        indexes = [models.Index(fields=["seller"], condition=Q(is_enabled=True), name="autoreply_rule_enabled_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("rating_min", "rating_max"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 5:
                errors[name] = ["Оценка — от 1 до 5."]
        if (self.rating_min is not None or self.rating_max is not None) and self.kind != Kind.REVIEW:
            errors.setdefault("kind", []).append("Оценка есть только у отзывов: выберите тип «отзыв».")
        if (
            self.rating_min is not None
            and self.rating_max is not None
            and self.rating_min > self.rating_max
            and "rating_min" not in errors
        ):
            errors["rating_min"] = ["«Оценка от» больше, чем «оценка до»."]
        intents = self.intents
        if not isinstance(intents, list) or any(i not in Intent.values for i in intents):
            errors["intents"] = [f"Список кодов намерений из: {', '.join(Intent.values)}."]
        elif len(set(intents)) != len(intents):
            errors["intents"] = ["Намерения повторяются."]
        if self.source == ReplySource.TEMPLATE and self.template_id is None:
            errors["template"] = ["Выберите шаблон ответа."]
        if self.source == ReplySource.AI_DRAFT and self.template_id is not None:
            errors["template"] = ["Шаблон нужен только правилу, которое отвечает шаблоном."]
        if self.template_id is not None and self.template.seller_id != self.seller_id:
            errors["template"] = ["Шаблон не найден."]
        if self.daily_cap > MAX_DAILY_CAP:
            errors["daily_cap"] = [f"Не больше {MAX_DAILY_CAP} в день."]
        if errors:
            raise ValidationError(errors)


class AutoReplyState(models.TextChoices):
    SENT = "sent", "отправлен автоматически"
    WAITING = "waiting", "ждёт одобрения"
    APPROVED = "approved", "одобрен и отправлен"
    REJECTED = "rejected", "отклонён"
    OUTDATED = "outdated", "устарел"  # the buyer wrote again, or someone answered meanwhile


class AutoReply(models.Model):
    """What a rule did to one interaction: one row per interaction ever (the unique key is what makes an
    interaction auto-answered at most once). A `queue` rule leaves a draft `waiting` for approval; a `send`
    rule's reply went out as `sent` (its `message` has author `auto_reply`)."""

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+", verbose_name="продавец")
    interaction = models.OneToOneField(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="auto_reply", verbose_name="обращение"
    )
    rule = models.ForeignKey(
        AutoReplyRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="правило"
    )
    rule_name = models.CharField("название правила", max_length=200, blank=True)
    action = models.CharField("действие", max_length=8, choices=Action.choices)
    source = models.CharField("текст ответа", max_length=16, choices=ReplySource.choices)
    state = models.CharField("состояние", max_length=16, choices=AutoReplyState.choices)
    text = models.TextField("текст ответа")
    # The analysis the draft answers: approving a draft for content the buyer has since added to is refused.
    for_hash = models.CharField("к анализу", max_length=64, blank=True)
    message = models.ForeignKey(
        "interactions.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="отправленный ответ",
    )
    last_error = models.TextField("почему не отправлен", blank=True, help_text="Что сказала проверка при одобрении.")
    created_at = models.DateTimeField("создано", auto_now_add=True)
    decided_at = models.DateTimeField("решено", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кто решил",
    )

    class Meta:
        verbose_name = "автоответ"
        verbose_name_plural = "автоответы"
        indexes = [
            models.Index(fields=["seller", "-created_at"], condition=Q(state="waiting"), name="autoreply_waiting_idx"),
            models.Index(fields=["seller", "-created_at"], name="autoreply_seller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.interaction_id}: {self.get_state_display()}"


class AutoReplyCounter(models.Model):
    """How many auto-replies a shop (`scope` «shop») or one rule («rule:<id>») sent on one of the shop's days.
    Taken with a conditional UPDATE (`count < cap`), so two workers never pass a cap together."""

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+", verbose_name="продавец")
    day = models.DateField("день")
    scope = models.CharField("что считается", max_length=32)
    count = models.PositiveIntegerField("отправлено", default=0)

    class Meta:
        verbose_name = "счётчик автоответов"
        verbose_name_plural = "счётчики автоответов"
        constraints = [
            models.UniqueConstraint(fields=["seller", "day", "scope"], name="autoreply_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.scope}: {self.count}"
