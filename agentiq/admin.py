from __future__ import annotations

from django.contrib import admin

from agentiq.models import RuntimeSetting
from agentiq.runtime import REGISTRY


@admin.register(RuntimeSetting)
class RuntimeSettingAdmin(admin.ModelAdmin):
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
        form.base_fields["value"].help_text = "JSON: число, true/false или строка в кавычках."
        return form

    def save_model(self, request, obj: RuntimeSetting, form, change: bool) -> None:
        obj.updated_by = request.user
        if not obj.description and obj.key in REGISTRY:
            obj.description = REGISTRY[obj.key].description
        super().save_model(request, obj, form, change)


admin.site.site_header = "AgentIQ — администрирование"
admin.site.site_title = "AgentIQ"
admin.site.index_title = "Управление сервисом"
