"""Render plain dicts (rows read with `values()`) the way a declared DRF serializer renders them.

A DRF serializer deep-copies its declared fields for every instance it is created for and calls each
field through generic hooks per value: on the inbox's hottest endpoints that was most of the time
spent outside SQL. `dict_renderer(SomeOutput)` reads the declared fields once, at import, and returns
a function that renders a dict with the same keys, order, nesting and formats (DRF's UTC "Z"
datetimes, its decimal strings), so the serializer stays the one description of the shape (and of the
OpenAPI schema). Values must already have the field's type, as the database returns them (str for a
CharField, int for an IntegerField…); tests compare the output with DRF's own for every endpoint
that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers
from rest_framework.settings import api_settings

Renderer = Callable[[Mapping[str, Any]], dict[str, Any]]

# Fields whose DRF representation of a value of their own type is the value itself.
_AS_IS = (serializers.CharField, serializers.IntegerField, serializers.BooleanField, serializers.JSONField)


def iso_datetime(value: datetime) -> str:
    """As DRF's DateTimeField renders an aware datetime in ISO 8601 (UTC: this project never activates
    another time zone; sellers' zones apply to stats' day boundaries only)."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def dict_renderer(serializer_class: type[serializers.Serializer]) -> Renderer:
    """A function rendering one dict as `serializer_class` would (declared fields, in their order)."""
    plan: list[tuple[str, str, Callable[[Any], Any] | None]] = []
    for name, field in serializer_class._declared_fields.items():
        source = field.source or name
        if "." in source or source == "*":
            raise ValueError(f"{serializer_class.__name__}.{name}: only plain keys are supported, not {source!r}")
        convert: Callable[[Any], Any] | None
        if isinstance(field, serializers.ListSerializer):
            convert = _many(dict_renderer(type(field.child)))
        elif isinstance(field, serializers.BaseSerializer):
            convert = dict_renderer(type(field))
        elif (
            isinstance(field, serializers.DateTimeField)
            and getattr(field, "format", serializers.empty) is serializers.empty
            and api_settings.DATETIME_FORMAT == "iso-8601"
            and getattr(field, "timezone", None) is None
        ):
            convert = iso_datetime
        elif isinstance(field, _AS_IS):
            convert = None
        else:
            convert = field.to_representation  # e.g. DecimalField: DRF's own formatting
        plan.append((name, source, convert))

    def render(row: Mapping[str, Any]) -> dict[str, Any]:
        output = {}
        for name, source, convert in plan:
            value = row[source]
            output[name] = value if value is None or convert is None else convert(value)
        return output

    return render


def _many(render: Renderer) -> Callable[[Any], list[dict[str, Any]]]:
    def render_many(rows: Any) -> list[dict[str, Any]]:
        return [render(row) for row in rows]

    return render_many
