"""What every page of the staff console shares: titles and counts that read as Russian, and collapsed raw JSON."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import actions as django_actions
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import model_ngettext
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import ngettext

from agentiq.plural import PluralForms, count_label


@admin.action(permissions=["delete"], description=django_actions.delete_selected.short_description)
def delete_selected(modeladmin: RussianTitlesMixin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
    """Django's bulk delete (the same hooks, the same confirmation page) saying how many in Russian: Django
    puts verbose_name_plural after any number other than 1 («Успешно удалены 5 правила SLA»)."""
    if request.POST.get("post"):
        _, _, perms_needed, protected = modeladmin.get_deleted_objects(queryset, request)
        if not protected:
            if perms_needed:
                raise PermissionDenied
            deleted = len(queryset)
            if deleted:
                modeladmin.log_deletions(request, queryset)
                modeladmin.delete_queryset(request, queryset)
                modeladmin.message_user(request, f"Удалено: {modeladmin.count_label(deleted)}.", messages.SUCCESS)
            return None
    # The confirmation page (or, after a confirmation, what protects the rows): Django's, told the count.
    response = django_actions.delete_selected(modeladmin, request, queryset)
    if isinstance(response, TemplateResponse) and response.context_data is not None:
        selected = modeladmin.count_label(len(queryset))
        if response.context_data["perms_lacking"] or response.context_data["protected"]:
            response.context_data["title"] = f"Не удаётся удалить: {selected}"
        response.context_data["selected_count_label"] = selected
    return response


class RussianTitlesMixin:
    """Django builds titles by putting `verbose_name` into a fixed phrase: «Выберите настройка для
    изменения», «Добавить настройка». Russian needs the noun's accusative, so an admin whose noun
    changes in the accusative (feminine, animate) names it in `accusative`.

    Counts need the noun's three forms by number (agentiq.plural), adjectives agreeing: every admin
    declares `count_forms`, and the list footer, the search line, «выбрать все», the bulk delete and the
    list_editable save say «6 правил SLA» with them (a test checks every registered admin has its own)."""

    accusative: str = ""  # «настройку», «продавца»; empty: the same as verbose_name («подключение»)
    # The bulk delete for animate nouns: «Удалить выбранных продавцов», not «Удалить выбранные продавцы».
    delete_selected_label: str = ""
    changelist_title: str = ""  # empty: the capitalised verbose_name_plural («Подключения»)
    # After a number: («правило SLA», «правила SLA», «правил SLA»), for 1, 2 and 5.
    count_forms: PluralForms | tuple[()] = ()

    def noun_accusative(self) -> str:
        return self.accusative or str(self.model._meta.verbose_name)

    def count_label(self, n: int) -> str:
        """«6 правил SLA»; without count_forms, Django's own «6 правила SLA»."""
        if self.count_forms:
            return count_label(n, self.count_forms)
        opts = self.model._meta
        return f"{n} {opts.verbose_name if n == 1 else opts.verbose_name_plural}"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if IS_POPUP_VAR in request.GET:
            title = f"Выберите {self.noun_accusative()}"
        else:
            title = self.changelist_title or capfirst(str(self.model._meta.verbose_name_plural))
        context = {"title": title, "add_title": f"Добавить {self.noun_accusative()}", **(extra_context or {})}
        if not (self.list_editable and request.method == "POST" and "_save" in request.POST):
            return super().changelist_view(request, context)
        # Django's message after a list_editable save names the count with verbose_name_plural: the changes it
        # logs are counted (log_change) so that message_user can say it with count_forms.
        request._list_editable_changes = 0  # type: ignore[attr-defined]
        try:
            return super().changelist_view(request, context)
        finally:
            del request._list_editable_changes  # type: ignore[attr-defined]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if hasattr(request, "_list_editable_changes"):
            request._list_editable_changes += 1
        return super().log_change(request, obj, message)

    def message_user(self, request: HttpRequest, message: Any, *args: Any, **kwargs: Any) -> None:
        changed = getattr(request, "_list_editable_changes", 0)
        if changed and str(message) == self._django_list_editable_message(changed):
            message = f"Изменено: {self.count_label(changed)}."
        super().message_user(request, message, *args, **kwargs)

    def _django_list_editable_message(self, changed: int) -> str:
        """The text ModelAdmin.changelist_view sends after saving `changed` rows of the list."""
        return ngettext(
            "%(count)s %(name)s was changed successfully.", "%(count)s %(name)s were changed successfully.", changed
        ) % {"count": changed, "name": model_ngettext(self.opts, changed)}

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
        if "delete_selected" in actions:
            function, name, description = actions["delete_selected"]
            if function is django_actions.delete_selected:
                function = delete_selected
            actions["delete_selected"] = (function, name, self.delete_selected_label or description)
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
