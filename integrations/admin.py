"""Staff view of sync health: connections (never their secrets), runs, quarantined items, cards, cursors."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from integrations.enqueue import enqueue_sync
from integrations.models import Connection, ProductCard, QuarantinedItem, SyncCursor, SyncRun

# What a sync run shows, in the connection's inline and in the runs' own list.
SYNC_RUN_COLUMNS = [
    "started_at",
    "finished_at",
    "status",
    "repeats",
    "duration_ms",
    "pages",
    "fetched",
    "created",
    "updated",
    "quarantined",
]


class SyncRunInline(admin.TabularInline):
    model = SyncRun
    extra = 0
    can_delete = False
    ordering = ["-started_at"]
    fields = SYNC_RUN_COLUMNS
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[SyncRun]:
        return super().get_queryset(request).order_by("-started_at")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "seller",
        "marketplace",
        "name",
        "status",
        "is_enabled",
        "last_success_at",
        "consecutive_failures",
        "backoff_until",
        "next_sync_at",
        "is_syncing",
        "token_expires_at",
    ]
    list_filter = ["marketplace", "status", "is_enabled"]
    search_fields = ["name", "seller__name", "account_id", "ozon_client_id"]
    list_select_related = ["seller"]
    raw_id_fields = ["seller", "last_run"]
    # Secrets are not shown and not editable here: the seller changes them through the API.
    exclude = ["wb_token", "ozon_api_key"]
    readonly_fields = [
        "account_id",
        "streams",
        "last_error",
        "last_error_code",
        "last_error_at",
        "consecutive_failures",
        "sync_lock_until",
        "last_sync_at",
        "last_success_at",
        "token_expires_at",
        "token_expiry_notified_at",
        "last_run",
        "credentials_state",
        "created_at",
        "updated_at",
    ]
    inlines = [SyncRunInline]
    actions = ["sync_now", "clear_backoff"]

    @admin.display(boolean=True, description="синхронизируется")
    def is_syncing(self, connection: Connection) -> bool:
        return connection.sync_lock_until is not None and connection.sync_lock_until > timezone.now()

    @admin.display(description="ключ")
    def credentials_state(self, connection: Connection) -> str:
        if not connection.secret_values:
            return "не задан"
        return "не расшифровывается (нужен старый ключ шифрования)" if connection.credentials_unreadable else "задан"

    @admin.action(description="Синхронизировать сейчас")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        ids = list(queryset.filter(is_enabled=True).values_list("id", flat=True))
        queryset.filter(pk__in=ids).update(next_sync_at=timezone.now(), backoff_until=None)
        for connection_id in ids:
            enqueue_sync(connection_id)
        self.message_user(request, f"Поставлено в очередь: {len(ids)}", messages.SUCCESS)

    @admin.action(description="Сбросить паузу после ошибок")
    def clear_backoff(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        changed = queryset.update(backoff_until=None, consecutive_failures=0, next_sync_at=timezone.now())
        self.message_user(request, f"Сброшено: {changed}", messages.SUCCESS)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["id", "connection", *SYNC_RUN_COLUMNS, "error_count"]
    list_filter = ["status", "connection__marketplace"]
    list_select_related = ["connection", "connection__seller"]
    search_fields = ["connection__name", "connection__seller__name"]
    date_hierarchy = "started_at"
    ordering = ["-started_at"]
    raw_id_fields = ["connection"]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in SyncRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="ошибок")
    def error_count(self, run: SyncRun) -> int:
        return len(run.errors or [])


@admin.register(QuarantinedItem)
class QuarantinedItemAdmin(admin.ModelAdmin):
    list_display = ["id", "connection", "stream", "external_id", "error", "created_at", "resolved_at"]
    list_filter = ["stream", "resolved_at"]
    list_select_related = ["connection"]
    search_fields = ["external_id", "error"]
    raw_id_fields = ["connection"]
    readonly_fields = ["connection", "stream", "external_id", "raw_pretty", "error", "created_at"]
    exclude = ["raw"]
    actions = ["mark_resolved"]

    @admin.display(description="сырые данные")
    def raw_pretty(self, item: QuarantinedItem) -> str:
        try:
            text = json.dumps(json.loads(item.raw), ensure_ascii=False, indent=2)
        except ValueError:
            text = item.raw
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", text)

    @admin.action(description="Отметить как разобранные")
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[QuarantinedItem]) -> None:
        changed = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, f"Отмечено: {changed}", messages.SUCCESS)


@admin.register(ProductCard)
class ProductCardAdmin(admin.ModelAdmin):
    list_display = ["nm_id", "marketplace", "name", "brand", "basket", "is_missing", "fetched_at"]
    list_filter = ["marketplace", "is_missing"]
    search_fields = ["=nm_id", "name", "brand", "vendor_code"]


@admin.register(SyncCursor)
class SyncCursorAdmin(admin.ModelAdmin):
    list_display = ["connection", "stream", "value", "updated_at"]
    list_filter = ["stream"]
    list_select_related = ["connection"]
    raw_id_fields = ["connection"]
    search_fields = ["connection__name"]
