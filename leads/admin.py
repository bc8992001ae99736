"""Leads in the staff console: the list sales work from (status, filters, search), the CSV for Excel, the
status history. What the visitor sent is read-only; staff change the status and the note."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from agentiq.admin_base import RussianModelAdmin, short_datetime
from leads import services
from leads.exports import leads_csv
from leads.models import Lead, LeadStatus, LeadStatusChange

VISITOR_FIELDS = (
    "name",
    "phone",
    "email",
    "telegram",
    "shop_name",
    "sells_on_wb",
    "sells_on_ozon",
    "comment",
)
SOURCE_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "referrer", "ip_hash")
SERVICE_FIELDS = ("created_at", "last_submitted_at", "repeat_count", "consent_at", "sales_emailed_at")
NO_UTM = "__none__"


class MarketplaceFilter(admin.SimpleListFilter):
    title = "маркетплейс"
    parameter_name = "marketplace"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("wb", "Wildberries"), ("ozon", "Ozon"), ("both", "оба"), ("none", "не указан")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Lead]) -> QuerySet[Lead]:
        match self.value():
            case "wb":
                return queryset.filter(sells_on_wb=True)
            case "ozon":
                return queryset.filter(sells_on_ozon=True)
            case "both":
                return queryset.filter(sells_on_wb=True, sells_on_ozon=True)
            case "none":
                return queryset.filter(sells_on_wb=False, sells_on_ozon=False)
        return queryset


class UtmSourceFilter(admin.SimpleListFilter):
    title = "источник (utm_source)"
    parameter_name = "utm_source"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        sources = (
            Lead.objects.exclude(utm_source="").order_by("utm_source").values_list("utm_source", flat=True).distinct()
        )
        return [(source, source) for source in sources[:50]] + [(NO_UTM, "без метки")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Lead]) -> QuerySet[Lead]:
        value = self.value()
        if value == NO_UTM:
            return queryset.filter(utm_source="")
        if value:
            return queryset.filter(utm_source=value)
        return queryset


class LeadStatusChangeInline(admin.TabularInline):
    model = LeadStatusChange
    verbose_name = "смена статуса"
    verbose_name_plural = "история статусов"
    fields = ["changed_at", "from_status", "to_status", "changed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-changed_at", "-id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _status_action(status: LeadStatus):
    @admin.action(permissions=["change"], description=f"Отметить: {status.label}")
    def action(modeladmin: LeadAdmin, request: HttpRequest, queryset: QuerySet[Lead]) -> None:
        moved = sum(services.lead_set_status(lead=lead, status=status, user=request.user) for lead in queryset)
        modeladmin.message_user(request, f"Статус «{status.label}»: {modeladmin.count_label(moved)}.", messages.SUCCESS)

    action.__name__ = f"mark_{status.value}"
    return action


@admin.register(Lead)
class LeadAdmin(RussianModelAdmin):
    accusative = "заявку"
    count_forms = ("заявка", "заявки", "заявок")
    list_display = [
        "created",
        "name",
        "contacts",
        "shop_name",
        "marketplaces_label",
        "status",
        "repeat_count",
        "utm_source",
    ]
    list_display_links = ["created", "name"]
    list_filter = ["status", "created_at", MarketplaceFilter, UtmSourceFilter]
    list_select_related = ["status_changed_by"]
    search_fields = ["name", "phone", "email", "telegram", "shop_name", "comment", "note"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fieldsets = [
        ("Работа с заявкой", {"fields": ("status", "note", "status_changed_at", "status_changed_by")}),
        ("Заявка", {"fields": VISITOR_FIELDS}),
        ("Откуда пришла", {"fields": SOURCE_FIELDS}),
        ("Служебное", {"fields": SERVICE_FIELDS}),
    ]
    readonly_fields = [*VISITOR_FIELDS, "status_changed_at", "status_changed_by", *SOURCE_FIELDS, *SERVICE_FIELDS]
    inlines = [LeadStatusChangeInline]
    actions = [
        "export_csv",
        *(_status_action(status) for status in LeadStatus),
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # leads come from the landing form

    @admin.display(description="создана", ordering="created_at")
    def created(self, lead: Lead) -> str:
        return short_datetime(lead.created_at)

    @admin.display(description="контакты")
    def contacts(self, lead: Lead) -> str:
        return lead.contact_summary or "—"

    @admin.display(description="маркетплейсы")
    def marketplaces_label(self, lead: Lead) -> str:
        return ", ".join({"wb": "WB", "ozon": "Ozon"}[code] for code in lead.marketplaces) or "—"

    @admin.action(permissions=["view"], description="Выгрузить в CSV (Excel)")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Lead]) -> HttpResponse:
        rows = queryset.select_related("status_changed_by").order_by("created_at", "id")
        response = HttpResponse(leads_csv(rows), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="agentiq-leads-{stamp}.csv"'
        return response

    def save_model(self, request: HttpRequest, obj: Lead, form: Any, change: bool) -> None:
        if change and "status" in form.changed_data:
            # The status moves through the service, which writes the history row.
            new_status = obj.status
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            services.lead_set_status(lead=obj, status=new_status, user=request.user)
            return
        super().save_model(request, obj, form, change)


@admin.register(LeadStatusChange)
class LeadStatusChangeAdmin(RussianModelAdmin):
    count_forms = ("смена статуса заявки", "смены статуса заявки", "смен статуса заявки")
    accusative = "смену статуса заявки"
    list_display = ["when", "lead_link", "from_status", "to_status", "changed_by"]
    list_filter = ["to_status", "changed_at"]
    list_select_related = ["lead", "changed_by"]
    search_fields = ["lead__name", "lead__phone", "lead__email", "lead__telegram", "changed_by__email"]
    ordering = ["-changed_at", "-id"]
    fields = ["lead", "from_status", "to_status", "changed_by", "changed_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="когда", ordering="changed_at")
    def when(self, change: LeadStatusChange) -> str:
        return short_datetime(change.changed_at)

    @admin.display(description="заявка", ordering="lead")
    def lead_link(self, change: LeadStatusChange) -> str:
        return format_html('<a href="../lead/{}/change/">{}</a>', change.lead_id, change.lead)
