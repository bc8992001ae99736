"""Staff edit what a reply must never contain: categories with their verdicts per channel, and the patterns.

A change applies to the next check in this process at once and in the others within seconds
(guardrails.rules). The «Проверить текст» field of a category's page is not stored: it shows what the check
says about a sample reply, so a new pattern can be tried before a seller meets it."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from agentiq.admin_base import RussianModelAdmin
from guardrails.models import GuardrailCategory, GuardrailPattern, Verdict, pattern_problem


def _intent_choices() -> list[tuple[str, str]]:
    # By name, not import: guardrails imports nothing from interactions (interactions imports it).
    field = apps.get_model("interactions", "Interaction")._meta.get_field("intent")
    return [(value, f"{label} ({value})") for value, label in field.choices]


class GuardrailCategoryForm(forms.ModelForm):
    allow_in_chats_for_intents = forms.MultipleChoiceField(
        label="в чатах можно при намерениях",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="При этих намерениях обращения в чате разрешено (возврат при возврате, размере, браке).",
    )

    class Meta:
        model = GuardrailCategory
        fields = (
            "code",
            "name",
            "explanation",
            "public_verdict",
            "private_verdict",
            "ignore_if_buyer_used",
            "allow_in_chats_if_buyer_asked",
            "allow_in_chats_for_intents",
            "position",
            "is_active",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allow_in_chats_for_intents"].choices = _intent_choices()


class GuardrailPatternForm(forms.ModelForm):
    class Meta:
        model = GuardrailPattern
        fields = ("category", "kind", "target", "pattern", "note", "is_active")

    def clean(self):
        data = super().clean()
        problem = pattern_problem(data.get("kind") or "", data.get("pattern") or "")
        if problem and "pattern" not in self.errors:
            self.add_error("pattern", problem)
        return data


class GuardrailPatternInline(admin.TabularInline):
    model = GuardrailPattern
    form = GuardrailPatternForm
    extra = 1
    fields = ("kind", "target", "pattern", "note", "is_active")
    verbose_name = "шаблон"
    verbose_name_plural = "шаблоны"


@admin.register(GuardrailCategory)
class GuardrailCategoryAdmin(RussianModelAdmin):
    accusative = "категорию запретов"
    count_forms = ("категория запретов", "категории запретов", "категорий запретов")
    form = GuardrailCategoryForm
    inlines = [GuardrailPatternInline]
    list_display = ("name", "code", "public_verdict", "private_verdict", "conditions", "patterns_count", "is_active")
    list_editable = ("public_verdict", "private_verdict", "is_active")
    list_filter = ("public_verdict", "private_verdict", "is_active")
    search_fields = ("name", "code", "explanation")
    readonly_fields = ("updated_at",)
    fieldsets = (
        (None, {"fields": ("code", "name", "explanation", "position", "is_active", "updated_at")}),
        ("Решение", {"fields": ("public_verdict", "private_verdict")}),
        (
            "Когда можно",
            {"fields": ("ignore_if_buyer_used", "allow_in_chats_if_buyer_asked", "allow_in_chats_for_intents")},
        ),
    )

    @admin.display(description="условия")
    def conditions(self, obj: GuardrailCategory) -> str:
        parts = []
        if obj.ignore_if_buyer_used:
            parts.append("только если покупатель не писал об этом сам")
        if obj.allow_in_chats_if_buyer_asked:
            parts.append("в чате можно, если покупатель спросил")
        if obj.allow_in_chats_for_intents:
            parts.append("в чате можно при намерениях: " + ", ".join(obj.allow_in_chats_for_intents))
        return "; ".join(parts) or "—"

    @admin.display(description="шаблонов")
    def patterns_count(self, obj: GuardrailCategory) -> int:
        return obj.patterns.filter(is_active=True).count()


@admin.register(GuardrailPattern)
class GuardrailPatternAdmin(RussianModelAdmin):
    count_forms = ("шаблон запрета", "шаблона запрета", "шаблонов запрета")
    form = GuardrailPatternForm
    list_display = ("pattern", "category", "kind", "target", "is_active", "note", "updated_at")
    list_filter = ("category", "kind", "target", "is_active")
    list_select_related = ("category",)
    search_fields = ("pattern", "note")
    readonly_fields = ("updated_at", "sample_check")
    fields = ("category", "kind", "target", "pattern", "note", "is_active", "updated_at", "sample_check")

    @admin.display(description="что находит сейчас")
    def sample_check(self, obj: GuardrailPattern) -> str:
        """The pattern's category as the check applies it today, on the pattern's own words."""
        if obj.pk is None or obj.kind != "words":
            return "—"
        from guardrails.services import check_reply

        sample = " ".join(word.split("|")[0].lstrip("=").rstrip("*") for word in obj.pattern.split())
        rows = []
        for kind, label in (("review", "в отзыве"), ("chat", "в чате")):
            verdict = check_reply(sample + " — пример ответа покупателю", kind=kind)
            found = [v for v in verdict.violations if v.category == obj.category.code]
            said = f"«{found[0].fragment}» — {Verdict(found[0].verdict).label}" if found else "не находит"
            rows.append((label, said))
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))
