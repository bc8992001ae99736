"""Staff views of the inbox: SLA rules and templates editable; interactions and history read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Left
from django.http import HttpRequest
from django.utils.text import Truncator

from agentiq.admin_base import RussianModelAdmin, collapsed_json, short_datetime
from interactions.models import (
    Customer,
    Direction,
    Interaction,
    InteractionEvent,
    InteractionLink,
    Message,
    ReplyTemplate,
)

PREVIEW_CHARS = 90


def plain_preview(text: str | None, *, chars: int = PREVIEW_CHARS) -> str:
    """One line of what was written: whitespace folded, cut at a word."""
    if not text:
        return "—"
    return Truncator(" ".join(text.split())).chars(chars)


class ReadOnlyAdmin(RussianModelAdmin):
    """Rows only services write (history, messages, synced interactions): staff look, never edit."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "direction", "author", "author_user", "text", "delivery_state", "attempts", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ("created_at",)


class EventInline(admin.TabularInline):
    model = InteractionEvent
    fields = ("created_at", "kind", "actor", "details")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at",)

    @admin.display(description="подробности")
    def details(self, event: InteractionEvent) -> str:
        return collapsed_json(event.data)


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    count_forms = ("обращение", "обращения", "обращений")
    list_display = (
        "id",
        "seller",
        "kind_on_marketplace",
        "status",
        "needs_response",
        "priority",
        "sla_state",
        "rating",
        "buyer_text",
        "created",
        "last_buyer_message",
    )
    list_display_links = ("id", "kind_on_marketplace")
    list_filter = ("marketplace", "kind", "status", "needs_response", "priority", "sla_state")
    search_fields = ("external_id", "product_id", "product_name", "seller__name")
    list_select_related = ("seller",)
    date_hierarchy = "created_at"
    show_full_result_count = False  # counting millions of rows on every page is slow
    fieldsets = (
        (
            "Обращение",
            {
                "fields": (
                    "seller",
                    "connection",
                    "marketplace",
                    "kind",
                    "external_id",
                    "customer",
                    "product_id",
                    "product_name",
                    "rating",
                )
            },
        ),
        (
            "Состояние",
            {
                "fields": (
                    "status",
                    "needs_response",
                    "priority",
                    "sla_state",
                    "first_response_due_at",
                    "first_responded_at",
                    "escalated_at",
                    "assigned_to",
                    "is_read",
                    "closed_at",
                )
            },
        ),
        (
            "Анализ ИИ",
            {
                "fields": (
                    ("intent", "sentiment", "priority_by_seller", "intent_by_seller"),
                    "ai_summary",
                    ("ai_source", "ai_confidence", "ai_needs_reply", "ai_analyzed_at"),
                    "draft_text",
                    ("draft_source", "drafted_at"),
                    "draft_reason",
                )
            },
        ),
        ("Время", {"fields": ("created_at", "last_message_at", "last_buyer_message_at", "inserted_at", "updated_at")}),
        ("Исходные данные маркетплейса", {"fields": ("reply_context_json", "raw_json")}),
    )
    readonly_fields = (
        "inserted_at",
        "updated_at",
        "reply_context_json",
        "raw_json",
        "ai_source",
        "ai_confidence",
        "ai_needs_reply",
        "draft_source",
        "drafted_at",
        "draft_reason",
    )
    inlines = [MessageInline, EventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Interaction]:
        # The buyer's latest words, cut in the database: one subquery per page, not a query per row.
        last_buyer_text = Message.objects.filter(interaction_id=OuterRef("pk"), direction=Direction.IN).order_by(
            "-created_at", "-id"
        )
        return (
            super()
            .get_queryset(request)
            .annotate(buyer_text_preview=Subquery(last_buyer_text.values(preview=Left("text", PREVIEW_CHARS * 2))[:1]))
        )

    @admin.display(description="тип", ordering="kind")
    def kind_on_marketplace(self, interaction: Interaction) -> str:
        return f"{interaction.get_kind_display()} · {interaction.get_marketplace_display()}"

    @admin.display(description="что написал покупатель")
    def buyer_text(self, interaction: Interaction) -> str:
        return plain_preview(getattr(interaction, "buyer_text_preview", None))

    @admin.display(description="создано", ordering="created_at")
    def created(self, interaction: Interaction) -> str:
        return short_datetime(interaction.created_at)

    @admin.display(description="последнее от покупателя", ordering="last_buyer_message_at")
    def last_buyer_message(self, interaction: Interaction) -> str:
        return short_datetime(interaction.last_buyer_message_at)

    @admin.display(description="данные для ответа")
    def reply_context_json(self, interaction: Interaction) -> str:
        return collapsed_json(interaction.reply_context)

    @admin.display(description="исходные данные")
    def raw_json(self, interaction: Interaction) -> str:
        return collapsed_json(interaction.raw)


@admin.register(InteractionEvent)
class InteractionEventAdmin(ReadOnlyAdmin):
    count_forms = ("событие", "события", "событий")
    list_display = ("created_at", "kind", "interaction", "actor")
    list_filter = ("kind",)
    raw_id_fields = ("interaction", "actor")
    show_full_result_count = False
    fields = ("interaction", "kind", "actor", "created_at", "details")
    readonly_fields = ("details",)

    @admin.display(description="подробности")
    def details(self, event: InteractionEvent) -> str:
        return collapsed_json(event.data)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    count_forms = ("сообщение", "сообщения", "сообщений")
    list_display = (
        "id",
        "interaction",
        "direction",
        "author",
        "text_preview",
        "delivery_state",
        "attempts",
        "created",
        "sent",
    )
    list_filter = ("direction", "delivery_state", "author")
    list_select_related = ("interaction",)
    search_fields = ("external_id",)
    raw_id_fields = ("interaction", "author_user")
    show_full_result_count = False
    fields = (
        "interaction",
        "seller",
        "direction",
        "author",
        "author_user",
        "text",
        "attachments_json",
        "external_id",
        "created_at",
        "delivery_state",
        "attempts",
        "last_error",
        "idempotency_key",
        "next_attempt_at",
        "sent_at",
    )
    readonly_fields = ("seller", "attachments_json")

    @admin.display(description="написано", ordering="created_at")
    def created(self, message: Message) -> str:
        return short_datetime(message.created_at)

    @admin.display(description="отправлено", ordering="sent_at")
    def sent(self, message: Message) -> str:
        return short_datetime(message.sent_at)

    @admin.display(description="текст")
    def text_preview(self, message: Message) -> str:
        return plain_preview(message.text, chars=60)

    @admin.display(description="вложения")
    def attachments_json(self, message: Message) -> str:
        return collapsed_json(message.attachments)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    accusative = "покупателя"
    delete_selected_label = "Удалить выбранных покупателей"
    count_forms = ("покупатель", "покупателя", "покупателей")
    list_display = ("name", "external_id", "seller", "marketplace", "reviews_count", "average_rating", "last_seen_at")
    list_filter = ("marketplace",)
    search_fields = ("name", "external_id", "seller__name")
    list_select_related = ("seller",)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(RussianModelAdmin):
    count_forms = ("шаблон ответа", "шаблона ответов", "шаблонов ответов")
    list_display = ("name", "seller", "kind", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "text", "seller__name")
    autocomplete_fields = ("seller",)


@admin.register(InteractionLink)
class InteractionLinkAdmin(ReadOnlyAdmin):
    """Sellers' decisions on suggested buyer links (made in the inbox, not here)."""

    count_forms = ("связь обращений", "связи обращений", "связей обращений")
    list_display = ("decided_at", "seller", "a", "b", "decision", "score", "decided_by")
    list_filter = ("decision",)
    search_fields = ("seller__name",)
    raw_id_fields = ("a", "b", "decided_by")
    list_select_related = ("seller", "a", "b", "decided_by")


# The SLA's pages (rules, calendars, measurements) live beside these.
from interactions import admin_quality, admin_sla  # noqa: E402, F401
