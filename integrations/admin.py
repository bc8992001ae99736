"""Staff view of sync health: connections (never their secrets), runs, quarantined items, cards, cursors."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from agentiq.admin_base import RussianModelAdmin, collapsed_json, short_datetime, time_ago
from agentiq.overview import SYNC_LAG_WARNING
from integrations import errors
from integrations.enqueue import enqueue_sync
from integrations.models import AnswerDiscrepancy, Connection, ProductCard, QuarantinedItem, SyncCursor, SyncRun

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

STREAM_LABELS = {
    "wb_feedbacks": "отзывы WB",
    "wb_questions": "вопросы WB",
    "wb_chats": "чаты WB",
    "ozon_chats": "чаты Ozon",
    "ozon_reviews": "отзывы Ozon",
    "ozon_questions": "вопросы Ozon",
    "wb_answers": "судьба ответов WB",
    "ozon_answers": "судьба ответов Ozon",
}

# Error codes in plain words for staff. The typed errors carry their own; the rest are codes the clients
# and the sync engine raise with a specific message.
ERROR_TEXTS: dict[str, str] = {
    **{
        error.code: error.default_message
        for error in (
            errors.IntegrationError,
            errors.AuthFailed,
            errors.SubscriptionRequired,
            errors.RateLimited,
            errors.TransientError,
            errors.PermanentError,
            errors.BadResponse,
        )
    },
    "no_credentials": "Ключ API не задан.",
    "credentials_unreadable": "Ключ не расшифровывается: нужен прежний ключ шифрования или новый ключ API.",
    "connect_error": "Не удалось подключиться к маркетплейсу.",
    "timeout": "Маркетплейс не ответил вовремя.",
    "connection_lost": "Соединение с маркетплейсом прервалось.",
    "server_error": "Маркетплейс временно недоступен (ошибка на его стороне).",
    "not_found": "Маркетплейс не нашёл запись.",
    "payment_required": "Wildberries требует оплатить доступ к API.",
    "rejected": "Маркетплейс отклонил запрос.",
    "internal_error": "Внутренняя ошибка синхронизации.",
}


def error_in_words(*, code: str, message: str) -> str:
    return ERROR_TEXTS.get(code) or message or code


def stream_label(stream: str) -> str:
    return STREAM_LABELS.get(stream, stream)


class BackoffFilter(admin.SimpleListFilter):
    title = "пауза после ошибок"
    parameter_name = "backoff"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("active", "на паузе сейчас")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Connection]) -> QuerySet[Connection]:
        if self.value() == "active":
            return queryset.filter(backoff_until__gt=timezone.now())
        return queryset


class SyncLagFilter(admin.SimpleListFilter):
    title = "успешная синхронизация"
    parameter_name = "lag"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        minutes = int(SYNC_LAG_WARNING.total_seconds() // 60)
        return [
            ("fresh", f"за последние {minutes} мин"),
            ("behind", f"больше {minutes} мин назад или никогда"),
            ("never", "никогда"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Connection]) -> QuerySet[Connection]:
        since = timezone.now() - SYNC_LAG_WARNING
        if self.value() == "fresh":
            return queryset.filter(last_success_at__gte=since)
        if self.value() == "behind":
            return queryset.filter(Q(last_success_at__lt=since) | Q(last_success_at__isnull=True))
        if self.value() == "never":
            return queryset.filter(last_success_at__isnull=True)
        return queryset


class StreamFilter(admin.SimpleListFilter):
    title = "поток"
    parameter_name = "stream"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(STREAM_LABELS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(stream=self.value()) if self.value() else queryset


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
class ConnectionAdmin(RussianModelAdmin):
    count_forms = ("подключение", "подключения", "подключений")
    list_display = [
        "id",
        "seller",
        "marketplace_and_name",
        "state",
        "is_enabled",
        "last_error_in_words",
        "last_success",
        "next_sync",
        "token_expires",
    ]
    list_display_links = ["id", "marketplace_and_name"]
    list_filter = ["marketplace", "status", "is_enabled", BackoffFilter, SyncLagFilter]
    search_fields = ["name", "seller__name", "account_id", "ozon_client_id"]
    list_select_related = ["seller"]
    raw_id_fields = ["seller", "last_run"]
    # Secrets are not shown and not editable here: the seller changes them through the API.
    exclude = ["wb_token", "ozon_api_key"]
    readonly_fields = [
        "account_id",
        "streams",
        "error_explained",
        "last_error",
        "last_error_code",
        "last_error_at",
        "consecutive_failures",
        "broken_at",
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
    fieldsets = (
        (None, {"fields": ("seller", "marketplace", "name", "is_enabled", "status")}),
        ("Ключ", {"fields": ("ozon_client_id", "account_id", "credentials_state", "token_expires_at")}),
        (
            "Последняя ошибка",
            {
                "fields": (
                    "error_explained",
                    "last_error",
                    "last_error_code",
                    "last_error_at",
                    "consecutive_failures",
                    "broken_at",
                )
            },
        ),
        (
            "Синхронизация",
            {
                "fields": (
                    "streams",
                    "backoff_until",
                    "next_sync_at",
                    "sync_lock_until",
                    "last_sync_at",
                    "last_success_at",
                    "last_run",
                )
            },
        ),
        ("Служебное", {"fields": ("token_expiry_notified_at", "created_at", "updated_at"), "classes": ["collapse"]}),
    )
    inlines = [SyncRunInline]
    actions = ["sync_now", "clear_backoff"]

    @admin.display(description="последняя ошибка", ordering="last_error_at")
    def last_error_in_words(self, connection: Connection) -> SafeString | str:
        if not (connection.last_error or connection.last_error_code):
            return "—"
        words = error_in_words(code=connection.last_error_code, message=connection.last_error)
        detail = " ".join(part for part in (connection.last_error, f"[{connection.last_error_code}]") if part != "[]")
        when = f" · {short_datetime(connection.last_error_at)}" if connection.last_error_at else ""
        return format_html('<span title="{}">{}</span>{}', detail, Truncator(words).chars(80), when)

    @admin.display(description="что случилось")
    def error_explained(self, connection: Connection) -> str:
        if not (connection.last_error or connection.last_error_code):
            return "—"
        return error_in_words(code=connection.last_error_code, message=connection.last_error)

    @admin.display(description="успешная синхронизация", ordering="last_success_at")
    def last_success(self, connection: Connection) -> SafeString | str:
        return time_ago(connection.last_success_at)

    @admin.display(description="подключение", ordering="name")
    def marketplace_and_name(self, connection: Connection) -> str:
        return f"{connection.get_marketplace_display()} · {connection.name or '—'}"

    @admin.display(description="состояние", ordering="status")
    def state(self, connection: Connection) -> SafeString:
        now = timezone.now()
        notes = []
        if connection.backoff_until is not None and connection.backoff_until > now:
            notes.append(f"пауза до {short_datetime(connection.backoff_until)}")
        if self.is_syncing(connection):
            notes.append("идёт синхронизация")
        return format_html(
            "{}{}",
            connection.get_status_display(),
            format_html_join("", '<br><span class="quiet">{}</span>', ((note,) for note in notes)),
        )

    @admin.display(description="следующая", ordering="next_sync_at")
    def next_sync(self, connection: Connection) -> str:
        return short_datetime(connection.next_sync_at)

    @admin.display(description="ключ до", ordering="token_expires_at")
    def token_expires(self, connection: Connection) -> str:
        return short_datetime(connection.token_expires_at)

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
        self.message_user(request, f"Поставлено в очередь: {self.count_label(len(ids))}.", messages.SUCCESS)

    @admin.action(description="Сбросить паузу после ошибок")
    def clear_backoff(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        changed = queryset.update(backoff_until=None, consecutive_failures=0, next_sync_at=timezone.now())
        self.message_user(request, f"Пауза сброшена: {self.count_label(changed)}.", messages.SUCCESS)


class ConnectionMarketplaceFilter(admin.SimpleListFilter):
    title = "маркетплейс"
    parameter_name = "connection__marketplace"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Connection._meta.get_field("marketplace").choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(connection__marketplace=self.value()) if self.value() else queryset


@admin.register(SyncRun)
class SyncRunAdmin(RussianModelAdmin):
    count_forms = ("запуск синхронизации", "запуска синхронизации", "запусков синхронизации")
    list_display = ["started", "connection", "finished", *SYNC_RUN_COLUMNS[2:], "error_count"]
    list_filter = ["status", ConnectionMarketplaceFilter]
    list_select_related = ["connection", "connection__seller"]
    search_fields = ["connection__name", "connection__seller__name"]
    date_hierarchy = "started_at"
    ordering = ["-started_at"]
    raw_id_fields = ["connection"]
    exclude = ["errors", "streams"]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        shown = [field.name for field in SyncRun._meta.fields if field.name not in ("id", "errors", "streams")]
        return [*shown, "streams_in_words", "errors_in_words", "errors_json"]

    # Runs are history the sync engine writes: staff read them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="начало", ordering="started_at")
    def started(self, run: SyncRun) -> str:
        return short_datetime(run.started_at)

    @admin.display(description="конец", ordering="finished_at")
    def finished(self, run: SyncRun) -> str:
        return short_datetime(run.finished_at)

    @admin.display(description="ошибок")
    def error_count(self, run: SyncRun) -> int:
        return len(run.errors or [])

    @admin.display(description="потоки")
    def streams_in_words(self, run: SyncRun) -> str:
        return ", ".join(stream_label(stream) for stream in run.streams or []) or "—"

    @admin.display(description="ошибки")
    def errors_in_words(self, run: SyncRun) -> SafeString | str:
        if not run.errors:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            (
                (
                    stream_label(str(entry.get("stream") or "")),
                    entry.get("message") or error_in_words(code=str(entry.get("code") or ""), message=""),
                )
                for entry in run.errors
            ),
        )

    @admin.display(description="ошибки как записаны")
    def errors_json(self, run: SyncRun) -> SafeString | str:
        return collapsed_json(run.errors)


class ResolvedFilter(admin.SimpleListFilter):
    title = "разбор"
    parameter_name = "resolved"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", "не разобраны"), ("yes", "разобраны")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[QuarantinedItem]) -> QuerySet[QuarantinedItem]:
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(QuarantinedItem)
class QuarantinedItemAdmin(RussianModelAdmin):
    accusative = "нераспознанную запись"
    count_forms = ("нераспознанная запись", "нераспознанные записи", "нераспознанных записей")
    list_display = ["id", "connection", "stream_name", "external_id", "error_preview", "created_at", "resolved_at"]
    list_filter = [ResolvedFilter, StreamFilter]
    list_select_related = ["connection"]
    search_fields = ["external_id", "error"]
    raw_id_fields = ["connection"]
    readonly_fields = ["connection", "stream", "external_id", "raw_json", "error", "created_at"]
    exclude = ["raw"]
    actions = ["mark_resolved"]

    @admin.display(description="поток", ordering="stream")
    def stream_name(self, item: QuarantinedItem) -> str:
        return stream_label(item.stream)

    @admin.display(description="почему не распознана")
    def error_preview(self, item: QuarantinedItem) -> str:
        return Truncator(item.error).chars(100)

    @admin.display(description="исходные данные")
    def raw_json(self, item: QuarantinedItem) -> SafeString | str:
        return collapsed_json(item.raw)

    @admin.action(description="Отметить как разобранные")
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[QuarantinedItem]) -> None:
        changed = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, f"Разобрано: {self.count_label(changed)}.", messages.SUCCESS)


@admin.register(ProductCard)
class ProductCardAdmin(RussianModelAdmin):
    accusative = "карточку товара"
    count_forms = ("карточка товара", "карточки товаров", "карточек товаров")
    list_display = ["nm_id", "marketplace", "name", "brand", "basket", "is_missing", "fetched_at"]
    list_filter = ["marketplace", "is_missing"]
    search_fields = ["=nm_id", "name", "brand", "vendor_code"]
    exclude = ["card", "price_history"]
    readonly_fields = ["card_json", "price_history_json"]

    @admin.display(description="карточка")
    def card_json(self, card: ProductCard) -> SafeString | str:
        return collapsed_json(card.card)

    @admin.display(description="история цен")
    def price_history_json(self, card: ProductCard) -> SafeString | str:
        return collapsed_json(card.price_history)


@admin.register(SyncCursor)
class SyncCursorAdmin(RussianModelAdmin):
    count_forms = ("курсор синхронизации", "курсора синхронизации", "курсоров синхронизации")
    list_display = ["connection", "stream_name", "value_preview", "updated_at"]
    list_filter = [StreamFilter]
    list_select_related = ["connection"]
    raw_id_fields = ["connection"]
    search_fields = ["connection__name"]

    @admin.display(description="поток", ordering="stream")
    def stream_name(self, cursor: SyncCursor) -> str:
        return stream_label(cursor.stream)

    @admin.display(description="положение")
    def value_preview(self, cursor: SyncCursor) -> str:
        return Truncator(str(cursor.value)).chars(80)


class DiscrepancyOpenFilter(admin.SimpleListFilter):
    title = "состояние"
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "не устранены"), ("no", "устранены")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AnswerDiscrepancy]) -> QuerySet[AnswerDiscrepancy]:
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(AnswerDiscrepancy)
class AnswerDiscrepancyAdmin(RussianModelAdmin):
    """What the daily reconciliation found (integrations/reconcile.py): read-only, it rewrites them itself."""

    accusative = "расхождение ответов"
    count_forms = ("расхождение ответов", "расхождения ответов", "расхождений ответов")
    list_display = [
        "id",
        "kind",
        "connection",
        "item_id",
        "our_text_preview",
        "marketplace_text_preview",
        "last_seen_at",
        "resolved_at",
    ]
    list_filter = [DiscrepancyOpenFilter, "kind", ConnectionMarketplaceFilter]
    list_select_related = ["connection", "connection__seller"]
    search_fields = ["item_id", "answer_id", "our_text", "marketplace_text"]
    readonly_fields = [
        "connection",
        "seller",
        "interaction",
        "message",
        "kind",
        "key",
        "item_id",
        "answer_id",
        "our_text",
        "marketplace_text",
        "note",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AnswerDiscrepancy | None = None) -> bool:
        return False

    @admin.display(description="наш текст")
    def our_text_preview(self, row: AnswerDiscrepancy) -> str:
        return Truncator(row.our_text).chars(80)

    @admin.display(description="текст на маркетплейсе")
    def marketplace_text_preview(self, row: AnswerDiscrepancy) -> str:
        return Truncator(row.marketplace_text).chars(80)
