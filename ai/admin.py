"""Staff view of the AI's books: every LLM call and cache hit, with the tokens and cost of what is listed.
Read-only: rows are written by `ai.llm.accounting.llm_call_record`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse

from agentiq.admin_base import RussianModelAdmin, short_datetime
from ai.models import LLMCall


class ErrorFilter(admin.SimpleListFilter):
    title = "ошибка"
    parameter_name = "error"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        codes = LLMCall.objects.exclude(error="").order_by("error").values_list("error", flat=True).distinct()[:50]
        return [("-", "без ошибки"), ("*", "любая ошибка"), *((code, code) for code in codes)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[LLMCall]) -> QuerySet[LLMCall]:
        value = self.value()
        if value == "-":
            return queryset.filter(error="")
        if value == "*":
            return queryset.exclude(error="")
        if value:
            return queryset.filter(error=value)
        return queryset


@admin.register(LLMCall)
class LLMCallAdmin(RussianModelAdmin):
    count_forms = ("вызов LLM", "вызова LLM", "вызовов LLM")
    change_list_template = "admin/ai/llmcall/change_list.html"
    list_display = [
        "created",
        "seller",
        "purpose",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "cost",
        "latency_ms",
        "attempts",
        "cache_hit",
        "error",
    ]
    list_filter = [
        ("seller", admin.RelatedOnlyFieldListFilter),
        "purpose",
        "model",
        ErrorFilter,
        "cache_hit",
        "created_at",
    ]
    list_select_related = ["seller"]
    search_fields = ["seller__name", "model", "error"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = [
        "created_at",
        "seller",
        "purpose",
        "model",
        "prompt_version",
        "prompt_tokens",
        "cached_prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "latency_ms",
        "attempts",
        "cache_hit",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="создано", ordering="created_at")
    def created(self, call: LLMCall) -> str:
        return short_datetime(call.created_at)

    @admin.display(description="стоимость, USD", ordering="cost_usd")
    def cost(self, call: LLMCall) -> str:
        return f"{call.cost_usd:.6f}"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            # The totals of exactly what the filters and the search list, not only this page.
            context["llm_totals"] = context["cl"].queryset.aggregate(
                calls=Count("id"),
                prompt_tokens=Sum("prompt_tokens"),
                cached_prompt_tokens=Sum("cached_prompt_tokens"),
                completion_tokens=Sum("completion_tokens"),
                cost_usd=Sum("cost_usd"),
            )
        return response
