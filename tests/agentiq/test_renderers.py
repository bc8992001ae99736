"""The API's JSON renderer writes DRF's bytes (orjson underneath, DRF's renderer where orjson can't)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from agentiq.renderers import JSONRenderer

VALUES = {
    "text": 'Платье «летнее» — ок \u2028 line \u2029 para \x00\x1f\x7f "q" \\ / 😀',
    "numbers": [0, -1, 2**63 - 1, -(2**63), 1.5, 0.1, 123456789.125, 1e16],
    "flags": [True, False, None],
    "aware": datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),
    "micro": datetime(2026, 3, 1, 12, 0, 0, 7, tzinfo=UTC),
    "moscow": datetime(2026, 3, 1, 15, 0, 0, tzinfo=timezone(timedelta(hours=3))),
    "naive": datetime(2026, 3, 1, 12, 0, 0),
    "day": date(2026, 3, 1),
    "clock": time(12, 30, 1, 500),
    "duration": timedelta(minutes=90),
    "money": Decimal("4.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Not found."),
    "error": ErrorDetail("Неверный курсор страницы.", code="invalid"),
    "tuple": (1, "два"),
    "nested": {"a": [{"b": {"c": []}}], "": {}},
}


@pytest.mark.parametrize(
    "data",
    [
        VALUES,
        ReturnDict(VALUES, serializer=None),
        ReturnList([VALUES, VALUES], serializer=None),
        {"big": 2**70},  # beyond orjson's 64 bits
        {1: "int key", None: "none key"},  # non-string keys
        [],
        "плоская строка",
    ],
)
def test_bytes_are_drfs(data):
    assert JSONRenderer().render(data, "application/json") == renderers.JSONRenderer().render(data, "application/json")


def test_none_and_pretty_printing_are_drfs():
    assert JSONRenderer().render(None) == b""
    pretty = JSONRenderer().render(VALUES, "application/json; indent=4")
    assert pretty == renderers.JSONRenderer().render(VALUES, "application/json; indent=4")
    assert b'\n    "text"' in pretty


def test_api_responses_use_it():
    from rest_framework.settings import api_settings

    assert JSONRenderer in api_settings.DEFAULT_RENDERER_CLASSES
