"""Staff pages of the SLA: rules (editable), shop calendars (editable), response measurements (read-only)."""

from __future__ import annotations

from django.contrib import admin

from agentiq.admin_base import RussianModelAdmin
from interactions.admin import ReadOnlyAdmin
from interactions.models import CalendarDay, ResponseCycle, SLARule, WorkingCalendar


@admin.register(SLARule)
class SLARuleAdmin(RussianModelAdmin):
    list_display = (
        "name",
        "seller",
        "marketplace",
        "kind",
        "priority",
        "target_minutes",
        "deadline_minutes",
        "follows_calendar",
        "is_active",
    )
    list_filter = ("is_active", "marketplace", "kind", "priority", "chat_phase", "follows_calendar")
    list_editable = ("target_minutes", "deadline_minutes", "is_active")
    search_fields = ("name", "seller__name")
    autocomplete_fields = ("seller", "escalate_to")
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        (
            "К чему относится",
            {"fields": ("seller", "marketplace", "kind", "priority", ("rating_min", "rating_max"), "chat_phase")},
        ),
        ("Сроки", {"fields": ("target_minutes", "deadline_minutes", "follows_calendar")}),
        ("Эскалация", {"fields": ("escalation_steps", "escalate_to")}),
    )


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ("date", "is_working", "periods", "note")
    extra = 1


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(RussianModelAdmin):
    list_display = ("seller", "follows_production_calendar", "updated_at")
    search_fields = ("seller__name",)
    autocomplete_fields = ("seller",)
    inlines = (CalendarDayInline,)


@admin.register(CalendarDay)
class CalendarDayAdmin(RussianModelAdmin):
    list_display = ("date", "calendar", "is_working", "note")
    list_filter = ("is_working",)
    search_fields = ("calendar__seller__name", "note")
    date_hierarchy = "date"


@admin.register(ResponseCycle)
class ResponseCycleAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "seller", "kind", "started_at", "ended_at", "outcome", "met_target", "met_deadline")
    list_filter = ("outcome", "met_deadline", "is_auto_reply", "marketplace", "kind")
    search_fields = ("seller__name",)
    date_hierarchy = "started_at"
    list_select_related = ("interaction", "seller")
