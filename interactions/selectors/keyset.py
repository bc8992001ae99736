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
from datetime import datetime
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy


class CursorError(ValueError):
    pass


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False
    nullable: bool = False  # nulls always sort last
    is_datetime: bool = False

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


def decode_cursor(*, cursor: str, ordering: str, keys: list[SortKey]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["o"] != ordering or len(data["v"]) != len(keys):
            raise CursorError("cursor does not match the ordering")
        values = []
        for key, value in zip(keys, data["v"], strict=True):
            if value is not None and key.is_datetime:
                value = datetime.fromisoformat(value)
            elif value is not None and not isinstance(value, int | str):
                raise CursorError("bad cursor value")
            values.append(value)
        return values
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CursorError(str(exc)) from exc


def keyset_page(
    queryset: QuerySet, *, ordering: str, keys: list[SortKey], cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page and the cursor of the next one (None at the end). One query: fetches limit + 1 rows.

    Rows are what the queryset yields: model instances, or dicts of a `values()` queryset that selects
    the sort keys."""
    if cursor:
        queryset = queryset.filter(keyset_after(keys, decode_cursor(cursor=cursor, ordering=ordering, keys=keys)))
    rows = list(queryset.order_by(*(k.order_by() for k in keys))[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(ordering=ordering, keys=keys, row=rows[-1])
