"""Staff pages of the auto-replies: shops' switches and rules (editable, e.g. to stop one shop), what was
sent or waits for approval, and the day counters (read-only). The global switch is the runtime setting
`auto_replies_enabled` (Настройки)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from agentiq.admin_base import RussianModelAdmin
from autoreplies.matching import rule_conditions
from autoreplies.models import AutoReply, AutoReplyCounter, AutoReplyRule, AutoReplySettings
from interactions.admin import plain_preview


class ReadOnlyAdmin(RussianModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AutoReplySettings)
class AutoReplySettingsAdmin(RussianModelAdmin):
    count_forms = ("режим автоответов магазина", "режима автоответов магазина", "режимов автоответов магазина")
    list_display = ("seller", "enabled", "daily_cap", "updated_at")
    list_editable = ("enabled", "daily_cap")
    list_filter = ("enabled",)
    list_select_related = ("seller",)
    search_fields = ("seller__name",)
    raw_id_fields = ("seller",)


@admin.register(AutoReplyRule)
class AutoReplyRuleAdmin(RussianModelAdmin):
    count_forms = ("правило автоответа", "правила автоответов", "правил автоответов")
    list_display = ("name", "seller", "conditions", "action", "source", "daily_cap", "is_enabled", "updated_at")
    list_editable = ("is_enabled",)
    list_filter = ("is_enabled", "action", "source", "kind")
    list_select_related = ("seller",)
    search_fields = ("name", "seller__name", "product_id")
    raw_id_fields = ("seller", "template")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="условия")
    def conditions(self, obj: AutoReplyRule) -> str:
        return rule_conditions(obj)


@admin.register(AutoReply)
class AutoReplyAdmin(ReadOnlyAdmin):
    count_forms = ("автоответ", "автоответа", "автоответов")
    list_display = ("created_at", "seller", "interaction", "rule_name", "action", "state", "preview", "decided_by")
    list_filter = ("state", "action", "source")
    list_select_related = ("seller", "interaction", "decided_by")
    search_fields = ("text", "rule_name", "seller__name")
    date_hierarchy = "created_at"
    fields = (
        "seller",
        "interaction",
        "rule",
        "rule_name",
        "action",
        "source",
        "state",
        "text",
        "message",
        "last_error",
        "created_at",
        "decided_at",
        "decided_by",
    )
    readonly_fields = fields

    @admin.display(description="текст")
    def preview(self, obj: AutoReply) -> str:
        return plain_preview(obj.text)


@admin.register(AutoReplyCounter)
class AutoReplyCounterAdmin(ReadOnlyAdmin):
    count_forms = ("счётчик автоответов", "счётчика автоответов", "счётчиков автоответов")
    list_display = ("day", "seller", "scope", "count")
    list_filter = ("day",)
    list_select_related = ("seller",)
    search_fields = ("seller__name", "scope")
