"""Runtime settings, the site's own titles, and Russian titles for the third-party models staff see
(groups, django-celery-beat schedules)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.text import capfirst
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from agentiq.admin_base import RussianModelAdmin, RussianTitlesMixin
from agentiq.models import RuntimeSetting
from agentiq.runtime import REGISTRY


@admin.register(RuntimeSetting)
class RuntimeSettingAdmin(RussianModelAdmin):
    accusative = "настройку"
    count_forms = ("настройка", "настройки", "настроек")
    list_display = ("key", "value", "default", "description", "updated_at", "updated_by")
    list_filter = ("updated_at",)
    search_fields = ("key", "description")
    readonly_fields = ("updated_at", "updated_by")
    fields = ("key", "value", "description", "updated_at", "updated_by")

    @admin.display(description="по умолчанию")
    def default(self, obj: RuntimeSetting) -> object:
        spec = REGISTRY.get(obj.key)
        return spec.default if spec else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        known = "; ".join(
            f"{spec.key} ({spec.type.__name__}, по умолчанию {spec.default!r})" for spec in REGISTRY.values()
        )
        form.base_fields["key"].help_text = f"Известные ключи: {known}."
        form.base_fields["value"].help_text = "JSON: число, true/false, строка в кавычках или объект (ai_prices)."
        return form

    def save_model(self, request, obj: RuntimeSetting, form, change: bool) -> None:
        obj.updated_by = request.user
        if not obj.description and obj.key in REGISTRY:
            obj.description = REGISTRY[obj.key].description
        super().save_model(request, obj, form, change)


# --- third-party models: the same admins, with Russian titles and the labels their translations miss ---

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(RussianTitlesMixin, BaseGroupAdmin):
    accusative = "группу"
    count_forms = ("группа", "группы", "групп")


class TaskNameFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = "задача"  # the field's own verbose name, «Task Name», has no Russian translation


# django-celery-beat's Russian catalogue lacks these field labels.
PERIODIC_TASK_LABELS = {
    "task": "задача (своя)",
    "crontab": "расписание crontab",
    "expire_seconds": "истекает через, с",
    "exchange": "обменник (exchange)",
}

PERIODIC_TASK_HELP = {
    "exchange": "Другой обменник для низкоуровневой маршрутизации AMQP.",
    "routing_key": "Другой ключ маршрутизации AMQP.",
    "expire_seconds": "Через сколько секунд после срока запуска задача уже не запускается.",
}
CRONTAB_HELP = {
    "month_of_year": "Месяцы (1–12), «*» — все. Например: «1,12».",
    "day_of_week": "Дни недели, «*» — все; воскресенье — 0 или 7, понедельник — 1. Например: «0,5».",
}


def relabel(form: type, *, labels: dict[str, str] | None = None, help_texts: dict[str, str] | None = None) -> type:
    for name, label in (labels or {}).items():
        if name in form.base_fields:
            form.base_fields[name].label = capfirst(label)
    for name, text in (help_texts or {}).items():
        if name in form.base_fields:
            form.base_fields[name].help_text = text
    return form


admin.site.unregister([PeriodicTask, ClockedSchedule, CrontabSchedule, SolarSchedule, IntervalSchedule])


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(RussianTitlesMixin, beat_admin.PeriodicTaskAdmin):
    accusative = "периодическую задачу"
    count_forms = ("периодическая задача", "периодические задачи", "периодических задач")
    list_display = ("name", "enabled", "schedule", "interval", "start_time", "last_run_at", "one_off")
    list_filter = ["enabled", "one_off", ("task", TaskNameFilter), "start_time", "last_run_at"]
    fieldsets = (
        (
            None,
            {"fields": ("name", "regtask", "task", "enabled", "description"), "classes": ("extrapretty", "wide")},
        ),
        (
            "Расписание",
            {
                "fields": (
                    "interval",
                    "crontab",
                    "crontab_translation",
                    "solar",
                    "clocked",
                    "start_time",
                    "last_run_at",
                    "one_off",
                ),
                "classes": ("extrapretty", "wide"),
            },
        ),
        ("Аргументы", {"fields": ("args", "kwargs"), "classes": ("extrapretty", "wide", "collapse", "in")}),
        (
            "Параметры выполнения",
            {
                "fields": ("expires", "expire_seconds", "queue", "exchange", "routing_key", "priority", "headers"),
                "classes": ("extrapretty", "wide", "collapse", "in"),
            },
        ),
    )

    @admin.display(description="расписание")
    def schedule(self, task: PeriodicTask) -> object:
        return task.scheduler

    @admin.display(description="расписание словами")
    def crontab_translation(self, task: PeriodicTask) -> str:
        return task.crontab.human_readable if task.crontab else "—"

    def get_form(self, request: HttpRequest, obj: PeriodicTask | None = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return relabel(form, labels=PERIODIC_TASK_LABELS, help_texts=PERIODIC_TASK_HELP)


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    fields = ("name", "task_name", "args", "kwargs")
    readonly_fields = fields
    verbose_name = verbose_name_plural = "задачи по этому расписанию"

    @admin.display(description="задача")
    def task_name(self, task: PeriodicTask) -> str:
        return task.task


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(RussianTitlesMixin, beat_admin.ClockedScheduleAdmin):
    # The catalogue's «время» has no count («6 время»): one row is a moment a task runs at.
    count_forms = ("момент запуска", "момента запуска", "моментов запуска")
    inlines = [PeriodicTaskInline]


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(RussianTitlesMixin, beat_admin.CrontabScheduleAdmin):
    accusative = "расписание crontab"
    changelist_title = "Расписания crontab"
    count_forms = ("расписание crontab", "расписания crontab", "расписаний crontab")
    inlines = [PeriodicTaskInline]
    list_display = ("expression", "description")
    fields = ("description", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ("description",)

    def get_form(self, request: HttpRequest, obj: CrontabSchedule | None = None, change: bool = False, **kwargs):
        return relabel(super().get_form(request, obj, change, **kwargs), help_texts=CRONTAB_HELP)

    @admin.display(description="выражение crontab")
    def expression(self, schedule: CrontabSchedule) -> str:
        return str(schedule)

    @admin.display(description="словами")
    def description(self, schedule: CrontabSchedule) -> str:
        return schedule.human_readable


@admin.register(SolarSchedule)
class SolarScheduleAdmin(RussianTitlesMixin, beat_admin.SolarScheduleAdmin):
    count_forms = ("астрономическое событие", "астрономических события", "астрономических событий")
    inlines = [PeriodicTaskInline]


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(RussianTitlesMixin, beat_admin.IntervalScheduleAdmin):
    count_forms = ("интервал", "интервала", "интервалов")
    inlines = [PeriodicTaskInline]


admin.site.site_header = "AgentIQ — администрирование"
admin.site.site_title = "AgentIQ"
admin.site.index_title = "Управление сервисом"
# The lists are the console: at 1366 px the navigation column would push their columns out of sight
# (the index and the breadcrumbs navigate).
admin.site.enable_nav_sidebar = False
