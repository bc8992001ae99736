"""A shop's canned answers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from interactions.models import ReplyTemplate


def reply_template_save(*, seller: Any, template: ReplyTemplate | None = None, **fields: Any) -> ReplyTemplate:
    """Create (template=None) or update; names are unique within the shop."""
    template = template or ReplyTemplate(seller=seller)
    for name, value in fields.items():
        setattr(template, name, value)
    if not template.text.strip():
        raise ValidationError({"text": ["Введите текст шаблона."]})
    if not template.name.strip():
        raise ValidationError({"name": ["Введите название шаблона."]})
    clash = ReplyTemplate.objects.filter(seller=seller, name=template.name).exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"name": ["Шаблон с таким названием уже есть."]})
    template.save()
    return template
