"""What a reply must never contain, as data staff edit in the admin (docs/guardrails.md).

A category is one rule of PRODUCT_RULES («упоминание ИИ», «контакты вне маркетплейса», …) with its verdict for
public answers (reviews, questions) and private ones (chats) and the conditions that lift it; its patterns
are what the check looks for, in the reply or, for the conditions, in what the buyer wrote."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models


class Verdict(models.TextChoices):
    BLOCK = "block", "запретить"
    WARN = "warn", "предупредить"
    ALLOW = "allow", "разрешить"


class GuardrailCategory(models.Model):
    # Checked by the code itself, not by patterns: the reply's length.
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"

    code = models.SlugField("код", max_length=32, unique=True, help_text="Латиницей; приходит в API как category.")
    name = models.CharField("название", max_length=120)
    explanation = models.TextField(
        "объяснение для продавца", help_text="Что не так и как сказать иначе; продавец видит его у нарушения."
    )
    public_verdict = models.CharField(
        "в отзывах и вопросах", max_length=8, choices=Verdict.choices, default=Verdict.BLOCK
    )
    private_verdict = models.CharField("в чатах", max_length=8, choices=Verdict.choices, default=Verdict.BLOCK)
    ignore_if_buyer_used = models.BooleanField(
        "только если покупатель сам этого не писал",
        default=False,
        help_text="Не нарушение, если те же слова (или слова из шаблонов «в сообщении покупателя») есть у покупателя.",
    )
    allow_in_chats_if_buyer_asked = models.BooleanField(
        "в чатах можно, если покупатель спросил",
        default=False,
        help_text="В чате разрешено, если сообщение покупателя подходит под шаблоны «в сообщении покупателя».",
    )
    allow_in_chats_for_intents = models.JSONField(
        "в чатах можно при намерениях",
        default=list,
        blank=True,
        help_text="Намерения обращения (return_refund, size_fit, defect_quality, …), при которых в чате разрешено.",
    )
    position = models.PositiveSmallIntegerField("порядок", default=100)
    is_active = models.BooleanField("действует", default=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "категория запретов"
        verbose_name_plural = "категории запретов"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        intents = self.allow_in_chats_for_intents
        if not isinstance(intents, list) or not all(isinstance(i, str) and i for i in intents):
            raise ValidationError({"allow_in_chats_for_intents": ['Список кодов намерений, например ["size_fit"].']})


class PatternKind(models.TextChoices):
    WORDS = "words", "слова (основы)"
    REGEX = "regex", "регулярное выражение"


class PatternTarget(models.TextChoices):
    REPLY = "reply", "в ответе"
    BUYER = "buyer", "в сообщении покупателя"


# One word of a `words` pattern: «=слово» this form only, «слово*» any word starting so, «основа» the stem
# with any Russian ending; alternatives joined by «|».
WORD_ALTERNATIVE = re.compile(r"^(=?)([a-zа-яё0-9]+)(\*?)$")


def pattern_problem(kind: str, pattern: str) -> str | None:
    """Why this pattern cannot be used, in Russian; None when it can."""
    text = (pattern or "").strip()
    if not text:
        return "Шаблон пустой."
    if kind == PatternKind.REGEX:
        try:
            re.compile(text)
        except re.error as exc:
            return f"Регулярное выражение не разбирается: {exc}."
        if re.compile(text).search(""):
            return "Регулярное выражение совпадает с пустой строкой: оно нашлось бы в любом ответе."
        return None
    for word in text.lower().split():
        for alternative in word.split("|"):
            match = WORD_ALTERNATIVE.match(alternative)
            if match is None:
                return (
                    f"«{alternative}»: слово — буквы и цифры, с «=» впереди (только эта форма) или «*» в конце "
                    "(любое продолжение); варианты через «|», слова фразы через пробел."
                )
            if not match.group(1) and len(match.group(2)) < 3:
                return f"«{alternative}»: основа короче трёх букв найдётся где угодно; напишите «={alternative}»."
    return None


class GuardrailPattern(models.Model):
    category = models.ForeignKey(
        GuardrailCategory, on_delete=models.CASCADE, related_name="patterns", verbose_name="категория"
    )
    kind = models.CharField("вид", max_length=8, choices=PatternKind.choices, default=PatternKind.WORDS)
    target = models.CharField(
        "где искать",
        max_length=8,
        choices=PatternTarget.choices,
        default=PatternTarget.REPLY,
        help_text="«В сообщении покупателя» — признак, что покупатель спросил сам (условия категории).",
    )
    pattern = models.CharField(
        "шаблон",
        max_length=1000,
        help_text=(
            "Слова: «бот» — основа с любым окончанием (бот, бота, ботом, но не ботинки); «=ии» — только эта форма; "
            "«поддерж*» — любое продолжение; «=вернем|=возместим деньг|средств» — варианты через «|», слова фразы "
            "через пробел (между ними могут быть до трёх других слов, но не «не», «если»). Регистр, ё/е, латинские "
            "двойники букв, разрядка и опечатки в длинных основах учитываются сами. Регулярное выражение ищется "
            "в тексте в нижнем регистре с ё → е."
        ),
    )
    note = models.CharField("заметка", max_length=300, blank=True)
    is_active = models.BooleanField("действует", default=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "шаблон запрета"
        verbose_name_plural = "шаблоны запретов"
        ordering = ["category__position", "category__code", "target", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "target", "pattern"], name="guardrail_pattern_unique"),
        ]

    def __str__(self) -> str:
        return self.pattern

    def clean(self) -> None:
        self.pattern = (self.pattern or "").strip()
        problem = pattern_problem(self.kind, self.pattern)
        if problem:
            raise ValidationError({"pattern": [problem]})
