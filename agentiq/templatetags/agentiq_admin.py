from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django import template

from agentiq.admin_base import RussianTitlesMixin, time_ago
from agentiq.overview import Overview, admin_overview

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_overview(context: dict[str, Any]) -> Overview:
    """The admin index's overview, without the lines whose list this staff member may not open."""
    user = context["request"].user
    overview = admin_overview()
    return replace(overview, items=[item for item in overview.items if user.has_perm(item.permission)])


@register.filter
def ago(value: datetime | None) -> str:
    """«5 минут назад» with the local time on hover; «никогда» for None."""
    return time_ago(value)


@register.simple_tag
def admin_count(n: int, cl: Any) -> str:
    """«6 правил SLA» for a changelist (its model admin's count_forms); Django's own words without them."""
    model_admin = getattr(cl, "model_admin", None)
    if isinstance(model_admin, RussianTitlesMixin):
        return model_admin.count_label(n)
    opts = cl.opts
    return f"{n} {opts.verbose_name if n == 1 else opts.verbose_name_plural}"
