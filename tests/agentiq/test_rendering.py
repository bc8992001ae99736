"""dict_renderer: a dict rendered exactly as the declared DRF serializer renders it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from rest_framework import serializers

from agentiq.rendering import dict_renderer


class ChildOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(allow_null=True)


class ParentOutput(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    count = serializers.IntegerField()
    flag = serializers.BooleanField()
    price = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    data = serializers.JSONField()
    at = serializers.DateTimeField()
    child = ChildOutput(allow_null=True)
    children = ChildOutput(many=True, source="kids")


@pytest.mark.parametrize(
    "row",
    [
        {
            "name": "Ольга",
            "email": "o@example.com",
            "count": 3,
            "flag": True,
            "price": Decimal("4.5"),
            "data": {"a": [1, "б"]},
            "at": datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),
            "child": {"id": 1, "at": datetime(2026, 3, 1, 15, 0, 0, 7, tzinfo=timezone(timedelta(hours=3)))},
            "kids": [{"id": 2, "at": None}, {"id": 3, "at": datetime(2026, 3, 1, tzinfo=UTC)}],
            "ignored": "extra keys are not rendered",
        },
        {
            "name": "",
            "email": "",
            "count": 0,
            "flag": False,
            "price": None,
            "data": [],
            "at": datetime(2026, 3, 1, 12, 0, 0, 500000, tzinfo=UTC),
            "child": None,
            "kids": [],
        },
    ],
)
def test_renders_as_drf(row):
    assert dict_renderer(ParentOutput)(row) == ParentOutput(row).data
    assert list(dict_renderer(ParentOutput)(row)) == list(ParentOutput(row).data)


def test_dotted_sources_are_refused():
    class Dotted(serializers.Serializer):
        name = serializers.CharField(source="customer.name")

    with pytest.raises(ValueError, match="plain keys"):
        dict_renderer(Dotted)
