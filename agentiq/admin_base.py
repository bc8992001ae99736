"""What every page of the staff console shares: titles that read as Russian, and collapsed raw JSON."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.timesince import timesince


class RussianTitlesMixin:
    """Django builds titles by putting `verbose_name` into a fixed phrase: «Выберите настройка для
    изменения», «Добавить настройка». Russian needs the noun's accusative, so an admin whose noun
    changes in the accusative (feminine, animate) names it in `accusative`."""

    accusative: str = ""  # «настройку», «продавца»; empty: the same as verbose_name («подключение»)
    # The bulk delete for animate nouns: «Удалить выбранных продавцов», not «Удалить выбранные продавцы».
    delete_selected_label: str = ""
    changelist_title: str = ""  # empty: the capitalised verbose_name_plural («Подключения»)

    def noun_accusative(self) -> str:
        return self.accusative or str(self.model._meta.verbose_name)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if IS_POPUP_VAR in request.GET:
            title = f"Выберите {self.noun_accusative()}"
        else:
            title = self.changelist_title or capfirst(str(self.model._meta.verbose_name_plural))
        context = {"title": title, "add_title": f"Добавить {self.noun_accusative()}", **(extra_context or {})}
        return super().changelist_view(request, context)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if add:
            context["title"] = f"Добавить {self.noun_accusative()}"
        elif self.has_change_permission(request, obj):
            context["title"] = f"Изменить {self.noun_accusative()}"
        else:
            context["title"] = capfirst(str(self.model._meta.verbose_name))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # «Вы уверены, что хотите удалить %(object_name)s …?» wants the accusative too.
        return super().delete_view(request, object_id, {"object_name": self.noun_accusative(), **(extra_context or {})})

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if self.delete_selected_label and "delete_selected" in actions:
            function, name, _ = actions["delete_selected"]
            actions["delete_selected"] = (function, name, self.delete_selected_label)
        return actions


class RussianModelAdmin(RussianTitlesMixin, admin.ModelAdmin):
    pass


def collapsed_json(value: Any, *, summary: str = "показать") -> SafeString | str:
    """Raw marketplace data folded under a <details>, pretty-printed when it is JSON (or a JSON string)."""
    if value in (None, "", {}, []):
        return "—"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, indent=2)
    else:
        text = json.dumps(value, ensure_ascii=False, indent=2)
    return format_html(
        "<details><summary>{} ({} симв.)</summary>"
        "<pre style='white-space: pre-wrap; max-height: 30em; overflow: auto'>{}</pre></details>",
        summary,
        len(text),
        text,
    )


def short_datetime(value: datetime | None) -> str:
    """«12.05.2025 14:30» in the active (staff) time zone: list columns stay narrow."""
    if value is None:
        return "—"
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def time_ago(value: datetime | None, *, never: str = "никогда") -> SafeString | str:
    """«5 минут назад», with the exact local time on hover."""
    if value is None:
        return never
    if timezone.now() - value < timedelta(minutes=1):
        return format_html('<span title="{}">только что</span>', short_datetime(value))
    return format_html('<span title="{}">{} назад</span>', short_datetime(value), timesince(value, depth=1))
