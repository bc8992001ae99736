"""A shop's canned answers."""

from __future__ import annotations

import re
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


class TemplateNotRenderable(ValueError):
    """A placeholder the interaction has no value for (no product name): the text would read wrong."""


_BUYER_NAME = re.compile(r"[ \t]*,?[ \t]*\{buyer_name\}")


def reply_template_render(*, text: str, buyer_name: str, product_name: str) -> str:
    """The template with its placeholders filled. Without a buyer name, «Здравствуйте, {buyer_name}!» reads
    «Здравствуйте!»; without a product name it cannot be said well, so it is refused (TemplateNotRenderable)."""
    buyer_name = " ".join((buyer_name or "").split())
    product_name = " ".join((product_name or "").split())
    if "{product_name}" in text and not product_name:
        raise TemplateNotRenderable("product_name")
    text = text.replace("{buyer_name}", buyer_name) if buyer_name else _BUYER_NAME.sub("", text)
    # Plain replacement, not str.format: a brace elsewhere in the seller's text is text.
    return text.replace("{product_name}", product_name).strip()
