"""Staff view of the notification log: who was told what and when, read or not, e-mailed or not. Read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from agentiq.admin_base import RussianModelAdmin, short_datetime
from notifications.models import Notification


class ReadFilter(admin.SimpleListFilter):
    title = "прочитано"
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", "не прочитаны"), ("yes", "прочитаны")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


class EmailedFilter(admin.SimpleListFilter):
    title = "письмо"
    parameter_name = "emailed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("sent", "отправлено"), ("waiting", "ждёт отправки"), ("none", "не нужно")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        if self.value() == "sent":
            return queryset.filter(emailed_at__isnull=False)
        if self.value() == "waiting":
            return queryset.filter(wants_email=True, emailed_at__isnull=True)
        if self.value() == "none":
            return queryset.filter(wants_email=False, emailed_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(RussianModelAdmin):
    count_forms = ("уведомление", "уведомления", "уведомлений")
    list_display = ["created", "recipient", "kind", "seller", "text_preview", "is_read", "emailed"]
    list_filter = ["kind", ReadFilter, EmailedFilter, ("seller", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["recipient", "seller"]
    search_fields = ["text", "recipient__email"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = [
        "created_at",
        "recipient",
        "seller",
        "kind",
        "text",
        "interaction",
        "connection",
        "dedupe_key",
        "wants_email",
        "emailed_at",
        "read_at",
    ]
    readonly_fields = fields

    # The log is what services wrote: staff read it.
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="создано", ordering="created_at")
    def created(self, notification: Notification) -> str:
        return short_datetime(notification.created_at)

    @admin.display(description="текст")
    def text_preview(self, notification: Notification) -> str:
        return Truncator(" ".join(notification.text.split())).chars(90)

    @admin.display(boolean=True, description="прочитано", ordering="read_at")
    def is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None

    @admin.display(description="письмо", ordering="emailed_at")
    def emailed(self, notification: Notification) -> str:
        if notification.emailed_at is not None:
            return short_datetime(notification.emailed_at)
        return "ждёт отправки" if notification.wants_email else "не нужно"
