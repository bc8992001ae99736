"""Staff views of the inbox: SLA rules and templates editable; interactions and history read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from interactions.models import (
    Customer,
    Interaction,
    InteractionEvent,
    InteractionLink,
    Message,
    ReplyTemplate,
    SLARule,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only services write (history, messages, synced interactions): staff look, never edit."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SLARule)
class SLARuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "seller",
        "marketplace",
        "kind",
        "priority",
        "target_minutes",
        "deadline_minutes",
        "escalate_after_minutes",
        "is_active",
    )
    list_filter = ("is_active", "marketplace", "kind", "priority")
    list_editable = ("target_minutes", "deadline_minutes", "escalate_after_minutes", "is_active")
    search_fields = ("name", "seller__name")
    autocomplete_fields = ("seller",)


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
    fields = ("created_at", "kind", "actor", "data")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at",)


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "seller",
        "marketplace",
        "kind",
        "status",
        "needs_response",
        "priority",
        "sla_state",
        "rating",
        "created_at",
        "last_buyer_message_at",
    )
    list_filter = ("marketplace", "kind", "status", "needs_response", "priority", "sla_state")
    search_fields = ("external_id", "product_id", "product_name", "seller__name")
    list_select_related = ("seller",)
    date_hierarchy = "created_at"
    show_full_result_count = False  # counting millions of rows on every page is slow
    exclude = ("search_text",)
    inlines = [MessageInline, EventInline]


@admin.register(InteractionEvent)
class InteractionEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "interaction", "actor")
    list_filter = ("kind",)
    raw_id_fields = ("interaction", "actor")
    show_full_result_count = False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "interaction", "direction", "author", "delivery_state", "attempts", "created_at", "sent_at")
    list_filter = ("direction", "delivery_state", "author")
    search_fields = ("external_id",)
    raw_id_fields = ("interaction", "author_user")
    show_full_result_count = False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("name", "external_id", "seller", "marketplace", "reviews_count", "average_rating", "last_seen_at")
    list_filter = ("marketplace",)
    search_fields = ("name", "external_id", "seller__name")
    list_select_related = ("seller",)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "seller", "kind", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "text", "seller__name")
    autocomplete_fields = ("seller",)


@admin.register(InteractionLink)
class InteractionLinkAdmin(ReadOnlyAdmin):
    """Sellers' decisions on suggested buyer links (made in the inbox, not here)."""

    list_display = ("decided_at", "seller", "a", "b", "decision", "score", "decided_by")
    list_filter = ("decision",)
    search_fields = ("seller__name",)
    raw_id_fields = ("a", "b", "decided_by")
    list_select_related = ("seller", "a", "b", "decided_by")
