"""Staff view of the reply quality scores: every scored reply, and above the list the quality of exactly what
the filters and the search list, over time and per member (docs/reply-quality.md). Read-only: the scores
are written by the AI step (`ai.quality`)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse

from agentiq.admin_base import RussianModelAdmin, collapsed_json, short_datetime
from agentiq.plural import count_label
from interactions.admin import plain_preview
from interactions.models import QUALITY_LOW_BELOW, ReplyQuality

REPLY_FORMS = ("ответ", "ответа", "ответов")
SUMMARY_DAYS = 31
SUMMARY_MEMBERS = 20
STAFF_ZONE = ZoneInfo("Europe/Moscow")  # staff read the days in Moscow time


def _line(label: str, row: dict[str, Any]) -> dict[str, Any]:
    average = row["average"]
    return {
        "label": label,
        "replies": count_label(row["replies"], REPLY_FORMS),
        "low": row["low"],
        "average": "—" if average is None else f"{average:.1f}",
    }


def quality_summary(queryset: QuerySet[ReplyQuality]) -> dict[str, Any]:
    """The average score and the low ones of the listed rows: in all, per day (Moscow), per member."""
    figures = {
        "replies": Count("pk"),
        "low": Count("pk", filter=Q(score__lt=QUALITY_LOW_BELOW)),
        "average": Avg("score"),
    }
    total = queryset.aggregate(**figures)
    days = (
        queryset.annotate(day=TruncDate("sent_at", tzinfo=STAFF_ZONE))
        .values("day")
        .annotate(**figures)
        .order_by("-day")[:SUMMARY_DAYS]
    )
    members = (
        queryset.values("author_user__email", "author_user__full_name")
        .annotate(**figures)
        .order_by("-replies", "author_user__email")[:SUMMARY_MEMBERS]
    )
    return {
        "total": _line("Всего", total),
        "days": [_line(f"{row['day']:%d.%m.%Y}", row) for row in days],
        "members": [
            _line(
                row["author_user__full_name"] or row["author_user__email"] or "без сотрудника (кабинет, автоответ)", row
            )
            for row in members
        ],
        "low_below": QUALITY_LOW_BELOW,
    }


class ScoreBandFilter(admin.SimpleListFilter):
    title = "оценка"
    parameter_name = "band"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("low", f"низкая (ниже {QUALITY_LOW_BELOW})"), ("ok", f"{QUALITY_LOW_BELOW} и выше")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ReplyQuality]) -> QuerySet[ReplyQuality]:
        if self.value() == "low":
            return queryset.filter(score__lt=QUALITY_LOW_BELOW)
        if self.value() == "ok":
            return queryset.filter(score__gte=QUALITY_LOW_BELOW)
        return queryset


@admin.register(ReplyQuality)
class ReplyQualityAdmin(RussianModelAdmin):
    accusative = "оценку ответа"
    count_forms = ("оценка ответа", "оценки ответов", "оценок ответов")
    change_list_template = "admin/interactions/replyquality/change_list.html"
    list_display = ("sent", "seller", "author_user", "kind", "marketplace", "score", "note", "source", "reply")
    list_filter = (
        ("seller", admin.RelatedOnlyFieldListFilter),
        ("author_user", admin.RelatedOnlyFieldListFilter),
        ScoreBandFilter,
        "source",
        "kind",
        "marketplace",
        "sent_at",
    )
    list_select_related = ("seller", "author_user", "message")
    search_fields = ("seller__name", "note", "message__text")
    date_hierarchy = "sent_at"
    ordering = ("-sent_at", "-message_id")
    show_full_result_count = False
    raw_id_fields = ("message", "interaction")
    fields = (
        "message",
        "interaction",
        "seller",
        "author_user",
        "author",
        "marketplace",
        "kind",
        "sent_at",
        "score",
        "relevance",
        "politeness",
        "compliance",
        "personal",
        "timeliness",
        "note",
        "source",
        "model",
        "prompt_version",
        "facts_json",
        "scored_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="отправлен", ordering="sent_at")
    def sent(self, row: ReplyQuality) -> str:
        return short_datetime(row.sent_at)

    @admin.display(description="ответ")
    def reply(self, row: ReplyQuality) -> str:
        return plain_preview(row.message.text, chars=60)

    @admin.display(description="замеры")
    def facts_json(self, row: ReplyQuality) -> str:
        return collapsed_json(row.facts)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context["quality_summary"] = quality_summary(context["cl"].queryset.order_by())
        return response
