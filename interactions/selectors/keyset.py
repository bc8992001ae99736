"""Keyset (seek) pagination over a mixed-direction ordering with nullable columns.

A cursor names the last row of a page by its sort values, so rows inserted while paging neither
repeat nor shift the others (an OFFSET would).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.expressions import OrderBy

from agentiq.errors import ApplicationError

CURSOR_INVALID_MESSAGE = "Неверный курсор страницы."
_INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges
_TEXT_TYPES = {"CharField", "TextField", "SlugField", "EmailField"}


class CursorError(ApplicationError):
    """A cursor the API did not write for this ordering: a 400, and no value of it reaches a query."""

    code = "invalid_cursor"

    def __init__(self, reason: str) -> None:
        super().__init__(CURSOR_INVALID_MESSAGE, extra={"errors": {"cursor": [CURSOR_INVALID_MESSAGE]}})
        self.reason = reason  # for a developer; the seller sees the message


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False
    nullable: bool = False  # nulls always sort last

    def order_by(self) -> OrderBy:
        expression = F(self.field)
        if self.descending:
            return expression.desc(nulls_last=True) if self.nullable else expression.desc()
        return expression.asc(nulls_last=True) if self.nullable else expression.asc()


def _after(key: SortKey, value: Any) -> Q | None:
    """Rows strictly after `value` in this key's direction (None: no row can be)."""
    if value is None:
        return None  # nulls are last: nothing sorts after them
    strictly = Q(**{f"{key.field}__lt" if key.descending else f"{key.field}__gt": value})
    if key.nullable:
        strictly |= Q(**{f"{key.field}__isnull": True})
    return strictly


def _equal(key: SortKey, value: Any) -> Q:
    if value is None:
        return Q(**{f"{key.field}__isnull": True})
    return Q(**{key.field: value})


def keyset_after(keys: list[SortKey], values: list[Any]) -> Q:
    """(k1 after v1) OR (k1 = v1 AND k2 after v2) OR …; the first key also bounds the scan for the index."""
    clauses: list[Q] = []
    prefix = Q()
    for key, value in zip(keys, values, strict=True):
        after = _after(key, value)
        if after is not None:
            clauses.append(prefix & after)
        prefix &= _equal(key, value)
    if not clauses:
        return Q(pk__in=[])
    combined = clauses[0]
    for clause in clauses[1:]:
        combined |= clause
    first, first_value = keys[0], values[0]
    if not first.nullable and first_value is not None:
        bound = Q(**{f"{first.field}__lte" if first.descending else f"{first.field}__gte": first_value})
        return bound & combined
    return combined


def encode_cursor(*, ordering: str, keys: list[SortKey], row: Model | Mapping[str, Any]) -> str:
    """The cursor after `row`: a model instance, or a `values()` dict holding the sort keys."""
    values = []
    for key in keys:
        value = row[key.field] if isinstance(row, Mapping) else getattr(row, key.field)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    raw = json.dumps({"o": ordering, "v": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _column(model: type[Model], key: SortKey) -> Field:
    field = model._meta.get_field(key.field)
    return field.target_field if field.many_to_one else field


def _cursor_value(column: Field, key: SortKey, value: Any) -> Any:
    """The value as the column holds it, or CursorError: the type and range come from the model, not the client."""
    if value is None:
        if not key.nullable:
            raise CursorError(f"{key.field} is never null")
        return None
    internal_type = column.get_internal_type()
    if internal_type in _INTEGER_RANGES:
        low, high = _INTEGER_RANGES[internal_type]
        # bool is an int in Python; JSON true is not the number 1.
        if type(value) is not int or not low <= value <= high:
            raise CursorError(f"{key.field} needs an integer in [{low}, {high}]")
        return value
    if internal_type == "DateTimeField":
        if not isinstance(value, str):
            raise CursorError(f"{key.field} needs an ISO 8601 datetime")
        try:
            moment = datetime.fromisoformat(value)
            if moment.utcoffset() is None:
                raise CursorError(f"{key.field} has no timezone")
            # Normalised here: an offset that pushes the instant past year 1 or 9999 fails now, not in the ORM.
            return moment.astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise CursorError(f"{key.field}: {exc}") from exc
    if internal_type in _TEXT_TYPES:
        if not isinstance(value, str) or (column.max_length is not None and len(value) > column.max_length):
            raise CursorError(f"{key.field} needs a string that fits the column")
        if "\x00" in value:  # PostgreSQL refuses NUL in text, even as a query parameter
            raise CursorError(f"{key.field} holds a NUL character")
        return value
    if internal_type == "BooleanField":
        if not isinstance(value, bool):
            raise CursorError(f"{key.field} needs a boolean")
        return value
    raise TypeError(f"no cursor support for {internal_type} ({key.field})")  # a SortKey nobody should declare


def decode_cursor(*, cursor: str, ordering: str, keys: list[SortKey], model: type[Model]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeError, RecursionError) as exc:  # JSON nested past the stack
        raise CursorError(f"not base64 JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("o") != ordering:
        raise CursorError("cursor does not match the ordering")
    values = data.get("v")
    if not isinstance(values, list) or len(values) != len(keys):
        raise CursorError("cursor does not match the sort keys")
    return [_cursor_value(_column(model, key), key, value) for key, value in zip(keys, values, strict=True)]


def keyset_page(
    queryset: QuerySet, *, ordering: str, keys: list[SortKey], cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page and the cursor of the next one (None at the end). One query: fetches limit + 1 rows.

    Rows are what the queryset yields: model instances, or dicts of a `values()` queryset that selects
    the sort keys."""
    if cursor:
        queryset = queryset.filter(
            keyset_after(keys, decode_cursor(cursor=cursor, ordering=ordering, keys=keys, model=queryset.model))
        )
    rows = list(queryset.order_by(*(k.order_by() for k in keys))[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(ordering=ordering, keys=keys, row=rows[-1])
