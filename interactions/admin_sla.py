"""Staff pages of the SLA: rules and shop calendars (editable, with a recompute action each), the interactions
past their deadline across shops, and response measurements (read-only)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, QuerySet
from django.forms.fields import InvalidJSONInput
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from agentiq.admin_base import RussianModelAdmin, short_datetime
from agentiq.plural import count_label
from interactions.admin import InteractionAdmin, ReadOnlyAdmin, plain_preview
from interactions.models import (
    BreachedInteraction,
    CalendarDay,
    EscalationAction,
    ResponseCycle,
    SLARule,
    SLAState,
    Status,
    WorkingCalendar,
)
from interactions.selectors.sla import rule_counts
from interactions.services.recompute import RecomputeResult, recompute_sla
from interactions.services.working_time import describe_week


class ReadableJSONField(forms.JSONField):
    """JSON a person can edit: one step, day or period per line, Cyrillic as is, errors in Russian."""

    default_error_messages = {"invalid": "Это не JSON: проверьте кавычки, запятые и скобки."}

    def __init__(self, *args: Any, one_line: bool = False, key_order: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.one_line = one_line
        # PostgreSQL's jsonb stores keys shortest first: «action» would come before «after_minutes».
        self.key_order = key_order
        super().__init__(*args, **kwargs)

    def _ordered(self, item: Any) -> Any:
        if not self.key_order or not isinstance(item, dict):
            return item
        rank = {key: n for n, key in enumerate(self.key_order)}
        return dict(sorted(item.items(), key=lambda pair: rank.get(pair[0], len(rank))))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, InvalidJSONInput):
            return value
        if self.one_line:
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, list) and value:
            lines = [f"  {json.dumps(self._ordered(item), ensure_ascii=False)}" for item in value]
            return "[\n" + ",\n".join(lines) + "\n]"
        if isinstance(value, dict) and value:
            lines = [f"  {json.dumps(key)}: {json.dumps(item, ensure_ascii=False)}" for key, item in value.items()]
            return "{\n" + ",\n".join(lines) + "\n}"
        return json.dumps(value, ensure_ascii=False)


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 70, "style": "font-family: monospace"})


# «в 1 магазине», «в 2 магазинах», «в 5 магазинах»; «1 ожидающее ответа обращение», «2 ожидающих …».
IN_SHOPS = ("магазине", "магазинах", "магазинах")
WAITING_INTERACTIONS = ("ожидающее ответа обращение", "ожидающих ответа обращения", "ожидающих ответа обращений")


def _recompute_message(targets: list[int | None], total: RecomputeResult) -> str:
    scope = "во всех магазинах" if targets == [None] else f"в {count_label(len(targets), IN_SHOPS)}"
    if not total.checked:
        return f"Сроки пересчитаны {scope}: ожидающих ответа обращений нет."
    changed = f"сроки изменились у {total.changed}" if total.changed else "сроки не изменились"
    return f"Сроки пересчитаны {scope}: проверено {count_label(total.checked, WAITING_INTERACTIONS)}, {changed}."


def recompute_for(seller_ids: set[int | None]) -> tuple[list[int | None], RecomputeResult]:
    """recompute_sla for each shop, or once for all of them when a global rule is among the changes."""
    targets: list[int | None] = [None] if None in seller_ids else sorted(seller_ids)  # type: ignore[type-var]
    total = RecomputeResult()
    for seller_id in targets:
        result = recompute_sla(seller_id=seller_id)
        total.checked += result.checked
        total.changed += result.changed
    return targets, total


class SLARuleForm(forms.ModelForm):
    escalation_steps = ReadableJSONField(
        label="шаги эскалации",
        required=False,
        key_order=("after_minutes", "action"),
        widget=_textarea(6),
        help_text=SLARule._meta.get_field("escalation_steps").help_text,
    )

    class Meta:
        model = SLARule
        fields = [
            "name",
            "is_active",
            "seller",
            "marketplace",
            "kind",
            "priority",
            "rating_min",
            "rating_max",
            "chat_phase",
            "target_minutes",
            "deadline_minutes",
            "follows_calendar",
            "escalation_steps",
            "escalate_to",
        ]

    def clean_escalation_steps(self) -> Any:
        value = self.cleaned_data.get("escalation_steps")
        return [] if value is None else value  # an emptied box means no steps


class RuleScopeFilter(admin.SimpleListFilter):
    title = "чьё правило"
    parameter_name = "scope"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("global", "общие"), ("shop", "магазинов")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SLARule]) -> QuerySet[SLARule]:
        if self.value() == "global":
            return queryset.filter(seller__isnull=True)
        if self.value() == "shop":
            return queryset.filter(seller__isnull=False)
        return queryset


@admin.register(SLARule)
class SLARuleAdmin(RussianModelAdmin):
    count_forms = ("правило SLA", "правила SLA", "правил SLA")
    form = SLARuleForm
    list_display = (
        "name",
        "scope",
        "applies_to",
        "target_minutes",
        "deadline_minutes",
        "follows_calendar",
        "escalation",
        "is_active",
        "would_match",
        "governs",
    )
    list_filter = (RuleScopeFilter, "is_active", "marketplace", "kind", "priority", "chat_phase", "follows_calendar")
    list_editable = ("target_minutes", "deadline_minutes", "is_active")
    list_select_related = ("seller",)
    search_fields = ("name", "seller__name")
    autocomplete_fields = ("seller", "escalate_to")
    actions = ["recompute_deadlines"]
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        (
            "К чему относится",
            {"fields": ("seller", "marketplace", "kind", "priority", ("rating_min", "rating_max"), "chat_phase")},
        ),
        ("Сроки", {"fields": ("target_minutes", "deadline_minutes", "follows_calendar")}),
        ("Эскалация", {"fields": ("escalation_steps", "escalate_to")}),
    )

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        # Both counts of every rule on the page from one aggregate query; the page's rows are evaluated here
        # once and the template and the list_editable formset reuse them.
        rules = list(changelist.result_list)
        counts = rule_counts(rules)
        for rule in rules:
            rule.match_count, rule.governs_count = counts.get(rule.pk, (0, 0))
        return changelist

    @admin.display(description="чьё", ordering="seller__name")
    def scope(self, rule: SLARule) -> str:
        return f"магазин «{rule.seller}»" if rule.seller_id is not None else "общее (все магазины)"

    @admin.display(description="к чему относится")
    def applies_to(self, rule: SLARule) -> str:
        parts = []
        if rule.marketplace:
            parts.append(rule.get_marketplace_display())
        if rule.kind:
            parts.append(rule.get_kind_display())
        if rule.priority:
            parts.append(f"приоритет {rule.get_priority_display()}")
        if rule.rating_min is not None or rule.rating_max is not None:
            low, high = rule.rating_min or 1, rule.rating_max or 5
            parts.append(f"{low}★" if low == high else f"{low}–{high}★")
        if rule.chat_phase:
            parts.append(f"чат {rule.get_chat_phase_display()}")
        return ", ".join(parts) or "любое обращение"

    @admin.display(description="эскалация")
    def escalation(self, rule: SLARule) -> str:
        steps = rule.escalation_steps if isinstance(rule.escalation_steps, list) else []
        labels = dict(EscalationAction.choices)
        return (
            "; ".join(
                f"{step.get('after_minutes')} мин: {labels.get(step.get('action'), step.get('action'))}"
                for step in steps
                if isinstance(step, dict)
            )
            or "—"
        )

    @admin.display(description="подходит сейчас")
    def would_match(self, rule: SLARule) -> Any:
        count = getattr(rule, "match_count", None)
        return "—" if count is None else count

    @admin.display(description="идут по нему")
    def governs(self, rule: SLARule) -> Any:
        count = getattr(rule, "governs_count", None)
        if not count:
            return "—" if count is None else 0
        url = reverse("admin:interactions_interaction_changelist")
        return format_html('<a href="{}?sla_rule={}&amp;needs_response__exact=1">{}</a>', url, rule.pk, count)

    @admin.action(description="Пересчитать сроки")
    def recompute_deadlines(self, request: HttpRequest, queryset: QuerySet[SLARule]) -> None:
        targets, total = recompute_for(set(queryset.values_list("seller_id", flat=True)))
        self.message_user(request, _recompute_message(targets, total), messages.SUCCESS)


class WorkingCalendarForm(forms.ModelForm):
    week = ReadableJSONField(
        label="рабочие часы по дням недели",
        required=False,
        widget=_textarea(9),
        help_text=WorkingCalendar._meta.get_field("week").help_text,
    )

    class Meta:
        model = WorkingCalendar
        fields = ["seller", "week", "follows_production_calendar"]

    def clean_week(self) -> Any:
        value = self.cleaned_data.get("week")
        return {} if value is None else value


class CalendarDayForm(forms.ModelForm):
    periods = ReadableJSONField(
        label="часы",
        required=False,
        one_line=True,
        widget=forms.TextInput(attrs={"size": 40, "style": "font-family: monospace"}),
        help_text=CalendarDay._meta.get_field("periods").help_text,
    )

    class Meta:
        model = CalendarDay
        fields = ["calendar", "date", "is_working", "periods", "note"]

    def clean_periods(self) -> Any:
        value = self.cleaned_data.get("periods")
        return [] if value is None else value


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    form = CalendarDayForm
    fields = ("date", "is_working", "periods", "note")
    extra = 1


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(RussianModelAdmin):
    count_forms = ("рабочий календарь", "рабочих календаря", "рабочих календарей")
    form = WorkingCalendarForm
    list_display = ("seller", "week_text", "follows_production_calendar", "seller_timezone", "days_count", "updated")
    list_filter = ("follows_production_calendar",)
    list_select_related = ("seller",)
    search_fields = ("seller__name",)
    autocomplete_fields = ("seller",)
    readonly_fields = ("week_text", "seller_timezone")
    fields = ("seller", "seller_timezone", "week", "week_text", "follows_production_calendar")
    inlines = (CalendarDayInline,)
    actions = ["recompute_deadlines"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkingCalendar]:
        return super().get_queryset(request).annotate(days_total=Count("days"))

    @admin.display(description="неделя")
    def week_text(self, calendar: WorkingCalendar) -> str:
        return describe_week(calendar.week)

    @admin.display(description="часовой пояс магазина")
    def seller_timezone(self, calendar: WorkingCalendar) -> str:
        return calendar.seller.timezone if calendar.seller_id else "—"

    @admin.display(description="особых дней", ordering="days_total")
    def days_count(self, calendar: WorkingCalendar) -> int:
        return getattr(calendar, "days_total", 0)

    @admin.display(description="изменено", ordering="updated_at")
    def updated(self, calendar: WorkingCalendar) -> str:
        return short_datetime(calendar.updated_at)

    @admin.action(description="Пересчитать сроки магазина")
    def recompute_deadlines(self, request: HttpRequest, queryset: QuerySet[WorkingCalendar]) -> None:
        targets, total = recompute_for(set(queryset.values_list("seller_id", flat=True)))
        self.message_user(request, _recompute_message(targets, total), messages.SUCCESS)


@admin.register(CalendarDay)
class CalendarDayAdmin(RussianModelAdmin):
    count_forms = ("особый день", "особых дня", "особых дней")
    form = CalendarDayForm
    list_display = ("date", "calendar", "is_working", "periods_text", "note")
    list_filter = ("is_working",)
    list_select_related = ("calendar__seller",)
    search_fields = ("calendar__seller__name", "note")
    autocomplete_fields = ("calendar",)
    date_hierarchy = "date"

    @admin.display(description="часы")
    def periods_text(self, day: CalendarDay) -> str:
        if not day.is_working:
            return "выходной"
        periods = day.periods if isinstance(day.periods, list) else []
        return ", ".join(f"{p[0]}–{p[1]}" for p in periods if isinstance(p, list) and len(p) == 2) or "обычные часы"


@admin.register(BreachedInteraction)
class BreachedInteractionAdmin(InteractionAdmin):
    """Every shop's interactions past their hard deadline and still waiting, the latest deadline last."""

    count_forms = ("просроченное обращение", "просроченных обращения", "просроченных обращений")
    list_display = (
        "interaction_link",
        "seller",
        "kind_on_marketplace",
        "product",
        "deadline",
        "late_by",
        "assigned_to",
        "escalation_done",
    )
    list_display_links = None
    list_filter = (("seller", admin.RelatedOnlyFieldListFilter), "marketplace", "kind", "priority")
    list_select_related = ("seller", "assigned_to", "sla_rule")
    ordering = ("first_response_due_at", "id")
    date_hierarchy = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[BreachedInteraction]:
        # The open-rows index (seller, needs_response WHERE status <> 'closed') serves the filter.
        return (
            ReadOnlyAdmin.get_queryset(self, request)
            .filter(needs_response=True, sla_state=SLAState.BREACHED)
            .exclude(status=Status.CLOSED)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="обращение", ordering="id")
    def interaction_link(self, interaction: BreachedInteraction) -> str:
        url = reverse("admin:interactions_interaction_change", args=[interaction.pk])
        return format_html('<a href="{}">№{}</a>', url, interaction.pk)

    @admin.display(description="товар", ordering="product_name")
    def product(self, interaction: BreachedInteraction) -> str:
        return plain_preview(interaction.product_name or interaction.product_id, chars=60)

    @admin.display(description="срок был", ordering="first_response_due_at")
    def deadline(self, interaction: BreachedInteraction) -> str:
        return short_datetime(interaction.first_response_due_at)

    @admin.display(description="опоздание", ordering="first_response_due_at")
    def late_by(self, interaction: BreachedInteraction) -> str:
        due = interaction.first_response_due_at
        return "—" if due is None else f"на {timesince(due, timezone.now(), depth=2)}"

    @admin.display(description="шагов эскалации")
    def escalation_done(self, interaction: BreachedInteraction) -> str:
        rule = interaction.sla_rule
        steps = rule.escalation_steps if rule is not None and isinstance(rule.escalation_steps, list) else None
        done = interaction.sla_escalation_step
        return f"{done} из {len(steps)}" if steps else str(done)


@admin.register(ResponseCycle)
class ResponseCycleAdmin(ReadOnlyAdmin):
    count_forms = ("замер времени ответа", "замера времени ответа", "замеров времени ответа")
    list_display = (
        "interaction",
        "seller",
        "kind",
        "rule",
        "started",
        "ended",
        "response_time",
        "outcome",
        "met_target",
        "met_deadline",
    )
    list_filter = ("outcome", "met_deadline", "is_auto_reply", "marketplace", "kind")
    search_fields = ("seller__name",)
    date_hierarchy = "started_at"
    list_select_related = ("interaction", "seller", "rule")
    raw_id_fields = ("interaction", "responder", "rule")
    show_full_result_count = False  # one row per answered wait: the table grows fastest

    @admin.display(description="ждал ответа с", ordering="started_at")
    def started(self, cycle: ResponseCycle) -> str:
        return short_datetime(cycle.started_at)

    @admin.display(description="закончилось", ordering="ended_at")
    def ended(self, cycle: ResponseCycle) -> str:
        return short_datetime(cycle.ended_at)

    @admin.display(description="время ответа", ordering="response_seconds")
    def response_time(self, cycle: ResponseCycle) -> str:
        seconds = cycle.response_seconds
        if seconds is None:
            return "—"
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} ч {minutes} мин" if hours else f"{minutes} мин"
